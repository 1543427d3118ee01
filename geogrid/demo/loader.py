"""Load the synthetic demo district 泉峪区 (boundary_data/, made by boundary_data/generate.py).

Areas and grids go through the import services (geogrid.grids.importing); everything else is read
with geogrid.geo.features.read_features (teams.json with json) and upserted by its natural key:
roads, signs and boundary lines by code, markers by number, facilities by type + name, users by
username, 4+N memberships by grid + user + role. A second run finds everything in place and writes
nothing. Demo cases are reported and moved through the workflow core (report_incident /
transition), once: when the demo district already has cases they are left alone.
"""
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.management.groups import create_roles
from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.facilities.models import Facility
from geogrid.geo.features import promote_multi, read_features
from geogrid.grids.importing import import_areas, import_grids
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.models import Incident
from geogrid.incidents.services import report_incident, transition
from geogrid.placenames.models import Road, RoadSign

DATA_DIR = Path(settings.BASE_DIR) / "boundary_data"
DEMO_PASSWORD = "geogrid2026"
DISTRICT_CODE = "370190000000"
# The demo grids are valid from the day the teams took office, so backdated demo cases find them.
DEMO_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.get_default_timezone())
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN, Role.PLACENAME_STAFF, Role.BOUNDARY_INSPECTOR}

# How a demo case gets to its state: (action, who, hours after the previous step, fields).
STEPS = [
    ("register", "handler", 1.5, {}),
    ("dispatch", "handler", 1.0, {"assignee": "assignee"}),
    ("accept", "assignee", 2.0, {}),
    ("report", "assignee", 30.0, {"note": "已现场处置完毕"}),
    ("verify", "handler", 10.0, {}),
    ("close", "handler", 4.0, {}),
]
PATHS = {state: [s[0] for s in STEPS[:n]] for state, n in
         [("reported", 0), ("registered", 1), ("dispatched", 2), ("handling", 3), ("handled", 4), ("verified", 5), ("closed", 6)]}


@dataclass
class Count:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class DemoResult:
    counts: dict = field(default_factory=dict)  # label → Count
    totals: dict = field(default_factory=dict)  # model label → rows in the database
    elapsed_s: float = 0.0

    @property
    def changed(self):
        return any(c.created or c.updated for c in self.counts.values())


def _same(obj, name, value):
    f = obj._meta.get_field(name)
    if f.is_relation:  # compare ids: no query per row
        return getattr(obj, f.attname) == (value.pk if value is not None else None)
    current = getattr(obj, name)
    if hasattr(current, "equals_exact"):
        return value is not None and current.equals_exact(value, 1e-9)
    return current == value


def upsert(model, key, rows, *, bulk=True, on_create=None):
    """Create or update model rows by `key` (a field name or a tuple of them); rows are dicts of
    field values. Returns a Count. bulk=False calls save() (for models computing fields there).
    on_create: extra field values for new rows only (e.g. a user's password, never reset)."""
    keys = (key,) if isinstance(key, str) else key
    count = Count()
    existing = {tuple(getattr(o, k) for k in keys): o for o in model.objects.all()}
    new = []
    for row in rows:
        obj = existing.get(tuple(row[k] for k in keys))
        if obj is None:
            obj = model(**row, **(on_create or {}))
            if bulk:
                new.append(obj)
            else:
                obj.save()
            count.created += 1
            continue
        changed = [name for name, value in row.items() if not _same(obj, name, value)]
        if changed:
            for name in changed:
                setattr(obj, name, row[name])
            obj.save()
            count.updated += 1
        else:
            count.unchanged += 1
    model.objects.bulk_create(new, batch_size=500)
    return count


class DemoDataError(ValueError):
    """A demo file that does not say what the loader needs: which file, which feature, what."""


def _rows(data_dir, name, geom_types, build):
    """build(feature) for every feature of a demo file, checking the geometry type; a missing
    field or a wrong geometry becomes a DemoDataError naming the file and the feature."""
    out = []
    for f in read_features(Path(data_dir) / name):
        kind = promote_multi(f.geom).geom_type
        if kind not in geom_types:
            raise DemoDataError(_("%(file)s 第 %(i)s 个要素：几何类型是 %(t)s，应为 %(want)s；请重新运行 boundary_data/generate.py")
                                % {"file": name, "i": f.index, "t": kind, "want": "/".join(geom_types)})
        try:
            out.append(build(f))
        except KeyError as exc:
            raise DemoDataError(_("%(file)s 第 %(i)s 个要素缺少字段 %(k)s；请重新运行 boundary_data/generate.py")
                                % {"file": name, "i": f.index, "k": exc.args[0]})
    return out


def _text(v):
    return "" if v is None else str(v)


def _date(v):
    """GDAL hands GeoJSON dates over as date objects, json as text."""
    if v in (None, ""):
        return None
    return v if isinstance(v, date) else date.fromisoformat(str(v))


# --- the parts --------------------------------------------------------------------------------
def load_areas_and_grids(data_dir, result, progress=None):
    d = Path(data_dir)
    steps = [
        (_("行政区划·区县"), lambda: import_areas(d / "district.geojson", level="district")),
        (_("行政区划·街道/镇"), lambda: import_areas(d / "streets.geojson", level="street")),
        (_("行政区划·社区/村"), lambda: import_areas(d / "communities.geojson", level="community", parent_field="parent_code")),
        (_("四级网格"), lambda: import_grids(d / "grids_l4.geojson", level=4, progress=progress)),
        (_("五级网格"), lambda: import_grids(d / "grids_l5.geojson", level=5, progress=progress)),
    ]
    codes = []
    for label, run in steps:
        r = run()
        result.counts[label] = Count(r.created, r.updated, r.unchanged)
        codes += [row[0] for row in r.rows]
    # Demo grids were drawn before the demo cases: backdate the first version's validity.
    Grid.objects.filter(code__in=codes, version=1, valid_from__gt=DEMO_EPOCH).update(valid_from=DEMO_EPOCH)


def load_roads(data_dir, areas):
    def row(f):
        p = f.properties
        return dict(code=p["code"], name=_text(p["name"]), specific=_text(p["specific"]), generic=_text(p["generic"]),
                    pinyin=_text(p["pinyin"]), working_name=_text(p["working_name"]), category=p["category"], status=p["status"],
                    area=areas.get(p["area_code"]), named_on=_date(p.get("named_on")), meaning=_text(p["meaning"]),
                    geom=promote_multi(f.geom))
    return upsert(Road, "code", _rows(data_dir, "roads.geojson", ["MultiLineString"], row), bulk=False)  # save() measures


def load_signs(data_dir):
    roads = {r.code: r for r in Road.objects.all()}

    def row(f):
        p = f.properties
        return dict(code=p["code"], road=roads[p["road_code"]], geom=f.geom, facing=int(p["facing"]), name_text=p["name_text"],
                    pinyin_text=p["pinyin_text"], direction_text=_text(p["direction_text"]), door_range=_text(p["door_range"]),
                    condition=p["condition"], installed_year=p["installed_year"])
    return upsert(RoadSign, "code", _rows(data_dir, "road_signs.geojson", ["MultiPoint"], row))


def load_boundaries(data_dir, areas):
    def line_row(f):
        p = f.properties
        return dict(code=p["code"], name=p["name"], level=p["level"], side_a_code=p["side_a_code"], side_a_name=p["side_a_name"],
                    side_b_code=p["side_b_code"], side_b_name=p["side_b_name"], area_a=areas.get(p["side_a_code"]),
                    area_b=areas.get(p["side_b_code"]), geom=promote_multi(f.geom), description=_text(p["description"]))
    lines = upsert(BoundaryLine, "code", _rows(data_dir, "boundary_lines.geojson", ["MultiLineString"], line_row), bulk=False)
    by_code = {x.code: x for x in BoundaryLine.objects.all()}

    def marker_row(f):
        p = f.properties
        return dict(number=p["number"], line=by_code[p["line_code"]], marker_type=p["marker_type"], geom=f.geom,
                    material=p["material"], year_installed=p["year_installed"], description=_text(p["description"]))
    return lines, upsert(BoundaryMarker, "number", _rows(data_dir, "boundary_markers.geojson", ["MultiPoint"], marker_row))


def load_facilities(data_dir, areas):
    def row(f):
        p = f.properties
        return dict(facility_type=p["facility_type"], name=p["name"], address=_text(p["address"]), geom=f.geom,
                    capacity=p["capacity"], operator=_text(p["operator"]), phone=_text(p["phone"]), area=areas.get(p["area_code"]))
    return upsert(Facility, ("facility_type", "name"), _rows(data_dir, "facilities.geojson", ["MultiPoint"], row))


def load_people(data_dir, areas):
    """Users (demo logins, staff, 4+N members) and the memberships of the teams."""
    try:
        return _load_people(json.loads((Path(data_dir) / "teams.json").read_text(encoding="utf-8")), areas)
    except (KeyError, json.JSONDecodeError) as exc:
        raise DemoDataError(_("teams.json 有误（%(e)s）；请重新运行 boundary_data/generate.py") % {"e": exc})


def _load_people(people, areas):
    users = {}  # username → dict(fields, role)
    for t in people["teams"]:
        for m in t["members"]:
            role = Role.GRID_HEAD if m["role"] == "head" else Role.GRID_MEMBER
            users[m["username"]] = dict(full_name=m["full_name"], phone=m["phone"], area=areas[t["community_code"]], role=role)
    for s in people["staff"] + people["demo"]:
        users[s["username"]] = dict(full_name=s["full_name"], phone=s["phone"], area=areas[s["area_code"]], role=Role(s["role"]),
                                    superuser=bool(s.get("superuser")))
    password = make_password(DEMO_PASSWORD)  # hashed once: the same demo password for every user
    rows = []
    for username, u in users.items():
        rows.append(dict(username=username, full_name=u["full_name"], phone=u["phone"], area=u["area"],
                         is_staff=u["role"] in STAFF_ROLES or u.get("superuser", False), is_superuser=u.get("superuser", False)))
    user_count = upsert(User, "username", rows, on_create={"password": password})
    # Role groups: add the missing memberships only.
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    by_name = {u.username: u for u in User.objects.filter(username__in=users)}
    have = set(User.groups.through.objects.filter(user__in=by_name.values()).values_list("user_id", "group_id"))
    links = []
    for username, u in users.items():
        pair = (by_name[username].pk, groups[u["role"].value].pk)
        if pair not in have:
            links.append(User.groups.through(user_id=pair[0], group_id=pair[1]))
    User.groups.through.objects.bulk_create(links)
    # 4+N memberships on the current L4 rows.
    grids = {g.code: g for g in Grid.objects.current().filter(level=4, code__in=[t["grid_code"] for t in people["teams"]])}
    rows = []
    for t in people["teams"]:
        for m in t["members"]:
            rows.append(dict(grid=grids[t["grid_code"]], user=by_name[m["username"]], role=m["role"], other_kind=m["other_kind"],
                             phone=m["phone"], start_date=date.fromisoformat(t["start_date"])))
    return user_count, _upsert_members(rows)


def _upsert_members(rows):
    count = Count()
    existing = {(m.grid.code, m.user_id, m.role): m for m in GridMember.objects.select_related("grid").filter(end_date__isnull=True)}
    new = []
    for row in rows:
        m = existing.get((row["grid"].code, row["user"].pk, row["role"]))
        if m is None:
            new.append(GridMember(**row))
            count.created += 1
        elif m.other_kind != row["other_kind"] or m.phone != row["phone"]:
            m.other_kind, m.phone = row["other_kind"], row["phone"]
            m.save(update_fields=["other_kind", "phone"])
            count.updated += 1
        else:
            count.unchanged += 1
    GridMember.objects.bulk_create(new, batch_size=500)
    return count


def seed_incidents(data_dir, now=None):
    """Report the demo cases and take each through the workflow core to its target state, with
    backdated times so that deadlines and statistics look lived-in. Once only."""
    count = Count()
    features = _rows(data_dir, "incidents.geojson", ["MultiPoint"], lambda f: f)
    if Incident.objects.filter(street__code__startswith=DISTRICT_CODE[:6]).exists():
        count.unchanged = len(features)
        return count
    now = now or timezone.now()
    users = {u.username: u for u in User.objects.filter(username__in={f.properties[k] for f in features for k in ("reporter", "handler", "assignee")})}
    for f in features:
        p = f.properties
        t = now - timedelta(days=float(p["days_ago"]))
        incident = report_incident(users[p["reporter"]], category=p["category"], description=p["description"],
                                   lon=f.geom.x, lat=f.geom.y, crs="EPSG:4490", now=t)
        state = p["target_state"]
        if state == "rejected":
            transition(incident, "reject", users[p["handler"]], "经核实不属于网格事项，已告知上报人", now=t + timedelta(hours=1))
        else:
            steps = [s for s in STEPS if s[0] in PATHS[state]]
            total = sum(s[2] for s in steps)
            # Squeeze the steps of a recent case so that none lies in the future.
            squeeze = min(1.0, (now - t - timedelta(minutes=30)) / timedelta(hours=total)) if total else 1.0
            for action, who, hours, fields in steps:
                t += timedelta(hours=hours * squeeze)
                extra = {k: users[p[v]] if k == "assignee" else v for k, v in fields.items()}
                note = extra.pop("note", "")
                transition(incident, action, users[p[who]], note, now=t, **extra)
        count.created += 1
    return count


def load_demo(data_dir=DATA_DIR, stdout=None, progress=None):
    """Load (or check) the whole demo in one transaction; returns a DemoResult."""
    started = time.monotonic()
    result = DemoResult()
    with transaction.atomic():
        roles = create_roles()
        result.counts[_("角色组")] = Count(roles.groups_created, roles.groups_updated, roles.unchanged)
        load_areas_and_grids(data_dir, result, progress)
        areas = {a.code: a for a in AdminArea.objects.filter(code__startswith=DISTRICT_CODE[:6])}
        result.counts[_("道路")] = load_roads(data_dir, areas)
        result.counts[_("路名牌")] = load_signs(data_dir)
        result.counts[_("界线")], result.counts[_("界桩")] = load_boundaries(data_dir, areas)
        result.counts[_("民政设施")] = load_facilities(data_dir, areas)
        result.counts[_("用户")], result.counts[_("网格成员（4+N）")] = load_people(data_dir, areas)
        result.counts[_("演示事件")] = seed_incidents(data_dir)
    for model in (AdminArea, Grid, GridMember, User, Road, RoadSign, BoundaryLine, BoundaryMarker, Facility, Incident):
        result.totals[str(model._meta.verbose_name)] = model.objects.count()
    result.elapsed_s = time.monotonic() - started
    return result


# Where each demo role starts, so a person trying the printed logins lands on their own tool;
# staff roles also reach /admin/ (grid members and heads are not staff: their tool is the phone page).
START_PAGES = {
    Role.GRID_MEMBER: ["/incidents/report/", "/incidents/mine/"],
    Role.GRID_HEAD: ["/incidents/report/", "/incidents/"],
    Role.COMMUNITY_STAFF: ["/incidents/", "/stats/"],
    Role.STREET_DISPATCHER: ["/incidents/", "/stats/"],
    Role.DISTRICT_ADMIN: ["/incidents/", "/stats/"],
    Role.PLACENAME_STAFF: ["/map/"],
    Role.BOUNDARY_INSPECTOR: ["/map/"],
}


def start_pages(role, superuser=False):
    role = Role(role)
    return START_PAGES[role] + (["/admin/"] if role in STAFF_ROLES or superuser else [])


def demo_logins(data_dir=DATA_DIR):
    """(username, password, role label, area, start pages) of the demo logins, in README order."""
    people = json.loads((Path(data_dir) / "teams.json").read_text(encoding="utf-8"))
    names = dict(AdminArea.objects.filter(code__in=[d["area_code"] for d in people["demo"]]).values_list("code", "name"))
    grid_names = dict(Grid.objects.current().filter(code=people["demo_grid"]).values_list("code", "name"))
    rows = []
    for d in people["demo"]:
        where = names.get(d["area_code"], d["area_code"])
        if d.get("grid_code"):
            where = f"{where} {grid_names.get(d['grid_code'], d['grid_code'])}"
        label = str(Role(d["role"]).label) + (_("（超级用户）") if d.get("superuser") else "")
        rows.append((d["username"], DEMO_PASSWORD, label, where, " ".join(start_pages(d["role"], d.get("superuser", False)))))
    return rows

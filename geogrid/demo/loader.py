"""Load the synthetic demo district 泉峪区 (boundary_data/, made by boundary_data/generate.py).

Areas and grids go through the import services (geogrid.grids.importing); everything else is read
with geogrid.geo.features.read_features (teams.json with json) and upserted by its natural key:
roads, signs and boundary lines by code, markers by number, facilities by type + name, users by
username, 4+N memberships by grid + user + role. A second run finds everything in place and writes
nothing. Demo cases are reported and moved through the workflow core (report_incident /
transition) at times computed back from the moment loaddemo runs (demo_times: most open cases on
time, some due soon, a few overdue), once: when the demo district already has cases they are left
alone.
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
from geogrid.incidents.models import Incident, IncidentCategory, Satisfaction
from geogrid.incidents.services import report_incident, stage_hours, transition
from geogrid.placenames.models import Road, RoadSign
from geogrid.workflow import worktime

DATA_DIR = Path(settings.BASE_DIR) / "boundary_data"
DEMO_PASSWORD = "geogrid2026"
DISTRICT_CODE = "370190000000"
# The demo grids are valid from the day the teams took office, so backdated demo cases find them.
DEMO_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.get_default_timezone())
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN, Role.PLACENAME_STAFF, Role.BOUNDARY_INSPECTOR}

# How a demo case gets to its state: (action, who, the state it ends, fields).
STEPS = [
    ("register", "handler", "reported", {}),
    ("dispatch", "handler", "registered", {"assignee": "assignee"}),
    ("accept", "assignee", "dispatched", {}),
    ("report", "assignee", "handling", {"note": "已现场处置完毕"}),
    ("verify", "handler", "handled", {}),
    ("close", "handler", "verified", {}),
]
PATHS = {state: [s[0] for s in STEPS[:n]] for state, n in
         [("reported", 0), ("registered", 1), ("dispatched", 2), ("handling", 3), ("handled", 4), ("verified", 5), ("closed", 6)]}
# The demo's open cases, in file order, take these deadline colours in turn (7 on time, 2 due soon,
# 1 overdue in 10), each with the share of its current stage's time limit used when loaddemo runs.
COLOUR_CYCLE = ["green", "green", "yellow", "green", "green", "green", "red", "green", "yellow", "green"]
USED = {"green": (0.15, 0.35, 0.55, 0.25, 0.45), "yellow": (0.9,), "red": (1.6,)}
# Earlier stages took these shares of their limits (a closed case now and then had a late stage).
EARLIER = (0.5, 0.3, 0.65, 0.4, 0.2)
LATE = 1.3
WORKING_DAY_H = 7.5  # office hours of a working day (for "closed N days ago" in working time)
# 综合评价: the reporter evaluates most closed cases a few hours (of the case's clock) after closing;
# every fourth closed case is still waiting for it.
EVALUATIONS = [(Satisfaction.SATISFIED, "处理及时，很满意"), (Satisfaction.BASICALLY_SATISFIED, "问题基本解决，希望加强日常巡查"),
               (Satisfaction.SATISFIED, "办事效率高")]


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


def _before(end, hours, working):
    """The moment `hours` before end on a case's clock (working time or round the clock): the
    latest start from which `hours` of that clock have run by end (worktime.add_hours backwards)."""
    if not working:
        return end - timedelta(hours=hours)
    lo = end - timedelta(hours=hours)
    while worktime.hours_between(lo, end) < hours:
        lo -= end - lo
    hi = end
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if worktime.hours_between(mid, end) >= hours:
            lo = mid
        else:
            hi = mid
    return lo.replace(microsecond=0)


def demo_times(category, target_state, *, index, open_index, days_ago, now):
    """[(action or "open", when)] of a demo case, computed backwards from now on the category's
    clock: an open case has used USED[colour] of its current stage's limit (its colour from
    COLOUR_CYCLE by open_index), earlier stages EARLIER of theirs; a closed or rejected case ended
    days_ago days ago (working days for a working-time category), most of them evaluated since."""
    case = Incident(category=category, mode=category.default_mode)
    working = category.working_time

    def limit(state):
        return stage_hours(case, state) or 1.0

    if target_state == "rejected":
        end = _before(now, days_ago * (WORKING_DAY_H if working else 24), working)
        return [("open", _before(end, EARLIER[index % len(EARLIER)] * limit("reported"), working)), ("reject", end)]
    actions = PATHS[target_state]
    if target_state == "closed":
        t = _before(now, days_ago * (WORKING_DAY_H if working else 24), working)
    else:
        colour = COLOUR_CYCLE[open_index % len(COLOUR_CYCLE)]
        used = USED[colour][open_index % len(USED[colour])]
        t = _before(now, used * limit(target_state), working)
    times = []
    for k, action in reversed(list(enumerate(actions))):
        times.append((action, t))
        share = EARLIER[(index + k) % len(EARLIER)]
        if target_state == "closed" and action == "report" and index % 4 == 0:
            share = LATE
        ended = next(s[2] for s in STEPS if s[0] == action)
        t = _before(t, share * limit(ended), working)
    times.append(("open", t))
    times = times[::-1]
    if target_state == "closed" and index % 4 != 3:
        evaluated = worktime.add_hours(times[-1][1], 2 + index % 5, working)
        if evaluated < now:
            times.append(("evaluate", evaluated))
    return times


def seed_incidents(data_dir, now=None):
    """Report the demo cases and take each through the workflow core to its target state, at times
    computed back from now (demo_times), so that the demo opens as a working street office would:
    most open cases on time, some due soon, a few overdue, and cases closed (and most of them
    evaluated by their reporters) over the last weeks.
    Once only: when the demo district already has cases they are left alone."""
    count = Count()
    features = _rows(data_dir, "incidents.geojson", ["MultiPoint"], lambda f: f)
    if Incident.objects.filter(street__code__startswith=DISTRICT_CODE[:6]).exists():
        count.unchanged = len(features)
        return count
    now = now or timezone.now()
    users = {u.username: u for u in User.objects.filter(username__in={f.properties[k] for f in features for k in ("reporter", "handler", "assignee")})}
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    open_index = 0
    for index, f in enumerate(features):
        p = f.properties
        state = p["target_state"]
        times = demo_times(categories[p["category"]], state, index=index, open_index=open_index, days_ago=float(p["days_ago"]), now=now)
        if state in Incident.OPEN_STATES:
            open_index += 1
        incident = report_incident(users[p["reporter"]], category=p["category"], description=p["description"],
                                   lon=f.geom.x, lat=f.geom.y, crs="EPSG:4490", now=times[0][1])
        for action, t in times[1:]:
            if action == "reject":
                transition(incident, "reject", users[p["handler"]], "经核实不属于网格事项，已告知上报人", now=t)
                continue
            if action == "evaluate":
                satisfaction, comment = EVALUATIONS[index % len(EVALUATIONS)]
                transition(incident, "evaluate", users[p["reporter"]], comment, now=t, satisfaction=satisfaction)
                continue
            who, fields = next((s[1], s[3]) for s in STEPS if s[0] == action)
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

"""Load the synthetic demo district 泉峪区 (boundary_data/, made by boundary_data/generate.py).

Areas and grids go through the import services (geogrid.grids.importing); everything else is read
with geogrid.geo.features.read_features (teams.json with json) and upserted by its natural key:
roads, signs and boundary lines by code, markers by number, facilities by type + name, users by
username, 4+N memberships by grid + user + role. A second run finds everything in place and writes
nothing. Demo cases are reported and moved through the workflow core (report_incident /
transition) at times computed back from the moment loaddemo runs (demo_times: most open cases on
time, some due soon, a few overdue), once: when the demo district already has cases they are left
alone. Most go the usual way to their target state; the stories of incidents.geojson (cases with
`steps`) are the demo logins' own work, some of it passed to functional departments. The
notifications the steps make are kept (whoever takes a step on a case has read what they were told
of it before), and the nightly check (notify_due) runs once at the moment of loading, so every
case-handling demo login opens on news of its work.
"""
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.management.groups import create_roles
from geogrid.accounts.departments import seed_departments
from geogrid.accounts.models import Department, User
from geogrid.accounts.roles import Role
from geogrid.boundaries import demo as boundary_demo
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.care.demo import load_care_demo
from geogrid.facilities.demo import load_demo_facilities
from geogrid.facilities.models import Facility
from geogrid.geo.features import promote_multi, read_features
from geogrid.grids.importing import import_areas, import_grids
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.models import Incident, IncidentCategory, Satisfaction
from geogrid.incidents.seed import seed as seed_categories
from geogrid.incidents.services import report_incident, stage_hours, transition
from geogrid.notifications.cases import notify_due
from geogrid.notifications.models import Notification
from geogrid.placenames.demo import load_naming_demo
from geogrid.placenames.models import Road, RoadSign
from geogrid.workflow import worktime
from layers.versions import bump_model

DATA_DIR = Path(settings.BASE_DIR) / "boundary_data"
DEMO_PASSWORD = "geogrid2026"
DISTRICT_CODE = "370190000000"
# The demo grids are valid from the day the teams took office, so backdated demo cases find them.
DEMO_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.get_default_timezone())
# Roles that open /admin/. Not department staff: their work is the case pages (/incidents/), and the
# admin would only show them the same cases again, read-only.
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
REJECT_NOTE = "经核实不属于网格事项，已告知上报人"
# The state each action of a demo case leads to (urge and evaluate leave it: they end no stage).
TARGETS = {"register": "registered", "reject": "rejected", "dispatch": "dispatched", "to_department": "dispatched",
           "accept": "handling", "report": "handled", "verify": "verified", "close": "closed", "escalate": "registered"}
# An urged demo case was urged when this share of its stage's time limit had run (past the deadline).
URGED_AT = 1.25
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
    if new:
        bump_model(model)  # bulk_create sends no signals: the published layers of the model change
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
    return Count(*load_demo_facilities(data_dir))  # through the facilities import service


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
    departments = {d.code: d for d in Department.objects.all()}
    for s in people["staff"] + people["demo"]:
        code = s.get("department_code")
        if code and code not in departments:
            raise DemoDataError(_("teams.json：%(user)s 的职能部门 %(code)s 不存在；请在管理后台“职能部门”中添加此编码的部门")
                                % {"user": s["username"], "code": code})
        users[s["username"]] = dict(full_name=s["full_name"], phone=s["phone"], area=areas[s["area_code"]], role=Role(s["role"]),
                                    superuser=bool(s.get("superuser")), department=departments.get(code))
    password = make_password(DEMO_PASSWORD)  # hashed once: the same demo password for every user
    rows = []
    for username, u in users.items():
        rows.append(dict(username=username, full_name=u["full_name"], phone=u["phone"], area=u["area"],
                         department=u.get("department"), is_staff=u["role"] in STAFF_ROLES or u.get("superuser", False),
                         is_superuser=u.get("superuser", False)))
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


def demo_times(category, target_state, *, index, open_index, days_ago, now, actions=None, mode=None, colour=None, late_stage=None):
    """[(action or "open", when)] of a demo case, computed backwards from now on the category's
    clock. `actions`: what happens to the case, in order (default: the usual way to target_state,
    PATHS, or "reject"); `mode`: the 五办 mode it is registered in (default the category's). An
    open case has used USED[colour] of its current stage's limit (colour given, or from
    COLOUR_CYCLE by open_index), earlier stages EARLIER of theirs (LATE for the stage that
    late_stage ends: a closed case now and then had a late stage); a closed or rejected case ended
    days_ago days ago (working days for a working-time category). After the last stage come an
    urge (URGED_AT of the stage's limit after it began, past its deadline) or the reporter's
    evaluation (a few hours after the close); what would still be to come is left out."""
    working = category.working_time
    if actions is None:
        actions = ["reject"] if target_state == "rejected" else PATHS[target_state]
    # The stage (state, mode) each action ends, and the one the case is in at the end.
    stages, state, current_mode = [], "reported", category.default_mode
    for action in actions:
        stages.append((state, current_mode))
        if action == "register" and mode:
            current_mode = mode
        state = TARGETS.get(action, state)

    def limit(stage):
        return stage_hours(Incident(category=category, mode=stage[1]), stage[0]) or 1.0

    ends = [k for k, action in enumerate(actions) if action in TARGETS]
    # Urge and evaluate come after the last stage, and the steps end in the target state.
    if state != target_state or any(action not in TARGETS for action in actions[:ends[-1] if ends else 0]):
        raise ValueError(" → ".join(list(actions) + [target_state]))
    if state in Incident.OPEN_STATES:
        colour = colour or COLOUR_CYCLE[open_index % len(COLOUR_CYCLE)]
        t = _before(now, USED[colour][open_index % len(USED[colour])] * limit((state, current_mode)), working)
    else:
        t = _before(now, days_ago * (WORKING_DAY_H if working else 24), working)
    at = {}
    for n, k in reversed(list(enumerate(ends))):
        at[k] = t
        share = LATE if actions[k] == late_stage else EARLIER[(index + n) % len(EARLIER)]
        t = _before(t, share * limit(stages[k]), working)
    times = [("open", t)] + [(actions[k], at[k]) for k in ends]
    stage_began = times[-1][1]
    for action in actions[len(ends):]:
        hours = URGED_AT * limit((state, current_mode)) if action == "urge" else 2 + index % 5
        when = worktime.add_hours(stage_began, hours, working)
        if when >= now:
            break
        times.append((action, when))
    return times


def case_steps(p, index):
    """[(action, username, fields)] of a demo case: its story's steps, or else the usual way to its
    target state (STEPS, or a rejection) and, for most closed cases, the reporter's evaluation."""
    if p.get("steps"):
        steps = json.loads(p["steps"]) if isinstance(p["steps"], str) else p["steps"]  # GDAL hands nested lists over as JSON
        return [(action, who, dict(fields or {})) for action, who, fields in steps]
    state = p["target_state"]
    if state == "rejected":
        return [("reject", p["handler"], {"note": REJECT_NOTE})]
    steps = [(action, p[who], {k: p[v] if k == "assignee" else v for k, v in fields.items()})
             for action, who, _ended, fields in STEPS[:len(PATHS[state])]]
    if state == "closed" and index % 4 != 3:  # every fourth closed case is still waiting for it
        satisfaction, comment = EVALUATIONS[index % len(EVALUATIONS)]
        steps.append(("evaluate", p["reporter"], {"satisfaction": satisfaction, "note": comment}))
    return steps


def bad_case(feature, what):
    """The DemoDataError of a demo case the loader cannot make: which feature, what is wrong."""
    return DemoDataError(_("incidents.geojson 第 %(i)s 个要素有误（%(e)s）；请重新运行 boundary_data/generate.py")
                         % {"i": feature.index, "e": what})


def seed_incidents(data_dir, now=None):
    """Report the demo cases and take each through the workflow core to its target state, at times
    computed back from now (demo_times), so that the demo opens as a working street office would:
    most open cases on time, some due soon, a few overdue, and cases closed (and most of them
    evaluated by their reporters) over the last weeks. The steps tell people as they would
    (dispatch, to_department, urge, close: geogrid.notifications); whoever takes a step on a case
    has read what they were told of it before; then the nightly check (notify_due) runs at `now`,
    telling the holders of the cases due soon or overdue.
    Once only: when the demo district already has cases they are left alone."""
    count = Count()
    features = _rows(data_dir, "incidents.geojson", ["MultiPoint"], lambda f: f)
    if Incident.objects.filter(street__code__startswith=DISTRICT_CODE[:6]).exists():
        count.unchanged = len(features)
        return count
    now = now or timezone.now()
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    cases, open_index = [], 0
    for index, f in enumerate(features):
        p = f.properties
        try:
            steps = case_steps(p, index)
            state = p["target_state"]
            mode = next((fields["mode"] for action, _w, fields in steps if action == "register" and fields.get("mode")), None)
            late = "report" if state == "closed" and not p.get("steps") and index % 4 == 0 else None
            times = demo_times(categories[p["category"]], state, index=index, open_index=open_index,
                               days_ago=float(p.get("days_ago") or 0), now=now, actions=[s[0] for s in steps], mode=mode,
                               colour=p.get("colour") or None, late_stage=late)
        except (KeyError, ValueError, TypeError) as exc:
            raise bad_case(f, exc)
        if state in Incident.OPEN_STATES:
            open_index += 1
        people = {p["reporter"]} | {name for _a, who, fields in steps for name in (who, fields.get("assignee")) if name}
        cases.append((f, steps, times, people))
    users = {u.username: u for u in User.objects.filter(username__in=set().union(*(c[3] for c in cases)))}
    for f, _steps, _times, people in cases:
        if people - set(users):  # someone teams.json does not have
            raise bad_case(f, "、".join(sorted(people - set(users))))
    incident_type = ContentType.objects.get_for_model(Incident)
    for f, steps, times, _people in cases:
        p = f.properties
        incident = report_incident(users[p["reporter"]], category=p["category"], description=p["description"],
                                   lon=f.geom.x, lat=f.geom.y, crs="EPSG:4490", now=times[0][1])
        for (action, who, fields), (_action, t) in zip(steps, times[1:]):
            fields = dict(fields)
            note = fields.pop("note", "")
            if "assignee" in fields:
                fields["assignee"] = users[fields["assignee"]]
            transition(incident, action, users[who], note, now=t, **fields)
            # Who takes a step on a case has opened it: what they were told of it is read.
            Notification.objects.filter(recipient=users[who], content_type=incident_type, object_id=str(incident.pk),
                                        read_at__isnull=True).update(read_at=t)
        count.created += 1
    notify_due(now)
    return count


def load_demo(data_dir=DATA_DIR, stdout=None, progress=None):
    """Load (or check) the whole demo in one transaction; returns a DemoResult."""
    started = time.monotonic()
    result = DemoResult()
    with transaction.atomic():
        # Reference data the migrations seed: put back what a flushed database lost (rows there,
        # maybe edited, are left alone).
        seed_categories(IncidentCategory)
        seed_departments(Department)
        roles = create_roles()
        result.counts[_("角色组")] = Count(roles.groups_created, roles.groups_updated, roles.unchanged)
        load_areas_and_grids(data_dir, result, progress)
        areas = {a.code: a for a in AdminArea.objects.filter(code__startswith=DISTRICT_CODE[:6])}
        result.counts[_("道路")] = load_roads(data_dir, areas)
        result.counts[_("路名牌")] = load_signs(data_dir)
        neighbours, n = boundary_demo.load_neighbours(data_dir)  # the other party of a line (boundaries)
        areas.update(neighbours)
        result.counts[_("邻区")] = Count(created=n, unchanged=1 - n)
        result.counts[_("界线")], result.counts[_("界桩")] = load_boundaries(data_dir, areas)
        result.counts[_("民政设施")] = load_facilities(data_dir, areas)
        result.counts[_("用户")], result.counts[_("网格成员（4+N）")] = load_people(data_dir, areas)
        result.counts[_("演示事件")] = seed_incidents(data_dir)
        result.counts[_("关爱对象")] = load_care(data_dir)
        result.counts[_("道路命名申请")] = Count(*load_naming_demo())
        n = boundary_demo.load_inspection_demo(DEMO_PASSWORD)
        result.counts[_("界线联检")] = Count(created=n, unchanged=int(not n))
    for model in (AdminArea, Grid, GridMember, User, Road, RoadSign, BoundaryLine, BoundaryMarker, Facility, Incident, Notification):
        result.totals[str(model._meta.verbose_name)] = model.objects.count()
    result.elapsed_s = time.monotonic() - started
    return result


def load_care(data_dir):
    """Synthetic care subjects in the level-5 grids of the demo grid's community (geogrid.care.demo)."""
    people = json.loads((Path(data_dir) / "teams.json").read_text(encoding="utf-8"))
    member = next(d for d in people["demo"] if d["role"] == Role.GRID_MEMBER)
    created, unchanged = load_care_demo(member["area_code"], people["demo_grid"], member["username"])
    return Count(created=created, unchanged=unchanged)


# Where each demo role starts, so a person trying the printed logins lands on their own tool;
# staff roles also reach /admin/ (grid members and heads are not staff: their tool is the phone page;
# nor are department staff: theirs is the case console, where the cases passed to them are).
START_PAGES = {
    Role.GRID_MEMBER: ["/incidents/report/", "/incidents/mine/", "/care/"],
    Role.GRID_HEAD: ["/incidents/report/", "/incidents/", "/care/"],
    Role.COMMUNITY_STAFF: ["/incidents/", "/stats/"],
    Role.STREET_DISPATCHER: ["/incidents/", "/stats/"],
    Role.DISTRICT_ADMIN: ["/incidents/", "/stats/"],
    Role.PLACENAME_STAFF: ["/placenames/", "/placenames/queue/", "/map/"],
    Role.BOUNDARY_INSPECTOR: ["/boundaries/", "/map/"],
    Role.DEPARTMENT_STAFF: ["/incidents/", "/notifications/"],
}


def start_pages(role, superuser=False):
    role = Role(role)
    return START_PAGES[role] + (["/admin/"] if role in STAFF_ROLES or superuser else [])


def demo_logins(data_dir=DATA_DIR):
    """(username, password, role label, area, start pages) of the demo logins, in README order."""
    people = json.loads((Path(data_dir) / "teams.json").read_text(encoding="utf-8"))
    names = dict(AdminArea.objects.filter(code__in=[d["area_code"] for d in people["demo"]]).values_list("code", "name"))
    grid_names = dict(Grid.objects.current().filter(code=people["demo_grid"]).values_list("code", "name"))
    departments = dict(Department.objects.values_list("code", "name"))
    rows = []
    for d in people["demo"]:
        where = names.get(d["area_code"], d["area_code"])
        if d.get("grid_code"):
            where = f"{where} {grid_names.get(d['grid_code'], d['grid_code'])}"
        if d.get("department_code"):
            where = f"{where} {departments.get(d['department_code'], d['department_code'])}"
        label = str(Role(d["role"]).label) + (_("（超级用户）") if d.get("superuser") else "")
        rows.append((d["username"], DEMO_PASSWORD, label, where, " ".join(start_pages(d["role"], d.get("superuser", False)))))
    return rows

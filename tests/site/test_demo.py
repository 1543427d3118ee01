"""The demo district (boundary_data/) and its commands: generator determinism, loaddemo (counts,
idempotence, atomicity, tiling, markers on their lines), create_roles, demo logins, locate, the
demo's department cases and the notifications of the demo logins.

The demo is loaded once for the module inside a transaction that is rolled back at the end, so
other test modules never see it (each test still runs in its own savepoint)."""
import importlib.util
import json
import re
import shutil
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from geogrid.demo.loader import DATA_DIR, DEMO_PASSWORD, DemoDataError, load_demo, seed_incidents
from tests.support.demo import demo  # noqa: F401  (module-scoped fixture: the demo loaded once)
from geogrid.accounts.departments import DEPARTMENTS
from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.facilities.models import Facility
from geogrid.geo.measure import distance_m
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.models import Incident
from geogrid.incidents.permissions import visible_incidents
from geogrid.incidents.services import deadline_counts
from geogrid.notifications.cases import notify_due
from geogrid.notifications.models import Notification
from geogrid.placenames.models import Road, RoadSign

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "boundary_data"
TEAMS = json.loads((DATA / "teams.json").read_text(encoding="utf-8"))
DEMO_CASES = 49  # 40 going the usual way through the district, 9 stories of the demo logins in the demo grid
# The demo logins that handle cases: each opens on news of its work. Place-name staff and boundary
# inspectors have no case work and are told of nothing.
CASE_LOGINS = ["demo_member", "demo_head", "demo_community", "demo_street", "demo_admin", "demo_department"]


def test_generator_is_deterministic_and_matches_the_checked_in_files(tmp_path):
    spec = importlib.util.spec_from_file_location("demo_generate", DATA / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    started = time.monotonic()
    stats = gen.main(tmp_path, quiet=True)
    assert time.monotonic() - started < 60
    made = sorted(p.name for p in tmp_path.iterdir())
    checked_in = sorted(p.name for p in DATA.iterdir() if p.suffix in (".geojson", ".json"))
    assert made == checked_in
    for name in made:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), f"{name} differs: run boundary_data/generate.py"
    assert 300 <= stats["district_km2"] <= 500
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 15 * 1024 * 1024
    # Departments are named by the codes geogrid seeds (accounts/departments.py).
    codes = {code for code, _name in DEPARTMENTS}
    people = TEAMS["staff"] + TEAMS["demo"]
    assert {p["department_code"] for p in people if p["role"] == "department_staff"} == codes
    cases = [json.loads(line.rstrip(","))["properties"] for line in (DATA / "incidents.geojson").read_text(encoding="utf-8").splitlines()[1:-1]]
    assert len(cases) == DEMO_CASES
    passed = {f.get("department") for c in cases for _a, _who, f in c.get("steps", [])} - {None}
    assert passed and passed <= codes


def test_counts_are_in_the_expected_ranges(demo, db):
    assert AdminArea.objects.filter(level="district", code="370190000000", name="泉峪区").count() == 1
    assert 6 <= AdminArea.objects.filter(level="street").count() <= 8
    assert 35 <= AdminArea.objects.filter(level="community").count() <= 45
    l4 = Grid.objects.current().filter(level=4)
    assert 250 <= l4.count() <= 350
    assert 0.10 <= l4.filter(kind="dedicated").count() / l4.count() <= 0.20
    assert 1000 <= Grid.objects.current().filter(level=5).count() <= 1400
    assert 70 <= Road.objects.count() <= 90 and Road.objects.filter(status="unnamed").exclude(working_name="").count() >= 5
    assert Road.objects.get(name="泉峪大道").pinyin == "Quanyu Dadao"
    assert Road.objects.get(name="永安街").pinyin == "Yong'an Jie"
    signs = list(RoadSign.objects.select_related("road"))
    assert all(s.name_text == s.road.name and s.pinyin_text == s.road.pinyin.upper() and s.road.status == "named" for s in signs)
    assert 450 <= len(signs) <= 550
    assert BoundaryLine.objects.count() == 2 and 55 <= BoundaryMarker.objects.count() <= 65
    assert 180 <= Facility.objects.count() <= 220 and Facility.objects.values("facility_type").distinct().count() == 9
    assert Incident.objects.count() == DEMO_CASES
    assert set(Incident.objects.values_list("state", flat=True)) == set(Incident.State.values)
    assert not Incident.objects.filter(grid4__isnull=True).exists()
    # 4+N: every L4 grid has a head and a full-time member; L4 households are the sum of its L5.
    assert GridMember.objects.filter(role="head").values("grid").distinct().count() == l4.count()
    assert GridMember.objects.filter(role="fulltime").values("grid").distinct().count() == l4.count()
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM grids_grid p JOIN LATERAL (SELECT sum(households) h, sum(population) n
                       FROM grids_grid c WHERE c.parent_id = p.id AND c.valid_to IS NULL) s ON true
                       WHERE p.level = 4 AND p.valid_to IS NULL AND (p.households <> s.h OR p.population <> s.n)""")
        assert cur.fetchone()[0] == 0
    assert "演示数据已载入" in demo["output"]
    print(f"loaddemo: {demo['elapsed']:.1f} s")


def test_a_second_run_changes_nothing(demo, db):
    notifications, unread = Notification.objects.count(), Notification.objects.filter(read_at__isnull=True).count()
    result = load_demo()
    assert not result.changed
    assert all(c.created == 0 and c.updated == 0 for c in result.counts.values()), result.counts
    assert result.counts["五级网格"].unchanged == Grid.objects.current().filter(level=5).count()
    out = StringIO()
    call_command("loaddemo", stdout=out)
    assert "没有改动" in out.getvalue()
    assert Incident.objects.count() == DEMO_CASES and Grid.objects.filter(version__gt=1).count() == 0
    assert Notification.objects.count() == notifications and Notification.objects.filter(read_at__isnull=True).count() == unread


def _colours(qs, now=None):
    counts = deadline_counts(qs, now=now)
    return counts["open"], {c["code"]: c["n"] for c in counts["colours"]}


def _assert_a_working_mix(now=None):
    """Most open cases on time, some due soon, a few overdue; cases closed over the last weeks."""
    n_open, n = _colours(Incident.objects.all(), now)
    assert n_open >= 20 and sum(n.values()) == n_open, n
    assert n["green"] >= 0.6 * n_open, n
    assert 2 <= n["yellow"] <= 0.3 * n_open, n
    assert 1 <= n["red"] <= 0.2 * n_open, n
    closed = Incident.objects.filter(state="closed")
    assert closed.count() >= 5
    now = now or timezone.now()
    assert all(now - timezone.timedelta(days=60) < c.closed_at < now for c in closed)
    assert closed.filter(overdue_stages=0).count() > closed.count() / 2  # mostly on time, not all
    # 综合评价: most closed cases evaluated by their reporters, satisfied or basically satisfied.
    evaluated = closed.filter(evaluated_at__isnull=False)
    assert closed.count() / 2 < evaluated.count() < closed.count(), (evaluated.count(), closed.count())
    assert all(c.closed_at < c.evaluated_at < now for c in evaluated)
    assert set(evaluated.values_list("satisfaction", flat=True)) == {"satisfied", "basically_satisfied"}
    print(f"demo at {now:%Y-%m-%d %H:%M}: {n_open} open {n}, {closed.count()} closed")


def test_the_demo_opens_as_a_working_office_would(demo, db):
    _assert_a_working_mix()
    # The demo dispatcher's street, too: not a wall of red.
    street = User.objects.get(username="demo_street").area
    n_open, n = _colours(Incident.objects.filter(street=street))
    assert n_open >= 3 and n["red"] < n_open / 2 and n["green"] >= 1 and n["yellow"] + n["red"] >= 1, n


def _assert_news_for_every_demo_login(now=None):
    """Each case-handling demo login has news of its work, some of it still unread; whoever took a
    step on a case had read what they were told of it (the demo member, the department)."""
    now = now or timezone.now()
    for username in CASE_LOGINS:
        mine = Notification.objects.filter(recipient__username=username)
        assert mine.filter(read_at__isnull=True).exists(), (username, list(mine.values_list("kind", "read_at")))
        assert all(n.created_at <= now and (n.read_at is None or n.created_at <= n.read_at <= now) for n in mine), username
    assert not Notification.objects.filter(recipient__username__in=["demo_placename", "demo_boundary"]).exists()
    kinds = lambda username, **kw: set(Notification.objects.filter(recipient__username=username, **kw).values_list("kind", flat=True))  # noqa: E731
    # The member: cases dispatched to them (read once accepted), one new, their closed report (read: evaluated).
    assert {"assigned", "closed"} <= kinds("demo_member", read_at__isnull=False) and "assigned" in kinds("demo_member", read_at__isnull=True)
    assert "assigned" in kinds("demo_head")
    assert "due_soon" in kinds("demo_community")  # a report back waiting for verification
    assert {"overdue", "urged"} <= kinds("demo_street")  # a case escalated to the street, overdue and urged by the district
    assert "due_soon" in kinds("demo_admin")  # a case escalated to the district
    # 城管: the case it handles is due soon (the news of it, read when accepted).
    assert "due_soon" in kinds("demo_department", read_at__isnull=True)
    assert Notification.objects.filter(recipient__username="demo_department", read_at__isnull=False).exists()


@pytest.mark.parametrize("when", [
    "2026-12-01 10:15",  # a Tuesday in office hours
    "2026-11-28 23:40",  # a Saturday night: working-time clocks stand still
    "2026-10-03 09:00",  # National Day week
    "2026-10-10 16:00",  # a Saturday that is a working day (调休)
])
def test_the_mix_is_computed_from_the_day_loaddemo_runs(demo, db, when):
    now = timezone.make_aware(timezone.datetime.fromisoformat(when))
    Incident.objects.all().delete()
    Notification.objects.all().delete()
    assert seed_incidents(DATA_DIR, now=now).created == DEMO_CASES
    _assert_a_working_mix(now)
    _assert_news_for_every_demo_login(now)
    told = Notification.objects.count()
    assert seed_incidents(DATA_DIR, now=now).unchanged == DEMO_CASES and Incident.objects.count() == DEMO_CASES  # once only
    assert Notification.objects.count() == told
    # Nothing happened after the moment the demo was loaded.
    assert not Incident.objects.filter(reported_at__gt=now).exists()
    assert not Incident.objects.filter(state_entered_at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists() and not Notification.objects.filter(read_at__gt=now).exists()


def test_the_demo_shows_cases_passed_to_departments(demo, db, client):
    department = User.objects.get(username="demo_department")
    passed = Incident.objects.filter(department__isnull=False)
    mine = visible_incidents(department)
    # demo_department sees exactly the cases passed to 城管: one it accepted and handles, one waiting for it.
    assert set(mine) == set(passed.filter(department=department.department)) and mine.count() >= 2
    assert mine.filter(state="handling", assignee=department).exists()
    assert mine.filter(state="dispatched", assignee__isnull=True).exists()
    # Another department has one waiting; all of them 帮助办 cases of the demo grid, seen by its staff too.
    assert passed.exclude(department=department.department).filter(state="dispatched", assignee__isnull=True).exists()
    assert set(passed.values_list("mode", flat=True)) == {"help"}
    assert set(passed.values_list("grid4__code", flat=True)) == {TEAMS["demo_grid"]}
    for username in ("demo_community", "demo_street"):
        assert set(passed) <= set(visible_incidents(User.objects.get(username=username)))
    # The case console and the API show them to the department's login.
    assert client.login(username="demo_department", password=DEMO_PASSWORD)
    assert client.get("/api/incidents/").json()["count"] == mine.count()
    case = mine.get(state="handling")
    assert case.number in client.get("/incidents/").content.decode()
    # The demo also has cases escalated to the street and to the district.
    assert Incident.objects.filter(responsible_level="street", street=User.objects.get(username="demo_street").area).exists()
    assert Incident.objects.filter(responsible_level="district", state="registered").exists()


def test_every_case_handling_demo_login_has_notifications(demo, db, client):
    _assert_news_for_every_demo_login()
    # The nightly check already ran when the demo was loaded: running it now tells nobody again.
    assert notify_due()["new"] == 0
    for username in CASE_LOGINS:
        assert client.login(username=username, password=DEMO_PASSWORD)
        assert client.get("/api/notifications/unread-count/").json()["unread"] >= 1, username
        assert client.get("/notifications/").status_code == 200 and client.get("/").status_code == 200


# Children cover their parent exactly: no part outside, areas (in EPSG:4548, metres) sum to the
# parent's within 0.01 %.
TILING = [
    ("grids_grid", "grids_grid", "c.parent_id = p.id AND c.valid_to IS NULL", "p.level = 4 AND p.valid_to IS NULL"),
    ("grids_grid", "grids_adminarea", "c.community_id = p.id AND c.level = 4 AND c.valid_to IS NULL", "p.level = 'community'"),
    ("grids_adminarea", "grids_adminarea", "c.parent_id = p.id", "p.level IN ('street', 'district')"),
]


@pytest.mark.parametrize("child, parent, join, where", TILING)
def test_children_tile_their_parents(demo, db, child, parent, join, where):
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT p.code, ST_Area(ST_Transform(p.geom, 4548)), sum(ST_Area(ST_Transform(c.geom, 4548))),
                   bool_and(ST_CoveredBy(c.geom, p.geom)), count(*)
            FROM {parent} p JOIN {child} c ON {join} WHERE {where} GROUP BY p.id""")
        rows = cur.fetchall()
    assert rows
    for code, area, children, inside, n in rows:
        assert inside, f"a child of {code} lies partly outside it"
        assert abs(children - area) / area < 1e-4, f"{code}: {n} children cover {children:.1f} m² of {area:.1f} m²"


def test_check_topology_passes_on_the_demo(demo, db):
    out = StringIO()
    call_command("check_topology", stdout=out)  # raises CommandError (exit 1) on any problem
    assert "拓扑检查通过" in out.getvalue()


def test_every_marker_lies_on_its_line(demo, db):
    markers = list(BoundaryMarker.objects.select_related("line"))
    assert markers
    worst = max(distance_m(m.geom, m.line.geom) for m in markers)
    assert worst < 1.0, f"a marker is {worst:.2f} m off its line"
    for m in markers:
        assert re.fullmatch(re.escape(m.line.code) + r"\d{3}[QAB]", m.number)


def test_demo_member_logs_in_and_locate_finds_the_grid_and_team(demo, db, client):
    assert client.login(username="demo_member", password=DEMO_PASSWORD)
    grid = Grid.objects.current().get(code=TEAMS["demo_grid"])
    member = User.objects.get(username="demo_member")
    assert GridMember.objects.filter(grid=grid, user=member, role="fulltime").exists()
    p = grid.geom.point_on_surface
    r = client.get("/api/locate", {"lon": f"{p.x:.7f}", "lat": f"{p.y:.7f}"})
    assert r.status_code == 200
    body = r.json()
    assert body["grid4"]["code"] == grid.code and body["community"]["code"] == grid.community.code
    names = {m["name"] for m in body["members"]}
    assert {member.full_name, User.objects.get(username="demo_head").full_name} <= names
    assert any(m["phone"] == member.phone for m in body["members"])  # signed in: full numbers


def test_demo_users_are_wired_to_real_demo_places(demo, db):
    grid = Grid.objects.current().get(code=TEAMS["demo_grid"])
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_").select_related("area")}
    assert users["demo_community"].area == grid.community
    assert users["demo_street"].area == grid.community.parent
    assert users["demo_admin"].area.level == "district" and users["demo_admin"].is_superuser
    assert users["demo_head"].has_role(Role.GRID_HEAD) and users["demo_placename"].has_role(Role.PLACENAME_STAFF)
    assert all(users[u].is_staff for u in ("demo_community", "demo_street", "demo_admin", "demo_placename", "demo_boundary"))
    assert not users["demo_member"].is_staff
    # 城管's demo login works for the whole district; its tool is the case console, not the admin.
    department = users["demo_department"]
    assert department.has_role(Role.DEPARTMENT_STAFF) and department.department.code == "urban_management"
    assert department.area.level == "district" and not department.is_staff and not department.is_superuser
    # Every department has someone to take its cases.
    staff = User.objects.filter(groups__name=Role.DEPARTMENT_STAFF.value)
    assert set(staff.values_list("department__code", flat=True)) == {code for code, _name in DEPARTMENTS}


def test_place_name_staff_can_open_the_road_admin(demo, db, client):
    assert client.login(username="demo_placename", password=DEMO_PASSWORD)
    assert client.get("/admin/placenames/road/").status_code == 200


def test_demo_logins_prints_the_readme_table(demo, db):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| (demo_\w+) \|", section, flags=re.M)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    printed = re.findall(r"^(demo_\w+)\s+" + DEMO_PASSWORD, out.getvalue(), flags=re.M)
    assert printed == listed and len(listed) == 8
    assert Grid.objects.current().get(code=TEAMS["demo_grid"]).name in out.getvalue()
    # The README's start pages are the printed ones.
    readme_pages = {u: pages.split() for u, pages in re.findall(r"^\| (demo_\w+) \|[^|]*\| ([^|]*?) \|$", section, flags=re.M)}
    printed_pages = {m[0]: m[1].split() for m in re.findall(r"^(demo_\w+)\s+.*?((?:/[\w/-]*/\s*)+)$", out.getvalue(), flags=re.M)}
    assert readme_pages == printed_pages and len(readme_pages) == 8
    assert "城管" in next(line for line in out.getvalue().splitlines() if line.startswith("demo_department"))


def test_create_roles_is_idempotent_and_grants_the_table(db):
    Group.objects.filter(name__in=Role.values).delete()
    out = StringIO()
    call_command("create_roles", stdout=out)
    assert f"新建 {len(Role)} 个" in out.getvalue()
    out = StringIO()
    call_command("create_roles", stdout=out)
    assert f"新建 0 个，新增权限 0 项，{len(Role)} 个组无变化" in out.getvalue()
    placename = Group.objects.get(name=Role.PLACENAME_STAFF)
    assert placename.permissions.filter(codename="change_road", content_type__app_label="placenames").exists()
    assert not placename.permissions.filter(content_type__app_label="grids", codename="change_grid").exists()
    admin_perms = set(Group.objects.get(name=Role.DISTRICT_ADMIN).permissions.values_list("codename", flat=True))
    assert set(Permission.objects.filter(content_type__app_label="grids").values_list("codename", flat=True)) <= admin_perms


def test_a_broken_demo_file_stops_the_load_and_writes_nothing(demo, db, tmp_path):
    for p in DATA.iterdir():
        if p.suffix in (".geojson", ".json"):
            shutil.copy(p, tmp_path / p.name)
    streets = (tmp_path / "streets.geojson").read_text(encoding="utf-8")
    (tmp_path / "streets.geojson").write_text(streets.replace("泉峪街道", "改名街道", 1), encoding="utf-8")
    roads = (tmp_path / "roads.geojson").read_text(encoding="utf-8").splitlines()
    roads[1] = re.sub(r'"geometry":\{.*\}\}', '"geometry":{"type":"Point","coordinates":[116.8,36.6]}}', roads[1])
    (tmp_path / "roads.geojson").write_text("\n".join(roads), encoding="utf-8")
    before = Road.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("loaddemo", data_dir=str(tmp_path), stdout=StringIO())
    assert "roads.geojson" in str(err.value) and "第 0 个要素" in str(err.value) and "未写入任何数据" in str(err.value)
    assert AdminArea.objects.get(code="370190001000").name == "泉峪街道"  # the street rename was rolled back
    assert Road.objects.count() == before
    with pytest.raises(CommandError, match="generate.py"):
        call_command("loaddemo", data_dir=str(tmp_path / "nowhere"), stdout=StringIO())


def test_a_demo_case_or_login_the_loader_cannot_make_is_named(demo, db, tmp_path):
    for p in DATA.iterdir():
        if p.suffix in (".geojson", ".json"):
            shutil.copy(p, tmp_path / p.name)
    teams = (tmp_path / "teams.json").read_text(encoding="utf-8")
    (tmp_path / "teams.json").write_text(teams.replace('"department_code": "urban_management",\n   "full_name"',
                                                       '"department_code": "no_such_department",\n   "full_name"', 1), encoding="utf-8")
    with pytest.raises(CommandError, match="demo_department.*no_such_department"):
        call_command("loaddemo", data_dir=str(tmp_path), stdout=StringIO())
    assert User.objects.get(username="demo_department").department.code == "urban_management"
    # A story whose steps do not reach its target state, and one naming somebody teams.json lacks.
    Incident.objects.all().delete()
    cases = (DATA / "incidents.geojson").read_text(encoding="utf-8")
    for broken, said in [(cases.replace('"target_state":"handled","reporter"', '"target_state":"verified","reporter"', 1), "report → verified"),
                         (cases.replace('"assignee":"demo_head"', '"assignee":"demo_nobody"', 1), "demo_nobody")]:
        (tmp_path / "incidents.geojson").write_text(broken, encoding="utf-8")
        with pytest.raises(DemoDataError, match=f"incidents.geojson 第 \\d+ 个要素有误（.*{said}"):
            seed_incidents(tmp_path)
        assert not Incident.objects.exists()

"""/patrols/ with the Django test client: start a patrol of one of my grids, end it with a GPS track
(a LineString of the right length), findings reported through the report page are linked to the
patrol, and every refusal (not my grid, one open at a time, not mine, already ended, bad track,
unknown grid, someone else's patrol on the report form) comes back with the reason, its status and
nothing written."""
import json

import pytest
from pyproj import Geod

from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import end_patrol, start_patrol
from tests.support.world import P_G4A, world

pytestmark = pytest.mark.django_db

# WGS84 fixes from a phone (EPSG:4326) inside G4a: 1.11 km north, then ~0.45 km east.
TRACK = [[116.705, 36.51], [116.705, 36.52], [116.71, 36.52]]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w():
    return world()


def text(r):
    return r.content.decode()


def geodesic_m(coords):
    lons, lats = zip(*coords)
    return Geod(ellps="GRS80").line_length(lons, lats)


def test_pages_need_a_login(client):
    r = client.get("/patrols/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")
    assert client.post("/patrols/start/", {"grid": "37011200100101"}).status_code == 302 and Patrol.objects.count() == 0


def test_start_and_end_store_a_track_of_the_right_length(client, w):
    client.force_login(w["m_a"])
    page = text(client.get("/patrols/"))
    # Several grids to patrol (G4a and the L5 grid inside it): a select, G4a first.
    assert '<select id="patrol-grid" name="grid">' in page
    assert page.index('value="37011200100101"') < page.index('value="3701120010010101"')
    r = client.post("/patrols/start/", {"grid": "37011200100101"})
    assert r.status_code == 302 and r["Location"] == "/patrols/"
    patrol = Patrol.objects.get()
    assert (patrol.user, patrol.grid, patrol.ended_at) == (w["m_a"], w["g4a"], None)
    r = client.get("/patrols/")
    page = text(r)
    assert "已开始巡查 甲网格" in page and "正在巡查：甲网格" in page and f'action="/patrols/{patrol.pk}/end/"' in page
    assert r.context["config"]["patrol"]["reportUrl"] == f"/incidents/report/?patrol={patrol.pk}"
    assert [f["properties"]["code"] for f in r.context["config"]["grids"]["features"]] == ["37011200100101"]

    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": json.dumps(TRACK), "crs": "EPSG:4326", "note": "一切正常"})
    assert r.status_code == 302 and r["Location"] == "/patrols/"
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.note == "一切正常"
    assert patrol.track.geom_type == "LineString" and patrol.track.srid == 4490 and len(patrol.track.coords) == 3
    expected = geodesic_m(TRACK)
    assert 1550 < expected < 1570
    assert abs(patrol.length_m - expected) / expected < 0.01, (patrol.length_m, expected)
    page = text(client.get("/patrols/"))
    assert "巡查已结束：甲网格，轨迹 1.56 公里，发现问题 0 件" in page
    assert f'data-patrol="{patrol.pk}" data-length-m="{patrol.length_m:.1f}" data-findings="0"' in page
    assert "开始巡查" in page and "正在巡查" not in page
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["start_patrol", "end_patrol"]


def test_end_without_a_track_is_allowed_and_says_so(client, w):
    client.force_login(w["m_a"])
    patrol = start_patrol(w["m_a"], w["g5a"])  # an L5 grid inside the member's L4 grid
    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": "", "crs": "EPSG:4326"})
    assert r.status_code == 302
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.track is None and patrol.length_m is None
    assert "巡查已结束：甲一小网格，轨迹 无轨迹，发现问题 0 件" in text(client.get("/patrols/"))


def test_a_member_of_grid_a_cannot_patrol_grid_b(client, w):
    client.force_login(w["m_a"])
    r = client.post("/patrols/start/", {"grid": w["g4b"].code})
    assert r.status_code == 403 and "只有本网格的网格员可以巡查此网格" in text(r)
    assert Patrol.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_unknown_grid_and_one_open_patrol_at_a_time(client, w):
    client.force_login(w["m_a"])
    r = client.post("/patrols/start/", {"grid": "99999999999999"})
    assert r.status_code == 400 and "网格“99999999999999”不存在或已失效" in text(r)
    first = start_patrol(w["m_a"], w["g4a"])
    r = client.post("/patrols/start/", {"grid": w["g5a"].code})
    assert r.status_code == 409 and "您有一次巡查尚未结束，请先结束" in text(r)
    assert list(Patrol.objects.all()) == [first]


def test_someone_elses_or_an_ended_patrol_cannot_be_ended(client, w):
    patrol = start_patrol(w["m_a"], w["g4a"])
    client.force_login(w["head_a"])  # same grid, not their patrol, and not theirs to see
    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": json.dumps(TRACK), "crs": "EPSG:4326"})
    missing = client.post("/patrols/999999/end/", {"track": json.dumps(TRACK), "crs": "EPSG:4326"})
    assert r.status_code == missing.status_code == 404  # the answer does not tell which ids exist
    client.force_login(w["cs1"])  # the community sees the patrol, and may not end it
    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": json.dumps(TRACK), "crs": "EPSG:4326"})
    assert r.status_code == 403 and "只能结束自己的巡查" in text(r)
    patrol.refresh_from_db()
    assert patrol.ended_at is None and patrol.track is None
    end_patrol(patrol, w["m_a"])
    client.force_login(w["m_a"])
    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": json.dumps(TRACK), "crs": "EPSG:4326"})
    assert r.status_code == 409 and "此次巡查已结束" in text(r)
    patrol.refresh_from_db()
    assert patrol.track is None
    assert client.post("/patrols/999999/end/").status_code == 404


@pytest.mark.parametrize("track, crs, message", [
    ("not json", "EPSG:4326", "轨迹应为至少两个 [经度, 纬度] 点的数组"),
    (json.dumps([[116.705, 36.51]]), "EPSG:4326", "轨迹应为至少两个 [经度, 纬度] 点的数组"),
    (json.dumps([[516.705, 36.51], [116.705, 36.52]]), "EPSG:4326", "轨迹坐标超出范围"),
    (json.dumps(TRACK), "bd09", "未知坐标系"),
])
def test_a_bad_track_is_refused_and_the_patrol_stays_open(client, w, track, crs, message):
    patrol = start_patrol(w["m_a"], w["g4a"])
    client.force_login(w["m_a"])
    r = client.post(f"/patrols/{patrol.pk}/end/", {"track": track, "crs": crs})
    assert r.status_code == 400 and "未能结束巡查" in text(r) and message in text(r), text(r)
    patrol.refresh_from_db()
    assert patrol.ended_at is None and patrol.track is None
    assert "正在巡查：甲网格" in text(r)  # the page still offers to end it


def test_get_is_not_a_way_to_start_or_end(client, w):
    client.force_login(w["m_a"])
    assert client.get("/patrols/start/").status_code == 405
    patrol = start_patrol(w["m_a"], w["g4a"])
    assert client.get(f"/patrols/{patrol.pk}/end/").status_code == 405


def test_someone_without_a_grid_sees_why_and_cannot_start(client, w):
    client.force_login(w["cs1"])
    r = client.get("/patrols/")
    assert r.status_code == 200 and "您目前不在任何网格的 4+N 队伍中，不能开始巡查" in text(r) and "patrol-grid" not in text(r)
    r = client.post("/patrols/start/", {"grid": w["g4a"].code})
    assert r.status_code == 403 and Patrol.objects.count() == 0


def test_a_finding_reported_from_the_patrol_is_linked_to_it(client, w):
    patrol = start_patrol(w["m_a"], w["g4a"])
    client.force_login(w["m_a"])
    # The patrol page's link carries the patrol and where the member stands.
    r = client.get(f"/incidents/report/?patrol={patrol.pk}&lon={P_G4A[0]}&lat={P_G4A[1]}&crs=EPSG:4326")
    page = text(r)
    assert r.status_code == 200 and "巡查发现：本次上报将记入甲网格的巡查" in page
    assert f'name="patrol" value="{patrol.pk}"' in page and f'name="lon" value="{P_G4A[0]}"' in page
    assert 'name="crs" value="EPSG:4326"' in page
    r = client.post("/incidents/report/", {"category": "safety_hazard", "description": "电线裸露", "lon": P_G4A[0], "lat": P_G4A[1],
                                           "crs": "EPSG:4326", "patrol": patrol.pk})
    assert r.status_code == 302 and r["Location"] == "/patrols/"  # back to the patrol under way
    case = Incident.objects.get()
    assert case.patrol == patrol and case.reporter == w["m_a"] and case.grid4 == w["g4a"]
    page = text(client.get("/patrols/"))
    assert f"已上报，案卷编号 {case.number}" in page and "本次已上报 1 件" in page and f'href="/incidents/{case.pk}/"' in page
    end_patrol(patrol, w["m_a"], track=TRACK, crs="EPSG:4326")
    page = text(client.get("/patrols/"))
    assert f'data-patrol="{patrol.pk}"' in page and 'data-findings="1"' in page and "发现 1 件" in page
    # A report without a patrol still goes to the case page and links to no patrol.
    r = client.post("/incidents/report/", {"category": "environment", "description": "普通上报", "lon": P_G4A[0], "lat": P_G4A[1]})
    other = Incident.objects.exclude(pk=case.pk).get()
    assert r["Location"] == f"/incidents/{other.pk}/" and other.patrol is None


def test_a_finding_cannot_be_put_on_someone_elses_or_a_missing_patrol(client, w):
    patrol = start_patrol(w["m_a"], w["g4a"])
    client.force_login(w["head_a"])
    body = {"category": "environment", "description": "借别人的巡查", "lon": P_G4A[0], "lat": P_G4A[1], "patrol": patrol.pk}
    page = text(client.get(f"/incidents/report/?patrol={patrol.pk}"))
    assert "巡查发现" not in page  # the banner is only for one's own patrol
    r = client.post("/incidents/report/", body)  # not theirs to see: the same answer as a missing id
    assert r.status_code == 400 and "巡查记录不存在，请从巡查页面重新进入上报" in text(r)
    r = client.post("/incidents/report/", dict(body, patrol=999999))
    assert r.status_code == 400 and "巡查记录不存在，请从巡查页面重新进入上报" in text(r)
    client.force_login(w["cs1"])  # the community sees the patrol: told it is not theirs
    r = client.post("/incidents/report/", body)
    assert r.status_code == 403 and "只能在自己的巡查中上报发现" in text(r)
    assert Incident.objects.count() == 0


def test_a_bad_point_in_the_link_is_ignored(client, w):
    client.force_login(w["m_a"])
    for q in ("lon=abc&lat=1", "lon=nan&lat=inf", "lat=36.5"):
        r = client.get(f"/incidents/report/?{q}")
        assert r.status_code == 200 and 'name="lon" value=' not in text(r), q


def test_my_recent_patrols_only_mine(client, w):
    mine = start_patrol(w["m_a"], w["g4a"])
    end_patrol(mine, w["m_a"], track=TRACK, crs="EPSG:4326")
    theirs = start_patrol(w["m_b"], w["g4b"])
    client.force_login(w["m_a"])
    page = text(client.get("/patrols/"))
    assert f'data-patrol="{mine.pk}"' in page and f'data-patrol="{theirs.pk}"' not in page and "1.56 公里" in page
    client.force_login(w["m_d"])
    assert "还没有巡查记录" in text(client.get("/patrols/"))

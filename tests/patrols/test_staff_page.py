"""/patrols/all/: the patrols in a staff user's area (services.visible_patrols) with the filters of
PatrolFilter (grid, member, dates, open/ended; the API takes the same), length and findings per
patrol, the tracks of the page for the map; 403 for users without a staff area; as many queries
for 1 patrol as for many."""
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.incidents.services import report_finding
from geogrid.patrols.services import end_patrol, start_patrol
from tests.support.world import P_G4A, category, world

pytestmark = pytest.mark.django_db

TRACK = [[116.705, 36.51], [116.705, 36.52], [116.71, 36.52]]  # in G4a, ~1.56 km
NOW = timezone.now()


def patrol(user, grid, *, days_ago=0, track=TRACK, end=True, findings=0, w=None):
    t = NOW - timedelta(days=days_ago, hours=2)
    p = start_patrol(user, grid, now=t)
    for i in range(findings):
        report_finding(p, user, category=category(), description=f"发现 {i + 1}", lon=P_G4A[0], lat=P_G4A[1] + i * 0.001)
    if end:
        p = end_patrol(p, user, track=track, now=t + timedelta(minutes=95))
    return p


@pytest.fixture
def w():
    w = world()
    w["p_a"] = patrol(w["m_a"], w["g4a"], days_ago=5, findings=2)
    w["p_a5"] = patrol(w["m_a"], w["g5a"], days_ago=1, track=None)
    w["p_b"] = patrol(w["m_b"], w["g4b"], days_ago=3, track=[[116.73, 36.51], [116.74, 36.51]])
    w["p_b_open"] = patrol(w["m_b"], w["g4b"], end=False)
    w["p_d"] = patrol(w["m_d"], w["g4d"], days_ago=2)
    return w


def rows(r):
    """[(patrol id, findings, length in m or '')] of the page's table, in order."""
    return [(int(a), int(b), c) for a, b, c in
            re.findall(r'<tr data-patrol="(\d+)" data-findings="(\d+)" data-length-m="([\d.]*)">', r.content.decode())]


def ids(r):
    return [pk for pk, _, _ in rows(r)]


def test_community_staff_see_the_patrols_of_their_community_newest_first(client, w):
    client.force_login(w["cs1"])
    r = client.get("/patrols/all/")
    assert r.status_code == 200
    assert ids(r) == [w["p_b_open"].pk, w["p_a5"].pk, w["p_b"].pk, w["p_a"].pk]  # not 丁网格's (another community)
    by_id = {pk: (n, m) for pk, n, m in rows(r)}
    assert by_id[w["p_a"].pk] == (2, f"{w['p_a'].length_m:.1f}") and 1550 < w["p_a"].length_m < 1570
    assert by_id[w["p_a5"].pk] == (0, "") and by_id[w["p_b_open"].pk] == (0, "")
    html = r.content.decode()
    assert "甲网格员" in html and "乙网格员" in html and "丁网格员" not in html
    assert "1.56 公里" in html and "1 小时 35 分钟" in html and "进行中" in html
    summary = re.search(r'<p class="muted" id="patrol-summary">([^<]*)</p>', html).group(1)
    assert summary == f"共 4 次巡查（1 次进行中），轨迹合计 {(w['p_a'].length_m + w['p_b'].length_m) / 1000:.2f} 公里，发现问题 2 件"
    # The map gets the tracks of the page (patrols without a track have none) and the staff area.
    config = r.context["config"]
    assert [f["properties"]["id"] for f in config["tracks"]["features"]] == [w["p_b"].pk, w["p_a"].pk]
    track = config["tracks"]["features"][1]
    assert track["geometry"]["type"] == "LineString" and track["properties"]["findings"] == 2
    assert track["properties"]["member"] == "甲网格员" and track["properties"]["code"] == "37011200100101"
    assert [f["properties"]["code"] for f in config["area"]["features"]] == ["370112001001"]
    assert 'href="/patrols/all/"' in html  # the top bar's link (navigation.LINKS)


def test_street_and_district_staff_see_their_areas(client, w):
    client.force_login(w["sd2"])
    assert ids(client.get("/patrols/all/")) == [w["p_d"].pk]
    client.force_login(w["da"])
    assert set(ids(client.get("/patrols/all/"))) == {w[k].pk for k in ("p_a", "p_a5", "p_b", "p_b_open", "p_d")}


@pytest.mark.parametrize("who", ["m_a", "head_a", "pn"])
def test_users_without_a_staff_area_are_refused(client, w, who):
    client.force_login(w[who])
    r = client.get("/patrols/all/")
    assert r.status_code == 403 and "巡查记录仅供有辖区的工作人员查看" in r.content.decode()


def test_community_staff_without_an_area_are_refused(client, w):
    w["cs1"].area = None
    w["cs1"].save()
    client.force_login(w["cs1"])
    assert client.get("/patrols/all/").status_code == 403


def test_the_page_needs_a_login(client, w):
    r = client.get("/patrols/all/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_filters_grid_member_dates_and_state(client, w):
    client.force_login(w["cs1"])

    def listed(**params):
        return set(ids(client.get("/patrols/all/", params)))

    # A level-4 code takes in its level-5 grids; a level-5 code only its own.
    assert listed(grid="37011200100101") == {w["p_a"].pk, w["p_a5"].pk}
    assert listed(grid="3701120010010101") == {w["p_a5"].pk}
    assert listed(grid="37011200200101") == set()  # 丁网格: outside the community, filtered or not
    assert listed(member=w["m_b"].pk) == {w["p_b"].pk, w["p_b_open"].pk}
    assert listed(state="open") == {w["p_b_open"].pk}
    assert listed(state="ended") == {w["p_a"].pk, w["p_a5"].pk, w["p_b"].pk}
    day = lambda p: timezone.localtime(p.started_at).date().isoformat()  # noqa: E731
    assert listed(started_from=day(w["p_b"]), started_to=day(w["p_a5"])) == {w["p_b"].pk, w["p_a5"].pk}
    assert listed(started_to=day(w["p_a"])) == {w["p_a"].pk}
    assert listed(member=w["m_a"].pk, state="ended", grid="37011200100101") == {w["p_a"].pk, w["p_a5"].pk}
    # The member list offers the people with a patrol in the area, by name (乙 sorts before 甲).
    html = client.get("/patrols/all/").content.decode()
    select = re.search(r'<select name="member"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select) == [
        ("", "全部"), (str(w["m_b"].pk), "乙网格员"), (str(w["m_a"].pk), "甲网格员")]
    # A value that does not validate is shown and left out.
    r = client.get("/patrols/all/", {"started_from": "昨天", "member": w["m_d"].pk, "state": "open"})
    assert r.status_code == 200 and set(ids(r)) == {w["p_b_open"].pk}
    assert "筛选条件有误，已忽略" in r.content.decode()


def test_the_api_filters_the_same_way(w):
    api = APIClient()
    api.force_authenticate(user=w["cs1"])
    r = api.get("/api/patrols/", {"grid": "37011200100101", "state": "ended"})
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["results"]] == [w["p_a5"].pk, w["p_a"].pk]
    assert api.get("/api/patrols/", {"member": w["m_d"].pk}).status_code == 400  # not a member with a patrol in the area
    assert api.get("/api/patrols/", {"started_from": "x"}).status_code == 400


def count_queries(client, path):
    client.get(path)  # warm: session, content types, translations
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_a_fixed_number_of_queries_for_one_patrol_or_many(client):
    w = world()
    patrol(w["m_a"], w["g4a"], days_ago=1, findings=1)
    client.force_login(w["cs1"])
    one = count_queries(client, "/patrols/all/")
    for i in range(11):
        patrol(w["m_b"] if i % 2 else w["m_a"], w["g4b"] if i % 2 else w["g5a"], days_ago=i + 2, findings=i % 3)
    many = count_queries(client, "/patrols/all/")
    assert len(ids(client.get("/patrols/all/"))) == 12
    assert many == one, (one, many)
    assert count_queries(client, "/patrols/all/?member=%d&grid=37011200100102" % w["m_b"].pk) == one + 1  # validating the member
    config = json.loads(re.search(r'<script id="patrol-tracks-config" type="application/json">(.*?)</script>',
                                  client.get("/patrols/all/").content.decode(), re.S).group(1))
    assert len(config["tracks"]["features"]) == 12


def test_grid_members_keep_their_own_page_without_the_staff_link(client, w):
    client.force_login(w["m_a"])
    html = client.get("/patrols/").content.decode()
    assert 'href="/patrols/all/"' not in html

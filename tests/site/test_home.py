"""The home page per role, with the figures of a purpose-built district (incident_world): a grid
member's "我的网格" card (place, households, team on duty, open cases by deadline colour, 派给我的,
the big buttons incl. 开始/继续巡查, the grid map), staff's area figures, place-name staff and
boundary inspectors' map and admin links, and what an anonymous visitor sees."""
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.accounts.roles import Role
from geogrid.grids.models import Grid, GridMember
from geogrid.patrols.services import start_patrol
from tests.support.world import P_G4A, P_G4B, P_G4D, P_G5A, report, user, walk, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    """Cases of every colour in G4a (甲网格), one dispatched to its member from G4b, one in G4d, one
    rejected; G4a's households, population and the head's phone set."""
    w = world()
    now = timezone.now()
    Grid.objects.update(valid_from=now - timedelta(days=30))  # the grids existed when the older cases came in
    Grid.objects.filter(pk=w["g4a"].pk).update(households=326, population=871)
    GridMember.objects.filter(user=w["head_a"]).update(phone="13800000001")
    w["green"] = walk(w, report(w, "m_a", at=P_G5A, description="绿"), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"].pk}))
    w["red"] = report(w, "head_a", at=P_G4A, description="红", now=now - timedelta(hours=3))  # reported: 4 h × 0.5 立即办 → overdue
    w["yellow"] = report(w, "head_a", at=P_G4A, description="黄", now=now - timedelta(minutes=102))  # 85 % of 2 h used
    w["rejected"] = walk(w, report(w, "m_a", at=P_G4A, description="不立案"), ("reject", "cs1", {"note": "不属实"}))
    # A case of G4b dispatched to m_a while m_a helps out in G4b (dispatch goes to people covering the
    # case), who then goes back to G4a only: the case stays theirs, and G4b's figures are not m_a's.
    helping = GridMember.objects.create(user=w["m_a"], grid=w["g4b"], role="volunteer", start_date=now.date() - timedelta(days=30))
    w["b_mine"] = walk(w, report(w, "m_b", at=P_G4B, description="乙网格派给甲网格员"), ("register", "cs1"),
                       ("dispatch", "cs1", {"assignee": w["m_a"].pk}))
    GridMember.objects.filter(pk=helping.pk).update(end_date=now.date() - timedelta(days=1))
    w["d"] = report(w, "m_d", at=P_G4D, description="丁网格")
    return w


def html(client, who=None):
    if who is not None:
        client.force_login(who)
    r = client.get("/")
    assert r.status_code == 200
    return r.content.decode()


def section(page, marker):
    """The <section> of the page that carries this attribute or id."""
    m = re.search(r"<section[^>]*" + re.escape(marker) + r"[^>]*>(.*?)</section>", page, re.S)
    assert m, marker
    return m.group(1)


def figures(part):
    return {k: v for k, v in re.findall(r'data-figure="(\w+)">([^<]*)<', part)}


def buttons(page):
    nav = re.search(r'<nav class="home-actions"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'<a class="btn[^"]*" href="([^"]+)">([^<]+)</a>', nav)


def test_a_grid_member_sees_my_grid_with_exact_figures(client, w):
    page = html(client, w["m_a"])
    card = section(page, 'data-grid="37011200100101"')
    assert "我的网格 · 甲网格" in card
    assert figures(card) == {"code": "37011200100101", "place": "一街道 · 一社区", "households": "326", "population": "871",
                             "open": "3", "red": "1", "yellow": "1", "green": "1"}
    # The 4+N team on duty: the head first, with the phone to call.
    team = re.findall(r'data-member="([^"]+)"><span class="name">[^<]+</span><span class="role">([^<]+)</span>', card)
    assert team == [("甲网格长", "网格长"), ("甲网格员", "专职网格员")]
    assert 'href="tel:13800000001"' in card
    # Counts link to the console filtered to the grid and colour.
    assert 'href="/incidents/?grid=37011200100101&amp;deadline=red"' in card
    # Only G4a is the member's grid (G5a lies inside it; G4b's case is counted under 派给我的 only).
    assert page.count("data-grid=") == 1
    assert figures(section(page, 'id="assigned"')) == {"assigned": "2"}
    assert 'id="my-area"' not in page and 'id="mapper"' not in page


def test_the_big_buttons_follow_the_role_and_the_open_patrol(client, w):
    page = html(client, w["m_a"])
    assert buttons(page) == [("/incidents/report/", "上报事件"), ("/patrols/", "开始巡查"), ("/incidents/mine/", "我的上报"),
                             ("/incidents/", "案卷"), ("/care/", "本周走访")]
    start_patrol(w["m_a"], w["g4a"])
    page = html(client)
    assert ("/patrols/", "继续巡查") in buttons(page) and ("/patrols/", "开始巡查") not in buttons(page)
    assert "甲网格的巡查自" in page and "尚未结束" in page
    # Staff without a grid get no patrol button, but the patrols of their area; and 事件统计, 民政设施.
    page = html(client, w["cs1"])
    assert buttons(page) == [("/incidents/report/", "上报事件"), ("/incidents/mine/", "我的上报"), ("/incidents/", "案卷"),
                             ("/patrols/all/", "辖区巡查"), ("/stats/", "事件统计"), ("/facilities/", "民政设施"), ("/care/due/", "走访督办"),
                             ("/care/stats/", "关爱统计")]


def test_the_member_map_draws_the_members_grid(client, w):
    page = html(client, w["m_a"])
    data = json.loads(re.search(r'<script id="home-map-config" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert [(f["properties"]["kind"], f["properties"]["code"]) for f in data["features"]] == [("grid", "37011200100101")]
    assert data["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert "geogrid/gridmap.js" in page and 'id="home-map"' in page


def test_staff_see_their_area_with_open_overdue_and_waiting_counts(client, w):
    card = section(html(client, w["cs1"]), 'id="my-area"')
    assert "我的辖区 · 一社区" in card
    # 一社区: green (dispatched), red, yellow (reported), the G4b case (dispatched, fresh); the rejected one is closed.
    assert figures(card) == {"open": "4", "red": "1", "yellow": "1", "green": "2", "waiting": "2"}
    assert 'href="/incidents/?deadline=red"' in card
    page = html(client, w["sd2"])
    assert figures(section(page, 'id="my-area"')) == {"open": "1", "red": "0", "yellow": "0", "green": "1", "waiting": "1"}
    assert "data-grid=" not in page and figures(section(page, 'id="assigned"')) == {"assigned": "0"}
    page = html(client, w["da"])
    assert figures(section(page, 'id="my-area"')) == {"open": "5", "red": "1", "yellow": "1", "green": "3", "waiting": "3"}
    data = json.loads(re.search(r'<script id="home-map-config" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert [(f["properties"]["kind"], f["properties"]["code"]) for f in data["features"]] == [("area", "370112000000")]


def test_home_and_console_count_the_same(client, w):
    client.force_login(w["sd1"])
    console = client.get("/incidents/").context["colour_counts"]
    home = figures(section(html(client), 'id="my-area"'))
    assert {c["code"]: str(c["n"]) for c in console} == {k: home[k] for k in ("red", "yellow", "green")}


def test_place_name_staff_and_boundary_inspectors_get_the_map_and_admin_links(client, w):
    w["pn"].is_staff = True
    w["pn"].save()
    page = html(client, w["pn"])
    mapper = section(page, 'id="mapper"')
    assert 'href="/map/"' in mapper and 'href="/admin/placenames/road/"' in mapper and 'href="/admin/placenames/roadsign/"' in mapper
    assert "/admin/boundaries/" not in mapper
    assert "data-grid=" not in page and 'id="my-area"' not in page and 'id="assigned"' not in page and 'id="home-map"' not in page
    assert buttons(page) == [("/incidents/mine/", "我的上报"), ("/placenames/", "道路命名"), ("/placenames/queue/", "待命名道路"), ("/placenames/signs/", "路名牌"), ("/placenames/buildings/", "小区楼宇名称")]
    bi = user("bi", Role.BOUNDARY_INSPECTOR, full_name="联检员")
    mapper = section(html(client, bi), 'id="mapper"')
    assert 'href="/map/"' in mapper and "/admin/" not in mapper  # not a staff user: no admin pages to open
    bi.is_staff = True
    bi.save()
    mapper = section(html(client, bi), 'id="mapper"')
    assert 'href="/admin/boundaries/boundaryline/"' in mapper and 'href="/admin/boundaries/boundarymarker/"' in mapper


def test_a_grid_member_without_a_grid_is_told_so(client, w):
    lone = user("lone", Role.GRID_MEMBER, full_name="待分配")
    page = html(client, lone)
    assert "您目前不在任何网格的 4+N 队伍中" in page and "data-grid=" not in page
    assert ("/patrols/", "开始巡查") not in buttons(page) and 'id="home-map"' not in page


def test_anonymous_visitors_learn_what_geogrid_is(client, w):
    page = html(client)
    intro = section(page, 'id="home-intro"')
    assert "网格治理与地名管理" in intro and "区民政局" in intro
    assert 'href="/accounts/login/?next=/"' in intro and 'href="/map/"' in intro
    assert "data-figure" not in page and "/incidents/" not in page and "leaflet" not in page.lower()


def test_english_home(client, w):
    client.force_login(w["m_a"])
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and 'data-grid="37011200100101"' in r.content.decode()

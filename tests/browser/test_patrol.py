"""A patrol on a phone, in headless Chromium: the member opens the home page (我的网格 card, map),
starts a patrol, walks (the emulated GPS moves between waits, so watchPosition reports several
fixes), reports a finding from the patrol, comes back (the track survived in localStorage and a
reload), ends the patrol; the list shows it with its length and one finding. No page error, no
request leaving the server, nothing wider than the phone."""

import pytest
from pyproj import Geod

from geogrid.incidents.models import Incident
from geogrid.patrols.models import Patrol
from tests.support import assert_local, login, move, screenshot, watch
from tests.support.world import P_G4B, report, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WALK = [(116.705, 36.51), (116.705, 36.514), (116.709, 36.514)]  # inside 甲网格 (G4a): ~444 m north, ~358 m east


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_patrol_with_a_track_and_a_finding_on_a_phone(live_server, phone_page):
    w = world()
    page = phone_page
    requests, errors = watch(page)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1], "accuracy": 8})

    login(page, live_server, "m_a")
    page.wait_for_selector("#home-map[data-ready='1']")
    assert page.evaluate("window.geogridHome.count") == 1
    assert "我的网格 · 甲网格" in page.locator("section.my-grid").inner_text()
    screenshot(page, "home_grid_member_phone")

    # Start: the member is on duty in G4a (and so may patrol G5a inside it): pick G4a.
    page.click(".home-actions a[href='/patrols/']")
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.select_option("#patrol-grid", "37011200100101")
    with page.expect_navigation():
        page.click("#patrol-start button[type=submit]")
    page.wait_for_selector("#patrol-map[data-ready='1']")
    assert "正在巡查：甲网格" in page.locator("#patrol-live").inner_text()
    patrol = Patrol.objects.get()

    # Walk: the first fix, then two more.
    page.wait_for_function("window.geogridPatrol.points.length === 1", timeout=15000)
    move(page, *WALK[1], points=2)
    move(page, *WALK[2], points=3)
    assert page.locator("#patrol-points").inner_text() == "3"
    assert page.evaluate("window.geogridPatrol.line.getLatLngs().length") == 3
    page.wait_for_function("document.querySelector('#patrol-elapsed').textContent > '00:00:00'")  # the clock runs
    assert page.locator("#patrol-elapsed").inner_text().startswith("00:0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "patrol_live_phone")

    # A finding: the report page opens on the patrol and where the member stands.
    with page.expect_navigation():
        page.click("#patrol-report")
    page.wait_for_selector("#report-map[data-ready='1']")
    assert "巡查发现" in page.locator("#report-patrol").inner_text()
    assert page.input_value("input[name=patrol]") == str(patrol.pk)
    assert page.input_value("input[name=lon]") == "116.7090000" and page.input_value("input[name=crs]") == "EPSG:4326"
    page.select_option("select[name=category]", "safety_hazard")
    page.fill("textarea[name=description]", "路灯电线裸露")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    case = Incident.objects.get()
    assert case.patrol_id == patrol.pk and case.grid4 == w["g4a"]
    assert page.url == live_server.url + "/patrols/"
    assert f"已上报，案卷编号 {case.number}" in page.locator(".messages").inner_text()

    # Back on the patrol page the stored track is drawn again (and survives a reload).
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.reload()
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.wait_for_function("window.geogridPatrol.points.length === 3")
    assert "本次已上报 1 件" in page.locator("#patrol-live").inner_text()
    page.fill("#patrol-note", "巡查一圈，发现一处隐患")
    with page.expect_navigation():
        page.click("#patrol-end button[type=submit]")
    assert "巡查已结束" in page.locator(".messages").inner_text()

    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.note == "巡查一圈，发现一处隐患"
    assert [(round(x, 6), round(y, 6)) for x, y in patrol.track.coords] == WALK
    lons, lats = zip(*WALK)
    expected = Geod(ellps="GRS80").line_length(lons, lats)
    assert abs(patrol.length_m - expected) / expected < 0.01
    item = page.locator(f".patrol-item[data-patrol='{patrol.pk}']")
    assert float(item.get_attribute("data-length-m")) > 0 and item.get_attribute("data-findings") == "1"
    assert "发现 1 件" in item.inner_text() and case.number in item.inner_text()
    # The ended patrol's track is forgotten in the browser.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('geogrid.patrol.')).length") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "patrol_list_phone")

    assert not errors, errors
    assert_local(requests, live_server)


def test_staff_home_on_a_desk_screen(live_server, page):
    w = world()
    report(w, "m_b", at=P_G4B, description="乙网格的案件")
    requests, errors = watch(page)
    login(page, live_server, "cs1")
    page.wait_for_selector("#home-map[data-ready='1']")
    area = page.locator("#my-area")
    assert "我的辖区 · 一社区" in area.inner_text() and area.locator("[data-figure=open]").inner_text() == "1"
    assert page.evaluate("window.geogridHome.count") == 1
    screenshot(page, "home_staff_desktop")
    assert not errors, errors
    assert_local(requests, live_server)

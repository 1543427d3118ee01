"""A two-party joint inspection in headless Chromium: our inspector walks the markers on a phone
(the emulated GPS stands 3 m east of a marker, then on the next ones), saves each check through the
API and sees its displacement; the other district's inspector confirms the checks on the
inspection page; both draft, sign and file; the report shows the folium map, the displacements and
both signatures, and prints to PDF. No page error, no request leaving the server. The offline queue
(checks entered without a connection) is in test_offline_walk.py."""
import pytest

from geogrid.boundaries.models import JointInspection, MarkerCheck
from geogrid.patrols.models import Patrol
from tests.boundaries.builders import boundary_world, east_of, in_field
from tests.support import assert_local, login, screenshot, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_two_party_inspection_walk_confirm_sign_and_report(live_server, phone_page, page):
    w = boundary_world(markers=3)
    insp = in_field(w)
    m1, m2, m3 = w["markers"]
    phone = phone_page
    requests, errors = watch(phone)
    lon, lat = east_of(m1.geom, 3.0)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 4})

    login(phone, live_server, "ins_b", f"/boundaries/inspections/{insp.pk}/walk/")
    phone.wait_for_selector("#walk-map[data-ready='1']")
    assert [phone.locator(".walk-item").nth(i).get_attribute("data-marker") for i in range(3)] == [m1.number, m2.number, m3.number]
    with phone.expect_navigation():
        phone.click("#walk-start button")
    phone.wait_for_selector("#walk-map[data-ready='1']")
    phone.wait_for_function("window.geogridWalk.herePos !== null", timeout=15000)
    item = phone.locator(f".walk-item[data-marker='{m1.number}']")
    assert "距登记位置约 3 米" in item.inner_text()
    item.locator("select[name=condition]").select_option("moved")
    item.locator("button[type=submit]").click()
    phone.wait_for_function(f"document.querySelector(\".walk-item[data-marker='{m1.number}']\").classList.contains('done')", timeout=15000)
    assert float(item.get_attribute("data-displacement")) == pytest.approx(3.0, abs=0.05)
    assert "偏移 3.0" in item.locator(".walk-result").inner_text()
    phone.context.set_geolocation({"longitude": m2.geom.x, "latitude": m2.geom.y, "accuracy": 4})
    phone.wait_for_function(f"Math.abs(window.geogridWalk.herePos[1] - {m2.geom.y}) < 1e-7", timeout=15000)
    it = phone.locator(f".walk-item[data-marker='{m2.number}']")
    it.locator("button[type=submit]").click()
    phone.wait_for_function(f"document.querySelector(\".walk-item[data-marker='{m2.number}']\").classList.contains('done')", timeout=15000)
    # 003 measured with a receiver: coordinates typed in, 2 m east, in CGCS2000.
    it = phone.locator(f".walk-item[data-marker='{m3.number}']")
    it.locator("summary").click()
    lon3, lat3 = east_of(m3.geom, 2.0)
    it.locator("input[name=lon]").fill(f"{lon3:.8f}")
    it.locator("input[name=lat]").fill(f"{lat3:.8f}")
    it.locator("button[type=submit]").click()
    phone.wait_for_function(f"document.querySelector(\".walk-item[data-marker='{m3.number}']\").classList.contains('done')", timeout=15000)
    assert float(it.get_attribute("data-displacement")) == pytest.approx(2.0, abs=0.05)
    # The section between 001 and 002: a reference object is gone.
    sec = phone.locator(f".walk-section[data-from='{m1.number}']")
    sec.locator("input[name=references_complete]").uncheck()
    sec.locator("input[name=references_notes]").fill("方位物 3 号电杆已拆除")
    sec.locator("button").click()
    phone.wait_for_function(f"document.querySelector(\".walk-section[data-from='{m1.number}']\").classList.contains('done')", timeout=15000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "boundary_walk_phone")
    assert MarkerCheck.objects.count() == 3 and MarkerCheck.objects.get(marker=m1).displacement_m == pytest.approx(3.0, abs=0.05)
    walk = Patrol.objects.get(user=w["ins_b"])
    assert walk.targets.filter(visited_at__isnull=False).count() == 3
    with phone.expect_navigation():
        phone.click("#walk-end button")
    assert Patrol.objects.get(pk=walk.pk).ended_at is not None

    # The other side (desktop) confirms every check, then the report is drafted and signed by both.
    desk = page
    d_requests, d_errors = watch(desk)
    login(desk, live_server, "ins_a", f"/boundaries/inspections/{insp.pk}/")
    for _ in range(3):
        with desk.expect_navigation():
            desk.locator(".confirm-btn").first.click()
    assert desk.locator("tr[data-agreed='1']").count() == 3 and desk.locator(".confirm-btn").count() == 0
    # 001 moved: a rectification item before the report (the form offers that check first).
    assert desk.locator(f"tr[data-marker='{m1.number}'] .needs-item").count() == 1
    desk.fill("#problem-form input[name=description]", "001 号界桩恢复原位")
    desk.select_option("#problem-form select[name=owner_side]", "a")
    desk.fill("#problem-form input[name=due_date]", "2026-09-30")
    with desk.expect_navigation():
        desk.click("#problem-form button")
    assert desk.locator(".needs-item").count() == 0
    screenshot(desk, "boundary_inspection_desktop")
    desk.fill("form[data-action=draft_report] textarea[name=report]", "001 号界桩向东移位约 3 米，其余完好。")
    with desk.expect_navigation():
        desk.click("form[data-action=draft_report] button")
    with desk.expect_navigation():
        desk.click("form[data-action=sign] button")
    with phone.expect_navigation():
        phone.goto(f"{live_server.url}/boundaries/inspections/{insp.pk}/")
    with phone.expect_navigation():
        phone.click("form[data-action=sign] button")
    assert JointInspection.objects.get().state == "signed"
    with desk.expect_navigation():
        desk.goto(f"{live_server.url}/boundaries/inspections/{insp.pk}/")
    with desk.expect_navigation():
        desk.click("form[data-action=file] button")
    assert JointInspection.objects.get().state == "filed"

    desk.goto(f"{live_server.url}/boundaries/inspections/{insp.pk}/report/")
    frame = desk.frame_locator("#report-map")
    frame.locator(".leaflet-overlay-pane canvas").wait_for(timeout=10000)
    drawn = desk.frame_locator("#report-map").locator("body").evaluate(
        "() => { const m = window[Object.keys(window).find(k => k.startsWith('map_'))]; const out = [];"
        " m.eachLayer(l => { if (l.feature) out.push(l.feature.properties.number || l.feature.properties.code); }); return out.sort(); }")
    assert drawn == sorted([w["line"].code, m1.number, m2.number, m3.number])
    legend = frame.locator(".gg-legend").inner_text()
    assert "移位" in legend and "完好" in legend
    assert desk.locator(f"tr[data-marker='{m1.number}'] .displacement").inner_text() == "3.00"
    assert "001 号界桩恢复原位" in desk.locator("#report-problems").inner_text()
    assert "方位物 3 号电杆已拆除" in desk.locator("#report-sections").inner_text()
    signoff = desk.locator("#report-signoff").inner_text()
    assert "长清区联检员" in signoff and "测试区联检员" in signoff
    screenshot(desk, "boundary_report_desktop")
    # The print view is the PDF: Chromium prints it (map frame included) without the screen-only links.
    pdf = desk.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    assert not errors and not d_errors, (errors, d_errors)
    assert_local(requests, live_server)
    assert_local(d_requests, live_server)

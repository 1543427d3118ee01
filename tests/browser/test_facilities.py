"""The facility list and the coverage analysis in headless Chromium: facility markers on the
main map in their type's colour, the pages reached from the staff navigation, the choropleth drawn
(one polygon per level-5 grid in its class colour), the meal points with their circles, legend and
pop-ups, the ranked communities, nothing fetched from outside."""
import pytest

from tests.facilities.town import CODE, gk_point, town
from tests.support import assert_local, login, map_point, screenshot, watch
from tests.support.world import user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coverage_page_draws_the_analysis(live_server, page):
    w = town()
    user("da", "district_admin", area=w["district"])
    requests, errors = watch(page)
    login(page, live_server, "da")
    # The main map: each facility's marker filled with its type's colour (admin data); closed ones left out.
    page.goto(live_server.url + "/map/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15000)
    fills = page.evaluate("(() => { const f = {}; window.geogridMap.layers.facilities.group.eachLayer("
                          "l => { f[l.feature.properties.name] = l.options.fillColor; }); return f; })()")
    assert fills == {"转角助餐点": "#e31a1c", "转角助餐点（二）": "#e31a1c", "东头助餐点": "#e31a1c", "北头日间照料中心": "#33a02c"}
    page.click("nav a[data-link=facilities]")
    page.wait_for_selector("#facility-table")
    assert page.locator("#facility-table tbody tr").count() == 5
    page.select_option("select[name=facility_type]", "meal_point")
    page.click("#facility-filters button[type=submit]")
    page.wait_for_url("**/facilities/?*facility_type=meal_point*")
    assert page.locator("#facility-table tbody tr").count() == 4  # the closed one is listed too, marked
    screenshot(page, "facilities_list")

    page.click(".fac-tabs a[href='/facilities/coverage/']")
    page.wait_for_selector("#coverage-map[data-ready='1']", timeout=15000)
    assert page.evaluate("window.geogridCoverage.count") == 6
    assert page.evaluate("window.geogridCoverage.facilityCount") == 3
    fills = page.evaluate("Array.from(document.querySelectorAll('#coverage-map path.leaflet-interactive')).map(p => p.getAttribute('fill'))")
    assert sorted(f for f in fills if f) == sorted(["#ffffbf", "#ffffbf", "#bdbdbd", "#ffffbf", "#1a9641", "#d7191c"])
    assert page.locator(".leaflet-marker-icon .fac-marker").count() == 3
    assert page.locator(".coverage-legend").is_visible()
    assert "465 户" in page.locator("#coverage-answer").inner_text()
    first = page.locator("#coverage-communities tbody tr").first.inner_text()
    assert "方一社区" in first and "345" in first

    gg = gk_point(300, 5700)  # inside Gg, away from the day-care centre
    page.mouse.click(*map_point(page, "window.geogridCoverage.map", gg.x, gg.y))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert CODE["Gg"] in text and "最近距离（米）\t4000" in text and "转角助餐点" in text

    page.wait_for_timeout(300)
    screenshot(page, "facilities_coverage")
    assert not errors, errors
    assert_local(requests, live_server)
    assert any("/facilities/coverage/map.geojson" in u for u in requests)


def test_exported_coverage_map_works_from_disk_without_network(live_server, page, tmp_path):
    w = town()
    user("da", "district_admin", area=w["district"])
    login(page, live_server, "da", "/facilities/coverage/?type=meal_point&radius=1000")
    with page.expect_download() as dl:
        page.click("#coverage-report-map")
    path = tmp_path / "coverage.html"
    dl.value.save_as(path)

    requests, errors = watch(page)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    map_expr = "window[Object.keys(window).find(k => k.startsWith('map_'))]"
    page.wait_for_selector(".leaflet-overlay-pane canvas", timeout=15000)
    drawn = page.evaluate(f"(() => {{ let n = 0; {map_expr}.eachLayer(l => {{ if (l.feature) n++; }}); return n; }})()")
    assert drawn == 6 + 3 + 3  # grids, circles, meal points
    legend = page.locator(".gg-legend").inner_text()
    assert "五级网格覆盖率" in legend and "未覆盖" in legend and "全部覆盖" in legend and "助餐点" in legend
    assert "未覆盖 465 户" in page.locator(".gg-title").inner_text()
    gg = gk_point(300, 5700)
    page.mouse.click(*map_point(page, map_expr, gg.x, gg.y))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert CODE["Gg"] in popup.inner_text() and "4000" in popup.inner_text()
    page.wait_for_timeout(300)
    screenshot(page, "facilities_coverage_report")
    assert not errors, errors
    assert all(u.startswith("file:") for u in requests), requests

"""Roads under the small maps of the report and case pages (gridmap.js roads()), in headless Chromium
on a phone: without a base-map server the member still sees the district's own roads with their
names near their grid, road-name signs from zoom 16, a tap still places the point, and not one
request leaves the server."""
import pytest
from django.contrib.auth.models import Group

from geogrid.accounts.roles import Role
from geogrid.incidents.models import IncidentCategory
from geogrid.incidents.seed import seed
from geogrid.incidents.services import report_incident
from tests.support import assert_local, login, map_point, screenshot, watch
from tests.support.district import small_district

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROADS = "window.geogridIncidentMap.roads"


def member_of_small_district():
    """small_district()'s grid member 王网格 (user wgy, grid 西网格 116.74–116.75E, 36.54–36.56N;
    the road 测试路 runs along 36.55N from 116.72 to 116.78)."""
    seed(IncidentCategory)
    d = small_district()
    wgy = d["grid_a"].members.get().user
    wgy.set_password("pw-12345678")
    wgy.save()
    wgy.groups.add(Group.objects.get_or_create(name=str(Role.GRID_MEMBER))[0])
    return d, wgy


def labels_in_view(page, map_id):
    """Texts of the road labels drawn inside the map's box."""
    return page.evaluate("""(id) => {
        const box = document.getElementById(id).getBoundingClientRect();
        return [...document.querySelectorAll('#' + id + ' .leaflet-tooltip.road-label')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        }).map(t => t.textContent); }""", map_id)


def test_the_report_page_draws_the_roads_near_the_members_grid(live_server, phone_page):
    page = phone_page
    member_of_small_district()
    requests, errors = watch(page)
    login(page, live_server, "wgy", "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']", timeout=15000)
    page.wait_for_function(f"{ROADS} && {ROADS}.done && {ROADS}.roadCount === 1", timeout=10000)
    assert labels_in_view(page, "report-map") == ["测试路"]
    # The label sits on the road (36.55N) where the map shows it.
    label = page.locator("#report-map .road-label").bounding_box()
    road_y = map_point(page, "window.geogridIncidentMap.map", 116.745, 36.55)[1]
    assert abs(label["y"] + label["height"] / 2 - road_y) < 3
    # Under the grid and the point: the roads' pane lies below the overlays and takes no taps.
    assert page.evaluate("getComputedStyle(window.geogridIncidentMap.map.getPane('roads')).zIndex") == "350"
    assert page.evaluate(f"{ROADS}.signCount") == 0  # signs only from zoom 16

    # A tap on the road still places the point (in the map's frame).
    page.touchscreen.tap(*map_point(page, "window.geogridIncidentMap.map", 116.745, 36.55))
    page.wait_for_function("document.querySelector('input[name=crs]').value === 'EPSG:4490'")
    assert abs(float(page.input_value("input[name=lat]")) - 36.55) < 0.0005

    # Close in, the sign of the road (116.755, 36.551) appears; the view moved, so the roads were
    # asked for again by bbox.
    page.evaluate("window.geogridIncidentMap.map.setView([36.551, 116.755], 17, {animate: false})")
    page.wait_for_function(f"{ROADS}.signCount === 1", timeout=10000)
    assert labels_in_view(page, "report-map") == ["测试路"]
    geojson = [u for u in requests if "/layers/" in u and ".geojson" in u]
    assert any("/layers/roads.geojson?bbox=" in u for u in geojson) and any("/layers/road_signs.geojson?bbox=" in u for u in geojson)
    assert all("bbox=" in u for u in geojson)  # never the whole layer
    screenshot(page, "incident_report_roads_phone")

    assert not errors, errors
    assert_local(requests, live_server)


def test_the_case_page_draws_the_roads_too(live_server, phone_page):
    page = phone_page
    _, wgy = member_of_small_district()
    case = report_incident(wgy, category="environment", description="路边垃圾", lon=116.745, lat=36.5505, crs="EPSG:4490")
    requests, errors = watch(page)
    login(page, live_server, "wgy", f"/incidents/{case.pk}/")
    page.wait_for_selector("#case-map[data-ready='1']", timeout=15000)
    page.wait_for_function(f"{ROADS} && {ROADS}.done && {ROADS}.roadCount === 1", timeout=10000)
    assert labels_in_view(page, "case-map") == ["测试路"]
    assert not errors, errors
    assert_local(requests, live_server)

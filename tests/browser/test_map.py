"""The /map/ page in headless Chromium: layers drawn from the registry, control, legend, pop-ups,
search, and not one request leaving the server."""
import pytest

from layers.registry import registry
from tests.support import TEST_PASSWORD, assert_local, login, map_point, screenshot, watch
from tests.support.district import small_district

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_map(page, live_server, path="/map/"):
    requests, errors = watch(page)
    page.goto(live_server.url + path)
    page.wait_for_selector("#map[data-ready='1']", timeout=15000)
    return requests, errors


def click_at(page, lon, lat):
    page.mouse.click(*map_point(page, "window.geogridMap.map", lon, lat))


def test_map_draws_every_layer_with_control_legend_and_popups(live_server, page):
    small_district()
    requests, errors = open_map(page, live_server)

    titles = [str(layer.title) for layer in registry]
    control = page.locator(".leaflet-control-layers-overlays").inner_text()
    legend = page.locator(".map-legend")
    assert legend.is_visible()
    for title in titles:
        assert title in control, title
        assert title in legend.inner_text(), title

    counts = page.evaluate("Object.fromEntries(Object.entries(window.geogridMap.layers).map(([k, e]) => [k, e.count]))")
    # Drawn at once: everything but the level-5 grids and the road signs, which wait until switched on.
    assert counts == {"admin_district": 1, "admin_street": 1, "admin_community": 1, "grids_l4": 2, "grids_l5": 0, "roads": 1,
                      "road_signs": 0, "boundary_lines": 1, "boundary_markers": 1, "facilities": 1}
    # The map opened on the district (116.70–116.80E, 36.50–36.60N).
    b = page.evaluate("(() => { const b = window.geogridMap.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert b[0] <= 116.70 and b[1] <= 36.50 and b[2] >= 116.80 and b[3] >= 36.60
    assert b[2] - b[0] < 0.5

    # The facility sits at 116.75, 36.55: its pop-up shows labelled Chinese properties.
    click_at(page, 116.75, 36.55)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "民政设施" in text and "测试日间照料中心" in text and "日间照料中心" in text and "设施类型" in text and "测试社区" in text

    # A grid pop-up: click inside the eastern grid, away from points and lines (the open pop-up
    # covers that spot, so close it first).
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached", timeout=5000)
    click_at(page, 116.757, 36.558)
    page.wait_for_function("document.querySelector('.leaflet-popup-content') && "
                           "document.querySelector('.leaflet-popup-content').innerText.includes('东网格')", timeout=5000)
    text = popup.inner_text()
    assert "四级网格" in text and "37011200100102" in text and "专属网格" in text and "学校" in text

    # Switching on the level-5 grids loads them then.
    page.locator(".leaflet-control-layers-overlays label", has_text="五级网格").locator("input").check()
    page.wait_for_function("window.geogridMap.layers.grids_l5.count === 1", timeout=5000)
    page.locator(".leaflet-control-layers-overlays label", has_text="路名牌").locator("input").check()
    page.wait_for_function("window.geogridMap.layers.road_signs.count === 1", timeout=5000)

    page.wait_for_timeout(400)  # let the pop-up finish fading in for the screenshot
    screenshot(page, "map")
    assert not errors, errors
    assert_local(requests, live_server)
    assert any(u.endswith("/layers/grids_l5.geojson") for u in requests)


def test_map_search_finds_a_grid_by_code(live_server, page):
    small_district()
    open_map(page, live_server)
    page.fill("#map-search input[name=q]", "3701120010010101")
    page.press("#map-search input[name=q]", "Enter")
    page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert "西一小网格" in page.locator(".leaflet-popup-content").inner_text()
    assert page.locator(".map-search-msg").inner_text() == "找到 1 个，已定位到第一个"
    # The level-5 layer was not drawn at first; the search loaded it and switched it on.
    assert page.evaluate("window.geogridMap.map.hasLayer(window.geogridMap.layers.grids_l5.group)")



def test_a_grid_popup_shows_its_team_to_signed_in_users_only(live_server, page):
    """The grids' PopupDetail (geogrid/grids/layers.py): /api/grids/<code>/team/ in the pop-up."""
    d = small_district()
    member = d["grid_a"].members.get().user
    member.set_password(TEST_PASSWORD)
    member.save()
    popup = page.locator(".leaflet-popup-content")

    # A visitor: the team is for signed-in users, so a line to sign in and no request for it.
    requests, errors = open_map(page, live_server)
    click_at(page, 116.745, 36.557)  # in 西网格, away from the road, the sign and the facility
    page.wait_for_function("document.querySelector('.leaflet-popup-content') && "
                           "document.querySelector('.leaflet-popup-content').innerText.includes('西网格')", timeout=5000)
    text = popup.inner_text()
    assert "4+N 队伍（在岗）" in text and "登录后可查看网格的 4+N 队伍" in text and "王网格" not in text
    assert popup.locator(".detail-login a").get_attribute("href") == "/accounts/login/?next=/map/"
    assert not [u for u in requests if "/api/grids/" in u]

    # Signed in: the pop-up fetches the team of the grid and names its members.
    login(page, live_server, member.username)
    open_map(page, live_server)
    click_at(page, 116.745, 36.557)
    page.wait_for_function("document.querySelector('.leaflet-popup-content .detail-items')", timeout=5000)
    items = popup.locator(".detail-items li").all_inner_texts()
    assert items == ["王网格 · 专职网格员 · 13800000001"]
    screenshot(page, "map_grid_team_popup")
    assert "登录后" not in popup.inner_text()
    # The eastern grid has nobody on duty: it says so.
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached", timeout=5000)
    click_at(page, 116.757, 36.558)
    page.wait_for_function("document.querySelector('.leaflet-popup-content .detail-empty')", timeout=5000)
    assert "暂无在岗的队伍成员" in popup.inner_text()
    assert any(u.endswith("/api/grids/37011200100101/team/") for u in requests)
    assert not errors, errors
    assert_local(requests, live_server)


def test_a_folium_report_map_works_from_a_file_offline_and_shows_text_as_text(page, tmp_path):
    """layers.maps output saved to disk, opened with every network request refused: Leaflet is
    inlined, features draw, the legend shows, a pop-up shows hostile text as text."""
    from layers.maps import MapLayer, render_map

    evil = "</script><img src=x onerror=\"window.pwned=1\">"
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [116.75, 36.55]},
         "properties": {"name": evil, "kind": "甲"}},
        {"type": "Feature", "id": 2, "geometry": {"type": "Polygon", "coordinates": [[[116.70, 36.50], [116.74, 36.50], [116.74, 36.54],
                                                                                     [116.70, 36.54], [116.70, 36.50]]]},
         "properties": {"name": "网格乙", "kind": "乙"}}]}
    path = tmp_path / "report.html"
    path.write_text(render_map([MapLayer(fc, title="报告图层", color_by="kind", fields=[("name", "名称"), ("kind", "类别")])],
                               title="覆盖报告"), encoding="utf-8")
    requests, errors = watch(page)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    map_expr = "window[Object.keys(window).find(k => k.startsWith('map_'))]"
    page.wait_for_selector(".leaflet-overlay-pane canvas", timeout=10000)
    drawn = page.evaluate(f"(() => {{ const ids = []; {map_expr}.eachLayer(l => {{ if (l.feature) ids.push(l.feature.id); }}); return ids.sort(); }})()")
    assert drawn == [1, 2], errors
    assert "覆盖报告" in page.locator(".gg-title").inner_text()
    legend = page.locator(".gg-legend").inner_text()
    assert "报告图层" in legend and "甲" in legend and "乙" in legend
    page.mouse.click(*map_point(page, map_expr, 116.75, 36.55))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert evil in popup.inner_text() and "名称" in popup.inner_text()
    assert page.evaluate("window.pwned") is None
    screenshot(page, "folium_report_map")
    assert not errors, errors
    assert all(u.startswith("file:") for u in requests), requests

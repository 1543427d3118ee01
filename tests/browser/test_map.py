"""The /map/ page in headless Chromium: layers drawn from the registry, control, legend, pop-ups,
search, and not one request leaving the server."""

import pytest

from layers.registry import registry
from tests.support import TEST_PASSWORD, assert_local, login, map_point, screenshot, watch
from tests.support.district import small_district
from tests.support.demo import demo_db  # noqa: F401  (a copy of the demo database for one test)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_map(page, live_server, path="/map/"):
    requests, errors = watch(page)
    page.goto(live_server.url + path)
    page.wait_for_selector("#map[data-ready='1']", timeout=15000)
    page.wait_for_load_state("networkidle")
    return requests, errors


def click_at(page, lon, lat):
    page.mouse.click(*map_point(page, "window.geogridMap.map", lon, lat))


def wait_drawn(page, name, at_least=1, timeout=15000):
    """Until the tiled layer `name` has at least that many features on its loaded tiles."""
    page.wait_for_function(f"window.geogridMap.layers.{name}.drawn() >= {at_least}", timeout=timeout)


def tiles_faded_in(page, timeout=5000):
    """Until every loaded tile has finished Leaflet's fade-in: on a busy machine a screenshot taken
    at networkidle showed whole tiles of grids still half transparent."""
    page.wait_for_function("[...document.querySelectorAll('.leaflet-tile-loaded')].every(t => getComputedStyle(t).opacity === '1')",
                           timeout=timeout)


def popup_with(page, text, timeout=15000):
    page.wait_for_function("document.querySelector('.leaflet-popup-content') && "
                           f"document.querySelector('.leaflet-popup-content').innerText.includes({text!r})", timeout=timeout)
    return page.locator(".leaflet-popup-content").inner_text()


def test_map_draws_large_layers_from_tiles_small_ones_from_geojson(live_server, page, settings):
    settings.GEOGRID_TILED_MIN_FEATURES = 1  # every line and polygon layer of the tiny district from tiles
    small_district()
    requests, errors = open_map(page, live_server)

    public = [layer for layer in registry if not layer.login_required]
    control = page.locator(".leaflet-control-layers-overlays").inner_text()
    legend = page.locator(".map-legend")
    assert legend.is_visible()
    for layer in public:
        assert str(layer.title) in control and str(layer.title) in legend.inner_text(), layer.name
    assert "事件" not in control  # incidents: signed-in users only
    # Polygons and lines from vector tiles, points as GeoJSON.
    for name in ("admin_district", "admin_street", "roads", "boundary_lines"):
        wait_drawn(page, name)
    wait_drawn(page, "admin_community")  # min_zoom 10: the district opens at about z13
    counts = page.evaluate("Object.fromEntries(Object.entries(window.geogridMap.layers).filter(([k, e]) => !e.info.tiled)"
                           ".map(([k, e]) => [k, e.count]))")
    assert counts == {"road_signs": 0, "boundary_markers": 1, "facilities": 1, "care_buildings": 0}  # signs, buildings: when switched on
    assert any("/tiles/grids_l4/" in u for u in requests) and any("/tiles/admin_district/" in u for u in requests)
    assert not any(u.endswith("/layers/grids_l4.geojson") or u.endswith("/layers/admin_district.geojson") for u in requests)
    # The map opened on the district (116.70–116.80E, 36.50–36.60N).
    b = page.evaluate("(() => { const b = window.geogridMap.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert b[0] <= 116.70 and b[1] <= 36.50 and b[2] >= 116.80 and b[3] >= 36.60 and b[2] - b[0] < 0.5

    # The facility (GeoJSON) at 116.75, 36.55: its own pop-up.
    click_at(page, 116.75, 36.55)
    text = popup_with(page, "测试日间照料中心")
    assert "民政设施" in text and "日间照料中心" in text and "设施类型" in text and "测试社区" in text
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup-content").wait_for(state="detached", timeout=5000)

    # A grid from the tiles: the click asks /layers/at, the finest feature shows, with where it lies.
    wait_drawn(page, "grids_l4", 2)
    click_at(page, 116.757, 36.558)
    text = popup_with(page, "东网格")
    assert "四级网格" in text and "37011200100102" in text and "专属网格" in text and "学校" in text
    assert "社区/村 测试社区" in text and "区县 测试区" in text  # the areas it lies in
    assert any("/layers/at?" in u for u in requests)

    # Level-5 grids: switched on, drawn from z13 on.
    page.locator(".leaflet-control-layers-overlays label", has_text="五级网格").locator("input").check()
    page.evaluate("void window.geogridMap.map.setView([36.545, 116.745], 15, {animate: false})")
    wait_drawn(page, "grids_l5")
    page.locator(".leaflet-control-layers-overlays label", has_text="路名牌").locator("input").check()
    page.wait_for_function("window.geogridMap.layers.road_signs.count === 1", timeout=5000)
    click_at(page, 116.745, 36.545)
    assert "西一小网格" in popup_with(page, "五级网格")

    page.evaluate("void window.geogridMap.map.setView([36.55, 116.75], 13, {animate: false})")
    page.wait_for_timeout(600)
    screenshot(page, "map")
    assert not errors, errors
    assert_local(requests, live_server)


def test_map_search_finds_a_grid_by_code_on_the_server(live_server, page, settings):
    settings.GEOGRID_TILED_MIN_FEATURES = 1
    small_district()
    requests, _errors = open_map(page, live_server)
    page.fill("#map-search input[name=q]", "3701120010010101")
    page.press("#map-search input[name=q]", "Enter")
    assert "西一小网格" in popup_with(page, "西一小网格")
    assert page.locator(".map-search-msg").inner_text() == "找到 1 个，已定位到第一个"
    # The level-5 layer was not drawn at first; the search switched it on and zoomed to it.
    assert page.evaluate("window.geogridMap.map.hasLayer(window.geogridMap.layers.grids_l5.group)")
    assert page.evaluate("window.geogridMap.map.getZoom()") >= 13
    assert any("/layers/search?q=3701120010010101" in u for u in requests)
    page.fill("#map-search input[name=q]", "没有这个")
    page.press("#map-search input[name=q]", "Enter")
    # 15 s: the level-5 tiles the first search switched on are still being served (a run on a machine at load 19 took > 5 s)
    page.wait_for_function("document.querySelector('.map-search-msg').innerText.includes('没有找到')", timeout=15000)


def test_report_here_is_offered_to_those_who_may_report(live_server, page, settings):
    settings.GEOGRID_TILED_MIN_FEATURES = 1
    from geogrid.accounts.roles import Role
    from tests.support.world import user

    small_district()
    member = user("m_map", Role.GRID_MEMBER)
    member.set_password(TEST_PASSWORD)
    member.save()
    open_map(page, live_server)  # a visitor: no actions, a click on a grid shows only the grid
    wait_drawn(page, "grids_l4", 2)
    click_at(page, 116.745, 36.557)
    popup_with(page, "西网格")
    assert page.locator(".map-action").count() == 0

    login(page, live_server, "m_map", None)
    open_map(page, live_server)
    wait_drawn(page, "grids_l4", 2)
    click_at(page, 116.745, 36.557)
    popup_with(page, "西网格")
    # the grid's team (its PopupDetail) loads into the pop-up first: wait until it is there
    page.wait_for_selector(".leaflet-popup-content .detail-items, .leaflet-popup-content .detail-empty", timeout=5000)
    link = page.locator(".map-action")
    assert link.inner_text() == "在此上报事件"
    href = link.get_attribute("href")
    assert href.startswith("/incidents/report/?lon=116.74") and "&lat=36.55" in href
    # The link followed as a link: a click by the DOM, not at a screen position (a pop-up that
    # pans the map or redraws under a pointer click lost it on loaded machines, 2 fresh clones in 6).
    page.wait_for_load_state("networkidle")
    with page.expect_navigation(url="**/incidents/report/**"):
        page.locator(".map-action").evaluate("a => a.click()")
    assert page.locator("input[name=lon]").input_value().startswith("116.74")


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
    login(page, live_server, member.username, None)
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


def test_the_map_draws_the_demo_district_from_tiles(demo_db, live_server, page):  # noqa: F811
    """The demo district (loaddemo) on /map/: its grids (hundreds, thousands at level 5) come from
    vector tiles, its few areas and lines as GeoJSON; the time to the first drawn grid tile and to
    a quiet map is printed (run with -s)."""
    import time

    from geogrid.grids.models import Grid

    n4 = Grid.objects.current().filter(level=4).count()
    requests, errors = watch(page)
    started = time.monotonic()
    page.goto(live_server.url + "/map/")
    page.wait_for_function("window.geogridMap && window.geogridMap.layers.grids_l4 && window.geogridMap.layers.grids_l4.drawn() > 0",
                           timeout=20000)
    first = time.monotonic() - started
    page.wait_for_selector("#map[data-ready='1']", timeout=20000)
    page.wait_for_load_state("networkidle")
    idle = time.monotonic() - started
    drawn = page.evaluate("window.geogridMap.layers.grids_l4.drawn()")
    assert drawn > min(20, n4 // 2), (drawn, n4)
    tiles = [u for u in requests if "/tiles/" in u]
    tiled = page.evaluate("Object.fromEntries(Object.entries(window.geogridMap.layers).map(([k, e]) => [k, e.info.tiled]))")
    assert tiled["grids_l4"] and tiled["grids_l5"] and not tiled["admin_district"] and not tiled["facilities"]
    assert any("/tiles/grids_l4/" in u for u in tiles) and not any(u.endswith(".geojson") and "grids" in u for u in requests)
    tiles_faded_in(page)
    screenshot(page, "map_demo_tiles")
    # Closer in (the switch of a layer is enabled from its min_zoom on), the level-5 grids too.
    grid = Grid.objects.current().filter(level=5).first()
    c = grid.geom.point_on_surface
    page.evaluate(f"void window.geogridMap.map.setView([{c.y}, {c.x}], 15, {{animate: false}})")
    page.locator(".leaflet-control-layers-overlays label", has_text="五级网格").locator("input").check()
    page.wait_for_function("window.geogridMap.layers.grids_l5.drawn() > 0", timeout=20000)
    page.wait_for_load_state("networkidle")
    tiles_faded_in(page)
    screenshot(page, "map_demo_tiles_l5")
    print(f"\ndemo map: {n4} level-4 grids, {drawn} drawn from {len(tiles)} tiles; first grid tile drawn {first * 1000:.0f} ms, "
          f"quiet {idle * 1000:.0f} ms after navigation")
    assert not errors, errors
    assert_local(requests, live_server)


def test_the_ogc_api_html_pages_draw_their_features(live_server, page):
    small_district()
    requests, errors = watch(page)
    page.goto(live_server.url + "/ogc/collections/grids-l4/items?f=html")
    page.wait_for_selector("#ogc-map[data-ready='1']", timeout=10000)
    assert page.locator(".ogc-table tbody tr").count() == 2 and "共 2 个要素" in page.locator(".ogc-count").inner_text()
    assert page.locator("#ogc-map canvas").count() == 1
    assert page.evaluate("document.getElementById('ogc-map').getBoundingClientRect().height") > 300
    screenshot(page, "ogc_items")
    page.locator(".ogc-table tbody tr a").first.click()
    page.wait_for_selector("#ogc-map[data-ready='1']", timeout=10000)
    assert page.locator(".ogc-table tbody tr").count() == 1
    page.goto(live_server.url + "/ogc/?f=html")
    page.locator("a", has_text="数据集").first.click()
    page.wait_for_load_state()
    assert "四级网格" in page.content()
    assert not errors, errors
    assert_local(requests, live_server)


def test_the_map_stays_smooth_with_100_000_level_5_grids(live_server, page):
    """10⁵ level-5 grids (320 × 320 cells of ~30 m over the tiny district, denser than any city):
    the level-5 layer comes from tiles, only the screen's tiles are asked, specks are left out at
    low zoom, and panning draws new tiles; timings printed (run with -s)."""
    import time

    from django.db import connection

    d = small_district()
    n, step = 320, 0.1 / 320
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO grids_grid (code, name, level, kind, dedicated_type, parent_id, community_id, households, population, geom,
                                    area_m2, version, valid_from)
            SELECT '99' || lpad((i * {n} + j)::text, 14, '0'), '规模网格' || (i * {n} + j), 5, 'ordinary', '', %s, %s, 0, 0,
                   ST_Multi(ST_MakeEnvelope(116.70 + i * {step}, 36.50 + j * {step}, 116.70 + (i + 1) * {step}, 36.50 + (j + 1) * {step}, 4490)),
                   0, 1, now()
            FROM generate_series(0, {n - 1}) i, generate_series(0, {n - 1}) j""", [d["grid_a"].pk, d["community"].pk])
        cur.execute("ANALYZE grids_grid")
    requests, errors = open_map(page, live_server)
    assert page.evaluate("window.geogridMap.layers.grids_l5.info.tiled") and page.evaluate("window.geogridMap.layers.grids_l5.info.count") == n * n + 1
    started = time.monotonic()
    page.evaluate("void window.geogridMap.map.setView([36.55, 116.75], 16, {animate: false})")
    page.locator(".leaflet-control-layers-overlays label", has_text="五级网格").locator("input").check()
    page.wait_for_function("window.geogridMap.layers.grids_l5.drawn() > 100", timeout=30000)
    first = time.monotonic() - started
    page.wait_for_load_state("networkidle")
    idle = time.monotonic() - started
    drawn = page.evaluate("window.geogridMap.layers.grids_l5.drawn()")
    l5_tiles = [u for u in requests if "/tiles/grids_l5/" in u]
    assert 300 < drawn < 5000 and len(l5_tiles) <= 40, (drawn, len(l5_tiles))  # the screen's grids, not 10⁵
    # Panning a screen east draws the next tiles.
    before = len(l5_tiles)
    started = time.monotonic()
    page.evaluate("void window.geogridMap.map.panBy([1200, 0], {animate: false})")
    page.wait_for_function(f"window.geogridMap.layers.grids_l5.tilesLoaded > {before}", timeout=30000)
    page.wait_for_load_state("networkidle")
    pan = time.monotonic() - started
    center = page.evaluate("(() => { const c = window.geogridMap.map.getCenter(); return [c.lng, c.lat]; })()")
    assert center[0] > 116.755  # moved east
    click_at(page, center[0] + 0.00005, center[1] + 0.0007)  # inside a cell, away from the road along 36.55N
    assert "规模网格" in popup_with(page, "规模网格", timeout=10000)
    screenshot(page, "map_100k_grids")
    print(f"\n10^5 grids: {drawn} drawn from {before} level-5 tiles; first drawn {first * 1000:.0f} ms, quiet {idle * 1000:.0f} ms; "
          f"a pan quiet after {pan * 1000:.0f} ms")
    assert not errors, errors
    assert_local(requests, live_server)

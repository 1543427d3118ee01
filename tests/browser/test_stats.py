"""/stats/ in headless Chromium: the choropleth drawn (one polygon per grid, classed colours, legend,
pop-ups), sortable tables, nothing fetched from outside the server; and the exported folium map
opened from disk with no network at all."""

import pytest

from geogrid.stats import services as stats
from tests.support import assert_local, login, map_point, screenshot, watch
from tests.support.world import G4A, G4B, built

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click_at(page, lon, lat):
    page.mouse.click(*map_point(page, "window.geogridStats.map", lon, lat))


def test_stats_page_draws_the_choropleth_with_legend_and_popups(live_server, page):
    built()
    requests, errors = watch(page)
    login(page, live_server, "da")
    page.click("nav a[href='/stats/']")
    page.wait_for_selector("#stats-map[data-ready='1']", timeout=15000)

    assert page.evaluate("window.geogridStats.count") == 4
    # Drawn, not just loaded: one SVG path per grid, filled with its class colour.
    fills = page.evaluate("Array.from(document.querySelectorAll('#stats-map path.leaflet-interactive')).map(p => p.getAttribute('fill'))")
    assert len(fills) == 4
    assert sorted(fills) == sorted([stats.PALETTE[-1], stats.PALETTE[0], stats.PALETTE[0], stats.PALETTE[0]])
    legend = page.locator(".stats-legend")
    assert legend.is_visible()
    assert [t.strip() for t in legend.locator("li").all_inner_texts()] == ["0", "1", "2", "3"]
    assert page.locator("#stats-summary [data-figure=total]").inner_text() == "6"

    click_at(page, 116.712, 36.53)  # inside G4a
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=15000)  # a loaded CI machine answers the pop-up's request slowly
    text = popup.inner_text()
    assert "甲网格（新）" in text and G4A in text and "按期结案率（%）\t50" in text and "平均办理时长（小时）\t8" in text

    # Sort the grid table by total, largest first (click twice: ascending, then descending).
    header = page.locator("#stats-grid th[data-key=total]")
    header.click()
    header.click()
    first = page.locator("#stats-grid tbody tr").first.locator("td").first.inner_text()
    assert first == G4A

    page.wait_for_timeout(300)
    screenshot(page, "stats_district")
    assert not errors, errors
    assert_local(requests, live_server)
    assert any("/stats/map.geojson" in u for u in requests)


def test_community_staff_map_shows_their_grids_only_and_filters_apply(live_server, page):
    built()
    requests, errors = watch(page)
    login(page, live_server, "cs1", "/stats/?category=dispute")
    page.wait_for_selector("#stats-map[data-ready='1']", timeout=15000)
    assert page.evaluate("window.geogridStats.count") == 2
    totals = page.evaluate("window.geogridStats.layer.getLayers().map(l => [l.feature.id, l.feature.properties.total])")
    assert sorted(totals) == [[G4A, 0], [G4B, 1]]
    assert page.locator("select[name=category]").input_value() == "dispute"
    screenshot(page, "stats_community")
    assert not errors, errors


def test_exported_report_map_works_from_disk_without_network(live_server, page, tmp_path):
    built()
    login(page, live_server, "da")
    with page.expect_download() as dl:
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; document.body.appendChild(a); a.click(); }",
                      live_server.url + "/stats/map.html?by=grid")
    download = dl.value
    assert download.suggested_filename.endswith(".html")
    path = tmp_path / "report.html"
    download.save_as(path)

    requests, errors = watch(page)
    page.goto(path.as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=15000)
    assert page.locator("path.leaflet-interactive").count() == 4
    assert "按网格" in page.locator(".stats-title").inner_text()
    assert page.locator(".stats-legend").is_visible()
    page.wait_for_timeout(300)
    screenshot(page, "stats_folium_report")
    assert not errors, errors
    remote = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not remote, remote

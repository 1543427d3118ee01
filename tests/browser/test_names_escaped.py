"""Names typed by people are text in the maps' tooltips and pop-ups (issue #13: one esc() in
static/geogrid/util.js for every page script): a grid and a community named like an HTML element
with a script show as those characters on the home map, the /map/ page and the /stats/ choropleth,
and the script never runs."""
import pytest

from geogrid.grids.models import AdminArea, Grid
from tests.support import login, map_point, watch
from tests.support.world import G4A, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID = "<img src=x onerror=window.__x=1>"
COMMUNITY = "<b onmouseover=window.__x=2>一社区</b>"


def hover_or_click(page, map_expr, lon, lat, click=False):
    x, y = map_point(page, map_expr, lon, lat)
    page.mouse.move(x, y)
    if click:
        page.mouse.click(x, y)


def shown(page, selector, text):
    """The element's text holds `text` verbatim, and it holds no element made from a name."""
    page.wait_for_function(f"document.querySelector({selector!r}) && document.querySelector({selector!r}).innerText.includes({text!r})",
                           timeout=15000)
    assert page.evaluate(f"document.querySelectorAll({selector!r} + ' img, ' + {selector!r} + ' b').length") == 0


def test_a_grid_named_like_a_script_is_text_on_every_map(live_server, page):
    w = world()
    Grid.objects.filter(code=G4A).update(name=GRID)
    AdminArea.objects.filter(pk=w["c1"].pk).update(name=COMMUNITY)
    _requests, errors = watch(page)

    login(page, live_server, "m_a")  # the home page draws the member's grid, named in its tooltip
    page.wait_for_selector("#home-map[data-ready='1']", timeout=15000)
    hover_or_click(page, "window.geogridHome.map", 116.715, 36.53)
    shown(page, ".leaflet-tooltip", GRID)
    assert page.evaluate("window.__x") is None

    page.goto(live_server.url + "/map/")  # a click: the finest feature's pop-up, the areas it lies in
    page.wait_for_selector("#map[data-ready='1']", timeout=15000)
    page.evaluate("window.geogridMap.map.setView([36.53, 116.715], 14, {animate: false})")
    page.wait_for_load_state("networkidle")
    hover_or_click(page, "window.geogridMap.map", 116.715, 36.53, click=True)
    shown(page, ".leaflet-popup-content", GRID)
    shown(page, ".leaflet-popup-content", COMMUNITY)
    assert page.evaluate("window.__x") is None

    login(page, live_server, "cs1")  # the choropleth: tooltip and pop-up of each grid
    page.goto(live_server.url + "/stats/")
    page.wait_for_selector("#stats-map[data-ready='1']", timeout=15000)
    hover_or_click(page, "window.geogridStats.map", 116.715, 36.53)
    shown(page, ".leaflet-tooltip", GRID)
    hover_or_click(page, "window.geogridStats.map", 116.715, 36.53, click=True)
    shown(page, ".leaflet-popup-content h3", GRID)

    assert page.evaluate("window.__x") is None
    assert not errors, errors

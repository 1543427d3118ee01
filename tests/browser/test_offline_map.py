"""The map of a phone page without signal (issue #16): the report page opened once keeps, besides
its own HTML and assets, the last answer of each map layer it showed; opened again with the network
cut, its map still draws the member's grid and the road with its name."""
import pytest

from tests.browser.test_road_layer import (
    ROADS,
    labels_in_view,
    member_of_small_district,
)
from tests.support import assert_local, login, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_map_draws_the_grid_and_roads_offline(live_server, phone_page):
    page = phone_page
    member_of_small_district()
    requests, errors = watch(page)
    login(page, live_server, "wgy", "/incidents/report/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # through the worker: the page and its layers are kept
    page.wait_for_selector("#report-map[data-ready='1']", timeout=15000)
    page.wait_for_function(f"{ROADS} && {ROADS}.done && {ROADS}.roadCount === 1", timeout=10000)

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#report-map[data-ready='1']", timeout=15000)
    page.wait_for_function(f"{ROADS} && {ROADS}.done && {ROADS}.roadCount === 1", timeout=10000)
    assert labels_in_view(page, "report-map") == ["测试路"]
    page.wait_for_selector("#outbox-banner[data-online='0']", state="attached")  # it is the phone's copy
    assert not errors, errors
    assert_local(requests, live_server)

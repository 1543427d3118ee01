"""The staff list of patrols (/patrols/all/) at a desk, in headless Chromium: the community's
patrols in the table, their tracks on the map over the roads, a row's click opens its track's
pop-up; no page error and not one request leaving the server."""
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.patrols.services import end_patrol, start_patrol
from tests.support import assert_local, login, screenshot, watch
from tests.support.world import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_the_patrols_of_their_community_with_tracks(live_server, page):
    w = world()
    t = timezone.now() - timedelta(days=1)
    a = end_patrol(start_patrol(w["m_a"], w["g4a"], now=t), w["m_a"], track=[[116.705, 36.51], [116.705, 36.52], [116.71, 36.52]],
                   now=t + timedelta(hours=1))
    end_patrol(start_patrol(w["m_b"], w["g4b"], now=t + timedelta(hours=2)), w["m_b"], track=[[116.73, 36.51], [116.74, 36.52]],
               now=t + timedelta(hours=3))
    requests, errors = watch(page)
    login(page, live_server, "cs1")
    page.click("header.topbar a[data-link=patrols_staff]")
    page.wait_for_selector("#patrols-map[data-ready='1']", timeout=15000)
    assert page.evaluate("window.geogridPatrolTracks.count") == 2
    assert page.locator("#patrol-table tbody tr").count() == 2
    page.locator(f"#patrol-table tr[data-patrol='{a.pk}']").click()
    page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "甲网格" in text and "甲网格员" in text and "1.56 公里" in text and "发现问题 0 件" in text
    page.wait_for_timeout(300)
    screenshot(page, "patrols_staff_desktop")
    assert not errors, errors
    assert_local(requests, live_server)

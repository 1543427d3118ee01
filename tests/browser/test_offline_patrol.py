"""A patrol whose signal drops half-way (issue #16), in headless Chromium at phone size: started
online, the member walks on without a network (the GPS track goes on in the phone), reports a
finding from the patrol (the report page opens from the phone's copy) and ends the patrol; both
wait in the outbox, in order. When the network returns the finding is sent, then the end with the
whole track: the patrol ends with its track and its finding, each once."""
import time

import pytest

from geogrid.incidents.models import Incident
from geogrid.patrols.models import Patrol
from tests.support import assert_local, login, move, screenshot, watch
from tests.support.world import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WALK = [(116.705, 36.51), (116.705, 36.514), (116.709, 36.514)]  # inside 甲网格 (G4a)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_patrol_with_a_finding_made_offline_ends_with_its_track_and_finding(live_server, phone_page):
    world()
    page = phone_page
    requests, errors = watch(page)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1], "accuracy": 8})
    login(page, live_server, "m_a", "/incidents/report/")  # opened once: the phone keeps it
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(live_server.url + "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.goto(live_server.url + "/patrols/")
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.select_option("#patrol-grid", "37011200100101")
    with page.expect_navigation():
        page.click("#patrol-start button[type=submit]")
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.wait_for_function("window.geogridPatrol.points.length === 1", timeout=15000)
    patrol = Patrol.objects.get()

    page.context.set_offline(True)
    move(page, *WALK[1], points=2)
    move(page, *WALK[2], points=3)
    page.click("#patrol-report")  # the finding, from the phone's copy of the report page
    page.wait_for_selector("#report-map[data-ready='1']")
    assert page.input_value("input[name=patrol]") == str(patrol.pk)
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    page.select_option("select[name=category]", "safety_hazard")
    page.fill("textarea[name=description]", "路灯电线裸露")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-queued")

    page.goto(live_server.url + "/patrols/")  # back to the patrol: the track is still on the phone
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.wait_for_function("window.geogridPatrol.points.length === 3", timeout=15000)
    page.fill("#patrol-note", "信号时有时无")
    page.click("#patrol-end button[type=submit]")
    page.wait_for_selector("#patrol-end-queued")
    assert page.locator("#outbox-banner").get_attribute("data-waiting") == "3"
    kinds = page.evaluate("window.geogridOutbox.list().then(l => l.map(i => i.kind))")
    assert kinds == ["finding", "patrol-track", "patrol-end"]  # sent in this order: the last batch of the track before the end
    screenshot(page, "offline_patrol_queued_phone")
    assert Incident.objects.count() == 0 and Patrol.objects.get().ended_at is None

    page.context.set_offline(False)
    end = time.monotonic() + 30
    while Patrol.objects.get().ended_at is None and time.monotonic() < end:
        time.sleep(0.2)
    page.wait_for_selector("#patrol-start", timeout=15000)  # reloaded: the patrol has ended, a new one may start
    patrol.refresh_from_db()
    case = Incident.objects.get()
    assert patrol.ended_at is not None and patrol.note == "信号时有时无"
    assert [(round(x, 6), round(y, 6)) for x, y in patrol.track.coords] == WALK
    # The end keeps the phone's time of it; the case's clock starts when it arrived (as for any report sent later).
    assert case.patrol_id == patrol.pk and case.description == "路灯电线裸露" and patrol.ended_at <= case.reported_at
    assert page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert page.locator(f".patrol-item[data-patrol='{patrol.pk}']").get_attribute("data-findings") == "1"
    assert not errors, errors
    assert_local(requests, live_server)

"""A patrol run wholly without signal (issue #16), in headless Chromium at phone size: the member
opens the patrol page from the phone's copy, starts the patrol, walks (the track goes into the
outbox in batches while walking), reports a finding and ends it, all offline. The outbox holds
start → track → finding → track → end, each addressed to the patrol by the phone's client key.
When the network returns they are sent in that order: one patrol with its track (points in order,
none twice) and its finding. The same queue replayed from two tabs at once changes nothing.
A start the server refuses (the member left the grid's team meanwhile) shows its reason on
everything queued behind it; sent again once fixed, the whole patrol follows."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.grids.models import GridMember
from geogrid.incidents.models import Incident
from geogrid.patrols.models import Patrol
from tests.browser.test_offline_walk import DUMP, RESTORE
from tests.support import assert_local, login, move, screenshot, wait_until, watch
from tests.support.world import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

G4A = "37011200100101"
WALK = [(116.705, 36.51), (116.705, 36.514), (116.709, 36.514), (116.709, 36.518)]  # inside 甲网格 (G4a)
KINDS = "window.geogridOutbox.list().then(l => l.map(i => i.kind))"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_pages_once(page, live_server):
    """The member opened the report page and the patrol page once with a network: the phone keeps them."""
    page.goto(live_server.url + "/incidents/report/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(live_server.url + "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.goto(live_server.url + "/patrols/")
    page.wait_for_selector("#patrol-map[data-ready='1']")
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def start_offline(page):
    page.context.set_offline(True)
    page.reload()  # no network: the page comes from the phone
    page.wait_for_selector("#patrol-map[data-ready='1']")
    page.select_option("#patrol-grid", G4A)
    page.click("#patrol-start button[type=submit]")
    page.wait_for_selector("#patrol-live:not([hidden])")
    page.evaluate("window.geogridPatrol.batchPoints = 2")  # a batch every two points (the page's default: 12 or 60 s)
    page.wait_for_function("window.geogridPatrol.points.length === 1", timeout=15000)
    return page.evaluate("window.geogridPatrol.patrol.key")


def test_a_patrol_started_offline_arrives_once_with_its_track_in_order_and_its_finding(live_server, phone_page):
    world()
    page = phone_page
    requests, errors = watch(page)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1], "accuracy": 8})
    login(page, live_server, "m_a", None)
    open_pages_once(page, live_server)

    key = start_offline(page)
    live = page.locator("#patrol-live")
    assert "正在巡查：甲网格" in live.inner_text() and "已在手机上开始巡查" in live.inner_text()
    assert page.locator("#patrol-start").is_hidden()
    move(page, *WALK[1], points=2)  # two points: the first batch goes into the outbox while walking
    page.wait_for_function(f"{KINDS}.then(k => k.join() === 'patrol-start,patrol-track')")

    page.click("#patrol-report")  # a finding, from the phone's copy of the report page
    page.wait_for_selector("#report-map[data-ready='1']")
    assert page.input_value("input[name=patrol]") == key
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    page.select_option("select[name=category]", "safety_hazard")
    page.fill("textarea[name=description]", "井盖缺失")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-queued")

    page.goto(page.url.split("/incidents/")[0] + "/patrols/")  # back: the patrol is still running on the phone
    page.wait_for_selector("#patrol-live:not([hidden])")
    page.wait_for_function("window.geogridPatrol.points.length === 2", timeout=15000)
    page.evaluate("window.geogridPatrol.batchPoints = 2")
    move(page, *WALK[2], points=3)
    move(page, *WALK[3], points=4)
    page.wait_for_function(f"{KINDS}.then(k => k.length === 4)")
    page.fill("#patrol-note", "地下室无信号")
    time.sleep(1.2)  # the walk lasts longer than a second on any machine
    page.click("#patrol-end button[type=submit]")
    page.wait_for_selector("#patrol-end-queued")
    assert page.evaluate(KINDS) == ["patrol-start", "patrol-track", "finding", "patrol-track", "patrol-end"]
    assert page.locator("#outbox-banner").get_attribute("data-waiting") == "5"
    queue = page.evaluate(DUMP)
    urls = [q["url"] for q in queue]
    assert urls[0] == "/api/patrols/" and all(u.startswith(f"/api/patrols/{key}/") for u in urls[1:])
    assert [q["json"]["offset"] for q in queue if q["kind"] == "patrol-track"] == [0, 2]
    screenshot(page, "offline_patrol_started_offline_phone")
    assert not Patrol.objects.exists() and not Incident.objects.exists()

    back_online = timezone.now()
    page.context.set_offline(False)  # the online event sends the queue, in order
    assert wait_until(lambda: Patrol.objects.filter(ended_at__isnull=False).exists(), timeout=30)
    page.wait_for_selector("#patrol-start:not([hidden])", timeout=15000)  # reloaded: the server's page, no patrol open
    patrol = Patrol.objects.get()
    case = Incident.objects.get()
    assert str(patrol.client_key) == key and patrol.note == "地下室无信号"
    assert [(round(x, 6), round(y, 6)) for x, y in patrol.track.coords] == WALK
    # The patrol keeps the phone's times; the case's clock starts when it arrived (as for any report sent later).
    assert case.patrol_id == patrol.pk and case.description == "井盖缺失" and patrol.started_at < patrol.ended_at <= case.reported_at
    # The walk's duration, not the seconds of the replay: both times were taken on the phone, offline.
    assert (patrol.ended_at - patrol.started_at).total_seconds() > 1 and patrol.ended_at <= back_online
    assert page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    item = page.locator(f".patrol-item[data-key='{key}']")
    assert item.get_attribute("data-findings") == "1" and float(item.get_attribute("data-length-m")) > 1000
    assert page.evaluate("localStorage.getItem('geogrid.patrol-local')") is None
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('geogrid.patrol.')).length") == 0

    # The same queue again, flushed by two tabs at once (their keys answer; the offsets hold too).
    tab = page.context.new_page()
    tab.goto(live_server.url + "/incidents/mine/")
    tab.wait_for_function("window.geogridOutbox !== undefined")
    assert tab.evaluate(RESTORE, queue) == 5
    page.evaluate("window.__flushed = window.geogridOutbox.flush().then(() => true)")
    assert tab.evaluate("window.geogridOutbox.flush().then(() => window.geogridOutbox.list()).then(l => l.length)") == 0
    assert page.evaluate("window.__flushed")
    assert Patrol.objects.count() == 1 and Incident.objects.count() == 1
    patrol.refresh_from_db()
    assert [(round(x, 6), round(y, 6)) for x, y in patrol.track.coords] == WALK
    assert not errors, errors
    assert_local(requests, live_server)


def test_a_refused_start_shows_its_reason_on_what_waits_behind_it_and_goes_again_with_it(live_server, phone_page):
    w = world()
    page = phone_page
    requests, errors = watch(page)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1], "accuracy": 8})
    login(page, live_server, "m_a", None)
    open_pages_once(page, live_server)
    start_offline(page)
    move(page, *WALK[1], points=2)
    page.click("#patrol-end button[type=submit]")
    page.wait_for_selector("#patrol-end-queued")
    assert page.evaluate(KINDS) == ["patrol-start", "patrol-track", "patrol-end"]

    # Meanwhile the member's term on the grid's team ended: the server refuses the start.
    membership = GridMember.objects.get(user=w["m_a"], grid=w["g4a"])
    membership.end_date = timezone.localdate() - timedelta(days=1)
    membership.start_date = membership.end_date - timedelta(days=30)
    membership.save()
    page.context.set_offline(False)
    page.wait_for_selector("#outbox-banner[data-refused='3']", timeout=30000)
    assert page.locator("#outbox-banner").get_attribute("data-waiting") == "0"
    assert "巡查未能开始：只有本网格的网格员可以巡查此网格" in page.locator("#patrol-start-state").inner_text()
    assert "只有本网格的网格员可以巡查此网格" in page.locator("#patrol-end-queued").inner_text()
    page.locator("#outbox-banner .outbox-toggle").click()
    items = page.locator("#outbox-banner .outbox-item[data-state='refused']")
    assert items.count() == 3
    for i in range(3):
        assert "只有本网格的网格员可以巡查此网格" in items.nth(i).inner_text()
    screenshot(page, "offline_patrol_start_refused_phone")
    assert not Patrol.objects.exists()

    # Back on the team: sending the start again sends what waits behind it too.
    membership.end_date = None
    membership.save()
    page.locator("#outbox-banner .outbox-item[data-kind='patrol-start'] .outbox-retry").click()
    page.wait_for_selector("#patrol-start:not([hidden])", timeout=30000)  # the end was sent: the server's page again
    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and [(round(x, 6), round(y, 6)) for x, y in patrol.track.coords] == WALK[:2]
    assert page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert not errors, errors
    assert_local(requests, live_server)

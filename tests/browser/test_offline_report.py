"""Reporting without signal (issue #16), in headless Chromium at phone size with the network cut
and restored: a report with two photos made offline waits on the phone (shown in "my reports"),
arrives exactly once when the connection returns, with its photos resized on the phone (long side
2000 px, no EXIF); the same queue replayed from two tabs makes one case; a report the server refuses
on replay (point outside the district) shows the reason and stays until the member fixes it (the
report page opens on it) or deletes it."""
import io
import time

import pytest
from PIL import Image

from geogrid.incidents.models import Incident
from geogrid.workflow.models import IdempotentRequest
from tests.support import assert_local, login, screenshot, wait_until, watch
from tests.support.world import P_G5A, report, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN", permissions=["geolocation"])
DUMP = """() => new Promise((ok, ko) => { const r = indexedDB.open('geogrid-outbox');
  r.onsuccess = () => { const q = r.result.transaction('items').objectStore('items').getAll(); q.onsuccess = () => ok(q.result); q.onerror = ko; };
  r.onerror = ko; })"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def camera_photo(colour):
    """A 4000×3000 JPEG as a phone camera makes it, with EXIF (camera make and a GPS block)."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (36.0, 31.0, 12.0), 3: "E", 4: (116.0, 42.0, 18.0)}  # GPSInfo
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), colour).save(buf, "JPEG", exif=exif, quality=80)
    return buf.getvalue()


def prepare(browser, live_server, at):
    """A member's phone that has opened "my reports" and the report page once (the worker keeps them)."""
    ctx = browser.new_context(**PHONE, geolocation={"longitude": at[0], "latitude": at[1]})
    page = ctx.new_page()
    requests, errors = watch(page)
    login(page, live_server, "m_a", "/incidents/mine/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(live_server.url + "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.goto(live_server.url + "/incidents/mine/")
    return ctx, page, requests, errors


def report_offline(page, live_server, description, photos=()):
    page.goto(live_server.url + "/incidents/report/")  # from the phone: the network is off
    page.wait_for_selector("#report-map[data-ready='1']")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    page.select_option("select[name=category]", "environment")
    page.fill("textarea[name=description]", description)
    if photos:
        page.set_input_files("input[name=photos]", [{"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": b}
                                                    for i, b in enumerate(photos)])
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-queued")
    assert "已保存在手机上" in page.locator("#report-queued").inner_text()
    assert page.input_value("textarea[name=description]") == ""  # ready for the next one


def test_a_report_with_two_photos_made_offline_arrives_once(browser, live_server):
    w = world()
    ctx, page, requests, errors = prepare(browser, live_server, P_G5A)
    # A case the server has now but the phone's copy of "my reports" does not: offline, the copy shows.
    newer = report(w, "m_a", description="服务器上的新案卷")
    ctx.set_offline(True)
    report_offline(page, live_server, "地下室积水，电梯停运", [camera_photo((200, 40, 40)), camera_photo((40, 40, 200))])
    banner = page.locator("#outbox-banner")
    page.wait_for_selector("#outbox-banner[data-waiting='1']")
    assert "离线" in banner.inner_text() and "1 条待发送" in banner.inner_text()
    # Stored on the phone resized: the photos in IndexedDB are JPEGs of at most 2000 px.
    sizes = page.evaluate("""() => window.geogridOutbox.list().then(l => Promise.all(l[0].form.filter(p => p[1] instanceof Blob)
        .map(p => createImageBitmap(p[1]).then(b => [b.width, b.height, p[1].type]))))""")
    assert sizes == [[2000, 1500, "image/jpeg"], [2000, 1500, "image/jpeg"]]

    page.goto(live_server.url + "/incidents/mine/")  # my reports, offline: the case waits there
    page.wait_for_selector("#mine-waiting:not([hidden]) .outbox-item")
    waiting = page.locator("#mine-waiting .outbox-item")
    assert waiting.count() == 1 and "地下室积水" in waiting.inner_text() and "待发送" in waiting.inner_text()
    assert "2 张照片" in waiting.inner_text()
    assert newer.number not in page.content()  # the page came from the phone, not the server
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "offline_mine_waiting_phone")
    assert Incident.objects.count() == 1

    ctx.set_offline(False)  # sent by itself; the page then shows the case from the server
    assert wait_until(lambda: Incident.objects.count() == 2)
    page.wait_for_selector("#mine-waiting[hidden]", state="attached", timeout=20000)
    page.wait_for_selector(".case-list:not([data-outbox-list]) li", timeout=20000)
    case = Incident.objects.exclude(pk=newer.pk).get()
    assert case.description == "地下室积水，电梯停运" and case.reporter.username == "m_a" and case.photos.count() == 2
    for photo in case.photos.all():
        with Image.open(photo.image.path) as im:
            assert max(im.size) == 2000 and not im.getexif()
    assert case.number in page.locator(".case-list:not([data-outbox-list])").inner_text()
    time.sleep(1)  # a later retry or page open sends nothing again
    page.reload()
    assert Incident.objects.count() == 2 and page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert newer.number in page.content()  # online again: the server's page
    assert not errors, errors
    assert_local(requests, live_server)
    ctx.close()


def test_the_same_queue_replayed_from_two_tabs_makes_one_case(browser, live_server):
    world()
    ctx, page, requests, errors = prepare(browser, live_server, P_G5A)
    other = ctx.new_page()
    other.goto(live_server.url + "/incidents/report/")
    other.wait_for_selector("#report-map[data-ready='1']")
    ctx.set_offline(True)
    report_offline(page, live_server, "楼道堆放杂物", [camera_photo((10, 120, 10))])
    page.evaluate(f"({DUMP})().then(q => {{ window.__queue = q; return q.length; }})")
    key = page.evaluate("window.__queue[0].key")

    ctx.set_offline(False)  # both tabs try: the lock and the key leave one case
    assert wait_until(lambda: Incident.objects.count() == 1)
    # Each tab flushes once more (as its next retry would): both find the queue empty, send nothing.
    assert [p.evaluate("window.geogridOutbox.flush().then(() => window.geogridOutbox.list()).then(q => q.length)") for p in (page, other)] == [0, 0]
    assert Incident.objects.count() == 1

    # The same item again, sent by both tabs at the same moment (no lock: the server's key decides).
    restore = """(items) => new Promise((ok, ko) => { const r = indexedDB.open('geogrid-outbox');
      r.onsuccess = () => { const tx = r.result.transaction('items', 'readwrite'); items.forEach(it => tx.objectStore('items').put(it));
      tx.oncomplete = () => ok(true); tx.onerror = ko; }; r.onerror = ko; })"""
    page.evaluate(f"({restore})(window.__queue)")
    fire = f"() => {{ window.__sent = ({DUMP})().then(q => Promise.all(q.map(it => window.geogridOutbox.send(it)))); return true; }}"
    page.evaluate(fire)
    other.evaluate(fire)
    answers = [p.evaluate("window.__sent.then(rs => rs.map(r => [r.status, r.data && r.data.id]))") for p in (page, other)]
    case = Incident.objects.get()
    assert sorted(answers) == [[[201, case.pk]], [[201, case.pk]]]
    assert IdempotentRequest.objects.filter(key=key).count() == 1 and case.photos.count() == 1
    assert not errors, errors
    assert_local(requests, live_server)
    ctx.close()


def test_a_refused_replay_shows_its_reason_and_stays_until_fixed_or_deleted(browser, live_server):
    w = world()
    outside = (117.9, 35.2)  # far from the test district
    ctx, page, requests, errors = prepare(browser, live_server, outside)
    ctx.set_offline(True)
    report_offline(page, live_server, "远处的井盖缺失", [camera_photo((90, 90, 90))])
    report_offline(page, live_server, "另一处误报")
    ctx.set_offline(False)
    page.goto(live_server.url + "/incidents/mine/")
    page.wait_for_function("document.querySelectorAll(\"#mine-waiting .outbox-item[data-state='refused']\").length === 2", timeout=20000)
    items = page.locator("#mine-waiting .outbox-item")
    assert "被退回" in items.first.inner_text() and "不在本区" in items.first.inner_text()
    banner = page.locator("#outbox-banner")
    assert banner.get_attribute("data-refused") == "2" and "2 条被退回" in banner.inner_text()
    screenshot(page, "offline_refused_phone")
    assert Incident.objects.count() == 0
    page.reload()  # kept on the phone, not tried again by itself
    page.wait_for_selector("#mine-waiting .outbox-item[data-state='refused']")
    time.sleep(1)
    assert Incident.objects.count() == 0

    # The member fixes the first: the report page opens on it, the point is taken again, sent.
    ctx.set_geolocation({"longitude": P_G5A[0], "latitude": P_G5A[1]})
    with page.expect_navigation():
        items.first.locator(".outbox-edit").click()
    page.wait_for_selector("#report-map[data-ready='1']")
    assert page.input_value("textarea[name=description]") == "远处的井盖缺失" and "1 张照片" in page.locator("#report-queued").inner_text()
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    case = Incident.objects.get()
    assert page.url == f"{live_server.url}/incidents/{case.pk}/"
    assert case.description == "远处的井盖缺失" and case.photos.count() == 1 and case.grid5 == w["g5a"]

    # The second is discarded (two taps: a deletion is a choice, never an accident).
    page.goto(live_server.url + "/incidents/mine/")
    page.wait_for_selector("#mine-waiting .outbox-item[data-state='refused']")
    assert items.count() == 1 and "另一处误报" in items.first.inner_text()
    items.first.locator(".outbox-delete").click()
    assert page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 1
    items.first.locator(".outbox-delete").click()
    page.wait_for_selector("#mine-waiting[hidden]", state="attached")
    assert page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert Incident.objects.count() == 1
    assert not errors, errors
    assert_local(requests, live_server)
    ctx.close()


def test_a_report_that_loses_the_network_on_its_way_is_kept_by_the_worker(browser, live_server):
    world()
    ctx, page, requests, errors = prepare(browser, live_server, P_G5A)
    page.goto(live_server.url + "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    page.select_option("select[name=category]", "environment")
    page.fill("textarea[name=description]", "电梯里信号中断")
    page.set_input_files("input[name=photos]", [{"name": "IMG_9.jpg", "mimeType": "image/jpeg", "buffer": camera_photo((0, 90, 0))}])
    # The server answered the check a moment ago; the form's own request then finds no network.
    page.evaluate("window.geogridOutbox.probe = () => { window.__cut = true; return Promise.resolve(true); }")
    ctx.set_offline(True)
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    page.wait_for_selector("#mine-waiting:not([hidden]) .outbox-item")  # my reports (the phone's copy), the report waiting
    assert "电梯里信号中断" in page.locator("#mine-waiting").inner_text() and "1 张照片" in page.locator("#mine-waiting").inner_text()
    assert Incident.objects.count() == 0
    ctx.set_offline(False)
    assert wait_until(lambda: Incident.objects.count() == 1)
    case = Incident.objects.get()
    assert case.description == "电梯里信号中断" and case.photos.count() == 1
    with Image.open(case.photos.get().image.path) as im:
        assert max(im.size) == 2000 and not im.getexif()
    time.sleep(1)
    assert Incident.objects.count() == 1
    assert not errors, errors
    assert_local(requests, live_server)
    ctx.close()


def test_a_report_saved_whose_answer_is_lost_is_not_made_twice(browser, live_server):
    """The worst case of a basement: the form reaches the server, the case is saved, and the answer
    never comes back. The worker keeps the form in the outbox under the form's own key; its replay
    to the API gets the saved case back instead of making a second one."""
    world()
    ctx, page, requests, errors = prepare(browser, live_server, P_G5A)
    lost, answers = [], []
    page.on("response", lambda r: answers.append((r.request.method, r.url, r.status)) if "/api/" in r.url else None)

    def save_then_lose(route):
        route.fetch()  # the server gets the form and saves the case…
        lost.append(True)
        route.abort("connectionreset")  # …and its answer is lost on the way back

    ctx.route("**/incidents/report/", lambda route: save_then_lose(route) if route.request.method == "POST" else route.continue_())
    page.goto(live_server.url + "/incidents/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    page.select_option("select[name=category]", "environment")
    page.fill("textarea[name=description]", "楼道里答复丢了")
    assert page.evaluate("navigator.serviceWorker.controller !== null")  # the worker is there to keep the form
    with page.expect_navigation(url="**/incidents/mine/"):
        page.click("#report-form button[type=submit]")
    assert lost and Incident.objects.count() == 1  # saved once on the server
    ctx.unroute("**/incidents/report/")
    # The worker kept the form in the outbox; its replay finds the key and the case already there.
    # (A first replay that meets a busy server is retried on the outbox's 30 s period: allow two.)
    assert wait_until(lambda: page.evaluate("window.geogridOutbox ? window.geogridOutbox.list().then(l => l.length) : 1") == 0, timeout=70), \
        (page.url, page.evaluate(DUMP), answers, requests[-10:])
    time.sleep(1)
    assert Incident.objects.count() == 1 and Incident.objects.get().description == "楼道里答复丢了"
    assert not errors, errors
    ctx.close()

"""A road-sign walk started, walked and ended wholly without signal (issue #16), in headless Chromium
at phone size: the start page is opened once with a network; offline, the walk of a road is started
from the phone's copy (drawn from the sign list the page carries), two signs are recorded (one
damaged, with a photo), the page is reopened (the walk comes back from the phone) and the walk is
ended. The outbox holds start → record → record → end, addressed by the walk's client key.
Meanwhile the officer has a walk open elsewhere: the server refuses the start, and its reason shows
on everything behind it. Once the other walk is ended, sending the start again sends the rest: one
walk, its two records, its end, exactly once and in that order; the same queue replayed changes
nothing."""
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db.models import Q
from PIL import Image

from geogrid.audit.models import AuditEvent
from geogrid.patrols import services as patrols
from geogrid.patrols.models import Patrol
from geogrid.placenames.models import RoadSign, SignInspection, SignRepair
from tests.browser.test_offline_walk import DUMP, RESTORE
from tests.placenames.builders import town
from tests.support import assert_local, login, screenshot, wait_until, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = "window.geogridOutbox.list().then(l => l.map(i => i.kind).join())"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return {"name": "sign.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def record(phone, code, condition, photo=None):
    item = phone.locator(f".walk-item[data-sign='{code}']")
    item.locator("select[name=condition]").select_option(condition)
    if photo:
        item.locator("input[name=photo]").set_input_files(photo)
    item.locator("button[type=submit]").click()
    phone.wait_for_selector(f".walk-item.queued[data-sign='{code}']")


def test_a_sign_walk_started_offline_arrives_once_in_order_after_a_refused_start(live_server, phone_page):
    w = town()
    road = w["quancheng"]
    for code, x in (("QC-03", 116.735), ("QC-01", 116.712), ("QC-02", 116.725)):  # made out of order: walked along the road
        RoadSign.objects.create(code=code, road=road, geom=Point(x, 36.5801, srid=4490), name_text="泉城路", pinyin_text="QUANCHENG LU")
    phone = phone_page
    requests, errors = watch(phone)
    phone.context.set_geolocation({"longitude": 116.7121, "latitude": 36.5801, "accuracy": 5})
    login(phone, live_server, "pn", "/placenames/signs/patrol/")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # through the worker now: it keeps the start page
    phone.wait_for_selector("#patrol-road")
    assert phone.evaluate("navigator.serviceWorker.controller !== null")

    phone.context.set_offline(True)
    phone.reload()  # no network: the start page comes from the phone
    phone.wait_for_selector("#outbox-banner[data-online='0']:not([hidden])")
    phone.select_option("#patrol-road select[name=road]", road.code)
    phone.click("#patrol-road button")
    phone.wait_for_selector("#sign-walk-local:not([hidden]) #sign-walk-map[data-ready='1']")
    assert phone.locator("#sign-walk-start").is_hidden()
    assert phone.locator(".walk-item").evaluate_all("l => l.map(e => e.dataset.sign)") == ["QC-01", "QC-02", "QC-03"]
    assert "已在手机上开始路名牌巡查" in phone.inner_text("#sign-walk-state")
    assert phone.evaluate("Object.keys(window.geogridSignWalk.signs).length") == 3  # drawn on the map
    key = phone.evaluate("window.geogridSignWalk.local.key")

    record(phone, "QC-01", "dirty")
    record(phone, "QC-02", "damaged", jpeg())
    phone.reload()  # the page reopened offline: the walk and its queued records come back from the phone
    phone.wait_for_selector(".walk-item.queued[data-sign='QC-02']")
    assert phone.inner_text("#done-count") == "2" and phone.locator(".walk-item:not(.queued)").count() == 1
    phone.click("#walk-end-local button")
    phone.wait_for_function(f"{KINDS}.then(k => k === 'sign-walk-start,sign,sign,sign-walk-end')")
    queue = phone.evaluate(DUMP)
    assert [q["url"] for q in queue] == ["/api/placenames/sign-patrols/"] + [f"/api/placenames/sign-patrols/{key}/{p}/" for p in
                                                                             ("inspections", "inspections", "end")]
    assert queue[0]["json"]["road"] == road.code and queue[0]["meta"]["head"] and {q["meta"]["chain"] for q in queue} == {key}
    assert not Patrol.objects.exists()

    # Meanwhile the officer opened a walk elsewhere: the server refuses this start (one open walk a person).
    other = patrols.start_target_patrol(w["pn"], [w["street"]])
    phone.context.set_offline(False)
    phone.wait_for_selector("#outbox-banner[data-refused='4']", timeout=30000)
    reason = "您有一次巡查尚未结束"
    assert "路名牌巡查未能开始" in phone.inner_text("#sign-walk-state") and reason in phone.inner_text("#sign-walk-state")
    assert reason in phone.locator(".walk-item[data-sign='QC-02'] .walk-result").inner_text()
    phone.locator("#outbox-banner .outbox-toggle").click()
    items = phone.locator("#outbox-banner .outbox-item[data-state='refused']")
    assert all(reason in items.nth(i).inner_text() for i in range(4))
    screenshot(phone, "offline_sign_walk_start_refused_phone")
    assert Patrol.objects.filter(client_key=key).count() == 0 and not SignInspection.objects.exists()

    patrols.end_patrol(other, w["pn"])  # the other walk ended: the start sent again takes the rest along
    phone.locator("#outbox-banner .outbox-item[data-kind='sign-walk-start'] .outbox-retry").click()
    assert wait_until(lambda: Patrol.objects.filter(client_key=key, ended_at__isnull=False).exists(), timeout=30)
    phone.wait_for_selector("#sign-walk-start:not([hidden]) #patrol-road", timeout=15000)  # reloaded: no walk open, the start page
    walk = Patrol.objects.get(client_key=key)
    got = list(SignInspection.objects.filter(patrol=walk).order_by("pk").values_list("sign__code", "condition"))
    assert got == [("QC-01", "dirty"), ("QC-02", "damaged")]
    damaged = SignInspection.objects.get(sign__code="QC-02")
    assert damaged.photo and damaged.repair_id and SignRepair.objects.count() == 1
    assert walk.started_at <= damaged.inspected_at <= walk.ended_at  # the phone's times
    events = AuditEvent.objects.filter(Q(content_type=ContentType.objects.get_for_model(Patrol), object_id=str(walk.pk))
                                       | Q(content_type=ContentType.objects.get_for_model(SignInspection)))
    assert [e.action for e in events.order_by("pk")] == ["start_patrol", "inspect_sign", "inspect_sign", "end_patrol"]
    assert phone.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('geogrid.sign-walk-local')).length") == 0

    # The same queue again: the keys answer, nothing new. (The photo's Blob does not survive the trip
    # out of the page, so that item would be another body: its replay is tested on the server.)
    replay = [q for q in queue if not any(n == "photo" for n, _v in q.get("form") or [])]
    assert phone.evaluate(RESTORE, replay) == 3
    assert phone.evaluate("window.geogridOutbox.flush().then(() => window.geogridOutbox.list()).then(l => l.length)") == 0
    assert Patrol.objects.filter(client_key=key).count() == 1 and SignInspection.objects.count() == 2 and SignRepair.objects.count() == 1
    assert not errors, errors
    assert_local(requests, live_server)

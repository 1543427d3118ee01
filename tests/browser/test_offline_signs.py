"""The sign walk without signal (issue #16: every phone page, the sign walk among them), in headless
Chromium at phone size: the walk page is opened once, the network is cut, the page is opened again
from the phone (the service worker's copy), two signs are recorded and wait in the outbox; when the
network returns they are sent by themselves and arrive once each; replaying the same queue again
(same Idempotency-Keys) makes no second record."""
import pytest
from django.contrib.gis.geos import Point

from geogrid.placenames.models import RoadSign, SignInspection
from tests.browser.test_offline_walk import DUMP, RESTORE
from tests.placenames.builders import town
from tests.support import assert_local, login, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signs_recorded_offline_arrive_once_each_after_reconnection(live_server, phone_page):
    w = town()
    road = w["quancheng"]
    for code, x in (("QC-01", 116.712), ("QC-02", 116.725), ("QC-03", 116.735)):
        RoadSign.objects.create(code=code, road=road, geom=Point(x, 36.5801, srid=4490), name_text="泉城路", pinyin_text="QUANCHENG LU")
    phone = phone_page
    requests, errors = watch(phone)
    phone.context.set_geolocation({"longitude": 116.7121, "latitude": 36.5801, "accuracy": 5})
    login(phone, live_server, "pn", "/placenames/signs/patrol/")
    phone.select_option("#patrol-road select[name=road]", road.code)
    with phone.expect_navigation():
        phone.click("#patrol-road button")
    phone.wait_for_selector("#sign-walk-map[data-ready='1']")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # through the worker now: it keeps this page
    phone.wait_for_selector("#sign-walk-map[data-ready='1']")
    assert phone.evaluate("navigator.serviceWorker.controller !== null")

    phone.context.set_offline(True)
    phone.reload()  # no network: the page comes from the phone
    phone.wait_for_selector("#sign-walk-map[data-ready='1']")
    phone.wait_for_selector("#outbox-banner[data-online='0']:not([hidden])")
    for code, condition in (("QC-01", "dirty"), ("QC-02", "damaged")):
        item = phone.locator(f".walk-item[data-sign='{code}']")
        item.locator("select[name=condition]").select_option(condition)
        item.locator("button[type=submit]").click()
        phone.wait_for_selector(f".walk-item.queued[data-sign='{code}']")
    banner = phone.locator("#outbox-banner")
    assert banner.get_attribute("data-waiting") == "2" and "2 条待发送" in banner.inner_text()
    assert not SignInspection.objects.exists()
    queue = phone.evaluate(DUMP)
    assert len(queue) == 2 and len({q["key"] for q in queue}) == 2

    phone.context.set_offline(False)  # the online event sends the queue
    phone.wait_for_function("document.getElementById('outbox-banner').dataset.waiting === '0'", timeout=15000)
    phone.wait_for_selector(".walk-item.done[data-sign='QC-02']")
    got = {i.sign.code: i.condition for i in SignInspection.objects.select_related("sign")}
    assert got == {"QC-01": "dirty", "QC-02": "damaged"}
    assert RoadSign.objects.get(code="QC-02").condition == "damaged"

    assert phone.evaluate(RESTORE, queue) == 2  # the same queue again: the keys answer, nothing new
    assert phone.evaluate("window.geogridOutbox.flush().then(() => window.geogridOutbox.list()).then(l => l.length)") == 0
    assert SignInspection.objects.count() == 2
    assert not errors, errors
    assert_local(requests, live_server)

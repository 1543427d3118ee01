"""A care visit recorded without signal (issue #16), in headless Chromium at phone size: the
visit page opens from the phone's copy, the visit waits in the outbox (the page says so), and when
the network returns it is sent by itself, once; the household turns green on the map."""
import time

import pytest

from geogrid.care.models import CareVisit
from tests.care.builders import care_world
from tests.support import assert_local, login, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_recorded_offline_is_sent_once_when_the_network_returns(live_server, phone_page):
    w = care_world()
    page = phone_page
    requests, errors = watch(page)
    login(page, live_server, "m_a", "/care/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # through the worker: the phone keeps the page
    page.wait_for_selector("#care-map[data-ready='1']")
    sub1 = w["sub1"].pk

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#care-map[data-ready='1']")
    page.select_option("#care-subject", str(sub1))
    page.fill("#care-situation", "地下室信号差，老人一切安好")
    page.click("#care-visit-form button[type=submit]")
    page.wait_for_selector("#care-result[data-state='queued']")
    assert "已保存在手机上" in page.locator("#care-result").inner_text()
    assert page.locator("#outbox-banner").get_attribute("data-waiting") == "1"
    assert CareVisit.objects.count() == 0

    page.context.set_offline(False)
    page.wait_for_function(f"window.geogridCare.statusOf({sub1}) === 'green'", timeout=20000)
    visit = CareVisit.objects.get()
    assert visit.subject_id == sub1 and visit.situation == "地下室信号差，老人一切安好"
    time.sleep(1)
    assert CareVisit.objects.count() == 1 and page.evaluate("window.geogridOutbox.list().then(l => l.length)") == 0
    assert not errors, errors
    assert_local(requests, live_server)

"""Road naming in headless Chromium: place-name staff create a batch of three applications on the
batch page (the live check warns of a homophone on one of them), take one through review, expert
review, consultation, public notice, approval, filing and announcement on its application page (the
other two by the service that page calls), the batch counts three announced, and the road shows its
new name on the map. Not one request leaves the server."""
import datetime

import pytest

from geogrid.accounts.models import User
from geogrid.placenames.models import NamingApplication, Road
from geogrid.placenames.services import transition
from tests.placenames.builders import town
from tests.support import assert_local, login, screenshot, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [("370112DL010", "明德路", "1"), ("370112DL011", "权成路", "2"), ("370112DL012", "德兴路", "3")]


def labels_in_view(page, map_id):
    return page.evaluate("""(id) => {
        const box = document.getElementById(id).getBoundingClientRect();
        return [...document.querySelectorAll('#' + id + ' .leaflet-tooltip.road-label')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        }).map(t => t.textContent); }""", map_id)


def act(page, action, **fields):
    form = page.locator(f"form.action-form[data-action={action}]")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_batch_of_three_from_draft_to_announcement(live_server, page):
    town()
    requests, errors = watch(page)
    login(page, live_server, "pn")
    page.click("a[data-link=placenames]")
    page.wait_for_selector("#new-batch")
    page.fill("#new-batch input[name=title]", "2026年第一批")
    page.click("#new-batch button[type=submit]")
    page.wait_for_selector("#batch-code")

    for code, name, priority in NAMES:
        page.select_option("#new-application select[name=road]", code)
        page.fill("#app-name", name)
        page.wait_for_function("(n) => document.querySelector('#name-check .pinyin') && document.getElementById('app-name').value === n", arg=name)
        page.wait_for_timeout(400)  # the answer to the last keystroke
        check = page.locator("#name-check")
        if name == "权成路":
            check.locator("[data-code=homophone]").wait_for(timeout=5000)
            assert "泉城路" in check.inner_text() and check.get_attribute("data-errors") == "0"
            screenshot(page, "placenames_batch_homophone")
        else:
            assert check.get_attribute("data-warnings") == "0", check.inner_text()
        page.fill("#new-application input[name=applicant]", "区住建局")
        page.select_option("#new-application select[name=priority]", priority)
        page.click("#new-application button[type=submit]")
        page.wait_for_selector(f"#applications tr[data-name='{name}']")

    assert page.locator("#state-counts [data-state=draft]").get_attribute("data-n") == "3"
    assert "1 个提示" in page.locator("#applications tr[data-name='权成路']").inner_text()
    batch_url = page.url

    # The first application through every step on its page; the other two by the same service the
    # page calls (one path through the pages proves them; the batch then counts all three).
    today = datetime.date.today()
    steps = [("submit", {}), ("review", {"note": "综合评估：符合规划"}), ("expert_review", {"note": "专家论证：同意"}),
             ("consult", {"note": "征求意见：无异议"}), ("start_notice", {"notice_start": (today - datetime.timedelta(days=40)).isoformat()}),
             ("approve", {"approving_body": "济南市人民政府", "approved_on": today.isoformat()}), ("file", {"filed_on": today.isoformat()}),
             ("announce", {"announced_on": today.isoformat(), "announcement_no": "历民公告〔2026〕1号"})]
    page.goto(batch_url)
    page.click(f"#applications tr[data-name='{NAMES[0][1]}'] a")
    page.wait_for_selector("#app-state")
    for action, fields in steps:
        act(page, action, **fields)
        if action == "start_notice":
            assert page.inner_text("#app-state") == "公示中"
    assert page.inner_text("#app-state") == "已公告"
    staff = User.objects.get(username="pn")
    for _code, name, _p in NAMES[1:]:
        app = NamingApplication.objects.get(name=name)
        for action, fields in steps:
            transition(app, action, staff, fields.get("note", ""), **{k: v for k, v in fields.items() if k != "note"})  # as the page posts them

    page.goto(batch_url)
    assert page.locator("#state-counts [data-state=announced]").get_attribute("data-n") == "3"
    screenshot(page, "placenames_batch_announced")
    assert set(Road.objects.filter(code__in=[c for c, _n, _p in NAMES]).values_list("name", flat=True)) == {"明德路", "权成路", "德兴路"}

    # The announcement, and the road with its new name on the map.
    app = NamingApplication.objects.get(name="明德路")
    page.goto(f"{live_server.url}/placenames/applications/{app.pk}/")
    page.wait_for_selector("#placename-map[data-ready='1']", timeout=15000)
    page.wait_for_function("window.geogridPlacename.roads && window.geogridPlacename.roads.done", timeout=10000)
    assert "明德路" in labels_in_view(page, "placename-map")
    page.click("#announcement-link")
    page.wait_for_selector("#announcement")
    assert page.inner_text("#f-pinyin") == "Mingde Lu" and page.inner_text("#f-body") == "济南市人民政府"
    page.wait_for_selector("#placename-map[data-ready='1']")
    screenshot(page, "placenames_announcement")

    # The work queue no longer lists the named roads.
    page.goto(live_server.url + "/placenames/queue/")
    page.wait_for_selector("#placename-map[data-ready='1']", timeout=15000)
    assert page.locator("#queue tr[data-road]").count() == 0
    assert not errors, errors
    assert_local(requests, live_server)


def test_a_new_road_drawn_on_the_batch_map(live_server, page):
    from geogrid.placenames.services import create_batch
    from tests.support import map_point

    w = town()
    batch = create_batch(w["pn"], "新建道路")
    requests, errors = watch(page)
    login(page, live_server, "pn", f"/placenames/batches/{batch.pk}/")
    page.wait_for_selector("#placename-map[data-ready='1']", timeout=15000)
    page.evaluate("window.geogridPlacename.map.setView([36.515, 116.725], 14, {animate: false})")
    for lon in (116.715, 116.725, 116.735):
        page.mouse.click(*map_point(page, "window.geogridPlacename.map", lon, 36.515))
    assert page.get_attribute("#draw-count", "data-n") == "3"
    page.fill("#app-name", "新安街")
    page.fill("#new-application input[name=applicant]", "开发区管委会")
    page.click("#new-application button[type=submit]")
    page.wait_for_selector("#applications tr[data-name='新安街']")
    app = NamingApplication.objects.get(name="新安街")
    assert app.road_id is None and app.geom is not None and abs(app.geom.extent[0] - 116.715) < 0.001 and abs(app.geom.extent[2] - 116.735) < 0.001
    assert app.pinyin == "Xin'an Jie"
    assert not errors, errors
    assert_local(requests, live_server)

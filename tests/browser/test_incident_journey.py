"""A case's whole journey through the pages, in headless Chromium at a phone viewport: a grid member
reports (my location, then a tap on the map; category; photo; a warning about a similar case
nearby), the community dispatcher registers and dispatches it, the grid head accepts and reports
back, the dispatcher verifies and closes, and the case page's timeline names everyone. No page
error, and not one request leaves the server."""
import re

import pytest
from PIL import Image

from geogrid.incidents.models import Incident
from tests.support import assert_local, login_with_form, map_point, screenshot, watch
from tests.support.world import P_G5A, report, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Session:
    """One person's browser (own context: own cookies), watching for page errors and strangers."""

    def __init__(self, browser, live_server, username, **context):
        self.live_server = live_server
        self.context = browser.new_context(**{**PHONE, **context})
        self.page = self.context.new_page()
        self.requests, self.errors = watch(self.page)
        login_with_form(self.page, live_server, username)

    def open(self, path, map_id=None):
        self.page.goto(self.live_server.url + path)
        if map_id:
            self.page.wait_for_selector(f"#{map_id}[data-ready='1']", timeout=15000)

    def act(self, action, **fields):
        """Fill in and submit the form of one workflow action on the case page."""
        form = self.page.locator(f"form.action-form[data-action={action}]")
        for name, value in fields.items():
            el = form.locator(f"[name={action}-{name}]")
            if el.evaluate("e => e.tagName") == "SELECT":
                el.select_option(label=value)
            else:
                el.fill(value)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "已完成" in self.page.locator(".messages").inner_text()

    def check_clean(self):
        assert not self.errors, self.errors
        assert_local(self.requests, self.live_server)

    def no_overflow(self):
        """Nothing wider than the phone screen (no sideways scrolling)."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width


def tap_map(page, lon, lat):
    page.touchscreen.tap(*map_point(page, "window.geogridIncidentMap.map", lon, lat))


def test_a_case_from_report_to_close_on_phones(browser, live_server, tmp_path):
    w = world()
    earlier = report(w, "head_a", at=(P_G5A[0] + 0.0002, P_G5A[1]), description="早先上报的垃圾")  # ~18 m away
    photo = tmp_path / "现场.png"
    Image.new("RGB", (800, 600), (90, 140, 60)).save(photo)

    # 1. The grid member reports on a phone.
    member = Session(browser, live_server, "m_a", geolocation={"longitude": 116.706, "latitude": 36.521}, permissions=["geolocation"])
    page = member.page
    member.open("/incidents/report/", "report-map")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#report-where').textContent.includes('已定位')")
    assert page.input_value("input[name=lon]") == "116.7060000" and page.input_value("input[name=crs]") == "EPSG:4326"
    tap_map(page, *P_G5A)  # move the point by tapping the map: the map's own frame
    page.wait_for_function("document.querySelector('input[name=crs]').value === 'EPSG:4490'")
    assert abs(float(page.input_value("input[name=lon]")) - P_G5A[0]) < 0.0005
    assert abs(float(page.input_value("input[name=lat]")) - P_G5A[1]) < 0.0005
    page.select_option("select[name=category]", "environment")
    assert page.locator("#mode-hint").inner_text() == "默认办理方式：立即办"
    page.wait_for_selector("#similar.found")
    assert "附近已有 1 件同类未结案件" in page.locator("#similar").inner_text() and earlier.number in page.locator("#similar").inner_text()
    page.fill("textarea[name=description]", "3号楼东侧垃圾桶满溢，需清运")
    page.set_input_files("input[name=photos]", str(photo))
    page.fill("input[name=address]", "一社区3号楼东")
    member.no_overflow()
    screenshot(page, "incident_report_phone")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    case = Incident.objects.exclude(pk=earlier.pk).get()
    assert page.url == f"{live_server.url}/incidents/{case.pk}/"
    assert f"已上报，案卷编号 {case.number}" in page.locator(".messages").inner_text()
    assert case.grid5 == w["g5a"] and case.photos.count() == 1 and case.input_crs == "EPSG:4490"
    page.wait_for_selector("#case-map[data-ready='1']")
    page.wait_for_function("(() => { const i = document.querySelector('.photos img'); return i.complete && i.naturalWidth > 0; })()")
    member.no_overflow()
    screenshot(page, "incident_detail_reported_phone")
    member.open("/incidents/mine/")
    assert case.number in page.locator(".case-list").inner_text()

    # 2. The community dispatcher finds it in the console, registers it and dispatches it.
    staff = Session(browser, live_server, "cs1")
    sp = staff.page
    staff.open("/incidents/", "console-map")
    assert case.number in sp.locator(".case-list").inner_text()
    assert sp.evaluate("window.geogridIncidentMap.count") == 2
    staff.no_overflow()
    screenshot(sp, "incident_console_phone")
    with sp.expect_navigation():
        sp.locator(".case-card", has_text=case.number).locator("a").click()
    assert "附近的同类未结案件" in sp.content() and earlier.number in sp.locator(".detail-side").inner_text()
    staff.act("register", mode="加快办", note="影响居民出行，加快办理")
    assert sp.locator("#case-state").inner_text() == "已立案"
    staff.no_overflow()
    screenshot(sp, "incident_detail_actions_phone")
    staff.act("dispatch", assignee="甲网格长（甲网格 网格长）")
    assert sp.locator("#case-state").inner_text() == "已派遣" and sp.locator("#case-assignee").inner_text() == "甲网格长"

    # 3. The grid head accepts and reports back.
    handler = Session(browser, live_server, "head_a")
    handler.open("/incidents/", "console-map")
    with handler.page.expect_navigation():
        handler.page.locator(".case-card", has_text=case.number).locator("a").click()
    handler.act("accept")
    handler.act("report", note="已联系环卫清运完毕")
    assert handler.page.locator("#case-state").inner_text() == "已反馈"
    assert handler.page.locator("form.action-form").count() == 0

    # 4. The dispatcher verifies and closes.
    staff.open(f"/incidents/{case.pk}/", "case-map")
    staff.act("verify", note="现场核查已清理")
    staff.act("close")
    assert sp.locator("#case-state").inner_text() == "已结案"

    # 5. The timeline names every step and who took it.
    steps = [re.sub(r"\s+", " ", t) for t in sp.locator("#timeline li").all_inner_texts()]
    expected = [("信息采集上报", "甲网格员"), ("立案", "一社区干事"), ("派遣", "一社区干事"), ("受理", "甲网格长"),
                ("处置反馈", "甲网格长"), ("核查通过", "一社区干事"), ("结案", "一社区干事")]
    assert len(steps) == len(expected), steps
    for text, (label, actor) in zip(steps, expected):
        assert label in text and actor in text, (text, label, actor)
    assert "已联系环卫清运完毕" in steps[4] and "承办人：甲网格长" in steps[2] and "已派遣 → 处置中" in steps[3]
    staff.no_overflow()
    screenshot(sp, "incident_detail_closed_phone")

    case.refresh_from_db()
    assert case.state == "closed" and case.mode == "expedite" and case.assignee == w["head_a"]
    # The console on a desk screen: list beside the map; the closed case under "全部".
    sp.set_viewport_size({"width": 1280, "height": 900})
    staff.open("/incidents/?state=all", "console-map")
    assert sp.locator(".case-card").count() == 2 and sp.evaluate("window.geogridIncidentMap.count") == 1
    screenshot(sp, "incident_console_desktop")
    for s in (member, staff, handler):
        s.check_clean()
        s.context.close()


def test_a_refused_report_keeps_the_point_and_says_why(browser, live_server):
    world()
    member = Session(browser, live_server, "m_a")
    page = member.page
    member.open("/incidents/report/", "report-map")
    page.fill("textarea[name=description]", "没有选类别")
    tap_map(page, *P_G5A)
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    assert "请选择事件类别" in page.locator("#report-form").inner_text()
    page.wait_for_selector("#report-map[data-ready='1']")
    # The point survives the round trip and is drawn again.
    assert page.evaluate("window.geogridIncidentMap.marker !== null")
    assert Incident.objects.count() == 0
    member.no_overflow()
    screenshot(page, "incident_report_refused_phone")
    member.check_clean()
    member.context.close()

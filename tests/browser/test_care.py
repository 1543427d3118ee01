"""Care visits on a phone, in headless Chromium: the grid member opens "my visits this week", sees
王秀英's household red on the map (3 days overdue), records a visit in the form (one POST to the
API), and the household turns green on the map and in the list; the visit is stored. Then a visit
with a need: the page shows the number of the case it became. No page error, no request leaving
the server, nothing wider than the phone."""
from datetime import timedelta

import pytest

from geogrid.care.models import CareSubject, CareVisit
from geogrid.incidents.models import Incident
from tests.care.builders import care_world
from tests.support import assert_local, login, screenshot, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_of(page, subject):
    return page.evaluate(f"(() => {{ const s = window.geogridCare; return s.markers[s.bySubject[{subject}]].options.fillColor; }})()")


def test_a_member_records_a_visit_and_the_map_colour_changes(live_server, phone_page):
    w = care_world()
    page = phone_page
    requests, errors = watch(page)
    login(page, live_server, "m_a")
    page.click("nav a[data-link='care']")
    page.wait_for_selector("#care-map[data-ready='1']")
    sub1 = w["sub1"].pk
    assert page.evaluate("window.geogridCare.count") == 2  # two households of G5a: 王秀英's and 李建国's
    assert page.evaluate(f"window.geogridCare.statusOf({sub1})") == "red"
    assert fill_of(page, sub1) == "#d7301f"
    item = page.locator(f".care-item[data-subject='{sub1}']")
    assert "超期 3 天" in item.inner_text() and "138****5678" in item.inner_text()
    assert "13812345678" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "care_my_visits_phone")

    page.select_option("#care-subject", str(sub1))
    page.fill("#care-situation", "老人精神好，药品充足")
    page.click("#care-visit-form button[type=submit]")
    page.wait_for_selector("#care-result[data-state='saved']")
    assert page.evaluate(f"window.geogridCare.statusOf({sub1})") == "green"
    assert fill_of(page, sub1) == "#2e9e44"
    assert item.get_attribute("data-status") == "green"
    visit = CareVisit.objects.get()
    assert (visit.subject_id, visit.visitor, visit.seen, visit.incident) == (sub1, w["m_a"], True, None)
    screenshot(page, "care_visit_recorded_phone")

    # A need found: it becomes a case, its number shown on the page.
    page.fill("#care-situation", "独居，行动不便")
    page.fill("#care-needs", "需要助餐服务")
    page.click("#care-visit-form button[type=submit]")
    page.wait_for_function("window.geogridCare.saved === 2")
    case = Incident.objects.get()
    assert case.number in page.locator("#care-result").inner_text() and case.grid5 == w["g5a"]

    # A reload draws the new colour from the server.
    page.reload()
    page.wait_for_selector("#care-map[data-ready='1']")
    assert page.evaluate(f"window.geogridCare.statusOf({sub1})") == "green"
    assert not errors, errors
    assert_local(requests, live_server)


def test_staff_see_due_visits_per_grid_and_member_and_the_statistics(live_server, page):
    w = care_world()
    CareSubject.objects.filter(pk=w["sub2"].pk).update(since=w["t0"] - timedelta(days=30))  # 李建国: 10 days overdue
    requests, errors = watch(page)
    login(page, live_server, "cs1")
    page.click("nav a[data-link='care_due']")
    page.wait_for_selector("#care-map[data-ready='1']")
    assert page.evaluate(f"window.geogridCare.statusOf({w['sub1'].pk})") == "red"
    # The red deepens with the days overdue: 3 days, then more than a week.
    assert (fill_of(page, w["sub1"].pk), fill_of(page, w["sub2"].pk)) == ("#d7301f", "#b30000")
    row = page.locator("#care-by-grid tr[data-grid='3701120010010101']").inner_text()
    assert "甲一小网格" in row and row.split()[-1] == "2"  # two overdue
    assert "王秀英" in page.locator("#care-due-table").inner_text()
    screenshot(page, "care_due_staff_desktop")
    page.click("nav a[data-link='care_stats']")
    page.wait_for_selector("#care-stats-table")
    # Exact in the community's own grid; G5d's one subject is hidden, and the total with it (3 − 2 = 1).
    assert page.locator("#care-stats-table tr[data-grid='3701120010010101'] td.num").nth(6).inner_text() == "2"
    assert page.locator("#care-stats-table tr[data-grid='3701120020010101'] td.num").nth(6).inner_text() == "*"
    assert page.locator("#care-totals [data-figure='subjects']").inner_text() == "*"
    screenshot(page, "care_stats_desktop")
    assert not errors, errors
    assert_local(requests, live_server)

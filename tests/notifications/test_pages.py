"""The notification list (/notifications/), its API (/api/notifications/) and the top bar's unread
count: each user sees only their own, newest first, the unread marked; opening one marks it read and
goes to its case; "mark all read". The count costs one query on a page that shows it, none for an
anonymous visitor, and no page costs more with 60 notifications than with 2."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.notifications.models import Notification
from geogrid.notifications.services import notify, unread_count
from tests.support.world import report, world

pytestmark = pytest.mark.django_db
K = Notification.Kind


@pytest.fixture
def w():
    w = world()
    w["case"] = report(w)
    now = timezone.now()
    w["old"] = notify(w["m_a"], K.ASSIGNED, w["case"], "甲的旧通知", url=f"/incidents/{w['case'].pk}/", now=now - timedelta(hours=2))
    w["new"] = notify(w["m_a"], K.URGED, w["case"], "甲的新通知", "请尽快", url=f"/incidents/{w['case'].pk}/",
                      now=now - timedelta(hours=1))
    w["other"] = notify(w["m_b"], K.CLOSED, w["case"], "乙的通知", url=f"/incidents/{w['case'].pk}/", now=now)
    return w


def api(user):
    c = APIClient()
    c.force_login(user)
    return c


def badge(html):
    """(count shown, data-unread) of the top bar's notification link."""
    a = re.search(r'<a class="notify-badge[^"]*"[^>]*data-unread="(\d+)"[^>]*>.*?<span class="count"( hidden)?>(\d+)</span></a>',
                  html, re.S)
    return (None if a.group(2) else int(a.group(3))), int(a.group(1))


def test_the_list_shows_ones_own_newest_first_unread_marked(client, w):
    w["old"].read_at = timezone.now()
    w["old"].save()
    client.force_login(w["m_a"])
    html = client.get("/notifications/").content.decode()
    assert "乙的通知" not in html
    items = re.findall(r'<li class="notification( unread)?" data-notification="(\d+)">', html)
    assert items == [(" unread", str(w["new"].pk)), ("", str(w["old"].pk))]
    assert "请尽快" in html and "督办" in html and "全部标为已读" in html


def test_opening_one_marks_it_read_and_goes_to_the_case(client, w):
    client.force_login(w["m_a"])
    r = client.get(f"/notifications/{w['new'].pk}/")
    assert r.status_code == 302 and r["Location"] == f"/incidents/{w['case'].pk}/"
    w["new"].refresh_from_db()
    w["old"].refresh_from_db()
    assert w["new"].read_at is not None and w["old"].read_at is None
    assert client.get(f"/notifications/{w['other'].pk}/").status_code == 404
    w["other"].refresh_from_db()
    assert w["other"].read_at is None


def test_a_foreign_url_is_not_followed(client, w):
    n = notify(w["m_a"], K.URGED, w["case"], "外链", url="https://example.com/phish")
    client.force_login(w["m_a"])
    assert client.get(f"/notifications/{n.pk}/")["Location"] == "/notifications/"


def test_mark_all_read_marks_only_ones_own(client, w):
    client.force_login(w["m_a"])
    assert client.get("/notifications/read/").status_code == 405
    r = client.post("/notifications/read/", follow=True)
    assert r.status_code == 200 and "2 条通知已标为已读" in r.content.decode()
    assert unread_count(w["m_a"]) == 0 and unread_count(w["m_b"]) == 1
    assert "全部标为已读" not in client.get("/notifications/").content.decode()


def test_pages_need_a_login(client, w):
    assert client.get("/notifications/")["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read/")["Location"].startswith("/accounts/login/")


def test_the_badge_counts_the_unread(client, w):
    client.force_login(w["m_a"])
    assert badge(client.get("/").content.decode()) == (2, 2)
    client.post("/notifications/read/")
    assert badge(client.get("/incidents/mine/").content.decode()) == (None, 0)
    client.force_login(w["m_b"])
    assert badge(client.get("/map/").content.decode()) == (1, 1)


def test_the_badge_costs_one_query_and_nothing_for_anonymous_visitors(client, w):
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/map/").content.decode()
    assert "notify-badge" not in html and not [q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    client.force_login(w["m_a"])
    with CaptureQueriesContext(connection) as ctx:
        client.get("/map/")
    assert len([q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]) == 1


def test_the_api_lists_ones_own_with_an_unread_filter(w):
    c = api(w["m_a"])
    r = c.get("/api/notifications/")
    assert r.status_code == 200 and r.json()["count"] == 2
    first = r.json()["results"][0]
    assert first["id"] == w["new"].pk and first["kind"] == "urged" and first["kind_label"] == "督办" and first["unread"] is True
    assert first["record"] == {"type": "incidents.incident", "id": str(w["case"].pk)} and first["url"] == f"/incidents/{w['case'].pk}/"
    c.post(f"/api/notifications/{w['old'].pk}/read/")
    assert [n["id"] for n in c.get("/api/notifications/?unread=true").json()["results"]] == [w["new"].pk]
    assert [n["id"] for n in c.get("/api/notifications/?unread=false").json()["results"]] == [w["old"].pk]
    assert c.get("/api/notifications/?kind=closed").json()["count"] == 0
    assert c.get(f"/api/notifications/{w['other'].pk}/").status_code == 404


def test_the_api_marks_read(w):
    c = api(w["m_a"])
    assert c.get("/api/notifications/unread-count/").json() == {"unread": 2}
    r = c.post(f"/api/notifications/{w['new'].pk}/read/")
    assert r.status_code == 200 and r.json()["unread"] is False and r.json()["read_at"]
    assert c.get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert c.post(f"/api/notifications/{w['other'].pk}/read/").status_code == 404
    assert c.post("/api/notifications/read-all/").json() == {"marked": 1}
    assert unread_count(w["m_a"]) == 0 and unread_count(w["m_b"]) == 1


def test_the_api_needs_credentials(w):
    r = APIClient().get("/api/notifications/")
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Token")
    assert APIClient().post(f"/api/notifications/{w['new'].pk}/read/").status_code == 401


def queries(client, url):
    client.get(url)  # warm the process caches
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/", "/notifications/", "/api/notifications/", "/api/notifications/?unread=true", "/incidents/mine/"])
def test_a_page_costs_the_same_with_2_notifications_and_60(client, w, url):
    client.force_login(w["m_a"])
    few = queries(client, url)
    for i in range(58):
        notify(w["m_a"], K.URGED if i % 2 else K.OVERDUE, w["case"], f"第 {i} 条", url=f"/incidents/{w['case'].pk}/")
    assert queries(client, url) == few


def test_the_admin_lists_notifications_read_only_for_superusers(client, w):
    boss = type(w["da"]).objects.create_superuser("boss", password="pw-12345678")
    client.force_login(boss)
    html = client.get("/admin/notifications/notification/").content.decode()
    assert "甲的新通知" in html and "乙的通知" in html
    page = client.get(f"/admin/notifications/notification/{w['new'].pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()  # read-only
    assert client.post(f"/admin/notifications/notification/{w['new'].pk}/delete/").status_code == 403
    w["da"].is_staff = True
    w["da"].save()
    client.force_login(w["da"])
    assert client.get("/admin/notifications/notification/").status_code == 403
    assert "/admin/notifications/" not in client.get("/admin/").content.decode()

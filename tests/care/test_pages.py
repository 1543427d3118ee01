"""The care pages: my visits this week (member), a subject's page (masked; ?reveal=1 audited),
the due overview (per grid and member; the district sees counts only), statistics (aggregate, for
everyone), and a fixed number of queries with less and more data."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.care import services as care
from geogrid.care.models import Building, CareVisit, Household
from geogrid.incidents.services import transition
from tests.care.builders import care_world, subject
from tests.support.world import pt

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return care_world()


def client(w, who):
    c = Client()
    if who:
        c.force_login(w[who])
    return c


def test_my_visits_this_week(w):
    r = client(w, "m_a").get("/care/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "王秀英" in html and "超期 3 天" in html and "138****5678" in html
    assert "13812345678" not in html and w["sub1"].id_number not in html  # masked on the server, the map's data too
    assert "赵德明" not in html
    config = r.context["config"]
    homes = {f["properties"]["address"]: f["properties"] for f in config["households"]["features"]}
    assert homes["甲路1号1单元101"]["status"] == "red" and homes["甲路1号1单元101"]["days"] == 3
    assert homes["甲路3号"]["status"] == "green"  # on the map, not due this week
    assert config["api"]["visits"] == "/api/care/visits/"


def test_my_visits_is_refused_to_those_responsible_for_no_grid(w):
    for who in ("da", "pn", "dp_um"):
        assert client(w, who).get("/care/").status_code == 403
    assert client(w, None).get("/care/").status_code == 302  # to the login page


def test_a_subjects_page_masked_and_revealed(w):
    from geogrid.grids.models import GridMember
    from tests.support.world import user

    head = GridMember.objects.create(user=user("bh", full_name="楼道长老刘"), grid=w["g4a"], role="building", phone="13700001111")
    Building.objects.filter(pk=w["b1"].pk).update(head=head)
    url = f"/care/subjects/{w['sub1'].pk}/"
    assert "楼道长老刘 13700001111" in client(w, "m_a").get(url).content.decode()  # whom to call in the building
    html = client(w, "m_a").get(url).content.decode()
    assert "138****5678" in html and "13812345678" not in html and 'id="care-reveal"' in html
    assert AuditEvent.objects.filter(action="care_reveal").count() == 0
    html = client(w, "m_a").get(url + "?reveal=1").content.decode()
    assert "13812345678" in html and w["sub1"].id_number in html
    assert AuditEvent.objects.filter(action="care_reveal", actor=w["m_a"]).count() == 1
    street = client(w, "sd1")
    assert 'id="care-reveal"' not in street.get(url).content.decode()
    r = street.get(url + "?reveal=1")
    assert r.status_code == 403 and "13812345678" not in r.content.decode()
    assert client(w, "m_b").get(url).status_code == 404


def test_the_due_overview_per_grid_and_member(w):
    html = client(w, "cs1").get("/care/due/").content.decode()
    assert "王秀英" in html and "甲一小网格" in html and 'id="care-export"' in html
    r = client(w, "da").get("/care/due/")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="care-aggregate-only"' in html
    assert "王秀英" not in html and "赵德明" not in html and "甲路" not in html  # counts only
    grids = {row["household__grid__code"]: row for row in r.context["overview"]["grids"]}
    assert (grids["3701120010010101"]["n"], grids["3701120010010101"]["red"]) == (2, 1)
    assert (grids["3701120020010101"]["n"], grids["3701120020010101"]["red"]) == (1, 0)
    members = {row["responsible__username"]: row for row in r.context["overview"]["members"]}
    assert members["m_a"]["red"] == 1 and members[None]["n"] == 1
    assert client(w, "pn").get("/care/due/").status_code == 403


def test_statistics_are_aggregate_and_public(w):
    now = timezone.now()
    v = care.record_visit(w["m_a"], w["sub1"], seen=True, situation="正常", needs="申请助餐", now=now)
    care.record_visit(w["m_d"], w["sub3"], seen=True, situation="正常", now=now)
    for action, who, fields in (("register", "cs1", {}), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a", {}),
                                ("report", "m_a", {"note": "已办"}), ("verify", "cs1", {}), ("close", "cs1", {})):
        transition(v.incident, action, w[who], fields.pop("note", "ok"), **fields)
    care.record_visit(w["m_a"], w["sub2"], seen=True, situation="正常", needs="修窗户", now=now)
    r = Client().get("/care/stats/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "王秀英" not in html and "甲路" not in html
    s = r.context["s"]
    assert s["total"] == {"subjects": 3, "overdue": 0, "coverage": 100.0, "visits": 3, "on_time": 66.7, "needs": 2, "resolved": 1}
    elderly = s["categories"].index("独居/空巢老人")
    rows = {row["code"]: row for row in s["rows"]}
    assert rows["3701120010010101"]["per_category"][elderly] is None and rows["3701120010010101"]["subjects"] is None
    assert 'id="care-hidden-note"' in html and 'class="care-hidden"' in html  # small cells hidden from the public
    rows = {row["code"]: row for row in client(w, "cs1").get("/care/stats/").context["s"]["rows"]}
    assert rows["3701120010010101"]["per_category"][elderly] == 1 and rows["3701120010010101"]["subjects"] == 2  # its own grid


def add_data(w, n):
    """n more households and subjects in G5a (and visits of each), to show that nothing is per row."""
    b = Building.objects.create(grid=w["g5a"], name=f"{n}号楼", geom=pt((116.704, 36.51)))
    for i in range(n):
        h = Household.objects.create(grid=w["g5a"], building=b, address=f"甲路{i + 10}号", geom=pt((116.701 + i * 0.0002, 36.51)))
        s = subject(h, f"对象{i}", ["elderly_alone", "disabled"], w["m_a"] if i % 2 else None, since=w["t0"], id17=None, phone="")
        CareVisit.objects.create(subject=s, visitor=w["m_a"], grid=w["g5a"], visited_at=w["t0"] + timedelta(days=1), seen=True,
                                 situation="x", due_at=w["t0"] + timedelta(days=7), on_time=True)


PAGES = [("m_a", "/care/"), ("cs1", "/care/due/"), ("da", "/care/due/"), (None, "/care/stats/"), ("m_a", "/api/care/subjects/"),
         ("m_a", "/api/care/due/"), ("m_a", "SUBJECT"), ("cs1", "/care/export.csv"), (None, "/api/care/stats/"),
         ("m_a", "/api/care/subjects/?status=red"), ("cs1", "/care/stats/")]


def count_queries(w):
    counts = {}
    for who, url in PAGES:
        c = client(w, who)
        url = f"/care/subjects/{w['sub1'].pk}/?reveal=1" if url == "SUBJECT" else url
        c.get(url)  # warm the caches of the process
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
        counts[(who, url.replace(str(w["sub1"].pk), "<id>"))] = len(ctx)
    return counts


def test_fixed_number_of_queries_with_less_and_more_data(w):
    small = count_queries(w)
    add_data(w, 25)
    big = count_queries(w)
    print(small)
    assert small == big


def test_statistics_over_a_chosen_period(w):
    now = timezone.now()
    care.record_visit(w["m_a"], w["sub1"], visited_at=now - timedelta(days=9), seen=True, situation="正常", now=now)
    assert Client().get("/care/stats/?days=7").context["s"]["total"]["visits"] == 0
    assert Client().get("/care/stats/?days=10").context["s"]["total"]["visits"] == 1
    for bad in ("0", "x", "400"):
        assert Client().get(f"/care/stats/?days={bad}").status_code == 400


@pytest.mark.parametrize("who, url", [("m_a", "/care/"), ("cs1", "/care/due/"), (None, "/care/stats/"), ("m_a", "SUBJECT")])
def test_the_pages_render_in_english_too(w, who, url):
    url = f"/care/subjects/{w['sub1'].pk}/" if url == "SUBJECT" else url
    r = client(w, who).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and '<html lang="en"' in r.content.decode()

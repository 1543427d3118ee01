"""The boundary pages: who gets what, the actions through the pages, the report with its folium
map (no outside URL), and a fixed number of queries whatever the number of markers and checks."""
import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.boundaries import services as b
from geogrid.boundaries.models import BoundaryAgreement, BoundaryMarker, JointInspection, MarkerCheck
from layers.maps import outside_urls
from tests.boundaries.builders import boundary_world, east_of, in_field, marker_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return boundary_world()



def shown(html, form_id):
    """Is the form on the page and not hidden (both walk forms are there; walk.js may show the other)?"""
    tag = re.search(rf'<form[^>]*id="{form_id}"[^>]*>', html)
    return tag is not None and not re.search(r"\shidden[\s>]", tag.group(0))

def test_index_lists_lines_inspections_due_and_renewals_for_inspectors(client, w):
    insp = in_field(w)
    BoundaryAgreement.objects.create(line=w["line"], title="平安边界共建协议", party_a_name="长清区", party_b_name="测试区",
                                     signed_on=date(2021, 1, 1), valid_until=date.today())
    client.force_login(w["ins_a"])
    html = client.get("/boundaries/").content.decode()
    assert f'data-line="{w["line"].code}"' in html and f'data-inspection="{insp.pk}"' in html
    assert f'data-due="{w["line"].code}"' in html and "从未联检" in html and "平安边界共建协议" in html and 'id="plan-form"' in html
    client.force_login(w["m_a"])  # others: lines only
    html = client.get("/boundaries/").content.decode()
    assert f'data-line="{w["line"].code}"' in html and "data-inspection" not in html and "data-due" not in html and "data-agreement" not in html


def test_plan_fieldwork_and_confirm_through_the_pages(client, w):
    client.force_login(w["ins_b"])
    r = client.post("/boundaries/inspections/new/", {"line": w["line"].pk, "year": 2026, "planned_start": "2026-05-01", "planned_end": "2026-05-03"})
    insp = JointInspection.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/boundaries/inspections/{insp.pk}/"
    assert sorted((m.user.username, m.side) for m in insp.members.all()) == [("ins_a", "a"), ("ins_a2", "a"), ("ins_b", "b"), ("ins_b2", "b")]
    client.post(f"/boundaries/inspections/{insp.pk}/act/", {"action": "start_fieldwork"})
    insp = JointInspection.objects.get()
    assert insp.state == "fieldwork"
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    html = client.get(f"/boundaries/inspections/{insp.pk}/").content.decode()
    assert "confirm-btn" not in html  # our own side confirmed when entering it
    client.force_login(w["ins_a"])
    html = client.get(f"/boundaries/inspections/{insp.pk}/").content.decode()
    assert "confirm-btn" in html
    assert client.post(f"/boundaries/checks/{c.pk}/confirm/").status_code == 302
    assert MarkerCheck.objects.get().agreed
    # A refusal: a second confirmation by the same side is a 409 page, nothing changes.
    assert client.post(f"/boundaries/checks/{c.pk}/confirm/").status_code == 409
    client.force_login(w["ins_far"])
    assert client.get(f"/boundaries/inspections/{insp.pk}/").status_code == 404
    assert client.post(f"/boundaries/inspections/{insp.pk}/act/", {"action": "draft_report"}).status_code == 404


def test_problems_and_sections_through_the_pages(client, w):
    insp = in_field(w)
    client.force_login(w["ins_a"])
    m1, m2 = w["markers"][:2]
    client.post(f"/boundaries/inspections/{insp.pk}/problems/", {"description": "界桩倾斜", "owner_side": "a", "due_date": "2026-09-01",
                                                                 "owner": w["ins_a2"].pk})
    client.post(f"/boundaries/inspections/{insp.pk}/problems/", {"description": "", "owner_side": "a", "due_date": "bad"})
    # The owner is a team member of the owning side: the other side's member, or anyone else, is refused.
    for owner in (w["ins_b"].pk, w["ins_far"].pk, "x"):
        r = client.post(f"/boundaries/inspections/{insp.pk}/problems/", {"description": "界桩倾斜", "owner_side": "a", "due_date": "2026-09-01",
                                                                         "owner": owner}, follow=True)
        assert "责任人应是责任方的界线联检人员" in r.content.decode(), owner
    r = client.post(f"/boundaries/inspections/{insp.pk}/problems/", {"description": "界桩倾斜", "owner_side": "a", "due_date": "2026-09-01",
                                                                     "check": "999999"}, follow=True)  # not a check of this inspection
    assert "该检查不属于本次联检" in r.content.decode()
    assert insp.problems.get().owner == w["ins_a2"]
    client.post(f"/boundaries/inspections/{insp.pk}/sections/", {"from_marker": m1.number, "to_marker": m2.number, "identifiable": "1",
                                                                 "references_notes": "方位物 1 号电杆缺失"})
    assert insp.problems.count() == 1 and insp.sections.get().references_complete is False
    html = client.get(f"/boundaries/inspections/{insp.pk}/").content.decode()
    assert "界桩倾斜" in html and "方位物 1 号电杆缺失" in html


def test_the_walk_page_lists_the_markers_in_order_with_their_positions(client, w):
    from geogrid.boundaries.models import MarkerPhoto

    insp = in_field(w)
    photo = MarkerPhoto.objects.create(marker=w["markers"][1], image="boundaries/2026/05/m2.jpg")  # its registration photo
    client.force_login(w["ins_b"])
    html = client.get(f"/boundaries/inspections/{insp.pk}/walk/").content.decode()
    assert re.findall(r'class="card walk-item[^"]*" data-marker="(\w+)"', html) == [m.number for m in w["markers"]]
    assert re.findall(r'data-marker="(\w+)"[^<]*>(?:(?!walk-item).)*?href="/boundaries/photos/(\d+)/" class="marker-photo"', html, re.S) == [
        (w["markers"][1].number, str(photo.pk))]
    assert "leaflet" in html and shown(html, "walk-start") and not shown(html, "walk-end")
    assert client.post(f"/boundaries/inspections/{insp.pk}/walk/start/").status_code == 302
    started = client.get(f"/boundaries/inspections/{insp.pk}/walk/").content.decode()
    assert shown(started, "walk-end") and not shown(started, "walk-start")
    assert client.post(f"/boundaries/inspections/{insp.pk}/walk/end/").status_code == 302
    client.force_login(w["da"])  # reads the inspection, but the field page is for the parties
    assert client.get(f"/boundaries/inspections/{insp.pk}/walk/").status_code == 403
    assert outside_urls(html) == []


def test_the_report_renders_its_map_checks_problems_and_both_signatures(client, w):
    insp = in_field(w)
    for i, m in enumerate(w["markers"]):
        lon, lat = east_of(m.geom, 3.0 if i == 1 else 0.0)
        c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="moved" if i == 1 else "intact", lon=lon, lat=lat)
        b.confirm_check(c, w["ins_a"])
        if i == 1:
            moved = c
    b.add_problem(insp, w["ins_a"], description="002 号界桩移位 3 米，恢复原位", owner_side="a", due_date=date(2026, 10, 1), check=moved)
    b.register_dispute(w["ins_a"], line=w["line"], lon=116.701, lat=36.55, parties="甲村、乙村", description="界线附近耕地权属")
    done = b.register_dispute(w["ins_a"], line=w["line"], lon=116.699, lat=36.56, parties="丙村、丁村", description="林地")
    b.set_dispute_state(done, w["ins_a"], "resolved", resolution="已协商")
    b.transition(insp, "draft_report", w["ins_a"], report="一处界桩移位。")
    b.transition(insp, "sign", w["ins_a"])
    b.transition(insp, "sign", w["ins_b"])
    client.force_login(w["ins_b"])
    r = client.get(f"/boundaries/inspections/{insp.pk}/report/")
    html = r.content.decode()
    assert r.status_code == 200
    assert f'id="report-map" title="界线与界桩" src="/boundaries/inspections/{insp.pk}/report/map.html" sandbox="allow-scripts"' in html
    assert re.findall(r'<tr data-marker="(\w+)">', html) == [m.number for m in w["markers"]]
    moved = re.search(rf'data-marker="{w["markers"][1].number}">.*?class="displacement">([\d.]+)<', html, re.S).group(1)
    assert float(moved) == pytest.approx(3.0, abs=0.05)
    assert "恢复原位" in html and "长清区联检员" in html and "测试区联检员" in html and "未签署" not in html
    # Markers coloured by condition in the map's data, and nothing from outside the server.
    r = client.get(f"/boundaries/inspections/{insp.pk}/report/map.html")
    doc = r.content.decode()
    # Its inline code runs only in the frame's opaque origin (sandbox), under its own policy.
    csp = policy(r)
    assert (csp["script-src"], csp["sandbox"], csp["frame-ancestors"]) == ("'unsafe-inline'", "allow-scripts", "'self'")
    assert r["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(client.get(f"/boundaries/inspections/{insp.pk}/report/"))["script-src"] == "'self'"
    assert "L.map(" in doc and "移位" in doc and "#d73027" in doc and "#1a9850" in doc and w["markers"][1].number in doc
    escaped = lambda text: json.dumps(text)[1:-1]  # noqa: E731 — folium writes the features' text as \u escapes
    assert "涉界矛盾纠纷（未化解）" in doc and escaped("甲村、乙村") in doc and escaped("丙村、丁村") not in doc  # open disputes on the map
    assert outside_urls(doc.replace("http://www.w3.org/2000/svg", "").replace("https://leafletjs.com", "")
                        .replace("https://bugzilla.mozilla.org/show_bug.cgi?id=888319", "")) == []
    client.force_login(w["m_a"])
    assert client.get(f"/boundaries/inspections/{insp.pk}/report/").status_code == 404
    assert client.get(f"/boundaries/inspections/{insp.pk}/report/map.html").status_code == 404


def policy(response):
    return dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))


def grow(w, insp, n):
    from geogrid.boundaries.models import MarkerPhoto

    start = BoundaryMarker.objects.count()
    for i in range(start, start + n):
        m = BoundaryMarker.objects.create(number=marker_number(w["line"], 100 + i), line=w["line"], geom=w["markers"][0].geom)
        MarkerPhoto.objects.create(marker=m, image=f"boundaries/m{i}.jpg")
        c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
        b.confirm_check(c, w["ins_a"])
        b.add_problem(insp, w["ins_b"], description=f"问题{i}", owner_side="b", due_date=date(2026, 9, 1), check=c)
        b.record_section(insp, w["ins_b"], from_marker=w["markers"][0].number, to_marker=m.number)


@pytest.mark.parametrize("path", ["/boundaries/", "/boundaries/inspections/{id}/", "/boundaries/inspections/{id}/walk/",
                                  "/boundaries/inspections/{id}/report/", "/boundaries/inspections/{id}/report/map.html",
                                  "/boundaries/inspections/{id}/record.xlsx"])
def test_pages_run_a_fixed_number_of_queries(client, w, path):
    insp = in_field(w)
    client.force_login(w["ins_b"])
    u = path.format(id=insp.pk)

    def count():
        client.get(u)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u).status_code == 200
        return len(ctx.captured_queries)

    grow(w, insp, 2)
    small = count()
    grow(w, insp, 10)
    big = count()
    print(f"\nQUERIES {path}: {small} / {big}")
    assert big == small


def test_an_open_marker_walk_leaves_the_patrol_and_home_pages_working(client, w):
    insp = in_field(w)
    b.start_walk(insp, w["ins_b"])
    client.force_login(w["ins_b"])
    r = client.get("/patrols/")
    assert r.status_code == 200 and "正在巡查：界桩巡查：2026 长清区—测试区界线" in r.content.decode()
    assert client.get("/").status_code == 200
    # One open patrol a person: a grid patrol waits until the walk has ended.
    from geogrid.patrols.models import Patrol
    assert Patrol.objects.filter(user=w["ins_b"], ended_at__isnull=True, grid__isnull=True).count() == 1


def test_ending_a_walk_ends_only_the_walk_of_that_inspection(client, w):
    """It ended the user's open patrol of any kind (a grid patrol excepted) through any inspection id:
    now the inspection must be in scope and the open patrol a walk of its markers, else 404."""
    from geogrid.patrols.models import Patrol
    from geogrid.patrols.services import start_target_patrol

    insp = in_field(w)
    other_walk = start_target_patrol(w["ins_far"], [w["markers"][0]], note="别处的巡查")  # not this inspection's walk
    client.force_login(w["ins_far"])  # no side of the line: the inspection is not theirs
    assert client.post(f"/boundaries/inspections/{insp.pk}/walk/end/").status_code == 404
    w["ins_a"].patrols.create(started_at=insp.created_at, note="不是界桩巡查")  # an open patrol without targets
    client.force_login(w["ins_a"])  # a side, but no walk of these markers open
    assert client.post(f"/boundaries/inspections/{insp.pk}/walk/end/").status_code == 404
    assert Patrol.objects.filter(ended_at__isnull=True).count() == 2 and Patrol.objects.filter(pk=other_walk.pk, ended_at__isnull=True).exists()
    walk = b.start_walk(insp, w["ins_b"])
    client.force_login(w["ins_b"])
    assert client.post(f"/boundaries/inspections/{insp.pk}/walk/end/").status_code == 302
    walk.refresh_from_db()
    assert walk.ended_at is not None


def test_the_admin_pages_of_boundaries_open_for_a_superuser_and_scope_inspections(client, w):
    from geogrid.accounts.models import User
    from geogrid.boundaries.models import BoundaryDispute, MarkerPhoto, RectificationItem  # noqa: F401

    insp = in_field(w)
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="damaged", lon=m.geom.x, lat=m.geom.y)
    b.add_problem(insp, w["ins_b"], description="修复", owner_side="b", due_date=date(2026, 9, 1), check=c)
    a = BoundaryAgreement.objects.create(line=w["line"], title="协议", party_a_name="长清区", party_b_name="测试区",
                                         signed_on=date(2021, 1, 1), valid_until=date(2026, 1, 1))
    d = b.register_dispute(w["ins_b"], line=w["line"], lon=116.70, lat=36.55, parties="甲村、乙村", description="林地")
    boss = User.objects.create_superuser("boss", "boss@example.cn", "pw-123456")
    client.force_login(boss)
    walk = b.start_walk(insp, w["ins_b"])
    for url in ("/admin/patrols/patrol/", f"/admin/patrols/patrol/{walk.pk}/change/"):
        r = client.get(url)
        assert r.status_code == 200 and m.number in r.content.decode() if "change" in url else r.status_code == 200
    for path in ["jointinspection/", f"jointinspection/{insp.pk}/change/", "boundaryagreement/", f"boundaryagreement/{a.pk}/change/",
                 "boundarydispute/", f"boundarydispute/{d.pk}/change/", "boundarymarker/", f"boundarymarker/{m.pk}/change/"]:
        assert client.get(f"/admin/boundaries/{path}").status_code == 200, path
    for who, n in (("ins_b", 1), ("ins_far", 0)):
        w[who].is_staff = True
        w[who].save()
        from django.contrib.auth.models import Group, Permission
        g = Group.objects.get(name="boundary_inspector")
        g.permissions.set(Permission.objects.filter(content_type__app_label="boundaries"))
        client.force_login(w[who])
        html = client.get("/admin/boundaries/jointinspection/").content.decode()
        assert html.count(f'href="/admin/boundaries/jointinspection/{insp.pk}/change/"') == n, who


def test_an_agreement_document_is_for_the_parties(client, w, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    a = BoundaryAgreement(line=w["line"], title="平安边界共建协议", party_a_name="长清区", party_b_name="测试区",
                          signed_on=date(2021, 1, 1), valid_until=date.today())
    a.document.save("协议.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    for who, status in (("ins_a", 200), ("ins_b", 200), ("da", 200), ("ins_far", 404), ("m_a", 404)):
        client.force_login(w[who])
        r = client.get(f"/boundaries/agreements/{a.pk}/document/")
        assert r.status_code == status, who
        if status == 200:
            assert b"".join(r.streaming_content) == b"%PDF-1.4 test"
    client.force_login(w["ins_a"])
    assert f"/boundaries/agreements/{a.pk}/document/" in client.get("/boundaries/").content.decode()


def test_inspectors_register_disputes_in_the_admin_on_their_own_lines_only(client, w):
    from django.contrib.auth.models import Group, Permission

    from geogrid.boundaries.models import BoundaryDispute, BoundaryLine

    other = BoundaryLine.objects.create(code="370124370199", name="平阴县—某县界线", side_a_code="370124000000", side_a_name="平阴县",
                                        side_b_code="370199000000", side_b_name="某县", geom=w["line"].geom)
    Group.objects.get(name="boundary_inspector").permissions.set(Permission.objects.filter(content_type__app_label="boundaries"))
    w["ins_b"].is_staff = True
    w["ins_b"].save()
    client.force_login(w["ins_b"])
    form = {"parties": "甲村、乙村", "description": "林地管护范围", "state": "open", "reported_at_0": "2026-05-01", "reported_at_1": "10:00:00",
            "geom": '{"type": "Point", "coordinates": [116.70, 36.55]}'}
    r = client.post("/admin/boundaries/boundarydispute/add/", form | {"line": other.pk})
    assert r.status_code == 200 and not BoundaryDispute.objects.exists()  # not a choice for this inspector
    r = client.post("/admin/boundaries/boundarydispute/add/", form | {"line": w["line"].pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert BoundaryDispute.objects.get().line == w["line"]


def test_the_record_table_is_an_xlsx_of_every_marker(client, w):
    import io

    from openpyxl import load_workbook

    insp = in_field(w)
    m1 = w["markers"][0]
    lon, lat = east_of(m1.geom, 3.0)
    c, _ = b.record_check(insp, w["ins_b"], marker=m1.number, condition="moved", lon=lon, lat=lat, notes="=HYPERLINK(1)")
    b.confirm_check(c, w["ins_a"])
    client.force_login(w["ins_a"])
    r = client.get(f"/boundaries/inspections/{insp.pk}/record.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("序号", "界桩编号") and len(rows) == 2 + len(w["markers"])
    first = rows[2]
    assert first[1] == m1.number and first[5] == "移位" and first[8] == pytest.approx(3.0, abs=0.05)
    assert first[9] == "'=HYPERLINK(1)" and first[11] == "长清区联检员" and first[12] == "测试区联检员"
    assert rows[3][5] == "未检查"
    client.force_login(w["m_a"])
    assert client.get(f"/boundaries/inspections/{insp.pk}/record.xlsx").status_code == 404

"""The boundary demo: 长清区 next to 泉峪区 with its inspector's login, an inspection of their line
planned with both teams, an agreement due for renewal and an open dispute; a two-party inspection
runs with the two demo logins; every demo marker number follows the pattern; a second load writes
nothing."""
from django.test import Client

from geogrid.boundaries.demo import INSPECTOR, NEIGHBOUR
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker, JointInspection, validate_marker_number
from geogrid.demo.loader import DEMO_PASSWORD, load_demo
from geogrid.geo.measure import area_m2
from geogrid.grids.models import AdminArea
from tests.support.demo import demo  # noqa: F401


def signed_in(username):
    c = Client()
    assert c.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302, username
    return c


def test_the_demo_has_two_parties_and_an_inspection_to_run(demo, db):  # noqa: F811
    cq = AdminArea.objects.get(code=NEIGHBOUR["code"])
    ours = AdminArea.objects.get(code="370190000000")
    assert cq.name == "长清区" and cq.level == "district"
    assert area_m2(cq.geom.intersection(ours.geom)) < 1  # beside our district, not over it (float noise only)
    assert cq.area_m2 > 10e6
    line = BoundaryLine.objects.get(code=NEIGHBOUR["line"])
    assert line.area_a == cq and line.area_b == ours
    for m in BoundaryMarker.objects.select_related("line"):
        validate_marker_number(m.number, m.line.code, m.marker_type)
    insp = JointInspection.objects.get(line=line)
    assert insp.state == "planned" and sorted(m.user.username for m in insp.members.all()) == ["demo_boundary", INSPECTOR["username"]]
    a, b = signed_in(INSPECTOR["username"]), signed_in("demo_boundary")
    for c in (a, b):
        html = c.get("/boundaries/").content.decode()
        assert f'data-inspection="{insp.pk}"' in html and "data-agreement" in html and "data-dispute" in html
    assert b.post(f"/boundaries/inspections/{insp.pk}/act/", {"action": "start_fieldwork"}).status_code == 302
    m = line.markers.order_by("number").first()
    r = b.post(f"/api/boundaries/inspections/{insp.pk}/checks/", {"marker": m.number, "condition": "intact", "lon": m.geom.x, "lat": m.geom.y},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["displacement_m"] == 0
    r = a.post(f"/api/boundaries/checks/{r.json()['id']}/confirm/")
    assert r.status_code == 200 and r.json()["agreed"] is True
    # Others (a grid member) read lines only.
    member = signed_in("demo_member")
    assert member.get(f"/boundaries/inspections/{insp.pk}/").status_code == 404
    assert member.get("/api/boundaries/lines/").json()["count"] == 2


def test_a_second_load_changes_nothing(demo, db):  # noqa: F811
    result = load_demo()
    assert not result.changed, result.counts
    assert result.counts["邻区"].unchanged == 1 and result.counts["界线联检"].unchanged == 1
    assert JointInspection.objects.count() == 1 and AdminArea.objects.filter(code=NEIGHBOUR["code"]).count() == 1

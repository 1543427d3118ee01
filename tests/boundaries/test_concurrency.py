"""Concurrency against the real PostgreSQL, each thread with its own connection: the two sides enter
the same marker's check at the same moment — one check, entered by the side that came first, the
other side refused (403) and nothing doubled; the same offline entry sent twice at once makes one
check; both sides sign at once — both signatures, state signed."""
import pytest

from geogrid.boundaries import services as b
from geogrid.boundaries.models import JointInspection, MarkerCheck
from tests.boundaries.builders import boundary_world, in_field
from tests.incidents.test_concurrency import api_post, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_both_sides_enter_one_marker_at_once():
    w = boundary_world(markers=2)
    insp = in_field(w)
    url = f"/api/boundaries/inspections/{insp.pk}/checks/"
    for m in w["markers"]:
        body = {"marker": m.number, "condition": "intact", "lon": m.geom.x, "lat": m.geom.y}
        results = race(lambda: api_post(w["ins_a"], url, body), lambda: api_post(w["ins_b"], url, body))
        assert sorted(code for code, _ in results) == [201, 403], results
        winner = next(body for code, body in results if code == 201)
        assert MarkerCheck.objects.filter(marker=m).get().side == winner["side"]


def test_the_same_offline_entry_sent_twice_at_once_is_one_check():
    w = boundary_world(markers=1)
    insp = in_field(w)
    m = w["markers"][0]
    body = {"marker": m.number, "condition": "intact", "lon": m.geom.x, "lat": m.geom.y, "client_id": "phone-7"}
    url = f"/api/boundaries/inspections/{insp.pk}/checks/"
    results = race(lambda: api_post(w["ins_b"], url, body), lambda: api_post(w["ins_b"], url, body))
    assert sorted(code for code, _ in results) == [200, 201], results
    assert MarkerCheck.objects.count() == 1


def test_both_parties_sign_at_once():
    w = boundary_world(markers=1)
    insp = in_field(w)
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    b.confirm_check(c, w["ins_a"])
    b.transition(insp, "draft_report", w["ins_a"], report="完好")
    url = f"/api/boundaries/inspections/{insp.pk}/transition/"
    results = race(lambda: api_post(w["ins_a"], url, {"action": "sign"}), lambda: api_post(w["ins_b"], url, {"action": "sign"}))
    assert [code for code, _ in results] == [200, 200], results
    insp = JointInspection.objects.get()
    assert insp.state == "signed" and insp.signed_a_by == w["ins_a"] and insp.signed_b_by == w["ins_b"]

"""The writes the phone's outbox queues besides reports (those: tests/incidents/test_idempotency.py)
take the Idempotency-Key: a boundary check, a boundary section and a care visit sent again with
the same key and body get the first answer and write nothing more; the same key with another body
is a 409 and writes nothing; a refused request keeps no key, so its corrected retry may use it."""
import json

import pytest
from django.test import Client

from geogrid.boundaries.models import MarkerCheck
from geogrid.care.models import CareVisit
from geogrid.workflow.models import IdempotentRequest
from tests.boundaries.builders import boundary_world, east_of, in_field
from tests.care.builders import care_world

pytestmark = pytest.mark.django_db


def post(user, url, body, key, multipart=False):
    c = Client()
    c.force_login(user)
    if multipart:
        return c.post(url, body, HTTP_IDEMPOTENCY_KEY=key)
    return c.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_boundary_check_replayed_with_its_key_is_one_check():
    w = boundary_world()
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    url = f"/api/boundaries/inspections/{insp.pk}/checks/"
    lon, lat = east_of(m1.geom, 3.0)
    body = {"marker": m1.number, "condition": "moved", "lon": str(lon), "lat": str(lat), "crs": "WGS84", "notes": "离线录入"}
    first = post(w["ins_b"], url, body, "walk-1", multipart=True)  # the walk page sends multipart (photos)
    again = post(w["ins_b"], url, body, "walk-1", multipart=True)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and MarkerCheck.objects.count() == 1
    other = post(w["ins_b"], url, {**body, "condition": "intact"}, "walk-1", multipart=True)
    assert other.status_code == 409 and MarkerCheck.objects.get().condition == "moved"
    # Refused (a marker of another line): nothing kept, the corrected request may use the key.
    assert post(w["ins_b"], url, {**body, "marker": "nope"}, "walk-2", multipart=True).status_code == 400
    assert not IdempotentRequest.objects.filter(key="walk-2").exists()
    assert post(w["ins_b"], url, {**body, "marker": m2.number}, "walk-2", multipart=True).status_code == 201
    assert MarkerCheck.objects.count() == 2


def test_a_section_replayed_with_its_key_answers_the_same():
    w = boundary_world()
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    url = f"/api/boundaries/inspections/{insp.pk}/sections/"
    body = {"from_marker": m1.number, "to_marker": m2.number, "references_complete": False, "identifiable": True, "references_notes": "电杆已拆"}
    first = post(w["ins_a"], url, body, "sec-1")
    again = post(w["ins_a"], url, body, "sec-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert post(w["ins_a"], url, {**body, "identifiable": False}, "sec-1").status_code == 409
    assert insp.sections.count() == 1 and insp.sections.get().identifiable is True


def test_a_care_visit_replayed_with_its_key_is_one_visit():
    w = care_world()
    body = {"subject": w["sub1"].pk, "seen": True, "situation": "身体尚可", "needs": "修屋顶", "need_mode": "visit"}
    first = post(w["m_a"], "/api/care/visits/", body, "visit-1")
    assert first.status_code == 201, first.content
    again = post(w["m_a"], "/api/care/visits/", body, "visit-1")
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert CareVisit.objects.count() == 1
    assert post(w["m_a"], "/api/care/visits/", {**body, "situation": "另一次"}, "visit-1").status_code == 409
    # Out of scope (another grid's household): 404, nothing kept under the key.
    assert post(w["m_a"], "/api/care/visits/", {**body, "subject": w["sub3"].pk}, "visit-2").status_code == 404
    assert not IdempotentRequest.objects.filter(key="visit-2").exists() and CareVisit.objects.count() == 1


def test_the_key_is_in_the_schema_of_the_queued_writes():
    w = care_world()
    c = Client()
    c.force_login(w["m_a"])
    paths = c.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ("/api/boundaries/inspections/{id}/checks/", "/api/boundaries/inspections/{id}/sections/", "/api/care/visits/",
                 "/api/incidents/", "/api/patrols/{id}/findings/"):
        names = [p["name"] for p in paths[path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


def test_a_walk_started_with_the_phones_key_is_one_walk_and_ends_by_that_key():
    import uuid

    from geogrid.patrols.models import Patrol

    w = boundary_world()
    insp = in_field(w)
    url, key = f"/api/boundaries/inspections/{insp.pk}/walk/", str(uuid.uuid4())
    first = post(w["ins_b"], url, {"client_key": key}, "walk-start-1")
    assert first.status_code == 201 and first.json()["client_key"] == key
    # Sent again under another Idempotency-Key (a second tab): the walk it made.
    again = post(w["ins_b"], url, {"client_key": key}, "walk-start-2")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and Patrol.objects.count() == 1
    assert Patrol.objects.get().targets.count() == len(w["markers"])
    assert post(w["ins_b"], url, {"client_key": "junk"}, "walk-start-3").status_code == 400
    # An inspector of neither party does not see the inspection: it looks missing, nothing is made.
    assert post(w["ins_far"], url, {"client_key": str(uuid.uuid4())}, "walk-x").status_code == 404
    assert Patrol.objects.count() == 1
    ended = post(w["ins_b"], f"/api/patrols/{key}/end/", {}, "walk-end-1")
    assert ended.status_code == 200 and ended.json()["ended_at"]

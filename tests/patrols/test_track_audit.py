"""Track batches in the audit log (issue #16): POST /api/patrols/<id|key>/track/ writes one event per
batch that added points (not one per point); a batch replayed (same Idempotency-Key, or points the
server has already under another key) or refused (a gap, bad points, an ended patrol, someone else's
patrol) writes none."""
import uuid

import pytest
from rest_framework.test import APIClient

from geogrid.audit.models import AuditEvent
from geogrid.audit.services import history
from geogrid.patrols.services import start_patrol
from tests.support.world import world

pytestmark = pytest.mark.django_db

WALK = [[116.705, 36.51], [116.705, 36.512], [116.705, 36.514], [116.707, 36.514], [116.709, 36.514]]


def client(user):
    c = APIClient()
    c.force_authenticate(user=user)
    return c


def post(c, url, body, key=None):
    return c.post(url, body, format="json", **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}))


def track_events(patrol):
    return list(history(patrol).filter(action="append_track").order_by("pk"))


def test_one_event_per_accepted_batch_none_for_a_replay():
    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"], client_key=uuid.uuid4())
    c, url = client(w["m_a"]), f"/api/patrols/{patrol.client_key}/track/"
    assert post(c, url, {"offset": 0, "points": WALK[:3]}, "b-1").status_code == 200
    events = track_events(patrol)
    assert len(events) == 1  # three points, one event
    e = events[0]
    assert e.actor == w["m_a"] and (e.data["offset"], e.data["added"], e.data["points"]) == (0, 3, 3) and e.data["length_m"] > 400
    assert post(c, url, {"offset": 0, "points": WALK[:3]}, "b-1")["Idempotent-Replayed"] == "true"  # the outbox's replay
    assert post(c, url, {"offset": 0, "points": WALK[:3]}, "b-1-bis").json()["added"] == 0  # the same points under another key
    assert len(track_events(patrol)) == 1
    r = post(c, f"/api/patrols/{patrol.pk}/track/", {"offset": 2, "points": WALK[2:]}, "b-2")  # overlaps: two new points
    assert r.json()["added"] == 2
    events = track_events(patrol)
    assert [(e.data["offset"], e.data["added"], e.data["points"]) for e in events] == [(0, 3, 3), (2, 2, 5)]


def test_refused_batches_write_no_event():
    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"])
    url = f"/api/patrols/{patrol.pk}/track/"
    before = AuditEvent.objects.count()
    assert post(client(w["m_a"]), url, {"offset": 3, "points": WALK[3:]}).status_code == 409  # a gap
    assert post(client(w["m_a"]), url, {"offset": 0, "points": [[500, 36.5], [116.7, 36.5]]}).status_code == 400
    assert post(client(w["m_a"]), url, {"offset": 0, "points": WALK[:1]}).status_code == 400  # one point makes no line
    assert post(client(w["m_a"]), url, {"offset": 0}).status_code == 400
    assert post(client(w["m_b"]), url, {"offset": 0, "points": WALK[:2]}).status_code == 404  # someone else's
    assert AuditEvent.objects.count() == before
    assert post(client(w["m_a"]), f"/api/patrols/{patrol.pk}/end/", {}).status_code == 200
    ended = AuditEvent.objects.count()
    assert post(client(w["m_a"]), url, {"offset": 0, "points": WALK[:2]}).status_code == 409
    assert AuditEvent.objects.count() == ended and not track_events(patrol)

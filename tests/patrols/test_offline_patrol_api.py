"""A patrol run from a phone without signal (issue #16): started with the phone's client key, its
findings, track batches and end addressed by that key, each replay taking effect once.

    start      POST /api/patrols/ {grid, client_key}       the same key again → the same patrol (200)
    finding    POST /api/patrols/<key>/findings/
    track      POST /api/patrols/<key>/track/ {offset, points}   appended in order; a batch the
               server has already (same Idempotency-Key, or the same offset) adds nothing
    end        POST /api/patrols/<key>/end/                 keeps the batched track

Refusals write nothing: over MAX_TRACK_POINTS in total (400), a gap before the batch (409), an
ended patrol (409, with the reason), someone else's patrol or an unknown key (404, alike)."""
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from geogrid.geo.measure import length_m
from geogrid.incidents.models import Incident
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import MAX_TRACK_POINTS, append_track, start_patrol
from geogrid.workflow.models import IdempotentRequest
from tests.support.world import P_G5A, world

pytestmark = pytest.mark.django_db

WALK = [[116.705, 36.51, 1764590000000], [116.705, 36.512, 1764590005000], [116.705, 36.514, 1764590010000],
        [116.707, 36.514, 1764590015000], [116.709, 36.514, 1764590020000]]


def client(user):
    c = APIClient()
    c.force_authenticate(user=user)
    return c


def post(c, url, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return c.post(url, body, format="json", **extra)


def coords(patrol):
    patrol.refresh_from_db()
    return [[round(x, 6), round(y, 6)] for x, y in patrol.track.coords] if patrol.track else []


def lonlat(points):
    return [[p[0], p[1]] for p in points]


def test_a_patrol_started_by_its_client_key_takes_findings_track_and_end_by_that_key():
    w = world()
    c, key = client(w["m_a"]), str(uuid.uuid4())
    r = post(c, "/api/patrols/", {"grid": w["g4a"].code, "client_key": key}, "start-1")
    assert r.status_code == 201 and r.json()["client_key"] == key
    pid = r.json()["id"]
    # The start sent again (another tab, a replay that lost its Idempotency-Key record): the same patrol.
    again = post(c, "/api/patrols/", {"grid": w["g4a"].code, "client_key": key}, "start-2")
    assert again.status_code == 200 and again.json()["id"] == pid and Patrol.objects.count() == 1
    assert c.get(f"/api/patrols/{key}/").json()["id"] == pid

    r = post(c, f"/api/patrols/{key}/findings/", {"category": "environment", "description": "垃圾", "lon": P_G5A[0], "lat": P_G5A[1]}, "f-1")
    assert r.status_code == 201 and Incident.objects.get().patrol_id == pid
    r = post(c, f"/api/patrols/{key}/track/", {"offset": 0, "points": WALK[:3], "crs": "EPSG:4326"}, "t-1")
    assert r.status_code == 200 and r.json()["points"] == 3 and r.json()["added"] == 3
    r = post(c, f"/api/patrols/{key}/track/", {"offset": 3, "points": WALK[3:], "crs": "EPSG:4326"}, "t-2")
    assert r.status_code == 200 and r.json()["points"] == 5
    r = post(c, f"/api/patrols/{key}/end/", {"note": "离线巡查", "crs": "EPSG:4326"}, "e-1")
    assert r.status_code == 200 and r.json()["ended_at"] and r.json()["findings"] == [Incident.objects.get().number]
    patrol = Patrol.objects.get()
    assert coords(patrol) == lonlat(WALK) and patrol.note == "离线巡查"
    assert 790 < patrol.length_m < 815  # 444 m north, then 358 m east, measured in metres


def test_the_same_client_key_belongs_to_each_user_apart_and_a_bad_one_is_refused():
    w = world()
    key = str(uuid.uuid4())
    assert post(client(w["m_a"]), "/api/patrols/", {"grid": w["g4a"].code, "client_key": key}).status_code == 201
    assert post(client(w["m_b"]), "/api/patrols/", {"grid": w["g4b"].code, "client_key": key}).status_code == 201
    assert Patrol.objects.count() == 2
    # The key names one's own patrol only: each member finds theirs; staff who see both find neither
    # by it (their pages use ids), rather than two patrols where one is expected.
    mine, theirs = (client(w[u]).get(f"/api/patrols/{key}/") for u in ("m_a", "m_b"))
    assert mine.json()["id"] != theirs.json()["id"] and [mine.json()["user"], theirs.json()["user"]] == ["甲网格员", "乙网格员"]
    staff = client(w["sd1"])
    assert staff.get("/api/patrols/").json()["count"] == 2 and staff.get(f"/api/patrols/{key}/").status_code == 404
    r = post(client(w["m_a"]), "/api/patrols/", {"grid": w["g4a"].code, "client_key": "not-a-uuid"})
    assert r.status_code == 400 and Patrol.objects.count() == 2
    # A refused start (not on the grid's team) keeps nothing: its later items find no patrol.
    other = str(uuid.uuid4())
    assert post(client(w["m_b"]), "/api/patrols/", {"grid": w["g4a"].code, "client_key": other}).status_code == 403
    assert post(client(w["m_b"]), f"/api/patrols/{other}/track/", {"offset": 0, "points": WALK[:2]}).status_code == 404


def test_a_batch_replayed_appends_once():
    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"], client_key=uuid.uuid4())
    c, url = client(w["m_a"]), f"/api/patrols/{patrol.client_key}/track/"
    first = post(c, url, {"offset": 0, "points": WALK[:3]}, "batch-1")
    again = post(c, url, {"offset": 0, "points": WALK[:3]}, "batch-1")  # the outbox's replay: same key
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    # The same batch under another key (queued twice by a page closed at the wrong moment): the
    # offset says the server has these points already.
    other = post(c, url, {"offset": 0, "points": WALK[:3]}, "batch-1-bis")
    assert other.status_code == 200 and other.json()["added"] == 0 and other.json()["points"] == 3
    # A batch that overlaps what the server has adds only its new points.
    overlap = post(c, url, {"offset": 2, "points": WALK[2:]}, "batch-2")
    assert overlap.json()["added"] == 2 and overlap.json()["points"] == 5
    assert coords(patrol) == lonlat(WALK)
    assert post(c, url, {"offset": 2, "points": WALK[2:]}, "batch-2").json() == overlap.json()
    assert coords(patrol) == lonlat(WALK)


def test_refused_batches_write_nothing():
    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"], client_key=uuid.uuid4())
    c, url = client(w["m_a"]), f"/api/patrols/{patrol.pk}/track/"
    assert post(c, url, {"offset": 0, "points": WALK[:2]}).status_code == 200
    # A gap: points 3–4 never arrived.
    r = post(c, url, {"offset": 4, "points": WALK[4:]}, "gap")
    assert r.status_code == 409 and "3–4" in r.json()["error"]
    # Out of range, or not points at all.
    assert post(c, url, {"offset": 2, "points": [[500, 36.5]]}).status_code == 400
    assert post(c, url, {"offset": 2, "points": "junk"}).status_code == 400
    assert post(c, url, {"offset": -1, "points": WALK[2:3]}).status_code == 400
    # Over the limit on the total: the server has 2 points, the batch would make MAX + 1.
    big = [[116.705 + i * 1e-7, 36.52] for i in range(MAX_TRACK_POINTS - 1)]
    r = post(c, url, {"offset": 2, "points": big}, "too-many")
    assert r.status_code == 400 and str(MAX_TRACK_POINTS) in r.json()["error"]
    assert not IdempotentRequest.objects.filter(key__in=["gap", "too-many"]).exists()  # refused: no key kept
    assert coords(patrol) == lonlat(WALK[:2])
    # Up to the limit is taken.
    assert post(c, url, {"offset": 2, "points": big[:-1]}).json()["points"] == MAX_TRACK_POINTS
    # A first batch of one point makes no line: sent with the next one.
    p2 = start_patrol(w["m_b"], w["g4b"])
    r = post(client(w["m_b"]), f"/api/patrols/{p2.pk}/track/", {"offset": 0, "points": WALK[:1]})
    assert r.status_code == 400 and coords(p2) == []


def test_someone_elses_patrol_looks_missing_and_an_ended_one_says_so():
    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"], client_key=uuid.uuid4())
    body = {"offset": 0, "points": WALK[:2]}
    for who in ("m_b", "cs1", "da"):  # another member; the staff who may see the patrol may not add to it
        for ref in (patrol.pk, patrol.client_key):
            r = post(client(w[who]), f"/api/patrols/{ref}/track/", body)
            assert r.status_code == 404, (who, ref)
    missing = post(client(w["m_a"]), f"/api/patrols/{uuid.uuid4()}/track/", body)
    assert missing.status_code == 404
    assert post(client(w["m_b"]), f"/api/patrols/{patrol.pk}/track/", body).json() == missing.json()  # told apart by nothing
    assert post(client(w["m_a"]), "/api/patrols/999999/track/", body).status_code == 404
    assert coords(patrol) == []
    assert post(client(w["m_a"]), f"/api/patrols/{patrol.pk}/end/", {}).status_code == 200
    r = post(client(w["m_a"]), f"/api/patrols/{patrol.client_key}/track/", body)
    assert r.status_code == 409 and "已结束" in r.json()["error"]
    assert coords(patrol) == []


def test_append_track_is_the_patrollers_own():
    from django.core.exceptions import ValidationError

    from geogrid.workflow.exceptions import TransitionForbidden

    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"])
    with pytest.raises(TransitionForbidden):
        append_track(patrol, w["m_b"], WALK[:2], offset=0)
    with pytest.raises(ValidationError):
        append_track(patrol, w["m_a"], WALK[:2], offset="0")
    total, added, length = append_track(patrol, w["m_a"], WALK[:2], offset=0)
    assert (total, added) == (2, 2) and 220 < length < 225  # 0.002° of latitude
    assert append_track(patrol, w["m_a"], WALK[2:3], offset=2)[:2] == (3, 1)  # one point at a time, too
    total, added, length = append_track(patrol, w["m_a"], WALK[3:], offset=3)
    patrol.refresh_from_db()
    assert (total, added) == (5, 2) and coords(patrol) == lonlat(WALK)
    assert length == patrol.length_m and abs(length - length_m(patrol.track)) < 0.01  # grown by stretches: the length of the whole


def test_the_page_starts_with_the_phones_key_and_the_report_page_takes_it():
    w = world()
    c = Client()
    c.force_login(w["m_a"])
    key = str(uuid.uuid4())
    r = c.post("/patrols/start/", {"grid": w["g4a"].code, "client_key": key})
    assert r.status_code == 302
    patrol = Patrol.objects.get()
    assert str(patrol.client_key) == key
    page = c.get("/patrols/").content.decode()
    assert f'"key": "{key}"' in page
    # The report page (online, posted as a page) finds the patrol by the key a phone started it with.
    r = c.post("/incidents/report/", {"category": "environment", "description": "路面破损", "lon": P_G5A[0], "lat": P_G5A[1],
                                      "patrol": key})
    assert r.status_code == 302 and Incident.objects.get().patrol_id == patrol.pk
    assert c.post("/patrols/start/", {"grid": w["g4a"].code, "client_key": "junk"}).status_code == 400
    # Someone else's key is no patrol of theirs.
    other = Client()
    other.force_login(w["m_b"])
    r = other.post("/incidents/report/", {"category": "environment", "description": "x", "lon": P_G5A[0], "lat": P_G5A[1], "patrol": key})
    assert r.status_code == 400 and Incident.objects.count() == 1


def test_a_batch_runs_the_same_queries_however_long_the_track():
    w = world()
    counts = []
    for user, grid, have in (("m_a", "g4a", 2), ("m_b", "g4b", 3000)):
        patrol = start_patrol(w[user], w[grid])
        c = client(w[user])
        points = [[116.705 + i * 1e-6, 36.52] for i in range(have)]
        assert post(c, f"/api/patrols/{patrol.pk}/track/", {"offset": 0, "points": points}).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            r = post(c, f"/api/patrols/{patrol.pk}/track/", {"offset": have, "points": [[116.71, 36.53], [116.711, 36.53]]}, f"k-{user}")
        assert r.status_code == 200 and r.json()["points"] == have + 2
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_a_patrol_sent_later_keeps_the_phones_times_held_to_sense():
    from datetime import timedelta

    from django.utils import timezone

    w = world()
    c, now = client(w["m_a"]), timezone.now()
    started = now - timedelta(minutes=40)  # started in the basement, sent when the member came up
    r = post(c, "/api/patrols/", {"grid": w["g4a"].code, "client_key": str(uuid.uuid4()), "started_at": started.isoformat()})
    patrol = Patrol.objects.get(pk=r.json()["id"])
    assert patrol.started_at == started
    # An end before the start (a phone whose clock jumped) is held to the start.
    r = post(c, f"/api/patrols/{patrol.pk}/end/", {"ended_at": (started - timedelta(hours=1)).isoformat()})
    assert r.status_code == 200
    patrol.refresh_from_db()
    assert patrol.ended_at == started
    # A start in the future is now; one from last week is held to the outbox's 48 hours.
    r = post(client(w["m_b"]), "/api/patrols/", {"grid": w["g4b"].code, "started_at": (now + timedelta(days=1)).isoformat()})
    later = Patrol.objects.get(pk=r.json()["id"])
    assert now <= later.started_at <= timezone.now()
    post(client(w["m_b"]), f"/api/patrols/{later.pk}/end/", {})
    r = post(client(w["m_b"]), "/api/patrols/", {"grid": w["g4b"].code, "started_at": (now - timedelta(days=7)).isoformat()})
    old = Patrol.objects.get(pk=r.json()["id"])
    assert now - timedelta(hours=48, minutes=1) < old.started_at < now - timedelta(hours=47)
    assert post(c, "/api/patrols/", {"grid": w["g4a"].code, "started_at": "yesterday"}).status_code == 400

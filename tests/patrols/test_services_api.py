"""Patrols: a grid member starts and ends a patrol of their grid, with an optional GPS track, and
turns findings into incidents; service and API."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.geo import gcj02
from geogrid.incidents.models import Incident
from geogrid.incidents.services import report_finding
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import end_patrol, start_patrol
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden
from tests.support.world import P_G4A, P_G5A, category, world

pytestmark = pytest.mark.django_db

TRACK = [[116.705, 36.51], [116.705, 36.52], [116.715, 36.52]]  # 1.11 km north, then ~0.9 km east


def client(user):
    c = APIClient()
    c.force_authenticate(user=user)
    return c


def test_patrol_start_track_findings_end():
    w = world()
    t0 = timezone.now() - timedelta(hours=1)
    p = start_patrol(w["m_a"], w["g4a"], now=t0)
    assert p.ended_at is None and p.grid == w["g4a"]
    inc = report_finding(p, w["m_a"], category=category("safety_hazard"), description="电线裸露", lon=P_G4A[0], lat=P_G4A[1])
    assert inc.patrol == p and inc.grid4 == w["g4a"] and inc.number
    p = end_patrol(p, w["m_a"], track=TRACK, note="一切正常，发现一处隐患")
    assert p.ended_at is not None and p.track.srid == 4490 and len(p.track.coords) == 3
    assert 1900 < p.length_m < 2100  # measured in metres, not degrees
    assert list(p.findings.all()) == [inc]
    with pytest.raises(InvalidTransition, match="已结束"):
        end_patrol(p, w["m_a"])


def test_only_the_grid_team_patrols_and_one_patrol_at_a_time():
    w = world()
    with pytest.raises(TransitionForbidden):
        start_patrol(w["m_b"], w["g4a"])  # not on G4a's team
    start_patrol(w["m_a"], w["g5a"])  # an L5 grid inside their L4 grid
    with pytest.raises(InvalidTransition, match="尚未结束"):
        start_patrol(w["m_a"], w["g4a"])
    assert Patrol.objects.count() == 1


def test_only_the_patroller_ends_or_reports_findings():
    w = world()
    p = start_patrol(w["m_a"], w["g4a"])
    with pytest.raises(TransitionForbidden):
        end_patrol(p, w["head_a"])
    with pytest.raises(TransitionForbidden):
        report_finding(p, w["head_a"], category="environment", description="x", lon=P_G5A[0], lat=P_G5A[1])
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("track", [[[116.7, 36.5]], [["a", "b"], [1, 2]], [[500, 36.5], [116.7, 36.5]], "junk"])
def test_bad_tracks_are_refused_and_the_patrol_stays_open(track):
    w = world()
    p = start_patrol(w["m_a"], w["g4a"])
    with pytest.raises(ValidationError):
        end_patrol(p, w["m_a"], track=track)
    p.refresh_from_db()
    assert p.ended_at is None


def test_gcj02_track_is_converted():
    w = world()
    p = start_patrol(w["m_a"], w["g4a"])
    g = [list(gcj02.wgs84_to_gcj02(x, y)) for x, y in TRACK]
    p = end_patrol(p, w["m_a"], track=g, crs="gcj02")
    for (x, y), (ex, ey) in zip(p.track.coords, TRACK):
        assert abs(x - ex) < 1e-5 and abs(y - ey) < 1e-5


def test_patrol_api():
    w = world()
    c = client(w["m_a"])
    r = c.post("/api/patrols/", {"grid": w["g4a"].code}, format="json")
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert c.post("/api/patrols/", {"grid": w["g4a"].code}, format="json").status_code == 409
    assert client(w["m_b"]).post("/api/patrols/", {"grid": w["g4a"].code}, format="json").status_code == 403
    assert c.post("/api/patrols/", {"grid": "999"}, format="json").status_code == 400
    r = c.post(f"/api/patrols/{pid}/findings/", {"category": "environment", "description": "垃圾", "lon": P_G5A[0], "lat": P_G5A[1]},
               format="json")
    assert r.status_code == 201 and r.json()["grid5"] == w["g5a"].code
    r = c.post(f"/api/patrols/{pid}/end/", {"track": TRACK, "note": "完成"}, format="json")
    assert r.status_code == 200 and r.json()["track"] == TRACK and len(r.json()["findings"]) == 1
    assert c.post(f"/api/patrols/{pid}/end/", {}, format="json").status_code == 409
    # Scope: the community sees the patrol, another community does not.
    assert client(w["cs1"]).get(f"/api/patrols/{pid}/").status_code == 200
    assert client(w["cs2"]).get(f"/api/patrols/{pid}/").status_code == 404
    assert client(w["m_b"]).get("/api/patrols/").json()["count"] == 0


def test_visible_patrols_is_the_incident_scope_mapped_onto_the_patrol_grid():
    from geogrid.patrols.services import start_patrol, visible_patrols

    w = world()
    p = start_patrol(w["m_a"], w["g4a"])  # grid in community C1, street S1
    seen = {name: visible_patrols(w[name]).filter(pk=p.pk).exists() for name in ("m_a", "m_b", "cs1", "cs2", "sd1", "sd2", "da")}
    assert seen == {"m_a": True, "m_b": False, "cs1": True, "cs2": False, "sd1": True, "sd2": False, "da": True}


def test_a_track_of_seventy_thousand_points_is_refused_and_changes_nothing():
    from geogrid.patrols.services import MAX_TRACK_POINTS

    w = world()
    patrol = start_patrol(w["m_a"], w["g4a"])
    c = APIClient()
    c.force_authenticate(w["m_a"])
    track = [[116.71 + i * 1e-7, 36.52] for i in range(70_000)]
    r = c.post(f"/api/patrols/{patrol.pk}/end/", {"track": track}, format="json")
    assert r.status_code == 400 and str(MAX_TRACK_POINTS) in str(r.json())
    patrol.refresh_from_db()
    assert patrol.ended_at is None
    with pytest.raises(ValidationError):  # the service's own rule, for callers other than the API
        end_patrol(patrol, w["m_a"], track=track[:MAX_TRACK_POINTS + 1])
    assert end_patrol(patrol, w["m_a"], track=track[:MAX_TRACK_POINTS]).track.num_points == MAX_TRACK_POINTS

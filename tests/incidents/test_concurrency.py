"""Concurrency against the real PostgreSQL, each thread with its own connection: two simultaneous
transitions of one case give exactly one 200 and one 409; the row lock really makes the second
wait; 200 simultaneous reports give 200 cases with unique, gapless numbers."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.incidents.models import Incident
from geogrid.incidents.services import transition
from tests.support.world import P_G4A, P_G5A, report, world

pytestmark = pytest.mark.django_db(transaction=True)


def api_post(user, url, body=None):
    """POST as user from this thread (own DB connection, closed afterwards)."""
    try:
        c = APIClient()
        c.force_authenticate(user=user)
        r = c.post(url, body or {}, format="json")
        return r.status_code, r.json()
    finally:
        connection.close()


def race(*calls):
    """Start the calls at the same moment in threads; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as ex:
        return [f.result() for f in [ex.submit(run, c) for c in calls]]


def test_two_simultaneous_transitions_one_200_one_409():
    w = world()
    pairs = [("register", "reject"), ("register", "register"), ("reject", "register"), ("reject", "reject")] * 3
    for first, second in pairs:
        inc = report(w, at=P_G5A)
        url = f"/api/incidents/{inc.pk}/actions/"
        results = race(lambda: api_post(w["cs1"], url + first + "/", {"note": "甲"}),
                       lambda: api_post(w["sd1"], url + second + "/", {"note": "乙"}))
        codes = sorted(code for code, _ in results)
        assert codes == [200, 409], results
        winner = next(body for code, body in results if code == 200)
        inc.refresh_from_db()
        assert inc.state == winner["state"]
        assert inc.state in ("registered", "rejected")
        loser = next(body for code, body in results if code == 409)
        assert loser["code"] == "invalid_transition"
        # Exactly one transition event was written.
        from geogrid.audit.services import history

        assert [e.action for e in history(inc)][1:] in (["register"], ["reject"])


def test_the_row_lock_makes_the_second_transition_wait_then_409():
    w = world()
    inc = report(w, at=P_G4A)
    out = {}

    def second():
        out["result"] = api_post(w["sd1"], f"/api/incidents/{inc.pk}/actions/reject/", {"note": "重复"})
        out["done_at"] = time.monotonic()

    with transaction.atomic():
        transition(inc, "register", w["cs1"])  # holds the row lock until this block commits
        t = threading.Thread(target=second)
        t.start()
        time.sleep(1.0)
        assert "result" not in out, "the second transition should be waiting for the row lock"
        committed_at = time.monotonic()
    t.join(10)
    assert out["result"][0] == 409 and out["done_at"] >= committed_at
    assert "已立案" in out["result"][1]["error"]
    inc.refresh_from_db()
    assert inc.state == "registered"


def test_200_simultaneous_reports_give_200_cases_with_unique_gapless_numbers():
    w = world()
    n, workers = 200, 50
    barrier = threading.Barrier(workers)
    users = [w["m_a"], w["head_a"], w["cs1"], w["sd1"]]

    def worker(k):
        """Reports k, k + workers, …, all workers starting at the same moment; one connection each."""
        try:
            barrier.wait()
            out = []
            for i in range(k, n, workers):
                c = APIClient()
                c.force_authenticate(user=users[i % len(users)])
                r = c.post("/api/incidents/", {"category": "environment", "description": f"并发上报 {i}", "lon": P_G5A[0],
                                               "lat": P_G5A[1]}, format="json")
                out.append((r.status_code, r.json()))
            return out
        finally:
            connection.close()

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = [r for rs in ex.map(worker, range(workers)) for r in rs]
    elapsed = time.monotonic() - t0
    assert [code for code, _ in results].count(201) == n, [r for r in results if r[0] != 201][:3]
    numbers = [body["number"] for _, body in results]
    year = timezone.localtime().year
    assert len(set(numbers)) == n
    assert sorted(numbers) == [f"{year}{i:06d}" for i in range(1, n + 1)]
    assert Incident.objects.count() == n
    print(f"\n{n} concurrent reports over {workers} connections in {elapsed:.2f}s")

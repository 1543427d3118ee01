"""Load and faults (issue #13) against geogrid served as `make run` serves it (gunicorn, 2 workers,
kept and health-checked connections) on a throwaway PostgreSQL cluster of this module's own: the
shared cluster of scripts/pg.sh is never stopped.

- 16 concurrent clients submit N reports (--reliability-n, 2 000 by default, 10 000 for the larger
  run): exactly N cases, each in exactly one level-5 grid (checked in SQL), numbers unique and
  gapless, no 5xx.
- The database is stopped (pg_ctl stop -m fast) and started again in the middle of a run: the
  service answers 503 + Retry-After (geogrid/unavailable.py) while it is down and recovers by itself
  after; every key that got a 201 has exactly one case, and the clients' retries with the same
  Idempotency-Key create no duplicates, not even for a request whose answer was lost.

The cluster, its migration and the server are made once for the module (cluster.py). Figures are
printed and written to var/artifacts/reliability.json.
"""
import json
import threading
import time
from collections import Counter
from types import SimpleNamespace

import pytest

from tests.reliability import clients
from tests.reliability.cluster import Cluster, Server
from tests.support import ARTIFACTS

DB = "geogrid"
FIGURES = {}


@pytest.fixture(scope="module")
def served():
    """The throwaway cluster, its database migrated and seeded, gunicorn on it; removed afterwards
    whatever happened."""
    cluster = Cluster()
    try:
        started = time.monotonic()
        cluster.init()
        info = cluster.create_database(DB)
        FIGURES["migrate_and_seed_cpu_s"] = round(info.pop("cpu_s"), 1)
        server = Server(cluster.env(DB))
        FIGURES["setup_s"] = round(time.monotonic() - started, 1)
        try:
            yield SimpleNamespace(cluster=cluster, server=server, **info)
        finally:
            server.close()
    finally:
        cluster.destroy()
        if FIGURES:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "reliability.json").write_text(json.dumps(FIGURES, indent=1))


@pytest.fixture
def n(request):
    return request.config.getoption("--reliability-n")


def cases(served, prefix):
    """(number, description) of the cases a run made."""
    return served.cluster.sql(DB, "SELECT number, description FROM grids_incident WHERE description LIKE %s", [prefix + " %"])


def assert_numbers_unique_and_gapless(served):
    """Over every case of the database (both runs): per year 000001 … count, none twice."""
    rows = served.cluster.sql(DB, "SELECT left(number, 4), count(*), count(DISTINCT number), min(right(number, 6)::int), "
                                  "max(right(number, 6)::int) FROM grids_incident GROUP BY 1")
    for year, count, distinct, low, high in rows:
        assert (count, distinct, low, high) == (count, count, 1, count), f"numbers of {year}: {count} cases, {distinct} distinct, {low}…{high}"


def assert_one_level5_grid_each(served, prefix, expected):
    """Each case's point lies in exactly one level-5 grid valid when it was reported, and that
    grid is the case's grid5 (with its level-4 parent as grid4)."""
    wrong = served.cluster.sql(DB, """
        SELECT i.number, i.grid5_id, i.grid4_id, array_agg(g.id) FILTER (WHERE g.id IS NOT NULL)
        FROM grids_incident i
        LEFT JOIN grids_grid g ON g.level = 5 AND ST_Covers(g.geom, i.geom)
             AND g.valid_from <= i.reported_at AND (g.valid_to IS NULL OR g.valid_to > i.reported_at)
        LEFT JOIN grids_grid g5 ON g5.id = i.grid5_id
        WHERE i.description LIKE %s
        GROUP BY i.id, g5.parent_id
        HAVING count(g.id) <> 1 OR i.grid5_id IS NULL OR i.grid5_id <> ALL(array_agg(g.id)) OR g5.parent_id IS DISTINCT FROM i.grid4_id
        LIMIT 5""", [prefix + " %"])
    assert wrong == [], f"cases not in exactly one level-5 grid (number, grid5, grid4, grids found): {wrong}"
    per_grid = served.cluster.sql(DB, "SELECT count(DISTINCT grid5_id), count(*) FROM grids_incident WHERE description LIKE %s",
                                  [prefix + " %"])[0]
    assert per_grid == (len(served.boxes), expected)  # every level-5 grid got its share


def test_16_clients_submit_n_reports_then_the_database_restarts_mid_run(served, n):
    """One test, not two: pytest-xdist would send two tests of this module to different workers,
    each building its own cluster (the migration alone costs ~10 s of CPU)."""
    sixteen_clients_submit_n_reports_exactly_n_cases_each_in_one_level5_grid(served, n)
    a_database_restart_mid_run_503_then_recovery_and_no_case_lost_or_doubled(served, n)


def sixteen_clients_submit_n_reports_exactly_n_cases_each_in_one_level5_grid(served, n):
    jobs = clients.reports(n, served.tokens, served.boxes, "负载", "load")
    cpu = served.server.cpu() + served.cluster.cpu()
    started = time.monotonic()
    answers = clients.run(served.server.url, jobs, clients=16)
    elapsed = time.monotonic() - started
    cpu_ms = 1000 * (served.server.cpu() + served.cluster.cpu() - cpu) / n
    FIGURES.update(n=n, clients=16, load_s=round(elapsed, 1), reports_per_s=round(n / elapsed), server_cpu_ms_per_report=round(cpu_ms, 1))
    print(f"\n{n} reports from 16 clients in {elapsed:.1f} s: {n / elapsed:.0f} reports/s; "
          f"{cpu_ms:.1f} ms CPU a report in gunicorn and PostgreSQL")

    statuses = Counter(a.status for a in answers)
    assert statuses == {201: n}, (statuses, [a for a in answers if a.status != 201][:3])
    assert len({a.key for a in answers}) == n
    stored = cases(served, "负载")
    assert len(stored) == n
    numbers = {a.body["number"] for a in answers}
    assert numbers == {number for number, _ in stored}  # the numbers answered are the numbers stored
    assert len(numbers) == n
    assert_numbers_unique_and_gapless(served)
    assert_one_level5_grid_each(served, "负载", n)


def a_database_restart_mid_run_503_then_recovery_and_no_case_lost_or_doubled(served, n):
    total = max(300, n // 5)
    jobs = clients.reports(total, served.tokens, served.boxes, "断库", "restart", seed=2)
    outage = {}
    created = Counter()
    half, done = threading.Event(), threading.Event()

    def watch(answer):
        if answer.status == 201:
            created[0] += 1
            if created[0] >= total // 3:
                half.set()

    def restart():
        """Stop the database a third of the way through, keep it down a second, start it again."""
        while not half.wait(0.05):
            if done.is_set():
                return
        outage["from"] = time.monotonic()
        served.cluster.stop()
        outage["stopped"] = time.monotonic()
        time.sleep(1.0)
        served.cluster.start()
        outage["to"] = time.monotonic()

    workers = served.server.workers()
    restarter = threading.Thread(target=restart)
    restarter.start()
    try:
        answers = clients.run(served.server.url, jobs, clients=16, on_answer=watch)
    finally:
        done.set()
        restarter.join()
    assert "to" in outage, "the run ended before the database was restarted"

    def during_outage(a):
        return a.sent <= outage["to"] and a.answered >= outage["from"]

    # While the database was down: 503 with Retry-After and a readable JSON body, never a 500.
    other = Counter(a.status for a in answers if a.status not in (201, 503, None))
    assert not other, (other, [a for a in answers if a.status in other][:3])
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "no request met the outage: the test did not test it"
    assert all(during_outage(a) for a in unavailable), [a for a in unavailable if not during_outage(a)][:3]
    assert all(a.retry_after and a.body["code"] == "database_unavailable" and "数据库" in a.body["error"] for a in unavailable)
    no_answer = [a for a in answers if a.status is None]
    assert all(during_outage(a) for a in no_answer), no_answer[:3]
    # It recovered by itself: every report ends with a 201, the last ones after the restart.
    final = {}
    for a in answers:
        final[a.key] = a
    assert Counter(a.status for a in final.values()) == {201: total}
    recovered = min(a.answered for a in answers if a.status == 201 and a.sent >= outage["to"])
    assert served.server.workers() == workers and len(workers) == 2  # the same processes reconnected (CONN_HEALTH_CHECKS)

    # A client whose answer was lost sends again with its key: the first answer, no second case.
    lost = jobs[:32:2]
    replays = clients.run(served.server.url, lost, clients=4)
    assert all(r.status == 201 and r.replayed and r.body["number"] == final[r.key].body["number"] for r in replays), replays[:3]

    # Exactly one case for every key; the numbers answered are the cases stored.
    stored = cases(served, "断库")
    per_key = Counter(description.split()[-1] for _, description in stored)
    assert per_key == {key: 1 for key, _, _ in jobs}, [k for k, c in per_key.items() if c != 1][:5]
    assert {a.body["number"] for a in final.values()} == {number for number, _ in stored}
    assert_numbers_unique_and_gapless(served)
    assert_one_level5_grid_each(served, "断库", total)

    retries = len(answers) - total
    FIGURES.update(restart_reports=total, outage_s=round(outage["to"] - outage["from"], 2),
                   stop_s=round(outage["stopped"] - outage["from"], 2), answers_503=len(unavailable), no_answer=len(no_answer),
                   retries=retries, replayed_in_run=sum(a.replayed for a in answers),
                   recovered_after_start_s=round(recovered - outage["to"], 2))
    print(f"\nrestart: {total} reports; database down {outage['to'] - outage['from']:.2f} s (stop took "
          f"{outage['stopped'] - outage['from']:.2f} s); {len(unavailable)} answers 503, {len(no_answer)} without answer, "
          f"{retries} retries, {FIGURES['replayed_in_run']} replayed; first 201 {recovered - outage['to']:.2f} s after the start")

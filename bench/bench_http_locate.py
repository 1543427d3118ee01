"""Point lookup over HTTP (issue #9, line 1): /api/locate served as `make run` serves it (gunicorn,
a worker per core, DEBUG off, kept connections) against two references measured in the same run on
the same points and the same PostGIS:

- the same SQL served by a bare WSGI function under the same gunicorn and worker count
  (bench/bare_wsgi.py) — the limit of an HTTP service in Python here; the goal is a ratio to it;
- the same SQL through psycopg2 on kept connections, one per worker, no HTTP — the database's limit.

wrk (Debian) drives both servers with the same points (a Lua script cycling through them).
Needs the demo district (scripts/bench.sh loads it). BENCH_SECONDS (10), BENCH_CLIENTS (8),
BENCH_POINTS (2000) change the run.
"""
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.db import connection  # noqa: E402

from bench.bare_wsgi import locate as bare_locate  # noqa: E402
from bench.results import line, report  # noqa: E402
from bench.server import WORK, WORKERS, access_log, dsn, serve, server_p99, wrk  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
N_POINTS = int(os.environ.get("BENCH_POINTS", "2000"))


def points():
    """N points spread over every district of the database (seeded, so every run asks the same)."""
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, %s, 42))).geom AS p FROM "
                    "(SELECT ST_Union(geom) AS geom FROM grids_adminarea WHERE level = 'district') d) t", [N_POINTS])
        return cur.fetchall()


def lua(pts):
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "points.lua"
    rows = ",".join(f'"/api/locate?lon={x:.6f}&lat={y:.6f}"' for x, y in pts)
    path.write_text(f"local paths = {{{rows}}}\nlocal i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
    return path


def raw_sql(pts, seconds):
    """Requests/s of the same SQL on WORKERS kept connections (threads: psycopg2 releases the GIL)."""
    done, stop = [0] * WORKERS, time.monotonic() + seconds

    def run(k):
        conn = psycopg2.connect(dsn())
        conn.autocommit = True
        with conn.cursor() as cur:
            i = k
            while time.monotonic() < stop:
                bare_locate(cur, *pts[i % len(pts)])
                i += WORKERS
                done[k] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def main():
    pts = points()
    script = lua(pts)
    ours = serve("geogrid.wsgi:application", 8891)
    bare = serve("bench.bare_wsgi:app", 8892)
    try:
        for port in (8891, 8892):
            wrk(port, script, 2, CLIENTS)  # warm: connections, PROJ set-up in each backend, caches
            access_log(port).write_text("")
        ours_rate, ours_lat, ours_err = wrk(8891, script, SECONDS, CLIENTS)
        bare_rate, bare_lat, bare_err = wrk(8892, script, SECONDS, CLIENTS)
    finally:
        for proc in (ours, bare):
            proc.terminate()
            proc.wait(10)
    ours_p99, bare_p99 = server_p99(8891), server_p99(8892)
    sql_rate = raw_sql(pts, min(SECONDS, 5))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grids_grid WHERE valid_to IS NULL")
        grids = cur.fetchone()[0]
    print(f"/api/locate: {len(pts)} points over the districts, {grids} current grids, {WORKERS} gunicorn workers, "
          f"{CLIENTS} wrk connections, {SECONDS} s each; non-2xx answers (points outside every grid): "
          f"ours {ours_err}, bare {bare_err}")
    report([
        line("locate over HTTP, requests/s (ref: bare WSGI, same SQL)", round(ours_rate), round(bare_rate), ">= 0.5×",
             ours_rate >= 0.5 * bare_rate, "req/s"),
        line("locate over HTTP, p50 latency (ref: bare WSGI)", ours_lat.get("50"), bare_lat.get("50"), None, None, "ms"),
        line("locate over HTTP, p99 latency client-side (ref: bare WSGI)", ours_lat.get("99"), bare_lat.get("99"), None, None, "ms"),
        line(f"locate, p99 time in the server at {grids} grids (ref: bare WSGI)", ours_p99, bare_p99, "< 10 ms",
             ours_p99 is not None and ours_p99 < 10, "ms"),
        line("locate over HTTP, requests/s (ref: raw SQL, kept conns)", round(ours_rate), round(sql_rate), None, None, "req/s"),
    ])


if __name__ == "__main__":
    main()

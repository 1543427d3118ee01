"""Vector tiles over HTTP (issue #9, line 2), at city scale (the scale data set): distinct tiles
z10–z16 spread over the data extent (the finest grid layer each zoom shows: communities at z10,
level-4 grids at z11–12, level-5 grids from z13), each asked once by BENCH_CLIENTS clients, from
the server as `make run` serves it — uncached; then all of them again — cached. Reference: the same
SQL statement per tile (captured from geogrid's own tile function) in a bare WSGI function under the
same gunicorn. Goals: uncached ≥ 0.8× the bare rate; cached ≥ 20× the uncached rate.

The tiles are asked as the map asks them: with the layer's version (?v=, from the layer list), so
a stored tile (the shared store, layers/tilestore.py, here in a directory of its own emptied
first) is served by either worker without a query. A third pass asks the same tiles without ?v=
(one version lookup each), as a client that does not read the layer list would.
"""
import http.client
import json
import math
import os
import random
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402
import psycopg2  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.results import line, report  # noqa: E402
from bench.server import THREADS, WORK, WORKERS, access_log, dsn, serve, server_p99, wrk  # noqa: E402
from layers import publish, versions  # noqa: E402
from layers.registry import registry  # noqa: E402

PER_ZOOM = int(os.environ.get("BENCH_TILES_PER_ZOOM", "150"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
LAYER_AT = {10: "admin_community", 11: "grids_l4", 12: "grids_l4", 13: "grids_l5", 14: "grids_l5", 15: "grids_l5", 16: "grids_l5"}


def tiles():
    """PER_ZOOM distinct tiles per zoom whose centre lies in a district (seeded)."""
    with connection.cursor() as cur:
        cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM grids_adminarea WHERE level = 'district') x")
        w, s, e, n = cur.fetchone()
        rnd, out = random.Random(9), []
        for z in range(10, 17):
            k = 1 << z
            def tx(lon): return int((lon + 180) / 360 * k)
            def ty(lat): return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
            xs, ys = range(tx(w), tx(e) + 1), range(ty(n), ty(s) + 1)
            chosen, tries = set(), 0
            while len(chosen) < min(PER_ZOOM, len(xs) * len(ys)) and tries < 50 * PER_ZOOM:
                tries += 1
                x, y = rnd.choice(xs), rnd.choice(ys)
                if (x, y) in chosen:
                    continue
                lon0, lat0, lon1, lat1 = publish.tile_lonlat_bounds(z, x, y)
                cur.execute("SELECT EXISTS (SELECT 1 FROM grids_adminarea WHERE level = 'district' AND "
                            "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4490)))", [(lon0 + lon1) / 2, (lat0 + lat1) / 2])
                if cur.fetchone()[0]:
                    chosen.add((x, y))
            out += [(LAYER_AT[z], z, x, y) for x, y in sorted(chosen)]
    return out


def capture(todo):
    """{path: [sql, params]} of geogrid's own tile statement for each tile (None: no statement)."""
    found = {}

    def wrapper(execute, sql, params, many, context):
        if "ST_AsMVT" in sql:
            found["last"] = [sql, list(params or [])]
        return execute(sql, params, many, context)

    out = {}
    with connection.execute_wrapper(wrapper):
        for name, z, x, y in todo:
            found.pop("last", None)
            publish.tile(registry.get(name), z, x, y)
            out[f"/tiles/{name}/{z}/{x}/{y}.pbf"] = found.get("last")
    return {k: v for k, v in out.items() if v}


def raw_sql(statements):
    """Statements/s of the captured tile statements, each once, on WORKERS kept psycopg2
    connections (threads: psycopg2 releases the GIL): the database's own limit. A first pass
    warms each connection (PROJ's set-up on its first transform), the second is timed."""
    def one_pass():
        queue, lock = list(statements), threading.Lock()

        def run(conn):
            with conn.cursor() as cur:
                while True:
                    with lock:
                        if not queue:
                            return
                        sql, params = queue.pop()
                    cur.execute(sql, params)
                    cur.fetchone()

        threads = [threading.Thread(target=run, args=(c,)) for c in conns]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return len(statements) / (time.monotonic() - started)

    conns = [psycopg2.connect(dsn()) for _ in range(WORKERS)]
    try:
        for c in conns:
            c.autocommit = True
        one_pass()
        return one_pass()
    finally:
        for c in conns:
            c.close()


def fetch_all(port, paths):
    """Each path once, CLIENTS clients on kept connections: (requests/s, statuses)."""
    queue, lock, statuses = list(paths), threading.Lock(), {}

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            with lock:
                statuses[r.status] = statuses.get(r.status, 0) + 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(paths) / (time.monotonic() - started), statuses


def lua(paths, name):
    """A wrk script cycling through the paths (the cached passes: Python's own client, one
    process under the GIL, tops out near the rate of the stored tiles, so wrk asks them)."""
    path = WORK / name
    rows = ",".join(f'"{p}"' for p in paths)
    path.write_text(f"local paths = {{{rows}}}\nlocal i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
    return path


def main():
    todo = tiles()
    sql = capture(todo)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "tile_sql.json").write_text(json.dumps(sql, ensure_ascii=False))
    current = versions.versions(set(LAYER_AT.values()))
    paths = [f"/tiles/{name}/{z}/{x}/{y}.pbf?v={current[name]}" for name, z, x, y in todo]
    random.Random(3).shuffle(paths)
    store = WORK / "tiles"
    shutil.rmtree(store, ignore_errors=True)  # uncached: an empty store
    ours = serve("geogrid.wsgi:application", 8894, {"GEOGRID_TILE_DIR": str(store)})
    bare = serve("bench.bare_tiles:app", 8895, {"BENCH_TILES": str(WORK / "tile_sql.json")})
    try:
        warm = [p for p in paths[:: max(1, len(paths) // 40)]]
        fetch_all(8895, warm)  # connections and PROJ set-up in each backend, for both
        fetch_all(8894, ["/tiles/admin_district/8/213/100.pbf"] * 8)
        access_log(8894).write_text("")
        bare_rate, bare_status = fetch_all(8895, paths)
        uncached, ours_status = fetch_all(8894, [p for p in paths if p not in warm])
        p99 = server_p99(8894)
        cached, cached_status = fetch_all(8894, paths)
        plain, plain_status = fetch_all(8894, [p.split("?")[0] for p in paths])
        # The same stored tiles again and again for SECONDS, by wrk (8 connections).
        cached_wrk, _lat, cached_err = wrk(8894, lua(paths, "tiles.lua"), SECONDS, CLIENTS)
        plain_wrk, _lat, plain_err = wrk(8894, lua([p.split("?")[0] for p in paths], "tiles-plain.lua"), SECONDS, CLIENTS)
    finally:
        for proc in (ours, bare):
            proc.terminate()
            proc.wait(10)
    sql_rate = raw_sql(list(sql.values()))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grids_grid WHERE level = 5 AND valid_to IS NULL")
        grids = cur.fetchone()[0]
    print(f"tiles: {len(paths)} distinct tiles z10–z16 over {grids} level-5 grids ({PER_ZOOM} a zoom), {CLIENTS} clients, "
          f"{WORKERS} workers × {THREADS} threads; answers ours {ours_status}, cached {cached_status}, cached without ?v= {plain_status}, bare {bare_status}; "
          f"server-side p99 uncached {p99} ms; cached by this script's client (each tile once): {cached:.0f} req/s with ?v=, {plain:.0f} without; "
          f"by wrk ({SECONDS} s, non-2xx {cached_err}, {plain_err}): {cached_wrk:.0f} and {plain_wrk:.0f} req/s")
    report([
        line("tiles z10–16 uncached, requests/s (ref: bare WSGI, same SQL)", round(uncached), round(bare_rate), ">= 0.8×",
             uncached >= 0.8 * bare_rate, "req/s"),
        line("tiles z10–16 uncached, requests/s (ref: raw SQL, kept conns)", round(uncached), round(sql_rate), None, None, "req/s"),
        line("tiles z10–16 cached, requests/s (ref: ours uncached)", round(cached_wrk), round(uncached), ">= 20×", cached_wrk >= 20 * uncached, "req/s"),
        line("tiles z10–16 cached, asked without ?v=, requests/s (ref: ours uncached)", round(plain_wrk), round(uncached), None, None, "req/s"),
    ])


if __name__ == "__main__":
    main()

"""OGC API - Features items (issue #9, line 3) at city scale, against pygeoapi — the well-known
Python server — in its own virtualenv under var/ (scripts/bench.sh installs it), under gunicorn with
the same worker count, with its PostgreSQL provider on the same rows of the same PostGIS.

pygeoapi mishandles tables in EPSG:4490 (bbox queries fail or come back with swapped axes), so it
reads an EPSG:4326 copy of the current level-5 grids (the same numbers: CGCS2000 and WGS84 agree at
this accuracy), made here; geogrid serves its own table. Both answer GeoJSON in CRS84. Cases: limit
100 and 1 000, with and without a bbox (20 boxes of about 2 km over the data, in turn); BENCH_CLIENTS
clients on kept connections for BENCH_SECONDS each. Goal: ≥ 3× pygeoapi's requests/s.
"""
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.results import line, report  # noqa: E402
from bench.server import WORK, WORKERS, serve  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
VENV = ROOT / "var" / "pygeoapi-venv"
COPY = "bench_grids_l5_4326"
OURS, THEIRS = 8897, 8896


def copy_table():
    with connection.cursor() as cur:
        cur.execute(f"""
            DROP TABLE IF EXISTS {COPY};
            CREATE TABLE {COPY} AS SELECT id, code, name, households, population, ST_SetSRID(geom, 4326)::geometry(MultiPolygon, 4326) AS geom
                FROM grids_grid WHERE level = 5 AND valid_to IS NULL;
            ALTER TABLE {COPY} ADD PRIMARY KEY (id);
            CREATE INDEX ON {COPY} USING gist (geom);
            ANALYZE {COPY};""")
        cur.execute(f"SELECT count(*), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)), ST_YMax(ST_Extent(geom)) FROM {COPY}")
        return cur.fetchone()


def pygeoapi(extent):
    db = settings.DATABASES["default"]
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": THEIRS}, "url": f"http://127.0.0.1:{THEIRS}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "languages": ["en-US"],
                   "limits": {"default_items": 100, "max_items": 10000}, "map": {"url": "http://127.0.0.1/none/{z}/{x}/{y}.png", "attribution": ""}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"], "keywords_type": "theme",
                                        "terms_of_service": "", "url": "http://127.0.0.1/"},
                     "license": {"name": "none", "url": "http://127.0.0.1/"}, "provider": {"name": "bench", "url": "http://127.0.0.1/"},
                     "contact": {"name": "bench"}},
        "resources": {"grids-l5": {
            "type": "collection", "title": "grids-l5", "description": "level-5 grids (EPSG:4326 copy)", "keywords": ["grids"],
            "links": [],
            "extents": {"spatial": {"bbox": list(extent), "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "PostgreSQL", "id_field": "id", "table": COPY, "geom_field": "geom",
                           "data": {"host": db["HOST"], "port": int(db["PORT"]), "dbname": db["NAME"], "user": db["USER"],
                                    "password": db.get("PASSWORD") or "", "search_path": ["public"]}}]}},
    }
    cfg, api = WORK / "pygeoapi.json.yml", WORK / "pygeoapi-openapi.yml"
    cfg.write_text(json.dumps(config))  # JSON is YAML
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(api)}
    subprocess.run([str(VENV / "bin" / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(api)], env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen([str(VENV / "bin" / "gunicorn"), "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{THEIRS}",
                             "--workers", str(WORKERS), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{THEIRS}/collections?f=json", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"pygeoapi did not start: {proc.stderr.read().decode()[-2000:]}")


def boxes(extent, n=20, size=0.02):
    w, s, e, n_ = extent
    out = []
    for i in range(n):
        x = w + (e - w) * (0.3 + 0.4 * ((i * 7) % n) / n)
        y = s + (n_ - s) * (0.3 + 0.4 * ((i * 11) % n) / n)
        out.append(f"{x:.4f},{y:.4f},{x + size:.4f},{y + size:.4f}")
    return out


def rate(port, paths):
    """Requests/s of BENCH_CLIENTS clients cycling through paths for SECONDS, and the answers seen."""
    stop, done, statuses, lock = time.monotonic() + SECONDS, [0] * CLIENTS, {}, threading.Lock()

    def client(k):
        conn, i = http.client.HTTPConnection("127.0.0.1", port, timeout=60), k
        while time.monotonic() < stop:
            conn.request("GET", paths[i % len(paths)])
            r = conn.getresponse()
            body = r.read()
            with lock:
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status == 200 and "returned" not in statuses:
                    statuses["returned"] = json.loads(body).get("numberReturned")
            done[k] += 1
            i += CLIENTS
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / SECONDS, statuses


def main():
    if not (VENV / "bin" / "pygeoapi").exists():
        sys.exit("pygeoapi is not installed in var/pygeoapi-venv: run make bench (scripts/bench.sh installs it)")
    count, *extent = copy_table()
    theirs = pygeoapi(extent)
    ours = serve("geogrid.wsgi:application", OURS)
    lines = []
    try:
        bbs = boxes(extent)
        for limit in (100, 1000):
            for with_bbox in (False, True):
                q = [f"limit={limit}&f=json" + (f"&bbox={b}" if with_bbox else "") for b in (bbs if with_bbox else [None])]
                rate(OURS, [f"/ogc/collections/grids-l5/items?{x}" for x in q[:2]])  # warm
                rate(THEIRS, [f"/collections/grids-l5/items?{x}" for x in q[:2]])
                r_ours, s_ours = rate(OURS, [f"/ogc/collections/grids-l5/items?{x}" for x in q])
                r_theirs, s_theirs = rate(THEIRS, [f"/collections/grids-l5/items?{x}" for x in q])
                what = f"OGC items limit {limit}{' with bbox' if with_bbox else ''}, req/s (ref: pygeoapi, 4326 copy)"
                print(f"  {what}: answers ours {s_ours}, pygeoapi {s_theirs}")
                lines.append(line(what, round(r_ours, 1), round(r_theirs, 1), ">= 3×", r_ours >= 3 * r_theirs, "req/s"))
    finally:
        for proc in (ours, theirs):
            proc.terminate()
            proc.wait(10)
    print(f"OGC API items: {count} level-5 grids, {WORKERS} gunicorn workers each, {CLIENTS} clients, {SECONDS} s a case")
    report(lines)


if __name__ == "__main__":
    main()

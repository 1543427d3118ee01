"""The reference of the HTTP benchmarks: the same SQL as /api/locate, served by a bare WSGI function
under the same gunicorn and worker count — the limit of an HTTP service in Python on this machine.
One kept psycopg2 connection per worker thread; no framework, no middleware, no authentication."""
import json
import os
import threading
from urllib.parse import parse_qs

import psycopg2

GRID = """
SELECT g.id, g.code, g.name, g.level, p.id, p.code, p.name, c.code, c.name, s.code, s.name, d.code, d.name
FROM grids_grid g LEFT JOIN grids_grid p ON g.parent_id = p.id JOIN grids_adminarea c ON g.community_id = c.id
LEFT JOIN grids_adminarea s ON c.parent_id = s.id LEFT JOIN grids_adminarea d ON s.parent_id = d.id
WHERE g.valid_to IS NULL AND ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4490))
ORDER BY g.level DESC, g.code LIMIT 1"""
TEAM = """
SELECT u.full_name, m.role, COALESCE(NULLIF(m.phone, ''), u.phone), g.code FROM grids_gridmember m
JOIN grids_grid g ON m.grid_id = g.id JOIN accounts_user u ON m.user_id = u.id
WHERE m.grid_id = ANY(%s) AND m.start_date <= CURRENT_DATE AND (m.end_date IS NULL OR m.end_date >= CURRENT_DATE)
ORDER BY g.level DESC, m.role, u.full_name"""
_local = threading.local()


def connection():
    """One kept connection per worker thread, as Django keeps one per thread."""
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg2.connect(os.environ["BENCH_DSN"])
        _local.conn.autocommit = True
    return _local.conn


def locate(cur, lon, lat):
    """The two statements of geogrid.grids.services.locate for a point in a grid."""
    cur.execute(GRID, (lon, lat))
    row = cur.fetchone()
    if row is None:
        return None
    grid_ids = [row[0]] + ([row[4]] if row[4] else [])
    cur.execute(TEAM, (grid_ids,))
    level5 = row[3] == 5
    ref = lambda code, name: {"code": code, "name": name} if code else None  # noqa: E731
    return {"district": ref(row[11], row[12]), "street": ref(row[9], row[10]), "community": ref(row[7], row[8]),
            "grid4": ref(row[5], row[6]) if level5 else ref(row[1], row[2]), "grid5": ref(row[1], row[2]) if level5 else None,
            "members": [{"name": n, "role": r, "phone": ph[:3] + "****" + ph[-4:] if len(ph or "") >= 8 else "", "grid": g}
                        for n, r, ph, g in cur.fetchall()]}


def app(environ, start_response):
    q = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        lon, lat = float(q["lon"][0]), float(q["lat"][0])
    except (KeyError, ValueError):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "lon, lat"}']
    with connection().cursor() as cur:
        body = locate(cur, lon, lat)
    status = "200 OK" if body else "404 Not Found"
    data = json.dumps(body or {"error": "outside"}, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]

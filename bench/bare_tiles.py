"""The reference of the tile benchmark: the very SQL geogrid runs for each tile (captured by
bench_http_tiles.py into var/bench/tile_sql.json), served by a bare WSGI function under the same
gunicorn — no framework, no version lookup, no cache. One kept psycopg2 connection per thread."""
import json
import os
import threading

import psycopg2

_local = threading.local()
_sql = {}


def statements():
    if not _sql:
        _sql.update(json.loads(open(os.environ["BENCH_TILES"], encoding="utf-8").read()))
    return _sql


def connection():
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg2.connect(os.environ["BENCH_DSN"])
        _local.conn.autocommit = True
    return _local.conn


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/api/locate":  # bench.server.serve's readiness probe
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    entry = statements().get(path)
    data = b""
    if entry:
        with connection().cursor() as cur:
            cur.execute(entry[0], entry[1])
            row = cur.fetchone()
            data = bytes(row[0]) if row and row[0] else b""
    if not data:
        start_response("204 No Content", [])
        return [b""]
    start_response("200 OK", [("Content-Type", "application/vnd.mapbox-vector-tile"), ("Content-Length", str(len(data)))])
    return [data]

"""Incident submission over HTTP (issue #9, line 5): 16 clients POST /api/incidents/ (JSON, token
authentication) to the server as `make run` serves it, each on its own kept connection, for
BENCH_SECONDS; then the cases stored are counted: every 201 must be a stored case (none lost), and
nothing else may have been stored. Goal: ≥ 300 reports/s sustained. The reference is the same
report service called in process on one connection (no HTTP, no authentication), in the same run.

Runs on whichever database GEOGRID_DB_NAME names (scripts/bench.sh: the scale data set).
"""
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench.results import line, report  # noqa: E402
from bench.server import THREADS, WORKERS, access_log, serve, server_p99  # noqa: E402
from geogrid.accounts.management.groups import create_roles  # noqa: E402
from geogrid.accounts.models import User  # noqa: E402
from geogrid.accounts.roles import Role  # noqa: E402
from geogrid.grids.models import AdminArea  # noqa: E402
from geogrid.incidents.models import Incident, IncidentCategory  # noqa: E402
from geogrid.incidents.services import report_incident  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_SUBMIT_CLIENTS", "16"))
PORT = 8893
MARK = "基准测试上报"


def reporter():
    """A district administrator of the data set's first district (may report anywhere in it)."""
    create_roles()
    district = AdminArea.objects.filter(level="district").order_by("code").first()
    user, _ = User.objects.get_or_create(username="bench_reporter", defaults={"full_name": "基准测试", "area": district})
    user.groups.add(Group.objects.get(name=Role.DISTRICT_ADMIN.value))
    return user, district


def points(district, n=2000):
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, %s, 7))).geom AS p "
                    "FROM grids_adminarea WHERE id = %s) t", [n, district.pk])
        return cur.fetchall()


def client(token, pts, codes, stop, counts, k):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    rnd = random.Random(k)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "zh-hans"}
    while time.monotonic() < stop:
        x, y = pts[rnd.randrange(len(pts))]
        body = json.dumps({"category": rnd.choice(codes), "description": f"{MARK} {k}", "lon": x, "lat": y})
        try:
            conn.request("POST", "/api/incidents/", body, headers)
            resp = conn.getresponse()
            resp.read()
            counts[k][resp.status] = counts[k].get(resp.status, 0) + 1
        except OSError:
            counts[k]["error"] = counts[k].get("error", 0) + 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.close()


def in_process(user, pts, codes, seconds):
    """Reports/s of the same service called directly, one after another."""
    done, stop, rnd = 0, time.monotonic() + seconds, random.Random(1)
    while time.monotonic() < stop:
        x, y = pts[rnd.randrange(len(pts))]
        report_incident(user, category=rnd.choice(codes), description=f"{MARK} ref", lon=x, lat=y)
        done += 1
    return done / seconds


def main():
    user, district = reporter()
    token = Token.objects.get_or_create(user=user)[0].key
    pts = points(district)
    codes = list(IncidentCategory.objects.filter(active=True).values_list("code", flat=True))
    Incident.objects.filter(description__startswith=MARK).delete()
    server = serve("geogrid.wsgi:application", PORT)
    try:
        counts = [{} for _ in range(CLIENTS)]
        warm = time.monotonic() + 2
        threads = [threading.Thread(target=client, args=(token, pts, codes, warm, counts, k)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        access_log(PORT).write_text("")
        before = Incident.objects.count()
        counts = [{} for _ in range(CLIENTS)]
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(token, pts, codes, started + SECONDS, counts, k)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(10)
    stored = Incident.objects.count() - before
    created = sum(c.get(201, 0) for c in counts)
    other = {s: sum(c.get(s, 0) for c in counts) for c in counts for s in c if s != 201}
    rate = created / elapsed
    p99 = server_p99(PORT)
    ref = in_process(user, pts, codes, min(SECONDS, 5))
    Incident.objects.filter(description__startswith=MARK).delete()
    print(f"POST /api/incidents/: {CLIENTS} clients, {WORKERS} gunicorn workers × {THREADS} threads, {elapsed:.1f} s; 201: {created}, "
          f"stored: {stored}, other answers: {other or 'none'}; server-side p99 {p99} ms")
    report([
        line(f"report submission over HTTP, {CLIENTS} clients, reports/s (ref: service in process)", round(rate), round(ref),
             ">= 300/s", rate >= 300, "rep/s"),
        line("report submission, cases lost or extra (stored − answered 201)", stored - created, None, "= 0", stored == created, ""),
    ])


if __name__ == "__main__":
    main()

"""Locate benchmark: /api/locate's service on random points of the loaded district.

Prints per-point latency of geogrid.grids.services.locate (GiST-indexed PostGIS query) and of a
reference measured in the same run: the naive way, testing every current grid polygon in Python
(GEOS) for each point. Needs the demo (or any) district loaded: `make run` or `manage.py loaddemo`.
"""
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.contrib.gis.geos import Point  # noqa: E402

from geogrid.grids.models import AdminArea, Grid  # noqa: E402
from geogrid.grids.services import locate  # noqa: E402
from bench.results import line, report  # noqa: E402

N = int(os.environ.get("BENCH_N", "500"))


def main():
    district = AdminArea.objects.filter(level="district").order_by("code").first()
    if district is None:
        sys.exit("no district loaded: run `manage.py loaddemo` first")
    xmin, ymin, xmax, ymax = district.geom.extent
    rnd = random.Random(42)
    points = [Point(rnd.uniform(xmin, xmax), rnd.uniform(ymin, ymax), srid=4490) for _ in range(N)]
    grids = Grid.objects.current().count()

    locate(points[0])  # warm up connection and caches
    t = []
    hits = 0
    for p in points:
        t0 = time.perf_counter()
        r = locate(p)
        t.append(time.perf_counter() - t0)
        hits += bool(r and r["grid5"])

    # Reference: every current L5 polygon loaded once, then a containment test per grid per point.
    polys = [(g.code, g.geom.prepared) for g in Grid.objects.current().filter(level=5).only("code", "geom")]
    ref = []
    ref_hits = 0
    for p in points[: max(50, N // 10)]:
        t0 = time.perf_counter()
        found = next((c for c, poly in polys if poly.intersects(p)), None)
        ref.append(time.perf_counter() - t0)
        ref_hits += found is not None

    med, p95 = statistics.median(t), sorted(t)[int(0.95 * len(t)) - 1]
    rmed = statistics.median(ref)
    print(f"district {district.code} {district.name}: {grids} current grids, {N} random points in its bbox")
    print(f"locate (PostGIS, GiST): median {med * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, {hits} points in an L5 grid")
    print(f"reference (Python loop over {len(polys)} prepared L5 polygons, data already in memory): median {rmed * 1000:.2f} ms")
    print(f"ratio locate/reference: {med / rmed:.2f}")
    report([line("locate in process, median ms (ref: Python loop over prepared polygons)", round(med * 1000, 2), round(rmed * 1000, 2),
                  None, None, "ms")])


if __name__ == "__main__":
    main()

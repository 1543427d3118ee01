"""Topology-check benchmark on a generated district of real-world size.

Builds, in its own throw-away database (BENCH_DB, default bench_topology; created, migrated and
dropped), a district tiled like the seed figures: 20 streets, 120 communities, 960 L4 grids and
3 840 L5 grids (BENCH_SCALE multiplies the lattice side). Edges are wavy polylines shared by both
neighbours (20 vertices per lattice edge), parents are the PostGIS union of their children, so the
check does the work real boundaries cost. A few problems are injected, then check_topology is timed
and its findings compared with what was injected.

    .venv/bin/python bench/bench_topology.py
"""
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
os.environ.setdefault("GEOGRID_TEST_DB", os.environ.get("BENCH_DB", "bench_topology"))
import django  # noqa: E402

django.setup()

from django.contrib.gis.geos import MultiPolygon, Polygon  # noqa: E402
from django.db import connection  # noqa: E402

from geogrid.geo.measure import area_m2  # noqa: E402
from geogrid.grids.models import AdminArea, Grid  # noqa: E402
from geogrid.grids.importing import import_grids  # noqa: E402
from geogrid.grids.topology import check_topology  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
NX, NY = int(64 * SCALE) // 16 * 16, int(60 * SCALE) // 6 * 6  # L5 lattice; blocks: L4 2×2, community 4×2 L4, street 2×3 communities
X0, Y0, STEP = 116.70, 36.50, 0.004  # ~360 m × 445 m L5 cells
SEG = 20  # intermediate vertices per lattice edge
rnd = random.Random(7)
JX = {(i, j): (rnd.uniform(-0.25, 0.25) * STEP, rnd.uniform(-0.25, 0.25) * STEP) for i in range(NX + 1) for j in range(NY + 1)}


def node(i, j):
    dx, dy = JX[(i, j)] if 0 < i < NX and 0 < j < NY else (0.0, 0.0)  # straight outer boundary
    return X0 + i * STEP + dx, Y0 + j * STEP + dy


def _wavy(p, q):
    """Vertices from lattice node p to q, both ends included, waving across the straight line."""
    (x1, y1), (x2, y2) = node(*p), node(*q)
    outer = (p[0] == q[0] and p[0] in (0, NX)) or (p[1] == q[1] and p[1] in (0, NY))
    amp = 0.0 if outer else 0.08
    phase = (p[0] * 31 + p[1] * 17) % 7
    nx, ny = -(y2 - y1), x2 - x1  # normal, as long as the edge
    pts = []
    for k in range(SEG + 2):
        t = k / (SEG + 1)
        w = amp * math.sin(math.pi * t) * math.sin(3 * math.pi * t + phase)
        pts.append((x1 + t * (x2 - x1) + w * nx, y1 + t * (y2 - y1) + w * ny))
    pts[-1] = (x2, y2)
    return pts


def edge(a, b):
    """Vertices from lattice node a towards b (b excluded), identical for both neighbours."""
    p, q = sorted((a, b))
    fwd = _wavy(p, q)
    return (fwd if a == p else fwd[::-1])[:-1]


def cell(i, j):
    ring = edge((i, j), (i + 1, j)) + edge((i + 1, j), (i + 1, j + 1)) + edge((i + 1, j + 1), (i, j + 1)) + edge((i, j + 1), (i, j))
    ring.append(ring[0])
    return MultiPolygon(Polygon(ring), srid=4490)


def build():
    district = AdminArea.objects.create(code="370190000000", name="基准区", level="district",
                                        geom=MultiPolygon(Polygon.from_bbox((X0, Y0, X0 + NX * STEP, Y0 + NY * STEP)), srid=4490))
    cells = {(i, j): cell(i, j) for i in range(NX) for j in range(NY)}
    street_of, comm_of = {}, {}
    streets, comms = {}, {}
    # Blocks of L5 cells: L4 = 2×2 cells; community = 8×4 cells; street = 16×12 cells.
    for (i, j) in cells:
        s = (i // 16, j // 12)
        c = (i // 8, j // 4)
        street_of[c] = s
        comm_of[(i // 2, j // 2)] = c
    for n, s in enumerate(sorted(set(street_of.values())), 1):
        streets[s] = AdminArea(code=f"370190{n:03d}000", name=f"街道{n}", level="street", parent=district)
    seq = {}
    for c in sorted(street_of):
        s = street_of[c]
        seq[s] = seq.get(s, 0) + 1
        comms[c] = AdminArea(code=streets[s].code[:9] + f"{seq[s]:03d}", name=f"社区{c}", level="community")
    # Geometries of areas: unary union of their cells (GEOS), so their edges are the cells' edges.
    def union(keys):
        u = cells[keys[0]]
        for k in keys[1:]:
            u = u.union(cells[k])
        return MultiPolygon(u, srid=4490) if u.geom_type == "Polygon" else u

    for s, a in streets.items():
        a.geom = union([k for k in cells if (k[0] // 16, k[1] // 12) == s])
        a.save()
    for c, a in comms.items():
        a.parent = streets[street_of[c]]
        a.geom = union([k for k in cells if (k[0] // 8, k[1] // 4) == c])
        a.save()
    # The grids go in through the import service, which is timed too.
    l4_codes, seq = {}, {}
    l4_features = []
    for b in sorted(comm_of):
        c = comms[comm_of[b]]
        seq[c.code] = seq.get(c.code, 0) + 1
        l4_codes[b] = f"{c.code}{seq[c.code]:02d}"
        l4_features.append(({"code": l4_codes[b], "name": f"网格{b}", "community_code": c.code},
                            union([k for k in cells if (k[0] // 2, k[1] // 2) == b])))
    seq = {}
    l5_features = []
    for k, geom in cells.items():
        p = l4_codes[(k[0] // 2, k[1] // 2)]
        seq[p] = seq.get(p, 0) + 1
        l5_features.append(({"code": f"{p}{seq[p]:02d}", "name": f"小网格{k}"}, geom))  # parent found by location
    tmp = Path(tempfile.mkdtemp())
    timings = {}
    for level, feats in ((4, l4_features), (5, l5_features)):
        path = tmp / f"l{level}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": props, "geometry": json.loads(g.json)} for props, g in feats]}, ensure_ascii=False))
        t0 = time.perf_counter()
        r = import_grids(path, level=level)
        timings[level] = (time.perf_counter() - t0, r.created)
    shutil.rmtree(tmp)
    l4 = {b: Grid.objects.current().get(code=code) for b, code in l4_codes.items()}
    l5 = list(Grid.objects.current().filter(code__in=[p["code"] for p, _g in l5_features]).order_by("code"))
    return l4, l5, timings


def inject(l4, l5):
    """Two L5 cells pushed into their neighbours and one L4 shrunk: known overlaps and a gap."""
    injected = []
    for g in (l5[100], l5[2000]):
        x0, y0, x1, y1 = g.geom.extent
        push = Polygon.from_bbox((x0 + 0.0005, y0 + 0.001, x1 + 0.0005, y1 - 0.001))
        moved = g.geom.union(push)
        moved = moved if moved.geom_type == "MultiPolygon" else MultiPolygon(moved, srid=4490)
        Grid.objects.filter(pk=g.pk).update(geom=moved)
        injected.append(("overlap/outside", g.code, area_m2(moved.difference(g.geom))))
    g = l4[(5, 5)]
    shrunk = g.geom.buffer(-0.0003)
    shrunk = shrunk if shrunk.geom_type == "MultiPolygon" else MultiPolygon(shrunk, srid=4490)
    Grid.objects.filter(pk=g.pk).update(geom=shrunk)
    injected.append(("gap in community / L5 outside", g.code, area_m2(g.geom) - area_m2(shrunk)))
    return injected


def main():
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        t0 = time.perf_counter()
        l4, l5, imports = build()
        t_build = time.perf_counter() - t0
        verts = sum(g.geom.num_points for g in l5) / len(l5)
        print(f"database {name}: 1 district, {AdminArea.objects.filter(level='street').count()} streets, "
              f"{AdminArea.objects.filter(level='community').count()} communities, {len(l4)} L4 and {len(l5)} L5 grids "
              f"(L5 mean {verts:.0f} vertices), built in {t_build:.1f} s")
        for level, (t, n) in imports.items():
            print(f"import_grids level {level}: {n} grids in {t:.1f} s ({1000 * t / n:.1f} ms per grid)")
        with connection.cursor() as c:
            c.execute("ANALYZE")
        for label in ("clean", "clean (warm)"):
            r = check_topology()
            print(f"{label}: check_topology {r.elapsed_s:.2f} s, {len(r.problems)} problems (tolerance {r.tolerance_m2} m², EPSG:{r.zone_epsg})")
        injected = inject(l4, l5)
        r = check_topology()
        print(f"with injected problems: check_topology {r.elapsed_s:.2f} s, {len(r.problems)} problems: {r.by_kind}")
        for what, code, m2 in injected:
            print(f"  injected {what} at {code}: {m2:,.0f} m²")
        for p in r.problems:
            print(f"  found {p.kind} {p.code} {p.other} {p.area_m2:,.0f} m² ({p.pieces} piece(s))")
        timings = {}
        from geogrid.grids.topology import KINDS
        for kind in KINDS:
            timings[kind] = check_topology(kinds=[kind]).elapsed_s
        print("per check (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
        if os.environ.get("BENCH_EXPLAIN"):
            from geogrid.grids.topology import CHECKS
            with connection.cursor() as c:
                c.execute("EXPLAIN " + CHECKS["grid5_overlap"])
                print("plan of grid5_overlap:\n" + "\n".join(r[0] for r in c.fetchall()))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

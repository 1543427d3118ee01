"""Statistics benchmark: the per-grid figures (geogrid.stats.services.grid_stats) over N generated cases.

Inside one transaction that is rolled back at the end (the database is left as it was), it adds
BENCH_N (default 100 000) cases spread over the current level-4 grids of the loaded district, in
every state, then times grid_stats, community_stats, the choropleth (GeoJSON of every grid) and the
XLSX export for a district admin, against a reference measured in the same run: one COUNT query per
grid (the Python loop the grouped query replaces). Needs the demo (or any) district loaded.
"""
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from geogrid.accounts.models import User  # noqa: E402
from geogrid.grids.models import AdminArea, Grid  # noqa: E402
from geogrid.incidents.models import Incident, IncidentCategory  # noqa: E402
from geogrid.stats import services as stats  # noqa: E402
from bench.results import line, report  # noqa: E402

N = min(int(os.environ.get("BENCH_N", "100000")), 999_999)  # case numbers 2099000000…
REPEAT = 5


class Rollback(Exception):
    pass


def timed(fn, repeat=REPEAT):
    fn()  # warm up
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t), out


def generate(n, admin):
    rnd = random.Random(42)
    grids = list(Grid.objects.current().filter(level=4).select_related("community").only("pk", "code", "community__parent_id", "geom"))
    cats = list(IncidentCategory.objects.all())
    points = {g.pk: g.geom.point_on_surface for g in grids}
    now = timezone.now()
    states = list(Incident.State.values)
    rows = []
    for i in range(n):
        g = rnd.choice(grids)
        state = rnd.choice(states)
        reported = now - timedelta(hours=rnd.uniform(1, 24 * 365))
        closed = reported + timedelta(hours=rnd.uniform(1, 200)) if state == "closed" else None
        rows.append(Incident(
            number=f"2099{i:06d}", category=rnd.choice(cats), mode=rnd.choice(Incident.Mode.values), description="bench",
            geom=points[g.pk], grid4=g, community=g.community, street_id=g.community.parent_id, reporter=admin, state=state,
            deadline=reported + timedelta(hours=rnd.uniform(1, 400)), reported_at=reported, closed_at=closed,
            overdue_stages=rnd.choice([0, 0, 0, 1]),
        ))
    Incident.objects.bulk_create(rows, batch_size=5000)
    return len(grids)


def main():
    district = AdminArea.objects.filter(level="district").order_by("code").first()
    if district is None:
        sys.exit("no district loaded: run `manage.py loaddemo` first")
    try:
        with transaction.atomic():
            admin = User.objects.create_user("bench-stats-admin", is_superuser=True)
            t0 = time.perf_counter()
            n_grids = generate(N, admin)
            gen = time.perf_counter() - t0
            total = Incident.objects.count()
            print(f"district {district.code} {district.name}: {n_grids} current L4 grids, {N} generated cases "
                  f"({total} in all) in {gen:.1f} s")
            cats = stats.categories()
            t, rows = timed(lambda: stats.grid_stats(admin, cats=cats))
            t_grid = t
            print(f"grid_stats (one grouped query, {len(cats)} categories × 8 states as conditional COUNTs): "
                  f"median {t * 1000:.0f} ms for {len(rows)} rows, {sum(r['total'] for r in rows)} cases")
            t, rows = timed(lambda: stats.community_stats(admin, cats=cats))
            print(f"community_stats: median {t * 1000:.0f} ms for {len(rows)} rows")
            t, (fc, _legend) = timed(lambda: stats.choropleth(admin))
            print(f"choropleth GeoJSON of every grid (figures + simplified geometry): median {t * 1000:.0f} ms, {len(fc['features'])} features")
            t, data = timed(lambda: stats.to_xlsx(admin), repeat=2)
            print(f"XLSX export (3 sheets): median {t * 1000:.0f} ms, {len(data) / 1024:.0f} KiB")
            # Reference: a query per grid, as a loop in Python would do it (counts only).
            codes = list(Grid.objects.current().filter(level=4).values_list("code", flat=True))
            base = stats.scoped_incidents(admin)

            def per_grid():
                return {c: base.filter(grid4__code=c).count() for c in codes}

            t_ref, _ = timed(per_grid, repeat=2)
            print(f"reference: one COUNT query per grid ({len(codes)} queries, totals only): median {t_ref * 1000:.0f} ms")
            # Times: a ratio below 1 is faster than the reference.
            report([line("grid_stats, ms (ref: one COUNT per grid)", round(t_grid * 1000), round(t_ref * 1000), None, None, "ms")])
            raise Rollback
    except Rollback:
        print("rolled back: the database is as it was")


if __name__ == "__main__":
    main()

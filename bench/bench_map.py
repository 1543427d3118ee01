"""The main map /map/ in headless Chromium at city scale (issue #9, line 6): 10⁵ level-5 grids.

The server as `make run` serves it (bench/server.py: gunicorn, a worker per core, DEBUG off) on the
scale data set; Debian's Chromium driven by Playwright as the browser tests drive it, a fresh
browser context (empty cache) for each run, 1280×720. Measured from the browser's side:

- open: navigation to /map/ until the map is ready (#map[data-ready='1']: the layer list read,
  the small layers drawn, the view fitted to the districts) and no request in flight for 0.5 s;
- level-4 grids: the view moved to a community at z12 (where the level-4 grids are drawn) —
  time to the first drawn grid tile (window.geogridMap.layers.grids_l4.drawn() > 0) and to idle;
- level-5 grids: the view moved to a level-4 grid at z15 and the layer switched on — likewise
  with grids_l5.

Each run goes to another place (seeded), so its tiles are not in the server's tile cache from an
earlier run. BENCH_MAP_RUNS runs (default 5), median; goal < 2 s for every line. There is no
reference implementation: the ratio column is left empty.

    GEOGRID_DB_NAME=geogrid_scale .venv/bin/python bench/bench_map.py
"""
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.results import line, report  # noqa: E402
from bench.server import serve  # noqa: E402

RUNS = int(os.environ.get("BENCH_MAP_RUNS", "5"))
PORT = 8898
QUIET = 0.5  # s without a request in flight that count as idle
TIMEOUT = 30
VERBOSE = bool(os.environ.get("BENCH_MAP_VERBOSE"))  # the slowest requests of each step


def places(n):
    """n (community point, level-4 grid point) pairs, seeded: lat/lon of a point inside each."""
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute("""
            SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids_adminarea WHERE level = 'community'
                                          ORDER BY random() LIMIT %s) x""", [n])
        communities = cur.fetchall()
        cur.execute("""
            SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids_grid WHERE level = 4 AND valid_to IS NULL
                                          ORDER BY random() LIMIT %s) x""", [n])
        grids = cur.fetchall()
    return list(zip(communities, grids))


class Traffic:
    """Requests in flight, and when the last one ended."""

    def __init__(self, page):
        self.flying, self.last, self.failed, self.done = set(), time.monotonic(), [], []
        page.on("request", self.start)
        page.on("requestfinished", self.end)
        page.on("requestfailed", self.fail)

    def start(self, request):
        self.flying.add(request)
        self.last = time.monotonic()

    def end(self, request):
        self.flying.discard(request)
        self.last = time.monotonic()
        self.done.append(request)

    def slowest(self, n=6):
        """The n longest requests since the last call, (ms from request to response end, path)."""
        timed = sorted(((r.timing.get("responseEnd", -1), r.url.split("/", 3)[-1]) for r in self.done), reverse=True)[:n]
        count, self.done = len(self.done), []
        return count, [(round(ms), path) for ms, path in timed]

    def fail(self, request):
        self.failed.append(request.url)
        self.end(request)

    def idle(self, page):
        """The time the traffic went quiet (no request for QUIET s), waiting for it."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            page.wait_for_timeout(50)
            if not self.flying and time.monotonic() - self.last >= QUIET:
                return self.last
        raise TimeoutError(f"still loading after {TIMEOUT} s: {[r.url for r in self.flying][:5]}")


def run(browser, base, community, grid):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    traffic = Traffic(page)
    out = {}
    t0 = time.monotonic()
    page.goto(base + "/map/")
    page.wait_for_selector("#map[data-ready='1']", timeout=TIMEOUT * 1000)
    out["open"] = traffic.idle(page) - t0
    out["open_requests"] = traffic.slowest()
    out["zoom"] = page.evaluate("window.geogridMap.map.getZoom()")

    t0 = time.monotonic()
    page.evaluate(f"void window.geogridMap.map.setView([{community[0]}, {community[1]}], 12, {{animate: false}})")
    page.wait_for_function("() => window.geogridMap.layers.grids_l4.drawn() > 0", timeout=TIMEOUT * 1000, polling=20)
    out["l4_first"] = time.monotonic() - t0
    out["l4_idle"] = traffic.idle(page) - t0
    out["l4_drawn"] = page.evaluate("window.geogridMap.layers.grids_l4.drawn()")
    out["l4_requests"] = traffic.slowest()

    t0 = time.monotonic()
    page.evaluate(f"void window.geogridMap.map.setView([{grid[0]}, {grid[1]}], 15, {{animate: false}})")
    page.locator(".leaflet-control-layers-overlays label", has_text="五级网格").locator("input").check()  # enabled from z13
    page.wait_for_function("() => window.geogridMap.layers.grids_l5.drawn() > 0", timeout=TIMEOUT * 1000, polling=20)
    out["l5_first"] = time.monotonic() - t0
    out["l5_idle"] = traffic.idle(page) - t0
    out["l5_drawn"] = page.evaluate("window.geogridMap.layers.grids_l5.drawn()")
    out["l5_requests"] = traffic.slowest()
    context.close()
    if errors or traffic.failed:
        sys.exit(f"the map failed: {errors} {traffic.failed[:5]}")
    return out


def main():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grids_grid WHERE level = 5 AND valid_to IS NULL")
        n5 = cur.fetchone()[0]
    spots = places(RUNS)
    connection.close()
    server = serve("geogrid.wsgi:application", PORT)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
            for community, grid in spots:
                r = run(browser, f"http://127.0.0.1:{PORT}", community, grid)
                results.append(r)
                print(f"  run: open {r['open']:.2f} s (z{r['zoom']}); z12 level-4 first {r['l4_first']:.2f} s, idle {r['l4_idle']:.2f} s "
                      f"({r['l4_drawn']} drawn); z15 level-5 first {r['l5_first']:.2f} s, idle {r['l5_idle']:.2f} s ({r['l5_drawn']} drawn)")
                if VERBOSE:
                    for key in ("open_requests", "l4_requests", "l5_requests"):
                        count, slow = r[key]
                        print(f"    {key[:-9]}: {count} requests; slowest (ms): " + ", ".join(f"{ms} {path}" for ms, path in slow))
            browser.close()
    finally:
        server.terminate()
        server.wait()

    def med(key):
        return round(statistics.median(r[key] for r in results), 2)

    lines = [
        (f"map at {n5:,} level-5 grids: opening view (z{results[0]['zoom']}) to idle", med("open")),
        ("map: level-4 grids at z12, first grid tile drawn", med("l4_first")),
        ("map: level-4 grids at z12, to idle", med("l4_idle")),
        ("map: level-5 grids at z15, first grid tile drawn", med("l5_first")),
        ("map: level-5 grids at z15, to idle", med("l5_idle")),
    ]
    report([line(what, value, None, goal="< 2 s", met=value < 2, unit="s") for what, value in lines])


if __name__ == "__main__":
    main()

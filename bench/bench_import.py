"""Grid import at city scale (issue #9, line 4): `manage.py import_grids` with its validation
against ogr2ogr (GDAL, PG_USE_COPY=YES) loading the same file.

The file: the current level-5 grids of the scale data set (geogrid_scale, 10⁵ grids), exported by
ogr2ogr to a GeoPackage (code, name, kind, dedicated_type, households, population; no parent code,
so import_grids finds every parent by location, its costlier path). Each run starts from a fresh
copy (CREATE DATABASE … TEMPLATE) of a scratch database made here once: migrated, with the scale
data set's districts, streets, communities and current level-4 grids (the parents the level-5
grids need). Timed, wall clock, process start to exit, BENCH_IMPORT_RUNS runs each (median):
  ogr2ogr: the file into a new table of the copy (COPY, then its GiST index);
  ours:    `manage.py import_grids FILE --level 5` into the copy (every check, audit events).
Goal: ours ≥ 1.0× ogr2ogr's features/s. The scratch databases and the file are removed at the end.

    GEOGRID_DB_NAME=geogrid_scale .venv/bin/python bench/bench_import.py
"""
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.results import line, report  # noqa: E402
from bench.server import WORK  # noqa: E402

RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))
LIMIT = int(os.environ.get("BENCH_IMPORT_LIMIT", "0"))  # only the first N grids (0: all)
BASE, RUN = "bench_import_base", "bench_import_run"
SOURCE = settings.DATABASES["default"]["NAME"]
DB = settings.DATABASES["default"]


def conninfo(name):
    return f"dbname={name} host={DB['HOST']} port={DB['PORT']} user={DB['USER']}" + (f" password={DB['PASSWORD']}" if DB.get("PASSWORD") else "")


def admin(sql):
    conn = psycopg2.connect(conninfo("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def drop(name):
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def export(path):
    path.unlink(missing_ok=True)
    limit = f" LIMIT {LIMIT}" if LIMIT else ""
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(path), f"PG:{conninfo(SOURCE)}", "-nln", "grids_l5", "-nlt", "MULTIPOLYGON",
                    "-sql", "SELECT code, name, kind, dedicated_type, households, population, geom FROM grids_grid "
                            f"WHERE level = 5 AND valid_to IS NULL ORDER BY code{limit}"], check=True)


def copy_table(src, dst, table, query):
    buf = io.BytesIO()
    with src.cursor() as cur:
        cur.copy_expert(f"COPY ({query}) TO STDOUT", buf)
    buf.seek(0)
    with dst.cursor() as cur:
        cur.copy_expert(f"COPY {table} FROM STDIN", buf)


def make_base():
    """A migrated scratch database with the areas and current level-4 grids of the scale data."""
    drop(BASE)
    admin(f"CREATE DATABASE {BASE}")
    env = {**os.environ, "GEOGRID_DB_NAME": BASE}
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    src, dst = psycopg2.connect(conninfo(SOURCE)), psycopg2.connect(conninfo(BASE))
    try:
        copy_table(src, dst, "grids_adminarea", "SELECT * FROM grids_adminarea ORDER BY id")
        copy_table(src, dst, "grids_grid", "SELECT * FROM grids_grid WHERE level = 4 AND valid_to IS NULL ORDER BY id")
        with dst.cursor() as cur:
            for table in ("grids_adminarea", "grids_grid"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute("SELECT count(*) FROM grids_grid")
            l4 = cur.fetchone()[0]
        dst.commit()
        dst.autocommit = True
        with dst.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        src.close()
        dst.close()
    return l4


def timed(cmd, env=None):
    drop(RUN)
    admin(f"CREATE DATABASE {RUN} TEMPLATE {BASE}")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def count(table, where=""):
    conn = psycopg2.connect(conninfo(RUN))
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table} {where}")
            return cur.fetchone()[0]
    finally:
        conn.close()


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "grids_l5.gpkg"
    t0 = time.perf_counter()
    export(path)
    t_export = time.perf_counter() - t0
    t0 = time.perf_counter()
    l4 = make_base()
    print(f"file {path.name} ({path.stat().st_size / 1e6:.0f} MB, exported in {t_export:.1f} s); scratch database {BASE} "
          f"with {l4} level-4 grids made in {time.perf_counter() - t0:.1f} s")
    ogr, ours = [], []
    try:
        for _ in range(RUNS):
            t, _out = timed(["ogr2ogr", "-f", "PostgreSQL", f"PG:{conninfo(RUN)}", str(path), "-nln", "ogr_grids_l5",
                             "-lco", "GEOMETRY_NAME=geom"], env={"PG_USE_COPY": "YES"})
            n = count("ogr_grids_l5")
            ogr.append(n / t)
            t, out = timed([str(ROOT / ".venv/bin/python"), "manage.py", "import_grids", str(path), "--level", "5"],
                           env={"GEOGRID_DB_NAME": RUN})
            m = count("grids_grid", "WHERE level = 5")
            if m != n:
                sys.exit(f"import_grids stored {m} grids, ogr2ogr {n}")
            ours.append(m / t)
            print(f"  run: ogr2ogr {ogr[-1]:,.0f} features/s; import_grids {ours[-1]:,.0f} features/s ({m} grids, {t:.1f} s)")
    finally:
        drop(RUN)
        drop(BASE)
        path.unlink(missing_ok=True)
    o, r = statistics.median(ours), statistics.median(ogr)
    report([line(f"grid import, {n:,} level-5 grids from GeoPackage (ref: ogr2ogr, COPY)", round(o), round(r),
                 goal=">= 1.0×", met=o >= r, unit="feat/s")])


if __name__ == "__main__":
    main()

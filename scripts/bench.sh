#!/usr/bin/env bash
# make bench: run every benchmark in bench/ against the private cluster; prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --bench
.venv/bin/python manage.py create_roles >/dev/null
.venv/bin/python manage.py loaddemo >/dev/null  # the data the benchmarks run on
# The reference implementations in their own virtualenv under var/ (never in the project's .venv).
if [ ! -x var/pygeoapi-venv/bin/pygeoapi ]; then
  python3 -m venv var/pygeoapi-venv
  var/pygeoapi-venv/bin/pip install -q --disable-pip-version-check pygeoapi==0.21.0 psycopg2-binary==2.9.11 \
    gunicorn==23.0.0 SQLAlchemy==2.1.9 GeoAlchemy2==0.20.0
fi
# The city-sized data set (10⁵ level-5 grids, 10⁶ cases) in its own database, made once (~2 min);
# BENCH_GRIDS5 / BENCH_INCIDENTS change its size (then delete it: --replace).
.venv/bin/python manage.py generate_scale --keep --grids5 "${BENCH_GRIDS5:-100000}" --incidents "${BENCH_INCIDENTS:-1000000}"
rm -f bench/results/latest.json  # every benchmark appends its lines (bench/results.py)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
# The HTTP, import and map benchmarks run at city scale; the others on the demo district (or data they generate).
SCALE="bench/bench_http_locate.py bench/bench_http_submit.py bench/bench_http_tiles.py bench/bench_http_ogc.py bench/bench_import.py bench/bench_map.py"
for b in bench/bench_*.py; do
  [ -e "$b" ] || continue
  echo "== $b"
  if [[ " $SCALE " == *" $b "* ]]; then
    GEOGRID_DB_NAME=geogrid_scale .venv/bin/python "$b"
  else
    .venv/bin/python "$b"
  fi
done
# Every line of the run again, as one table (each benchmark printed its own as it went).
.venv/bin/python bench/results.py
echo "results: bench/results/latest.json"

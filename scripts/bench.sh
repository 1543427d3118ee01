#!/usr/bin/env bash
# make bench: run every benchmark in bench/ against the private cluster; prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --bench
.venv/bin/python manage.py create_roles >/dev/null
.venv/bin/python manage.py loaddemo >/dev/null  # the data the benchmarks run on
rm -f bench/results/latest.json  # every benchmark appends its lines (bench/results.py)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
for b in bench/bench_*.py; do
  [ -e "$b" ] || continue
  echo "== $b"
  .venv/bin/python "$b"
done
echo "results: bench/results/latest.json"

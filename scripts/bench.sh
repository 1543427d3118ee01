#!/usr/bin/env bash
# make bench: run every benchmark in bench/ against the private cluster; prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
for b in bench/bench_*.py; do
  [ -e "$b" ] || continue
  echo "== $b"
  .venv/bin/python "$b"
done

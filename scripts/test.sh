#!/usr/bin/env bash
# make test: bootstrap (with browser-test packages), then the whole pytest suite against PostGIS.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "make test: no test was collected; that is a failure" >&2
  exit 1
fi
exit $rc

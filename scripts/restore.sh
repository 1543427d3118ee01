#!/usr/bin/env bash
# make restore FILE=var/backups/geogrid-….tar: into a fresh database; the old one is renamed aside.
# Stop the server first (the database in use cannot be renamed); start it again with make run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${1:-}" ]; then
  echo "usage: make restore FILE=var/backups/geogrid-<database>-<time>.tar" >&2
  exit 2
fi
scripts/bootstrap.sh >/dev/null
.venv/bin/python manage.py restore "$1"
.venv/bin/python manage.py migrate

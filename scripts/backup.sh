#!/usr/bin/env bash
# make backup: the database (pg_dump, custom format) and the uploaded files, one tar in var/backups/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh >/dev/null
exec .venv/bin/python manage.py backup "$@"

#!/usr/bin/env bash
# make backup: a custom-format dump of the database into var/backups/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/backups
out=var/backups/geogrid-$(date +%Y%m%d-%H%M%S).dump
if [ -n "${DATABASE_URL:-}" ]; then
  pg_dump -Fc -f "$out" "$(echo "$DATABASE_URL" | sed 's/^postgis:/postgresql:/')"
else
  . scripts/pgenv.sh
  pg_dump -Fc -h "$(cat var/pgbase)" -p "$PG_PORT" -U "$PG_DBUSER" -f "$out" "$PG_DBNAME"
fi
echo "backup written to $out ($(du -h "$out" | cut -f1))"

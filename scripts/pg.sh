#!/usr/bin/env bash
# The private PostgreSQL cluster of this checkout: scripts/pg.sh start|stop|status|ensure-db|psql [args]
# Data dir and unix socket live in var/pg, or, when we run as root and the `postgres` user cannot
# enter this checkout (e.g. under /root or a private temp dir), in /var/tmp/geogrid-pg-<hash of path>.
# var/pgbase records which. The server listens on the socket only (no TCP), so it never collides
# with a system PostgreSQL or with another checkout's cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/pgenv.sh
mkdir -p var

RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
  RUNAS=(runuser -u postgres --)
  if [ -f var/pgbase ]; then
    PGBASE=$(cat var/pgbase)
  else
    mkdir -p var/pg && chown postgres:postgres var/pg && chmod 700 var/pg
    # Absolute path: every ancestor must be enterable by postgres, not just var/pg.
    if (cd / && runuser -u postgres -- test -w "$ROOT/var/pg"); then
      PGBASE=$ROOT/var/pg
    else
      rmdir var/pg
      PGBASE=/var/tmp/geogrid-pg-$(printf %s "$ROOT" | sha256sum | cut -c1-12)
    fi
  fi
  mkdir -p "$PGBASE" && chown postgres:postgres "$PGBASE" && chmod 700 "$PGBASE"
else
  PGBASE=$ROOT/var/pg
  mkdir -p "$PGBASE" && chmod 700 "$PGBASE"
fi
echo "$PGBASE" > var/pgbase
BIN=$(pg_bindir)
[ -n "$BIN" ] || { echo "PostgreSQL server is not installed (run scripts/bootstrap.sh)" >&2; exit 1; }
DATA=$PGBASE/data
PSQL=(psql -X -q -h "$PGBASE" -p "$PG_PORT" -U "$PG_DBUSER")

# Run a server binary as the cluster owner, from / (postgres may not enter this checkout).
as_owner() { (cd / && "${RUNAS[@]}" "$@"); }
running() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      echo "[pg] initialising cluster in $DATA"
      as_owner "$BIN/initdb" -D "$DATA" -U "$PG_DBUSER" --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGBASE/initdb.log" 2>&1 \
        || { cat "$PGBASE/initdb.log"; exit 1; }
      cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PGBASE'
max_connections = 300
shared_buffers = 256MB
CONF
    fi
    if ! running; then
      echo "[pg] starting PostgreSQL on socket $PGBASE, port $PG_PORT"
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PGBASE/server.log" -w -t 60 start >/dev/null \
        || { tail -20 "$PGBASE/server.log"; exit 1; }
    fi
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ] && running; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && echo "[pg] stopped"
    else
      echo "[pg] not running"
    fi
    ;;
  status)
    running && echo "running: socket $PGBASE port $PG_PORT" || { echo "not running"; exit 3; }
    ;;
  ensure-db)
    if [ -z "$("${PSQL[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DBNAME'")" ]; then
      "${PSQL[@]}" -d postgres -c "CREATE DATABASE $PG_DBNAME"
    fi
    "${PSQL[@]}" -d "$PG_DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" 2>&1 | grep -v 'already exists' || true
    ;;
  psql)
    shift; exec "${PSQL[@]}" -d "$PG_DBNAME" "$@"
    ;;
  *) echo "usage: $0 start|stop|status|ensure-db|psql" >&2; exit 2 ;;
esac

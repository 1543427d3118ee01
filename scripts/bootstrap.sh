#!/usr/bin/env bash
# Bring this checkout to a runnable state: system packages, .venv, a private PostGIS cluster
# under var/ (unless DATABASE_URL names a server), the database with PostGIS, migrations (not
# with --test: the tests migrate their own databases).
# Idempotent: a second run only checks and returns.
#   scripts/bootstrap.sh [--test|--bench]   --test also installs what the browser tests need,
#                                           --bench the load generator of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_TEST=0
WITH_BENCH=0
[ "${1:-}" = "--test" ] && WITH_TEST=1
[ "${1:-}" = "--bench" ] && WITH_BENCH=1
# shellcheck source=scripts/pgenv.sh
. scripts/pgenv.sh

log() { printf '[bootstrap] %s\n' "$*"; }

# --- system packages -------------------------------------------------------------------------
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
APT_UPDATED=0
apt_install() {
  # Install packages that are missing; refresh the lists once if one is not found.
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -q "${missing[@]}" >"$ROOT/var/apt.log" 2>&1; then
    if [ $APT_UPDATED -eq 0 ]; then
      APT_UPDATED=1
      log "refreshing package lists"
      $SUDO apt-get update -q >>"$ROOT/var/apt.log" 2>&1
      $SUDO apt-get install -y -q "${missing[@]}" >>"$ROOT/var/apt.log" 2>&1 || { tail -20 "$ROOT/var/apt.log"; exit 1; }
    else
      tail -20 "$ROOT/var/apt.log"; exit 1
    fi
  fi
}

mkdir -p var var/artifacts var/staticfiles
apt_install python3-venv gdal-bin gettext
if [ -z "${DATABASE_URL:-}" ]; then
  [ -n "$(pg_bindir)" ] || apt_install postgresql
  PGV=$(pg_major)
  apt_install "postgresql-$PGV-postgis-3"
else
  apt_install postgresql-client  # pg_dump for `make backup` against that server
fi
[ $WITH_TEST -eq 1 ] && apt_install chromium fonts-noto-cjk
[ $WITH_BENCH -eq 1 ] && apt_install wrk  # the HTTP load generator of make bench
[ $WITH_BENCH -eq 1 ] && apt_install chromium fonts-noto-cjk  # bench_map.py drives the map in Chromium

# --- python venv ---------------------------------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  $PY -m venv .venv
fi
REQ_HASH=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$REQ_HASH" ]; then
  log "installing requirements.txt into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  # requirements.txt is the whole pinned closure: a package it no longer lists leaves the venv too,
  # so an existing .venv ends up like a fresh one (e.g. psycopg 3, replaced by psycopg2: Django
  # would keep picking psycopg 3 while it is installed).
  STALE=$(.venv/bin/python - <<'PY'
import os, re, subprocess, sys
def name(line):  # the normalised project name of a requirement or `pip freeze` line
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)", line.strip())
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else None
wanted = {name(l) for f in ("requirements.txt", "requirements-dev.txt") if os.path.exists(f) for l in open(f)}
frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--disable-pip-version-check"],
                        capture_output=True, text=True, check=True).stdout.splitlines()
print(" ".join(sorted({name(l) for l in frozen} - wanted - {None})))
PY
)
  if [ -n "$STALE" ]; then
    log "removing packages requirements.txt no longer lists: $STALE"
    # shellcheck disable=SC2086
    .venv/bin/pip uninstall -y -q --disable-pip-version-check $STALE
  fi
  echo "$REQ_HASH" > .venv/.requirements.sha256
fi

# --- translations (compiled from the committed .po files) ------------------------------------
for po in locale/*/LC_MESSAGES/django.po; do
  [ -e "$po" ] || continue
  mo=${po%.po}.mo
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then msgfmt -o "$mo" "$po"; fi
done

# --- database --------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  scripts/pg.sh start
  scripts/pg.sh ensure-db
fi
# The tests migrate databases of their own (tests/support/demo.py); the served one is for run/bench.
if [ $WITH_TEST -eq 0 ]; then
  log "migrating"
  .venv/bin/python manage.py migrate --noinput -v0
fi

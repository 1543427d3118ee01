#!/usr/bin/env bash
# make run: bootstrap, load the demo district, serve on 127.0.0.1:8000 as in production (gunicorn,
# a worker per core, DEBUG off, kept database connections). `make dev` serves the development server.
# This is the demo mode; a real site runs GEOGRID_ENV=production (README "Operating it": its own
# secret key and hosts, HTTPS only, collectstatic before gunicorn).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py create_roles
.venv/bin/python manage.py loaddemo
HOST=${GEOGRID_HOST:-127.0.0.1}
PORT=${GEOGRID_PORT:-8000}
echo
echo "geogrid is serving at http://$HOST:$PORT/   (map: /map/   admin: /admin/   API: /api/docs/)"
.venv/bin/python manage.py demo_logins
echo "Stop with Ctrl-C; 'make stop' stops the database."
if [ "${1:-}" = "--dev" ]; then
  GEOGRID_DEBUG=1 exec .venv/bin/python manage.py runserver "$HOST:$PORT"
fi
WORKERS=${GEOGRID_WORKERS:-$(nproc)}
# One thread a worker: the requests are mostly Python, and threads measured slower here (bench:
# locate 713 vs 866 req/s, reports 164 vs 206/s). GEOGRID_THREADS > 1 helps with slow clients.
THREADS=${GEOGRID_THREADS:-1}
exec .venv/bin/gunicorn geogrid.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
  --worker-class gthread --threads "$THREADS" \
  --access-logfile - --timeout 60 --graceful-timeout 10

# Shared settings of the private PostGIS cluster; sourced by the other scripts.
PG_PORT=54329
PG_DBUSER=geogrid
PG_DBNAME=geogrid
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_major() { basename "$(dirname "$(pg_bindir)")"; }

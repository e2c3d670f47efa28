#!/bin/sh
# A streaming replica: cloned from the primary with pg_basebackup -R on first start. Arguments
# go to postgres (e.g. `-c max_connections=300`: a hot standby needs at least the primary's).
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -p 5432; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -P
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on "$@"

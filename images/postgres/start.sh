#!/bin/sh
# A fresh cluster in the tmpfs at every start, then the server in the foreground. Any
# argument is passed to postgres (e.g. -c listen_addresses=ADDRESS on a host's network).
set -eu
initdb --pgdata="$PGDATA" --username=lab --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --no-instructions >/dev/null
createdb_sql="CREATE DATABASE lab OWNER lab"
postgres --single -D "$PGDATA" -c config_file=/etc/lab/postgresql.conf postgres \
    <<SQL >/dev/null
$createdb_sql;
SQL
exec postgres -D "$PGDATA" -c config_file=/etc/lab/postgresql.conf "$@"

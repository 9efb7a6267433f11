#!/usr/bin/env bash
# A PostgreSQL primary and a streaming replica of it, for the read-replica tests: two small
# clusters of their own (ports 5442 and 5443 by default), so the shared server on 5432 is never
# reconfigured. Idempotent: creates what is missing, starts what is stopped, leaves what runs.
#   PG_REPLICA_PRIMARY_PORT (5442), PG_REPLICA_STANDBY_PORT (5443), PG_REPLICA_DIR (/var/lib/postgresql/ar-replication)
set -euo pipefail

PRIMARY_PORT=${PG_REPLICA_PRIMARY_PORT:-5442}
STANDBY_PORT=${PG_REPLICA_STANDBY_PORT:-5443}
BASE=${PG_REPLICA_DIR:-/var/lib/postgresql/ar-replication}
log() { printf '[prepare-replica] %s\n' "$*"; }

version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$version" ]; then log "no PostgreSQL binaries under /usr/lib/postgresql: the replica tests will report it"; exit 0; fi
BIN=/usr/lib/postgresql/$version/bin

# The server refuses to run as root: everything below runs as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
ready() { "$BIN/pg_isready" -h 127.0.0.1 -p "$1" -U postgres -d postgres -q; }
wait_ready() {
  for _ in $(seq 1 60); do ready "$1" && return 0; sleep 1; done
  log "the server on port $1 did not become ready (see $2.log)"; return 1
}
start() { # data directory, port
  ready "$2" && return 0
  as_postgres "$BIN/pg_ctl" -D "$1" -l "$1.log" -o "-p $2" -w -t 60 start >/dev/null
  wait_ready "$2" "$1"
}

if [ "$(id -u)" = 0 ]; then mkdir -p "$BASE" && chown postgres:postgres "$BASE"; else mkdir -p "$BASE"; fi

# ---- the primary --------------------------------------------------------------------------
if [ ! -f "$BASE/primary/PG_VERSION" ]; then
  log "creating the primary cluster in $BASE/primary (port $PRIMARY_PORT)"
  rm -rf "$BASE/primary" "$BASE/standby"
  as_postgres "$BIN/initdb" -D "$BASE/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_postgres tee -a "$BASE/primary/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE'
max_connections = 60
shared_buffers = 16MB
wal_level = replica
max_wal_senders = 4
wal_keep_size = 128MB
fsync = off
full_page_writes = off
CONF
  as_postgres tee "$BASE/primary/pg_hba.conf" >/dev/null <<HBA
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
HBA
fi
start "$BASE/primary" "$PRIMARY_PORT"
psql_primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(psql_primary -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" = 1 ] || psql_primary -d postgres -c 'CREATE DATABASE test'

# ---- the streaming replica ----------------------------------------------------------------
if [ ! -f "$BASE/standby/standby.signal" ]; then
  log "creating the streaming replica in $BASE/standby (port $STANDBY_PORT) from the primary"
  rm -rf "$BASE/standby"
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$BASE/standby" -X stream -R --checkpoint=fast >/dev/null
  as_postgres tee -a "$BASE/standby/postgresql.conf" >/dev/null <<CONF
hot_standby = on
hot_standby_feedback = on
CONF
fi
start "$BASE/standby" "$STANDBY_PORT"

state=$(psql -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -d test -qAtc 'SELECT pg_is_in_recovery()')
[ "$state" = t ] || { log "the server on port $STANDBY_PORT is not a replica (pg_is_in_recovery = $state)"; exit 1; }
log "PostgreSQL primary on $PRIMARY_PORT and its streaming replica on $STANDBY_PORT ready"

#!/usr/bin/env bash
# Make the local PostgreSQL and MariaDB ready for the test suite. Idempotent: safe to run on a
# machine that is already prepared, and starts a server that is down.
set -euo pipefail

PG_HOST=127.0.0.1
log() { printf '[prepare-databases] %s\n' "$*"; }

start_postgres() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$version" ]; then log "no PostgreSQL cluster found under /etc/postgresql"; return 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main "$1" >/dev/null 2>&1 || pg_ctlcluster --skip-systemctl-redirect "$version" main "$1"
}

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  log "$name did not become ready"; return 1
}

psql_() { psql -h "$PG_HOST" -U postgres -d test -v ON_ERROR_STOP=1 -qAt "$@"; }

# ---- PostgreSQL ---------------------------------------------------------------------------
if command -v pg_isready >/dev/null 2>&1; then
  # PostgreSQL will not even start with max_prepared_transactions = 0 while prepared transactions
  # exist (say, an interrupted test set it): repair the setting in the file before starting.
  for auto in /var/lib/postgresql/*/main/postgresql.auto.conf; do
    [ -f "$auto" ] && sed -i "s/^max_prepared_transactions = '0'$/max_prepared_transactions = '64'/" "$auto"
  done
  if ! pg_isready -h "$PG_HOST" -q; then log "starting PostgreSQL"; start_postgres start || true; fi
  wait_for PostgreSQL pg_isready -h "$PG_HOST" -q
  [ "$(psql -h "$PG_HOST" -U postgres -d postgres -qAtc "SELECT 1 FROM pg_database WHERE datname = 'test'")" = 1 ] || { log "creating database test"; psql -h "$PG_HOST" -U postgres -d postgres -qc 'CREATE DATABASE test'; }
  # Two-phase commit needs prepared transactions; the setting only takes effect after a restart.
  current=$(psql_ -c 'SHOW max_prepared_transactions')
  if [ "$current" -lt 64 ]; then
    log "max_prepared_transactions is $current: setting 64 and restarting PostgreSQL"
    psql_ -c 'ALTER SYSTEM SET max_prepared_transactions = 64'
    start_postgres restart
    wait_for PostgreSQL pg_isready -h "$PG_HOST" -q
  fi
  log "PostgreSQL ready (max_prepared_transactions = $(psql_ -c 'SHOW max_prepared_transactions'))"
else
  log "psql not installed: PostgreSQL suites will report it"
fi

# ---- MariaDB ------------------------------------------------------------------------------
if command -v mariadb >/dev/null 2>&1; then
  mysql_() { mariadb -h 127.0.0.1 -u root "$@"; }
  if ! mysql_ -e 'SELECT 1' >/dev/null 2>&1; then
    log "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || true
  fi
  wait_for MariaDB mysql_ -e 'SELECT 1'
  mysql_ -e 'CREATE DATABASE IF NOT EXISTS test'
  log "MariaDB ready ($(mysql_ -N -e 'SELECT VERSION()'))"
else
  log "mariadb client not installed: MariaDB suites will report it"
fi

# ---- a PostgreSQL primary with a streaming replica (read-replica tests) -------------------
bash "$(dirname "$0")/prepare-replica.sh"

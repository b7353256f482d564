#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at PostgreSQL: the one named by TEST_DATABASE_URL if
# set, otherwise a throwaway cluster of our own (temporary folder, free port) removed afterwards.
set -euo pipefail

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  exec "$@"
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$pg_bin" ]]; then
  echo "PostgreSQL is not installed (run: make deps)" >&2
  exit 1
fi

workdir=$(mktemp -d /tmp/postmortem-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    chown -R postgres:postgres "$workdir"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cleanup() {
  as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

as_postgres "$pg_bin/initdb" -D "$workdir/data" -U postgres -A trust --no-sync -E UTF8 >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }
as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -o \
  "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
  start >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $port (throwaway, in $workdir)"
"$@"

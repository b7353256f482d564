#!/usr/bin/env bash
# Starts the last `cargo leptos build` (debug) on a fresh SQLite database with demo data, runs the
# Playwright tests against it in headless Chromium, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=$(mktemp -d /tmp/postmortem-e2e.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$workdir/e2e.db?mode=rwc" BIND_ADDR="127.0.0.1:$port" SEED_DEMO=true \
  LEPTOS_SITE_ROOT=target/site RUST_LOG="${RUST_LOG:-warn}" \
  ./target/debug/server >"$workdir/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
  sleep 0.1
done

cd end2end
if ! BASE_URL="http://127.0.0.1:$port" npx playwright test "$@"; then
  echo "--- server log ---" >&2
  tail -n 50 "$workdir/server.log" >&2
  exit 1
fi

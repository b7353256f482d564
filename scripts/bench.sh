#!/usr/bin/env bash
# Load benchmark on loopback: starts the release server on a fresh SQLite database with the demo data,
# signs in, and measures with wrk (bounded: a few seconds per target, 2 threads, 32 connections).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[[ -x target/release/server ]] || { echo "run 'make release' first" >&2; exit 1; }

workdir=$(mktemp -d /tmp/postmortem-bench.XXXXXX)
trap 'kill "${server_pid:-}" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"' EXIT
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
start_server "sqlite://$workdir/bench.db?mode=rwc" true
cookie=$(sign_in)

duration=${BENCH_SECONDS:-10}
run() {
  local label=$1; shift
  echo "== $label"
  wrk -t2 -c32 -d"${duration}s" --latency "$@" | grep -E "Requests/sec|Latency|99%|Non-2xx" | sed 's/^/   /'
}
post_lua="$workdir/post.lua"
printf 'wrk.method = "POST"\nwrk.body = "include_archived=false"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' >"$post_lua"

run "health check (GET /healthz)" "$base/healthz"
run "static CSS (GET /pkg/postmortem.css)" "$base/pkg/postmortem.css"
run "catalog page, signed in (GET /services, SSR)" -H "Cookie: $cookie" -H "Accept: text/html" "$base/services"
run "catalog server function, signed in (POST /api/services/list)" -H "Cookie: $cookie" -s "$post_lua" "$base/api/services/list"

#!/usr/bin/env bash
# Starts the debug server (built by `cargo test --workspace`, its site by scripts/build-site.sh) on a
# fresh SQLite database with demo data, and the fake GitHub the app is connected to during the tests
# (built alongside, as `target/debug/github-fake`), runs the Playwright tests against them in
# headless Chromium, and stops them again. With E2E_ENGINE=postgres (run under
# scripts/with-postgres.sh) the demo instance runs on that PostgreSQL database instead; the
# breakout instance, whose payloads are planted with SQLite, is then not started and its tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=$(mktemp -d /tmp/postmortem-e2e.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME SEED_DEMO [DATABASE_URL]: one server on its own database (SQLite unless given); sets
# NAME_port. Runs in this shell (not in a command substitution) so the server's pid is recorded for
# the clean-up.
start() {
  local name=$1 seed=$2 url=${3:-"sqlite://$workdir/$1.db?mode=rwc"} port
  port=$(free_port)
  GITHUB_RECONCILE_SECONDS=5 DATABASE_URL="$url" BIND_ADDR="127.0.0.1:$port" SEED_DEMO=$seed \
    LEPTOS_OUTPUT_NAME=postmortem LEPTOS_SITE_ROOT=target/e2e-site RUST_LOG="${RUST_LOG:-warn}" \
    ./target/debug/server >"$workdir/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { printf -v "${name}_port" '%s' "$port"; return; }
    sleep 0.1
  done
  cat "$workdir/$name.log" >&2
  exit 1
}

# The fake GitHub API, holding the demo services' repositories.
fake_port=$(free_port)
FAKE_GITHUB_ADDR="127.0.0.1:$fake_port" \
  FAKE_GITHUB_REPOS="acme/payments-api,acme/checkout-web,acme/ledger,acme/search-service,acme/notifications" \
  ./target/debug/github-fake >"$workdir/github.log" 2>&1 &
pids+=($!)
fake_ready=false
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$fake_port/_fake/repos/acme/ledger/issues" && { fake_ready=true; break; }
  sleep 0.1
done
if [[ $fake_ready != true ]]; then
  echo "The fake GitHub did not start:" >&2
  cat "$workdir/github.log" >&2
  exit 1
fi

engine=${E2E_ENGINE:-sqlite}
breakout_url=""
if [[ $engine == postgres ]]; then
  echo "Browser tests on PostgreSQL ($TEST_DATABASE_URL)"
  start demo true "$TEST_DATABASE_URL"  # the demo data, with its demo accounts
else
  start demo true
fi
start empty false    # an empty instance, for first-run setup
if [[ $engine != postgres ]]; then
  start breakout true  # the demo data with breakout payloads in every stored text (breakout.spec.ts)
  python3 - "$workdir/breakout.db" server/tests/api/breakout.sql <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
for statement in open(sys.argv[2]):
    if statement.startswith("UPDATE"):
        db.execute(statement)
db.commit()
PY
  breakout_url="http://127.0.0.1:$breakout_port"
fi

cd end2end
rm -rf .auth
if ! BASE_URL="http://127.0.0.1:$demo_port" FAKE_GITHUB_URL="http://127.0.0.1:$fake_port" EMPTY_URL="http://127.0.0.1:$empty_port" \
  BREAKOUT_URL="$breakout_url" E2E_ENGINE="$engine" npx playwright test "$@"; then
  echo "--- server log ---" >&2
  tail -n 50 "$workdir/demo.log" >&2
  if [[ -n $breakout_url ]]; then
    echo "--- breakout server log ---" >&2
    tail -n 20 "$workdir/breakout.log" >&2
  fi
  echo "--- fake GitHub log ---" >&2
  tail -n 20 "$workdir/github.log" >&2
  echo "--- failed tests ($engine) ---" >&2
  python3 - test-results/report.json <<'PY' >&2 || true
import json, re, sys
def walk(suite, path):
    for spec in suite.get("specs", []):
        for test in spec.get("tests", []):
            for result in test.get("results", []):
                if result.get("status") in ("failed", "timedOut"):
                    message = (result.get("error") or {}).get("message", "")
                    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
                    print(f"{spec['file']}:{spec['line']} {spec['title']}")
                    print("    " + "\n    ".join(message.splitlines()[:8]))
    for child in suite.get("suites", []):
        walk(child, path)
for suite in json.load(open(sys.argv[1])).get("suites", []):
    walk(suite, [])
PY
  exit 1
fi

# Shared by the benchmark scripts (sourced): a free port, starting the release server and waiting
# for it, and signing in as the demo member. Callers set $workdir (logs) and may set $server
# (default target/release/server) and $site_root (default target/site).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts the server on database $1 (SEED_DEMO=$2) and waits until it is ready; sets $base and
# $server_pid.
start_server() {
  local port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  DATABASE_URL="$1" BIND_ADDR="127.0.0.1:$port" SEED_DEMO="$2" LEPTOS_SITE_ROOT="${site_root:-target/site}" \
    LEPTOS_OUTPUT_NAME="${LEPTOS_OUTPUT_NAME:-postmortem}" \
    RUST_LOG=warn "${server:-./target/release/server}" >>"$workdir/server.log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 600))
  until curl -fsS "$base/readyz" >/dev/null 2>&1; do
    if ! kill -0 "$server_pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "the server did not start; its log:" >&2
      tail -n 40 "$workdir/server.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# Prints a session cookie for the demo member, or for account $1 with password $2, signing in from
# loopback address $3 (default 127.0.0.1; sign-in attempts are limited per address).
sign_in() {
  local cookie email=${1:-member@demo.example} password=${2:-demo-member-pass}
  cookie=$(curl -s -D - -o /dev/null --interface "${3:-127.0.0.1}" --data-urlencode "email=$email" \
    --data-urlencode "password=$password" -d "next=/incidents" "$base/api/auth/sign-in" \
    | sed -n 's/^set-cookie: \(postmortem_session=[^;]*\).*/\1/ip' | tr -d '\r')
  [[ -n $cookie ]] || { echo "signing in as $email failed" >&2; exit 1; }
  echo "$cookie"
}

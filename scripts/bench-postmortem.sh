#!/usr/bin/env bash
# Postmortem benchmarks on loopback, against the release build (`make bench-postmortem` builds the
# server and the optimised site, target/release-site):
#  1. server-side render of a large postmortem (200 timeline entries, 50 action items, 20 factors,
#     about 5,000 words of Markdown) compared with serving the same HTML bytes as a static file
#     (the ceiling), with wrk. The headline is the hard path, a render for every request (what
#     each change in a meeting costs; PAGE_CACHE_MB=0, a second server on the same database);
#     then the page as served while a participant keeps saving, every 100 ms at most (each save ends the
#     remembered copy), and as served with nobody writing (the remembered page: a cache hit);
#  2. live fan-out: 100 participants (100 people, each signed in) connected, one save, time until
#     every client has it, and the server's memory with them connected;
#  3. the release wasm bundle, gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
site=${BENCH_SITE:-target/release-site}
[[ -x target/release/server && -d $site ]] || { echo "run 'make bench-postmortem' (it builds the server and $site)" >&2; exit 1; }
cargo build --release -q -p live-fanout

workdir=$(mktemp -d /tmp/postmortem-bench.XXXXXX)
trap 'kill "${server_pid:-}" "${writer:-}" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"' EXIT
cp -r "$site" "$workdir/site"
site_root="$workdir/site"
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
start_server "sqlite://$workdir/bench.db?mode=rwc" true
pid=$server_pid
cookie=$(sign_in)
api() { curl -fsS -H "Cookie: $cookie" -H "Accept: application/json" "$base/api/$1" "${@:2}"; }

echo "Seeding a large postmortem…"
incident=$(api incidents/declare --data-urlencode "incident[title]=Benchmark outage" -d "incident[severity]=SEV1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
pm=$(api postmortems/start -d "incidents=$incident")
now=$(date -u +%Y-%m-%dT%H:%M)
paragraph="The checkout service **timed out** on calls to the payments gateway while the connection pool was exhausted; retries without backoff amplified the load, and the dashboards showed the saturation only in aggregate, so the on-call engineer saw it late and a manual failover restored service."
words=0
for field in summary impact slo_impact went_well went_badly lucky; do
  body=""
  for _ in $(seq 1 24); do body+="$paragraph"$'\n\n'; done
  version=$(api postmortems/get -d "id=$pm" | python3 -c "import json,sys; print([f for f in json.load(sys.stdin)['fields'] if f['field'].lower()=='${field//_/}'][0]['version'])")
  api postmortems/field -d "postmortem_id=$pm" -d "field=$field" -d "version=$version" --data-urlencode "body=$body" >/dev/null
  words=$((words + $(wc -w <<<"$body")))
done
for i in $(seq 1 199); do
  api postmortems/timeline/save -d "postmortem_id=$pm" -d id=0 -d version=0 -d "entry[occurred_at]=$now" \
    --data-urlencode "entry[body]=Step $i: the gateway answered slowly and the pool grew" -d "entry[moment]=" >/dev/null
done
for i in $(seq 1 20); do
  api postmortems/factors/save -d "postmortem_id=$pm" -d id=0 -d version=0 --data-urlencode "factor[title]=Factor $i" \
    -d "factor[category]=technical" --data-urlencode "factor[description]=$paragraph" \
    --data-urlencode $'factor[whys]=Retries had no backoff\nThe client library defaults were used\nNo review checks them' >/dev/null
done
for i in $(seq 1 50); do
  api postmortems/actions/save -d "postmortem_id=$pm" -d id=0 -d version=0 --data-urlencode "action[title]=Action $i" \
    -d "action[kind]=pipeline_test" --data-urlencode "action[description]=Add a load test that fails when retries lack backoff" >/dev/null
done
mkdir -p "$workdir/site/bench"
curl -fsS -H "Cookie: $cookie" -H "Accept: text/html" "$base/postmortems/$pm" >"$workdir/site/bench/postmortem.html"
echo "Postmortem #$pm: $(wc -c <"$workdir/site/bench/postmortem.html") bytes of HTML, $words words of Markdown"

duration=${BENCH_SECONDS:-10}
# wrk against $1 with the session; the summary lines into $workdir/$2.out.
load() {
  wrk -t2 -c16 -d"${duration}s" --latency -H "Cookie: $cookie" -H "Accept: text/html" "$base$1" \
    | tee "$workdir/$2.out" | grep -E "Requests/sec|99%|Non-2xx" | sed 's/^/   /'
}
ratio() { # the requests/s of $1.out over the ceiling's, labelled $2, with a note $3
  local mine ceiling
  mine=$(awk '/Requests\/sec/ {print $2}' "$workdir/$1.out")
  ceiling=$(awk '/Requests\/sec/ {print $2}' "$workdir/static.out")
  python3 -c "print(f'   $2 / static ceiling = {$mine / $ceiling:.2f} $3')"
}
echo "== the same bytes as a static file (GET /bench/postmortem.html): the ceiling"
load /bench/postmortem.html static
echo "== server-side render (GET /postmortems/$pm) as served while a participant keeps saving (every 100 ms at most)"
# Saves the summary every 100 ms with the version it last saw, counting the saves that went through.
(
  version=$(api postmortems/get -d "id=$pm" | python3 -c "import json,sys; print([f for f in json.load(sys.stdin)['fields'] if f['field'].lower()=='summary'][0]['version'])")
  n=0
  while true; do
    n=$((n + 1))
    # Without -f: a 409 (someone saved first) carries the version to save over next.
    answer=$(curl -sS -H "Cookie: $cookie" -H "Accept: application/json" "$base/api/postmortems/field" \
      -d "postmortem_id=$pm" -d field=summary -d "version=$version" \
      --data-urlencode "body=Saved during the benchmark, number $n." 2>/dev/null) || true
    version=$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); print(list(a.values())[0]["version"])' "$answer" 2>/dev/null || echo "$version")
    echo "$n" >"$workdir/saves"
    sleep 0.1
  done
) &
writer=$!
load "/postmortems/$pm" writing
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null || true; writer=""
echo "   saves during the run: $(cat "$workdir/saves" 2>/dev/null || echo 0)"
ratio writing "SSR while saving" ""
echo "== server-side render as served with nobody writing (the remembered page: a cache hit)"
load "/postmortems/$pm" ssr
ratio ssr "SSR, remembered" ""

clients=${BENCH_CLIENTS:-100}
people=${BENCH_PEOPLE:-$clients}
echo "== live fan-out: $clients participants ($people people), one save"
# Each participant is a person of their own (unless BENCH_PEOPLE is smaller), so every arrival
# changes who is present. Sign-in attempts are limited per client address: they come from several
# loopback addresses.
admin=$(sign_in admin@demo.example demo-admin-pass)
for i in $(seq 1 "$people"); do
  curl -fsS -H "Cookie: $admin" -H "Accept: application/json" "$base/api/users/create" \
    --data-urlencode "display_name=Participant $i" -d "email=participant$i@bench.example" -d role=member \
    -d password=bench-participant-pass -d password_confirmation=bench-participant-pass >/dev/null
  sign_in "participant$i@bench.example" bench-participant-pass "127.0.1.$((i / 15 + 1))"
done >"$workdir/participants"
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
./target/release/live-fanout "$base" "$cookie" "$pm" "$clients" "$workdir/participants" >"$workdir/fanout.out" &
fanout=$!
until grep -q '^connected=' "$workdir/fanout.out" || ! kill -0 $fanout 2>/dev/null; do sleep 0.1; done
rss_with=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
wait $fanout
sed 's/^/   /' "$workdir/fanout.out"
echo "   server memory: ${rss_before} kB before, ${rss_with} kB with the participants connected"

echo "== server-side render on every request (PAGE_CACHE_MB=0: a second server on the same database)"
kill "$pid"; wait "$pid" 2>/dev/null || true
PAGE_CACHE_MB=0 start_server "sqlite://$workdir/bench.db?mode=rwc" true
load "/postmortems/$pm" render
ratio render "Rendering every request" "(target >= 0.5)"

echo "== release wasm bundle"
wasm=$(ls "$site"/pkg/*.wasm | head -1)
glue=${wasm%_bg.wasm}.js
[[ -f "$glue" ]] || glue=${wasm%.wasm}.js
raw=$(wc -c <"$wasm"); gz=$(gzip -9 -c "$wasm" | wc -c); js=$(gzip -9 -c "$glue" | wc -c)
echo "   $wasm: $((raw / 1024)) KB, gzipped $((gz / 1024)) KB"
echo "   with its JavaScript glue ($(basename "$glue"), gzipped $((js / 1024)) KB): $(((gz + js) / 1024)) KB (target <= 300 KB)"
for encoding in br gzip; do
  sent=$(curl -fsS -H "Accept-Encoding: $encoding" -o /dev/null -w '%{size_download}' "$base/pkg/$(basename "$wasm")")
  echo "   as the server sends it with Accept-Encoding: $encoding: $((sent / 1024)) KB"
done

echo "== summary: the page, headline first"
for run in render writing ssr; do
  case $run in
    render) label="rendered for every request (each change's cost)" ;;
    writing) label="as served while someone keeps saving" ;;
    ssr) label="as served with nobody writing (cache hit)" ;;
  esac
  awk -v label="$label" '/Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = $2 } END { printf "   %-50s %9s req/s   p99 %s\n", label, rps, p99 }' "$workdir/$run.out"
done

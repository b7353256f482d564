#!/usr/bin/env bash
# Incident benchmarks on loopback (`make bench-incidents`), against the release server:
#   1. seeds 1,000,000 incidents straight into the database in SQL, after a first start of the
#      server on a fresh database has created the schema and the demo data (services, users);
#   2. measures the incident list at that size with wrk: the SSR page and the server function, the
#      first page, a deep keyset page (~900,000th newest row) and a filtered page (service + SEV1),
#      on SQLite and on PostgreSQL (a throwaway cluster from scripts/with-postgres.sh);
#   3. measures alert intake (Alertmanager webhook) on the same 1M-row SQLite database, with 1 and
#      with 10 alerts per delivery. The headline is new alerts: every delivery is a group never seen
#      before, so each opens an incident (matched against known errors, with its timeline entry);
#      repeats of 500 alerts already on open incidents (duplicates, the cheap path) follow;
#   4. prints a summary table. Targets: list p99 < 20 ms; intake >= 1,000 alerts/s.
# With BENCH_MODE=dashboard (`make bench-dashboard`) it seeds the same incidents plus about 200,000
# action items (7 each on postmortems of every sixth incident whose postmortem started) and
# measures the dashboard for 90 days instead (server function and page, 1 connection so the
# latency is the server's time per request; target p99 < 200 ms).
# With BENCH_MODE=gate (`make bench-gate`) it seeds the same incidents plus 10,000 changes over 90
# days and measures the change gate (POST /api/v1/changes): the headline is new changes (every
# request a commit never reported, so each is decided by the Rego policy against the service's open
# incidents and overdue pipeline tests, and stored with its audit event); repeats of changes
# already decided (the idempotent path) follow. Targets: p99 < 10 ms and >= 1,000 decisions/s.
# Settings: BENCH_SECONDS (10) per wrk run, BENCH_ENGINES ("sqlite postgres"), BENCH_INCIDENTS
# (1000000) rows to seed, BENCH_CONNECTIONS (8) concurrent connections per wrk run (2 threads;
# 1 measures each request's own latency, 8 the latency under saturation of the 2 cores);
# BENCH_KEEP=1 keeps the seeded databases for a closer look.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."

duration=${BENCH_SECONDS:-10}
mode=${BENCH_MODE:-list}
if [[ $mode == dashboard ]]; then connections=${BENCH_CONNECTIONS:-1}; else connections=${BENCH_CONNECTIONS:-8}; fi
incidents=${BENCH_INCIDENTS:-1000000}
engines=${BENCH_ENGINES:-sqlite postgres}
phase=${BENCH_PHASE:-main}
server=./target/release/server

[[ -x $server ]] || { echo "run 'make release' (or cargo build --release -p server) first" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

workdir=$(mktemp -d /tmp/postmortem-bench-incidents.XXXXXX)
results=${BENCH_RESULTS:-$workdir/results.tsv}
notes=${BENCH_NOTES:-$workdir/notes.txt}
server_pid=""
postmaster_pid=0
pg_url=""
base=""

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  if [[ -n ${BENCH_KEEP:-} ]]; then
    echo "kept (BENCH_KEEP): $workdir${pg_url:+ and $pg_url}"
    return
  fi
  if [[ -n $pg_url ]]; then
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# The Python half: SQL generation for both engines, SQLite seeding, webhook payloads, probes.
cat >"$workdir/helper.py" <<'PY'
import calendar, hashlib, json, re, sqlite3, sys, time, urllib.request

PHRASES = [
    "Elevated 5xx rate", "Latency above SLO", "Timeouts calling the database", "Queue backlog growing",
    "Certificate expiry", "Disk almost full", "Pods crash-looping", "Failed deployment rolled back",
    "Memory leak after release", "Connection pool exhausted", "Stale cache served", "DNS resolution failures",
    "Card processor errors", "Duplicate e-mails sent", "Search results empty", "Replication lag",
    "Rate limiter rejecting traffic", "Config change broke routing", "Third-party outage", "Partial data loss",
]
SUMMARIES = [
    "Customers saw errors for a few minutes; rolled back the release.",
    "A noisy neighbour saturated the node; moved the workload.",
    "An expired credential broke calls to a dependency; rotated it.",
    "Traffic spike after a campaign; scaled out and added a limit.",
    "A schema migration locked a hot table; ran it again off-peak.",
    "Alert fired on a flapping check; tuned the threshold.",
    "Upstream provider degraded; failed over to the second region.",
    "",
]
COMMANDERS = ["Ada Admin", "Mo Member", "Pat Problem-Manager", "Sam Oncall"]
TS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})([T ])(\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$")


def ts_style(sample):
    """The date/time separator and the zone suffix of a stored DateTime<Utc> (sqlx writes RFC 3339)."""
    m = TS_RE.match(sample)
    if not m:
        sys.exit(f"unexpected timestamp format in the database: {sample!r}")
    return m.group(2), m.group(5)


def to_epoch(text):
    m = TS_RE.match(text)
    return calendar.timegm(time.strptime(m.group(1) + " " + m.group(3), "%Y-%m-%d %H:%M:%S"))


def service_slots(services):
    """100 slots mapping a draw to a service: the first service gets 30, the others share the rest."""
    if len(services) == 1:
        return [services[0]] * 100
    slots = [services[0]] * 30
    rest = services[1:]
    for i in range(70):
        slots.append(rest[i % len(rest)])
    return slots


def seed_sql(engine, n, first_id, now, services, member_id, sep="T", suffix="+00:00"):
    """The statements (without their semicolons) that add `n` incidents from id `first_id` on."""
    span = 3 * 365 * 86400
    start = now - span
    step = max(span // n, 1)
    if engine == "sqlite":
        R = lambda k: f"abs(random() % {k})"
        TS = lambda x: f"(strftime('%Y-%m-%d{sep}%H:%M:%S', {x}, 'unixepoch') || '{suffix}')"
        least, nn = "min", "n"
        series_head = f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n}) SELECT"
        series_from = "FROM g"
        overriding = ""
    else:
        R = lambda k: f"floor(random() * {k})::bigint"
        TS = lambda x: f"to_timestamp({x})"
        least, nn = "least", "n::bigint"
        series_head = "SELECT"
        series_from = f"FROM generate_series(1, {n}) AS g(n)"
        overriding = "OVERRIDING SYSTEM VALUE"
    q = lambda s: "'" + s.replace("'", "''") + "'"
    vals = lambda rows: ", ".join("(" + ", ".join(r) + ")" for r in rows)
    slots = service_slots(services)
    member = str(member_id) if member_id is not None else "NULL"
    out = []
    out.append("CREATE TEMP TABLE bench_svc (k integer PRIMARY KEY, service_id bigint, slug text);")
    out.append("INSERT INTO bench_svc VALUES " + vals([(str(k), str(sid), q(slug)) for k, (sid, slug) in enumerate(slots)]) + ";")
    out.append("CREATE TEMP TABLE bench_phrase (k integer PRIMARY KEY, text text);")
    out.append("INSERT INTO bench_phrase VALUES " + vals([(str(k), q(t)) for k, t in enumerate(PHRASES)]) + ";")
    out.append("CREATE TEMP TABLE bench_summary (k integer PRIMARY KEY, text text);")
    out.append("INSERT INTO bench_summary VALUES " + vals([(str(k), q(t)) for k, t in enumerate(SUMMARIES)]) + ";")
    # Every random draw happens once per row, here; the rest is arithmetic on them.
    out.append(f"""CREATE TEMP TABLE bench_draw AS {series_head}
  {first_id - 1} + {nn} AS id,
  {start} + ({nn} - 1) * {span} / {n} + {R(step)} AS opened,
  {R(100)} AS sev_r, {R(1000)} AS st_r, {R(100)} AS svc_r, {R(len(PHRASES))} AS ph,
  {R(len(SUMMARIES))} AS su, {R(100)} AS src_r, {R(1000)} AS flag_r, {R(1800)} AS a,
  30 + {R(870)} AS c, 300 + {R(6900)} AS d, {R(14400)} AS e, {R(100)} AS pm_r, {R(259200)} AS pm_d,
  100 + {R(9900)} AS num, {R(len(COMMANDERS))} AS cm, {R(1000000007)} AS fp
{series_from};""")
    open_after = n * 9 // 10  # open incidents only among the newest 10%, 10% of those: ~1% overall
    out.append(f"""CREATE TEMP TABLE bench_base AS SELECT d.*,
  CASE WHEN sev_r < 5 THEN 1 WHEN sev_r < 20 THEN 2 WHEN sev_r < 60 THEN 3 ELSE 4 END AS severity,
  CASE WHEN id - {first_id} >= {open_after} AND st_r < 100 THEN
    CASE st_r % 4 WHEN 0 THEN 'triggered' WHEN 1 THEN 'investigating' WHEN 2 THEN 'identified' ELSE 'monitoring' END
  ELSE 'resolved' END AS status
FROM bench_draw d;""")
    commander = "CASE b.cm " + " ".join(f"WHEN {i} THEN {q(c)}" for i, c in enumerate(COMMANDERS)) + " END"
    out.append(f"""INSERT INTO incidents (id, title, severity, status, commander, summary, source, integration_id,
  fingerprint, runbook_url, service_unknown, data_loss, escalated, postmortem_required, postmortem_started_at,
  opened_at, impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, created_by, version,
  updated_at) {overriding}
SELECT id, title, severity, status, commander, summary, source, NULL, fingerprint, NULL, (1 = 0),
  (flag_r < 5), (flag_r >= 5 AND flag_r < 25), required, {TS('pm')}, {TS('opened')}, {TS('opened - a')},
  {TS('opened - a / 3')}, {TS('ack')}, {TS('mit')}, {TS('res')}, created_by, version,
  {TS('coalesce(pm, res, mit, ack, opened)')}
FROM (SELECT b.id, b.severity, b.status, b.opened, b.a, b.flag_r,
    p.text || ' in ' || s.slug || ' #' || b.num AS title,
    CASE WHEN b.src_r < 60 OR b.status = 'resolved' THEN {commander} ELSE '' END AS commander,
    m.text AS summary,
    CASE WHEN b.src_r < 60 THEN 'person' ELSE 'alertmanager' END AS source,
    CASE WHEN b.src_r < 60 THEN NULL ELSE 'bench-' || b.fp END AS fingerprint,
    (b.severity <= 2 OR b.flag_r < 25) AS required,
    CASE WHEN b.status = 'triggered' THEN NULL ELSE {least}(b.opened + b.c, {now}) END AS ack,
    CASE WHEN b.status IN ('monitoring', 'resolved') THEN {least}(b.opened + b.c + b.d, {now}) END AS mit,
    CASE WHEN b.status = 'resolved' THEN {least}(b.opened + b.c + b.d + b.e, {now}) END AS res,
    CASE WHEN (b.severity <= 2 OR b.flag_r < 25) AND b.status = 'resolved' AND b.pm_r < 85
      THEN {least}(b.opened + b.c + b.d + b.e + b.pm_d, {now}) END AS pm,
    CASE WHEN b.src_r < 60 THEN {member} END AS created_by,
    1 + b.c % 5 AS version
  FROM bench_base b
  JOIN bench_svc s ON s.k = b.svc_r
  JOIN bench_phrase p ON p.k = b.ph
  JOIN bench_summary m ON m.k = b.su) x;""")
    out.append(f"""INSERT INTO incident_services (incident_id, service_id, opened_at)
SELECT b.id, s.service_id, {TS('b.opened')} FROM bench_base b JOIN bench_svc s ON s.k = b.svc_r;""")
    out.extend(f"DROP TABLE {t}" for t in ("bench_draw", "bench_base", "bench_svc", "bench_phrase", "bench_summary"))
    return [statement.rstrip().rstrip(";") for statement in out]


def followups_sql(engine, per_postmortem, member_id, sep="T", suffix="+00:00"):
    """Postmortems for every sixth incident whose postmortem started (about 50,000 at 1M incidents),
    each with `per_postmortem` action items of every kind, most of them done: about 200,000."""
    if engine == "sqlite":
        R = lambda k: f"abs(random() % {k})"
        TS = lambda x: f"(strftime('%Y-%m-%d{sep}%H:%M:%S', {x}, 'unixepoch') || '{suffix}')"
        DAY = lambda x: f"date({x}, 'unixepoch')"
        E = lambda col: f"CAST(strftime('%s', {col}) AS INTEGER)"
        overriding = ""
    else:
        R = lambda k: f"floor(random() * {k})::bigint"
        TS = lambda x: f"to_timestamp({x})"
        DAY = lambda x: f"to_timestamp({x})::date"
        E = lambda col: f"extract(epoch FROM {col})::bigint"
        overriding = "OVERRIDING SYSTEM VALUE"
    member = str(member_id) if member_id is not None else "NULL"
    kinds = ["fix", "pipeline_test", "monitoring", "runbook", "process"]
    kind = "CASE k % 5 " + " ".join(f"WHEN {i} THEN '{x}'" for i, x in enumerate(kinds)) + " END"
    return [s.strip() for s in [
        f"""CREATE TEMP TABLE bench_pm AS SELECT i.id + 10000000 AS id, i.id AS incident_id, i.severity,
  {E('i.postmortem_started_at')} AS started, {R(100)} AS st_r, {R(2592000)} AS pub_d FROM incidents i
  WHERE i.postmortem_started_at IS NOT NULL AND i.id % 6 = 0""",
        f"""INSERT INTO postmortems (id, title, status, severity, required_sections, author_id, author_label,
  facilitator_step, facilitator_label, review_due_on, review_round, version, created_at, updated_at, published_at) {overriding}
SELECT id, 'Bench postmortem ' || incident_id,
  CASE WHEN st_r < 70 THEN 'published' WHEN st_r < 80 THEN 'in_review' ELSE 'draft' END,
  severity, '', {member}, 'bench', 'summary', '', {DAY('started + 1209600')}, 0, 1, {TS('started')}, {TS('started')},
  CASE WHEN st_r < 70 THEN {TS('started + pub_d')} END
FROM bench_pm""",
        "INSERT INTO postmortem_incidents (postmortem_id, incident_id) SELECT id, incident_id FROM bench_pm",
        f"""INSERT INTO action_items (postmortem_id, factor_id, title, description, kind, owner_id, due_on, priority,
  status, version, updated_by_label, created_at, updated_at, done_at)
SELECT p.id, NULL, 'Bench follow-up ' || p.incident_id || '-' || k.k, '', {kind}, {member},
  {DAY('p.started + 2592000')}, 'medium', CASE WHEN (p.st_r + k.k * 7) % 10 < 7 THEN 'done' ELSE 'open' END, 1, 'bench',
  {TS('p.started')}, {TS('p.started')},
  CASE WHEN (p.st_r + k.k * 7) % 10 < 7 THEN {TS('p.started + 86400 * (1 + (p.pub_d + k.k) % 40)')} END
FROM bench_pm p CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) k WHERE k.k < {per_postmortem}""",
        "DROP TABLE bench_pm",
    ]]


def sqlite_followups(db, per_postmortem):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 10000")
    con.execute("PRAGMA synchronous = OFF")
    sep, suffix = ts_style(con.execute("SELECT opened_at FROM incidents LIMIT 1").fetchone()[0])
    member = con.execute("SELECT id FROM users WHERE email = 'member@demo.example'").fetchone()
    con.execute("BEGIN")
    for statement in followups_sql("sqlite", per_postmortem, member and member[0], sep, suffix):
        con.execute(statement)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pms, items = con.execute("SELECT (SELECT count(*) FROM postmortems), (SELECT count(*) FROM action_items)").fetchone()
    print(f"{pms} postmortems, {items} action items")


def parse_services(text):
    return [(int(i), slug) for i, slug in (item.split(":", 1) for item in text.split(",") if item)]


def sqlite_seed(db, n):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 10000")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -524288")
    con.execute("PRAGMA temp_store = MEMORY")
    sample = (con.execute("SELECT opened_at FROM incidents LIMIT 1").fetchone()
              or con.execute("SELECT created_at FROM services ORDER BY id LIMIT 1").fetchone())
    if not sample:
        sys.exit("no services in the database: was it started with SEED_DEMO=true?")
    sep, suffix = ts_style(sample[0])
    services = con.execute("SELECT id, slug FROM services WHERE archived_at IS NULL ORDER BY id").fetchall()
    member = con.execute("SELECT id FROM users WHERE email = 'member@demo.example'").fetchone()
    first_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM incidents").fetchone()[0]
    now = int(time.time())
    t0 = time.time()
    con.execute("BEGIN")
    for statement in seed_sql("sqlite", n, first_id, now, services, member and member[0], sep, suffix):
        con.execute(statement)
    con.execute("COMMIT")
    t1 = time.time()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t2 = time.time()
    print(f"   timestamps stored like {sample[0]!r}: writing '%Y-%m-%d{sep}%H:%M:%S{suffix}'", file=sys.stderr)
    print(f"{t1 - t0:.1f} {t2 - t1:.1f}")


def sqlite_cursor(db, n):
    con = sqlite3.connect(db)
    offset = min(900000, n * 9 // 10) - 1
    row = con.execute("SELECT opened_at, id FROM incidents ORDER BY opened_at DESC, id DESC LIMIT 1 OFFSET ?",
                      (offset,)).fetchone()
    print(f"{to_epoch(row[0])}.{row[1]}")


def sqlite_severity_cursor(db, n):
    con = sqlite3.connect(db)
    offset = min(900000, n * 9 // 10) - 1
    row = con.execute("SELECT severity, opened_at, id FROM incidents ORDER BY severity, opened_at DESC, id DESC"
                      " LIMIT 1 OFFSET ?", (offset,)).fetchone()
    print(f"{row[0]}.{to_epoch(row[1])}.{row[2]}")


def bench_token():
    return "pmw_" + hashlib.sha256(b"postmortem-bench-incidents").hexdigest()


def sqlite_integration(db):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 10000")
    sep, suffix = ts_style(con.execute("SELECT created_at FROM services ORDER BY id LIMIT 1").fetchone()[0])
    token = bench_token()
    created = time.strftime(f"%Y-%m-%d{sep}%H:%M:%S", time.gmtime()) + suffix
    cur = con.execute(
        "INSERT INTO integrations (name, source, token_hash, token_prefix, signing_secret, signature_header,"
        " service_id, service_label, severity_label, resolve_with_alert, created_at)"
        " VALUES ('bench', 'alertmanager', ?, ?, NULL, NULL, NULL, 'service', 'severity', 1, ?)",
        (hashlib.sha256(token.encode()).hexdigest(), token[:12], created))
    print(cur.lastrowid)


def gate_token():
    return "pmt_" + hashlib.sha256(b"postmortem-bench-gate").hexdigest()


def gate_sql(n_changes, member_id, now, services, sep="T", suffix="+00:00"):
    """10,000 (n_changes) changes over the last 90 days across the services, of every kind and
    decision, 200 active guardrails, and a full API token of the member for the gate runs."""
    kinds = ["standard", "normal", "normal", "normal", "emergency"]
    decisions = ["allow", "allow", "allow", "review", "deny"]
    ts = lambda epoch: time.strftime(f"%Y-%m-%d{sep}%H:%M:%S", time.gmtime(epoch)) + suffix
    q = lambda text: "'" + text.replace("'", "''") + "'"
    rows = []
    for i in range(n_changes):
        service_id, slug = services[i % len(services)]
        at = ts(now - 90 * 86400 + i * (90 * 86400 // max(n_changes, 1)))
        decision = decisions[i % len(decisions)]
        reasons = "[]" if decision == "allow" else '[{"rule":"bench","message":"seeded","links":[]}]'
        rows.append("(" + ", ".join([
            str(service_id), "'production'", q(kinds[i % len(kinds)]), q(f"{0xbe000000 + i:x}0000"), "'main'",
            "NULL", "NULL", "'bench'", q(f"Seeded change {i}"), q('["src/lib.rs"]'), "'[]'",
            q('[{"name":"unit tests","status":"Success","url":null}]'), q(decision), q(reasons),
            "'bench'", "NULL", "NULL", "NULL", "NULL", q(at), q(at),
        ]) + ")")
    out = []
    columns = ("service_id, environment, kind, commit_sha, branch, pull_request, pull_request_url, author, title,"
               " paths, labels, checks, decision, reasons, reported_by, reviewed_by, reviewed_at, review_comment,"
               " review_outcome, created_at, updated_at")
    for start in range(0, len(rows), 500):
        out.append(f"INSERT INTO changes ({columns}) VALUES " + ", ".join(rows[start:start + 500]))
    # 200 active guardrails across the services, of every template (the issue's load).
    templates = [("paths_need_review", "migrations/"), ("paths_need_review", "infra/"),
                 ("check_must_pass", "unit tests"), ("no_deploys_during_incident", "1"),
                 ("paths_need_review", "db/")]
    guardrails = []
    for i in range(200):
        service_id, slug = services[i % len(services)]
        template, parameter = templates[i % len(templates)]
        guardrails.append("(" + ", ".join([
            str(service_id), q(template), q(parameter), q(f"Bench guardrail {i} on {slug}"),
            "'bench'", q(ts(now - 86400)),
        ]) + ")")
    out.append("INSERT INTO guardrails (service_id, template, parameter, title, created_by, created_at) VALUES "
               + ", ".join(guardrails))
    token = gate_token()
    out.append("INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, scope)"
               f" VALUES ({member_id}, 'bench gate', {q(hashlib.sha256(token.encode()).hexdigest())},"
               f" {q(token[:12])}, {q(ts(now))}, 'full')")
    return out


def sqlite_gate(db, n_changes):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 10000")
    sep, suffix = ts_style(con.execute("SELECT created_at FROM services ORDER BY id LIMIT 1").fetchone()[0])
    services = con.execute("SELECT id, slug FROM services WHERE archived_at IS NULL ORDER BY id").fetchall()
    member = con.execute("SELECT id FROM users WHERE email = 'member@demo.example'").fetchone()[0]
    con.execute("BEGIN")
    for statement in gate_sql(n_changes, member, int(time.time()), services, sep, suffix):
        con.execute(statement)
    con.execute("COMMIT")
    con.execute("ANALYZE")


def payloads(outdir, slugs, rules=50, prefix="repeat"):
    """`rules` alert rules (each about one service) x 10 instances. Alertmanager groups by alertname
    and service, so each rule's 10 alerts share a groupKey (and an incident). Writes
    {prefix}1.txt (one alert a delivery, consecutive ones from different rules) and {prefix}10.txt
    (a rule's 10 alerts a delivery)."""
    starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    severities = ["critical", "warning", "warning", "info"]
    one, ten = [], []
    for g in range(rules):
        service = slugs[g % len(slugs)]
        alertname = f"Bench{prefix.capitalize()}Rule{g:05d}"
        group_labels = {"alertname": alertname, "service": service}
        group_key = '{}:{alertname="%s", service="%s"}' % (alertname, service)
        alerts = []
        for i in range(10):
            instance = f"{service}-{i}:9100"
            labels = {"alertname": alertname, "env": "production", "instance": instance,
                      "service": service, "severity": severities[g % 4]}
            alerts.append({
                "status": "firing", "labels": labels,
                "annotations": {"summary": f"{alertname} on {instance}",
                                "description": f"{alertname} has been firing on {instance} for 5 minutes.",
                                "runbook_url": f"https://runbooks.example.com/{service}/{alertname}"},
                "startsAt": starts, "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=up%3D%3D0",
                "fingerprint": hashlib.sha1(f"{alertname}/{instance}".encode()).hexdigest()[:16],
            })
        def payload(batch):
            return json.dumps({"version": "4", "groupKey": group_key, "truncatedAlerts": 0, "status": "firing",
                               "receiver": "postmortem", "groupLabels": group_labels,
                               "commonLabels": {**group_labels, "env": "production"}, "commonAnnotations": {},
                               "externalURL": "http://alertmanager.example.com:9093", "alerts": batch},
                              separators=(",", ":"))
        one.extend(payload([a]) for a in alerts)
        ten.append(payload(alerts))
    # Interleave the single-alert bodies so consecutive requests hit different rules.
    one = [one[(k % rules) * 10 + k // rules] for k in range(rules * 10)]
    for name, bodies in ((f"{prefix}1.txt", one), (f"{prefix}10.txt", ten)):
        with open(f"{outdir}/{name}", "w") as f:
            f.write("\n".join(bodies) + "\n")


def post(url, body, headers):
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def prime(url, file):
    """Sends every 10-alert delivery once: opens the incidents the benchmark then repeats into."""
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + bench_token()}
    opened = duplicates = 0
    for line in open(file):
        status, text = post(url, line.strip(), headers)
        if status != 200:
            sys.exit(f"webhook answered {status}: {text[:300]}")
        outcome = json.loads(text)
        opened += len(outcome.get("opened", []))
        duplicates += outcome.get("duplicates", 0)
    print(f"{opened} incidents opened, {duplicates} duplicates")


def probe(url, cookie, body=None):
    """One request, to show what the measured URL answers before wrk hammers it."""
    headers = {"Cookie": cookie}
    if body is None:
        headers["Accept"] = "text/html"
        request = urllib.request.Request(url, headers=headers)
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    t0 = time.time()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    ms = (time.time() - t0) * 1000
    if status != 200:
        print(f"HTTP {status} in {ms:.0f} ms: {text[:200]!r}")
    elif body is not None:
        try:
            page = json.loads(text)
            rows = page.get("rows", [])
            first = rows[0]["opened_at"] if rows else "-"
            print(f"HTTP 200 in {ms:.0f} ms: {len(rows)} rows from {first}, next page: {'yes' if page.get('next') else 'no'}")
        except (ValueError, AttributeError, KeyError, IndexError):
            print(f"HTTP 200 in {ms:.0f} ms, unexpected body: {text[:200]!r}")
    else:
        links = len(set(re.findall(r'href="/incidents/(\d+)"', text)))
        print(f"HTTP 200 in {ms:.0f} ms: {len(text)} bytes, links to {links} incidents")


def sqlite_intake_check(db, integration):
    """What the integration's deliveries left: incidents, distinct alerts and receipts, timeline
    entries; the last line is "<incidents> <distinct alerts> <receipts>" for the script."""
    con = sqlite3.connect(db)
    alerts, receipts = con.execute(
        "SELECT count(*), coalesce(sum(receive_count), 0) FROM incident_alerts WHERE integration_id = ?",
        (integration,)).fetchone()
    opened = con.execute("SELECT count(*) FROM incidents WHERE integration_id = ?", (integration,)).fetchone()[0]
    entries = con.execute("SELECT count(*) FROM timeline_entries t JOIN incidents i ON i.id = t.incident_id"
                          " WHERE i.integration_id = ?", (integration,)).fetchone()[0]
    print(f"{opened} incidents, {alerts} distinct alerts received {receipts} times in all, {entries} timeline entries")
    print(f"{opened} {alerts} {receipts}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "sqlite-seed":
        sqlite_seed(args[0], int(args[1]))
    elif command == "pg-seed-sql":
        statements = seed_sql("postgres", int(args[0]), int(args[1]), int(args[2]), parse_services(args[3]),
                              int(args[4]) if args[4] else None)
        print("\n".join(statement + ";" for statement in statements))
    elif command == "sqlite-followups":
        sqlite_followups(args[0], int(args[1]))
    elif command == "pg-followups-sql":
        print("\n".join(s + ";" for s in followups_sql("postgres", int(args[0]), int(args[1]) if args[1] else None)))
    elif command == "sqlite-cursor":
        sqlite_cursor(args[0], int(args[1]))
    elif command == "sqlite-severity-cursor":
        sqlite_severity_cursor(args[0], int(args[1]))
    elif command == "sqlite-integration":
        sqlite_integration(args[0])
    elif command == "token":
        print(bench_token())
    elif command == "gate-token":
        print(gate_token())
    elif command == "sqlite-gate":
        sqlite_gate(args[0], int(args[1]))
    elif command == "pg-gate-sql":
        print("\n".join(s + ";" for s in gate_sql(int(args[0]), int(args[1]), int(args[2]), parse_services(args[3]))))
    elif command == "payloads":
        payloads(args[0], args[1].split(","), int(args[2]), args[3])
    elif command == "prime":
        prime(args[0], args[1])
    elif command == "probe":
        probe(args[0], args[1], args[2] if len(args) > 2 else None)
    elif command == "sqlite-intake-check":
        sqlite_intake_check(args[0], int(args[1]))
    else:
        sys.exit(f"unknown helper command {command}")
PY
helper() { python3 "$workdir/helper.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# free_port, start_server (sets $base and $server_pid) and sign_in.
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

post_lua() { # file body
  printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' \
    "$2" >"$1"
}

# CPU time (clock ticks) of the server and of the PostgreSQL backends (children of the postmaster,
# if any; SQLite runs inside the server). `cpu_ticks FILE` saves a snapshot; `cpu_ticks FILE since`
# prints "<server> <database>" used since that snapshot (backends that exited meanwhile are missed).
cpu_ticks() {
  python3 - "$1" "${2:-}" "$server_pid" "${postmaster_pid:-0}" <<'CPU'
import json, os, sys
snapshot, since, server, postmaster = sys.argv[1:5]
def stat(pid):  # the fields after the command name: state, ppid, ...
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
def ticks(fields): return int(fields[11]) + int(fields[12])  # utime + stime
now = {"server": ticks(stat(server)), "db": {}}
if postmaster != "0":
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = stat(pid)
        except OSError:
            continue
        if fields[1] == postmaster:
            now["db"][pid] = ticks(fields)
if not since:
    json.dump(now, open(snapshot, "w"))
else:
    before = json.load(open(snapshot))
    db = sum(t - before["db"].get(pid, 0) for pid, t in now["db"].items())
    print(now["server"] - before["server"], db if postmaster != "0" else 0)
CPU
}
clk_tck=$(getconf CLK_TCK)

# Runs wrk and records: engine, label, p50 ms, p99 ms, requests/s, alerts/s, failed requests, and
# the CPU time per request of the server and of the database (PostgreSQL backends), in ms.
# Usage: measure ENGINE LABEL ALERTS_PER_REQUEST wrk-arguments...
measure() {
  local engine=$1 label=$2 per=$3; shift 3
  local out="$workdir/wrk.out" used
  cpu_ticks "$workdir/cpu.json"
  wrk -t"$(( connections < 2 ? connections : 2 ))" -c"$connections" -d"${duration}s" --timeout 30s --latency "$@" >"$out" 2>&1 || true
  used=$(cpu_ticks "$workdir/cpu.json" since)
  local line
  line=$(awk -v per="$per" -v used="$used" -v pg="$postmaster_pid" -v hz="$clk_tck" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    $2 == "requests" && $3 == "in" { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i++) { gsub(",", "", $i); if ($i ~ /^[0-9]+$/) bad += $i } }
    END {
      split(used, u, " ")
      srv = n > 0 ? u[1] * 1000 / hz / n : 0
      db = n > 0 ? u[2] * 1000 / hz / n : 0
      printf "%.2f\t%.2f\t%.0f\t%s\t%d\t%.2f\t%s", p50, p99, rps, (per > 0 ? sprintf("%.0f", rps * per) : "-"), bad, srv, (pg != 0 ? sprintf("%.2f", db) : "-")
    }' "$out")
  printf '%s\t%s\t%s\n' "$engine" "$label" "$line" >>"$results"
  local p50 p99 rps alerts bad srv db
  IFS=$'\t' read -r p50 p99 rps alerts bad srv db <<<"$line"
  printf '   %-34s p50 %7s ms   p99 %7s ms   %6s req/s   CPU/req: server %5s ms' "$label" "$p50" "$p99" "$rps" "$srv"
  [[ $db != "-" ]] && printf ', PostgreSQL %5s ms' "$db"
  [[ $alerts != "-" ]] && printf '   %6s alerts/s' "$alerts"
  [[ $bad != 0 ]] && printf '   (%s failed/non-2xx)' "$bad"
  printf '\n'
  if [[ $rps == 0 ]]; then sed 's/^/      wrk: /' "$out" | tail -n 5; fi
}

# The list measurements against the running server ($base), seeded with $incidents rows.
measure_list() { # engine deep-cursor service-slug deep-cursor-in-severity-order
  local engine=$1 cursor=$2 slug=$3 severity_cursor=$4 cookie
  cookie=$(sign_in)
  local lua_first="$workdir/first.lua" lua_deep="$workdir/deep.lua" lua_filter="$workdir/filter.lua"
  post_lua "$lua_first" "query[sort]=newest"
  post_lua "$lua_deep" "query[sort]=newest&query[after]=$cursor"
  post_lua "$lua_filter" "query[service]=$slug&query[severity]=SEV1"
  local lua_severity="$workdir/severity.lua" lua_severity_deep="$workdir/severity-deep.lua"
  post_lua "$lua_severity" "query[sort]=severity"
  post_lua "$lua_severity_deep" "query[sort]=severity&query[after]=$severity_cursor"
  echo "-- what each URL answers (one request each):"
  echo "   SSR first page:    $(helper probe "$base/incidents" "$cookie")"
  echo "   SSR deep page:     $(helper probe "$base/incidents?after=$cursor" "$cookie")"
  echo "   SSR filtered page: $(helper probe "$base/incidents?service=$slug&severity=SEV1" "$cookie")"
  echo "   API first page:    $(helper probe "$base/api/incidents/list" "$cookie" "query[sort]=newest")"
  echo "   API deep page:     $(helper probe "$base/api/incidents/list" "$cookie" "query[sort]=newest&query[after]=$cursor")"
  echo "   API filtered page: $(helper probe "$base/api/incidents/list" "$cookie" "query[service]=$slug&query[severity]=SEV1")"
  echo "-- wrk, ${duration}s each, $connections connections:"
  local html=(-H "Cookie: $cookie" -H "Accept: text/html")
  measure "$engine" "SSR /incidents, first page" 0 "${html[@]}" "$base/incidents"
  measure "$engine" "SSR /incidents, deep page" 0 "${html[@]}" "$base/incidents?after=$cursor"
  measure "$engine" "SSR /incidents, $slug+SEV1" 0 "${html[@]}" "$base/incidents?service=$slug&severity=SEV1"
  measure "$engine" "API list, first page" 0 -H "Cookie: $cookie" -s "$lua_first" "$base/api/incidents/list"
  measure "$engine" "API list, deep page" 0 -H "Cookie: $cookie" -s "$lua_deep" "$base/api/incidents/list"
  measure "$engine" "API list, $slug+SEV1" 0 -H "Cookie: $cookie" -s "$lua_filter" "$base/api/incidents/list"
  measure "$engine" "API list, most severe first" 0 -H "Cookie: $cookie" -s "$lua_severity" "$base/api/incidents/list"
  measure "$engine" "API list, most severe, deep" 0 -H "Cookie: $cookie" -s "$lua_severity_deep" "$base/api/incidents/list"
}

# The dashboard for 90 days against the running server ($base).
measure_dashboard() { # engine service-slug
  local engine=$1 slug=$2 cookie
  cookie=$(sign_in)
  local lua_all="$workdir/dash.lua" lua_service="$workdir/dash-service.lua"
  post_lua "$lua_all" "query[range]=90"
  post_lua "$lua_service" "query[range]=90&query[service]=$slug"
  echo "-- what each URL answers (one request each):"
  echo "   API dashboard:          $(helper probe "$base/api/metrics/dashboard" "$cookie" "query[range]=90" | cut -c1-60)"
  echo "   SSR /dashboard:         $(helper probe "$base/dashboard?range=90" "$cookie" | cut -c1-60)"
  echo "-- wrk, ${duration}s each, $connections connection(s):"
  measure "$engine" "dashboard API, 90 days" 0 -H "Cookie: $cookie" -s "$lua_all" "$base/api/metrics/dashboard"
  measure "$engine" "dashboard API, 90 days, $slug" 0 -H "Cookie: $cookie" -s "$lua_service" "$base/api/metrics/dashboard"
  measure "$engine" "dashboard SSR page, 90 days" 0 -H "Cookie: $cookie" -H "Accept: text/html" "$base/dashboard?range=90"
}

# The change gate against the running server ($base): new changes (the headline), then repeats.
measure_gate() { # engine comma-separated-slugs
  local engine=$1 slugs=$2 token lua_new="$workdir/gate-new.lua" lua_repeat="$workdir/gate-repeat.lua"
  token=$(helper gate-token)
  local services
  services=$(printf '"%s",' ${slugs//,/ })
  for kind in new repeat; do
    cat >"$workdir/gate-$kind.lua" <<LUA
local services = { ${services%,} }
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer $token" }
local kind, threads = "$kind", 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args)
  counter = 0
  -- A prefix of this run and thread: no two requests of the headline name the same commit.
  math.randomseed(os.time() * 100 + (tid or 0))
  prefix = string.format("%06x%02x", math.random(0, 0xffffff), tid or 0)
end
function request()
  counter = counter + 1
  local n = kind == "new" and counter or (counter % 100)
  local commit = kind == "new" and string.format("%s%08x", prefix, n) or string.format("feed%08x", n)
  local body = '{"service":"' .. services[n % #services + 1] .. '","commit":"' .. commit ..
    '","title":"Bench change","paths":["src/handler.rs","README.md"],"checks":[{"name":"unit tests","status":"success"},{"name":"security scan","status":"success"}]}'
  return wrk.format("POST", "/api/v1/changes", headers, body)
end
LUA
  done
  echo "-- what the gate answers (one request):"
  echo "   $(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"service\":\"${slugs%%,*}\",\"commit\":\"0123456789ab\",\"paths\":[\"src/handler.rs\"]}" "$base/api/v1/changes" | cut -c1-150)"
  echo "-- wrk, ${duration}s each, $connections connections: new changes (each a commit never reported: decided and stored)"
  measure "$engine" "gate, new changes" 0 -s "$lua_new" "$base/api/v1/changes"
  echo "-- repeats of 100 changes already decided (the idempotent path):"
  measure "$engine" "gate, repeats" 0 -s "$lua_repeat" "$base/api/v1/changes"
}

# Alert intake on the running SQLite server: a bench integration, then wrk with Alertmanager payloads.
# The headline sends each alert once (new groups, so each delivery opens an incident); wrk stops
# before the file runs out, and the database is asked afterwards how many alerts were new.
measure_intake() { # sqlite-file
  local db=$1 id token
  id=$(helper sqlite-integration "$db")
  token=$(helper token)
  local slugs
  slugs=$(python3 -c 'import sqlite3,sys; print(",".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT slug FROM services WHERE archived_at IS NULL ORDER BY id")))' "$db")
  # Enough new groups for $duration seconds at well over the target rate (10 alerts each).
  local fresh_rules=$(( duration * 400 ))
  # Two sets of rules, so the 10-alert run's groups are new too.
  helper payloads "$workdir" "$slugs" "$fresh_rules" single
  helper payloads "$workdir" "$slugs" "$fresh_rules" batch
  helper payloads "$workdir" "$slugs" 50 repeat
  local path="/hooks/alertmanager/$id"
  for file in single1 batch10 repeat1 repeat10; do
    cat >"$workdir/$file.lua" <<LUA
local path, token, file = "$path", "$token", "$workdir/$file.txt"
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
local requests = {}
for line in io.lines(file) do requests[#requests + 1] = wrk.format("POST", path, headers, line) end
local threads, i, step = 0, 0, 1
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
-- Each thread takes every other request, so no two threads send the same one.
function init(args) i = offset or 0; step = 2 end
function request() local r = requests[i % #requests + 1]; i = i + step; return r end
LUA
  done
  local before after fresh
  echo "-- wrk, ${duration}s each, $connections connections: new alerts (each delivery a group never seen, opening an incident)"
  for run in single1 batch10; do
    local per=${run//[a-z]/}
    before=$(helper sqlite-intake-check "$db" "$id" | tail -n 1)
    measure sqlite "intake, new, $per alert(s)/delivery" "$per" -s "$workdir/$run.lua" "$base$path"
    after=$(helper sqlite-intake-check "$db" "$id" | tail -n 1)
    fresh=$(awk -v a="$before" -v b="$after" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%d incidents opened, %d new alerts, %d receipts", y[1] - x[1], y[2] - x[2], y[3] - x[3] }')
    echo "      the database afterwards: $fresh"
  done
  echo "-- repeats (the cheap path): priming each of 500 alerts once, in 50 deliveries of 10:"
  echo "   $(helper prime "$base$path" "$workdir/repeat10.txt")"
  echo "-- wrk, ${duration}s each, $connections connections, cycling through those 500 alerts (all duplicates):"
  measure sqlite "intake, duplicates, 1 alert/delivery" 1 -s "$workdir/repeat1.lua" "$base$path"
  measure sqlite "intake, duplicates, 10 alerts/delivery" 10 -s "$workdir/repeat10.lua" "$base$path"
  echo "   afterwards: $(helper sqlite-intake-check "$db" "$id" | head -n 1)"
}

bench_sqlite() {
  local db="$workdir/bench.db" url t
  url="sqlite://$db?mode=rwc"
  echo "== SQLite: schema and demo data (first start)"
  start_server "$url" true
  stop_server
  echo "== SQLite: seeding $incidents incidents"
  t=$(now)
  local timing
  timing=$(helper sqlite-seed "$db" "$incidents")
  local total
  total=$(since "$t")
  read -r insert analyze <<<"$timing"
  echo "   seeded in ${total}s (insert ${insert}s, ANALYZE + checkpoint ${analyze}s); file $(du -h "$db" | cut -f1)"
  printf 'SQLite: seeded %s incidents (+ incident_services) in %ss (insert %ss, ANALYZE %ss)\n' \
    "$incidents" "$total" "$insert" "$analyze" >>"$notes"
  local cursor
  cursor=$(helper sqlite-cursor "$db" "$incidents")
  local severity_cursor
  severity_cursor=$(helper sqlite-severity-cursor "$db" "$incidents")
  local slug
  slug=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT slug FROM services WHERE archived_at IS NULL ORDER BY id LIMIT 1").fetchone()[0])' "$db")
  echo "   deep page: after=$cursor (row $(( incidents < 1000000 ? incidents * 9 / 10 : 900000 )) newest first); filter: service=$slug&severity=SEV1"
  if [[ $mode == dashboard ]]; then
    t=$(now)
    echo "   follow-ups: $(helper sqlite-followups "$db" 7) in $(since "$t")s"
    t=$(now)
    start_server "$url" false
    echo "   server started in $(since "$t")s (it counts the dashboard's roll-up for the seeded rows first)"
    printf 'SQLite: start with the roll-up counted: %ss\n' "$(since "$t")" >>"$notes"
    echo "== SQLite: dashboard at $incidents incidents"
    measure_dashboard sqlite "$slug"
    stop_server
    return
  fi
  if [[ $mode == gate ]]; then
    t=$(now)
    helper sqlite-gate "$db" 10000
    echo "   10,000 changes and a token in $(since "$t")s"
    start_server "$url" false
    echo "== SQLite: change gate at $incidents incidents and $(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM changes").fetchone()[0])' "$db") changes"
    measure_gate sqlite "$(python3 -c 'import sqlite3,sys; print(",".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT slug FROM services WHERE archived_at IS NULL ORDER BY id")))' "$db")"
    stop_server
    return
  fi
  start_server "$url" false
  echo "== SQLite: incident list at $incidents rows"
  measure_list sqlite "$cursor" "$slug" "$severity_cursor"
  echo "== SQLite: alert intake (same database: $incidents incidents)"
  measure_intake "$db"
  stop_server
}

bench_postgres() { # runs under scripts/with-postgres.sh, which exports TEST_DATABASE_URL
  admin_url=$TEST_DATABASE_URL
  pg_db="postmortem_bench_$$"
  psql -q "$admin_url" -c "CREATE DATABASE $pg_db" >/dev/null
  pg_url="${admin_url%/*}/$pg_db"
  echo "== PostgreSQL: schema and demo data (first start)"
  start_server "$pg_url" true
  stop_server
  echo "== PostgreSQL: seeding $incidents incidents"
  local services member first_id t
  services=$(psql -XAt "$pg_url" -c "SELECT string_agg(id || ':' || slug, ',' ORDER BY id) FROM services WHERE archived_at IS NULL")
  member=$(psql -XAt "$pg_url" -c "SELECT id FROM users WHERE email = 'member@demo.example'")
  first_id=$(psql -XAt "$pg_url" -c "SELECT coalesce(max(id), 0) + 1 FROM incidents")
  helper pg-seed-sql "$incidents" "$first_id" "$(date +%s)" "$services" "$member" >"$workdir/seed.sql"
  t=$(now)
  {
    echo "\\set ON_ERROR_STOP on"
    echo "SELECT setseed(0.42);"
    echo "BEGIN;"
    cat "$workdir/seed.sql"
    echo "SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents));"
    echo "COMMIT;"
  } | psql -qX "$pg_url" >/dev/null
  local insert
  insert=$(since "$t")
  t=$(now)
  psql -qX "$pg_url" -c "VACUUM ANALYZE incidents" -c "VACUUM ANALYZE incident_services" >/dev/null
  local analyze total
  analyze=$(since "$t")
  total=$(awk -v a="$insert" -v b="$analyze" 'BEGIN { printf "%.1f", a + b }')
  echo "   seeded in ${total}s (insert ${insert}s, VACUUM ANALYZE ${analyze}s); database $(psql -XAt "$pg_url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
  printf 'PostgreSQL: seeded %s incidents (+ incident_services) in %ss (insert %ss, VACUUM ANALYZE %ss)\n' \
    "$incidents" "$total" "$insert" "$analyze" >>"$notes"
  local offset=$(( (incidents < 1000000 ? incidents * 9 / 10 : 900000) - 1 ))
  local cursor slug
  cursor=$(psql -XAt "$pg_url" -c "SELECT extract(epoch FROM opened_at)::bigint || '.' || id FROM incidents ORDER BY opened_at DESC, id DESC OFFSET $offset LIMIT 1")
  slug=$(psql -XAt "$pg_url" -c "SELECT slug FROM services WHERE archived_at IS NULL ORDER BY id LIMIT 1")
  local severity_cursor
  severity_cursor=$(psql -XAt "$pg_url" -c "SELECT severity || '.' || extract(epoch FROM opened_at)::bigint || '.' || id FROM incidents ORDER BY severity, opened_at DESC, id DESC OFFSET $offset LIMIT 1")
  echo "   deep page: after=$cursor (row $(( incidents < 1000000 ? incidents * 9 / 10 : 900000 )) newest first); filter: service=$slug&severity=SEV1"
  postmaster_pid=$(head -n 1 "$(psql -XAt "$pg_url" -c "SHOW data_directory")/postmaster.pid" 2>/dev/null || echo 0)
  if [[ $mode == dashboard ]]; then
    t=$(now)
    helper pg-followups-sql 7 "$member" | { echo "\\set ON_ERROR_STOP on"; cat; } | psql -qX "$pg_url" >/dev/null
    psql -qX "$pg_url" -c "VACUUM ANALYZE postmortems" -c "VACUUM ANALYZE action_items" -c "VACUUM ANALYZE postmortem_incidents" >/dev/null
    echo "   follow-ups: $(psql -XAt "$pg_url" -c "SELECT (SELECT count(*) FROM postmortems) || ' postmortems, ' || (SELECT count(*) FROM action_items) || ' action items'") in $(since "$t")s"
    t=$(now)
    start_server "$pg_url" false
    echo "   server started in $(since "$t")s (it counts the dashboard's roll-up for the seeded rows first)"
    printf 'PostgreSQL: start with the roll-up counted: %ss\n' "$(since "$t")" >>"$notes"
    echo "== PostgreSQL: dashboard at $incidents incidents"
    measure_dashboard postgres "$slug"
    stop_server
    return
  fi
  if [[ $mode == gate ]]; then
    t=$(now)
    helper pg-gate-sql 10000 "$member" "$(date +%s)" "$services" | { echo "\\set ON_ERROR_STOP on"; cat; } | psql -qX "$pg_url" >/dev/null
    psql -qX "$pg_url" -c "VACUUM ANALYZE changes" >/dev/null
    echo "   10,000 changes and a token in $(since "$t")s"
    start_server "$pg_url" false
    echo "== PostgreSQL: change gate at $incidents incidents and $(psql -XAt "$pg_url" -c "SELECT count(*) FROM changes") changes"
    measure_gate postgres "$(psql -XAt "$pg_url" -c "SELECT string_agg(slug, ',' ORDER BY id) FROM services WHERE archived_at IS NULL")"
    stop_server
    return
  fi
  start_server "$pg_url" false
  echo "== PostgreSQL: incident list at $incidents rows"
  measure_list postgres "$cursor" "$slug" "$severity_cursor"
  stop_server
}

if [[ $phase == postgres ]]; then
  bench_postgres
  exit 0
fi

: >"$results"
: >"$notes"
echo "Incident benchmarks: $incidents incidents, wrk ${duration}s per run, engines: $engines"
echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
for engine in $engines; do
  case $engine in
    sqlite) bench_sqlite ;;
    postgres | postgresql)
      if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "Installing PostgreSQL (Debian package)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      fi
      command -v psql >/dev/null || PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1):$PATH"
      if ! BENCH_MODE="$mode" BENCH_PHASE=postgres BENCH_RESULTS="$results" BENCH_NOTES="$notes" scripts/with-postgres.sh "$self"; then
        echo "== PostgreSQL: the run failed (see above)"
        echo "PostgreSQL: the run failed" >>"$notes"
      fi
      ;;
    *) echo "unknown engine $engine (use sqlite, postgres)" >&2; exit 2 ;;
  esac
done

echo
echo "== Summary ($incidents incidents; wrk -c$connections -d${duration}s on loopback; 2 cores shared by wrk and the server)"
sed 's/^/   /' "$notes"
echo "   Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '   %-8s %-34s %7s %7s %6s %8s %6s %9s  %s\n' engine measurement "p50 ms" "p99 ms" "req/s" "alerts/s" failed "CPU ms/r" target
while IFS=$'\t' read -r engine label p50 p99 rps alerts bad srv db; do
  if [[ $label == gate* ]]; then
    verdict=$(awk -v p="$p99" -v b="$bad" -v r="$rps" 'BEGIN { print (p > 0 && p < 10 && r >= 1000 && b == 0) ? "ok (p99 < 10 ms, >= 1,000/s)" : "MISSED (p99 < 10 ms, >= 1,000/s)" }')
  elif [[ $label == dashboard* ]]; then
    verdict=$(awk -v p="$p99" -v b="$bad" -v r="$rps" 'BEGIN { print (p > 0 && r > 0 && p < 200 && b == 0) ? "ok (p99 < 200 ms)" : "MISSED (p99 < 200 ms)" }')
  elif [[ $alerts == "-" ]]; then
    verdict=$(awk -v p="$p99" -v b="$bad" 'BEGIN { print (p < 20 && b == 0) ? "ok (p99 < 20 ms)" : "MISSED (p99 < 20 ms)" }')
  else
    verdict=$(awk -v a="$alerts" -v b="$bad" 'BEGIN { print (a >= 1000 && b == 0) ? "ok (>= 1,000 alerts/s)" : "MISSED (>= 1,000 alerts/s)" }')
  fi
  cpu=$srv
  [[ $db != "-" ]] && cpu="$srv+$db"
  printf '   %-8s %-34s %7s %7s %6s %8s %6s %9s  %s\n' "$engine" "$label" "$p50" "$p99" "$rps" "$alerts" "$bad" "$cpu" "$verdict"
done <"$results"
echo "   (CPU ms/r: CPU time per request of the server process, + the PostgreSQL backends' where used;"
echo "    2 cores serve at most ~2000/that requests/s, less what wrk itself takes.)"

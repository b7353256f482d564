#!/usr/bin/env python3
"""Fault suite (`make faults`): what a crash, a database restart or a full disk does to the app.

- kill -9 of the server in the middle of alert deliveries, of meeting saves and of a GitHub sync
  run; after a restart (and the senders' retries) nothing is lost and nothing is there twice;
- PostgreSQL restarted under load: requests fail fast and cleanly (503 from /readyz, a 5xx, never a
  hang) and the app recovers by itself once the database is back;
- SQLite on a full disk (a small tmpfs): writes are refused with a clear error, the process lives on,
  and once space returns the database is intact and takes writes again.

Uses the debug binaries `cargo test --workspace` builds (target/debug/server, github-fake), Python's
standard library and, for PostgreSQL, a throwaway cluster of its own. Everything runs on loopback
and stops by itself. Prints one line per check and ends with `N passed, N failed`.
"""

import contextlib
import http.client
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "target/debug/server")
FAKE = os.path.join(ROOT, "target/debug/github-fake")
ADMIN = ("admin@demo.example", "demo-admin-pass")
MEMBER = ("member@demo.example", "demo-member-pass")
REPOS = "acme/payments-api,acme/checkout-web,acme/ledger,acme/search-service,acme/notifications"

results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One app process on `database_url`; restartable on the same database."""

    def __init__(self, workdir, database_url, **env):
        self.workdir, self.database_url, self.env = workdir, database_url, env
        self.process = None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, seed=True):
        env = dict(os.environ, DATABASE_URL=self.database_url, BIND_ADDR=f"127.0.0.1:{self.port}",
                   SEED_DEMO="true" if seed else "false", RUST_LOG="warn", LEPTOS_OUTPUT_NAME="postmortem",
                   LEPTOS_SITE_ROOT=os.path.join(ROOT, "target/e2e-site"), **self.env)
        log = open(os.path.join(self.workdir, f"server-{self.port}.log"), "ab")
        self.process = subprocess.Popen([SERVER], env=env, stdout=log, stderr=log)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            status, _ = request(self.base + "/readyz", timeout=2)
            if status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def request(url, data=None, headers=None, opener=None, timeout=10, method=None):
    """(status, body) of one request; status 0 when no answer came (refused, reset, timed out)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, http.client.HTTPException):
        return 0, b""


class Browser:
    """A signed-in person: a cookie jar, and server functions called as the page's script does."""

    def __init__(self, server, account, forwarded_for=None):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        # Behind a trusted proxy, the address the proxy says the person has.
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        status, body = self.call("auth/sign-in", {"email": account[0], "password": account[1], "next": "/services"})
        if status != 200:
            raise RuntimeError(f"sign-in failed: {status} {body[:200]}")

    def call(self, endpoint, fields, timeout=10):
        data = urllib.parse.urlencode(fields).encode()
        headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded", **self.headers}
        return request(f"{self.server.base}/api/{endpoint}", data=data, opener=self.opener, timeout=timeout,
                       headers=headers)

    def get(self, path, timeout=10):
        """A page, as a browser navigating to it asks for it."""
        return request(self.server.base + path, opener=self.opener, timeout=timeout,
                       headers={"Accept": "text/html", **self.headers})


def json_of(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- kill -9 during alert deliveries -------------------------------------------------------------

def alert(i, token_tag):
    name = f"FaultStall{token_tag}{i}"
    return json.dumps({
        "version": "4", "groupKey": f'{{}}:{{alertname="{name}"}}', "truncatedAlerts": 0, "status": "firing",
        "receiver": "postmortem", "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "service": "payments-api", "severity": "warning"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example:9093",
        "alerts": [{
            "status": "firing", "labels": {"alertname": name, "service": "payments-api", "severity": "warning"},
            "annotations": {"summary": f"Fault run {token_tag} alert {i} stalls"},
            "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.example:9090/graph",
            "fingerprint": f"fa{token_tag}{i:08x}",
        }],
    }).encode()


def add_alertmanager(admin, name):
    """Creates an Alertmanager integration as `admin`; its `token` and `integration`, or None."""
    status, body = admin.call("integrations/create", {
        "integration[name]": name, "integration[source]": "alertmanager", "integration[service]": "",
        "integration[service_label]": "service", "integration[severity_label]": "severity",
        "integration[signing_secret]": "", "integration[signature_header]": "",
        "integration[resolve_with_alert]": "on"})
    created = json_of(body)
    return created if status == 200 and isinstance(created, dict) and "token" in created else None


def kill_during_alert_deliveries(workdir):
    db = os.path.join(workdir, "alerts.db")
    server = Server(workdir, f"sqlite://{db}?mode=rwc")
    server.start()
    try:
        admin = Browser(server, ADMIN)
        created = add_alertmanager(admin, "Fault suite")
        if not check(created is not None, "an Alertmanager integration is created"):
            return
        hook = f"/hooks/alertmanager/{created['integration']['id']}"
        headers = {"Authorization": f"Bearer {created['token']}", "Content-Type": "application/json"}
        total, tag = 240, "k"
        acked, lock = set(), threading.Lock()

        def deliver(indices):
            for i in indices:
                status, _ = request(server.base + hook, data=alert(i, tag), headers=headers, timeout=10)
                if status == 200:
                    with lock:
                        acked.add(i)

        senders = [threading.Thread(target=deliver, args=(range(k, total, 4),)) for k in range(4)]
        for s in senders:
            s.start()
        deadline = time.time() + 60
        while len(acked) < total // 3 and time.time() < deadline:
            time.sleep(0.01)
        server.kill()
        for s in senders:
            s.join()
        print(f"     killed after {len(acked)} of {total} deliveries were acknowledged")
        server.start()
        # Alertmanager sends again whatever was not acknowledged (and may repeat what was).
        retried = [request(server.base + hook, data=alert(i, tag), headers=headers, timeout=10)[0]
                   for i in range(total)]
        check(all(s == 200 for s in retried), "every delivery is accepted after the restart")
        with sqlite3.connect(db) as conn:
            alerts = conn.execute("SELECT COUNT(*), COUNT(DISTINCT fingerprint), COUNT(DISTINCT incident_id) "
                                  "FROM incident_alerts WHERE fingerprint LIKE ?", (f"fa{tag}%",)).fetchone()
        check(alerts == (total, total, total),
              f"each of the {total} alerts opened exactly one incident (alerts, fingerprints, incidents: {alerts})")
    finally:
        server.stop()


# --- kill -9 during meeting saves ----------------------------------------------------------------

def kill_during_meeting_saves(workdir):
    db = os.path.join(workdir, "meeting.db")
    server = Server(workdir, f"sqlite://{db}?mode=rwc")
    server.start()
    try:
        member = Browser(server, MEMBER)
        status, body = member.call("incidents/declare", {
            "incident[title]": "Fault suite meeting", "incident[severity]": "SEV2", "incident[services]": "",
            "incident[commander]": "", "incident[summary]": ""})
        incident = (json_of(body) or {}).get("id")
        status, body = member.call("postmortems/start", {"incidents": str(incident)})
        pm = json_of(body)
        if not check(status == 200 and isinstance(pm, int), f"a postmortem is started ({status})"):
            return
        acked, attempted, lock = set(), set(), threading.Lock()
        field_acked = {"version": 0, "body": ""}
        stop = threading.Event()

        def add_entries(writer):
            k = 0
            while not stop.is_set():
                text = f"fault entry {writer}-{k}"
                with lock:
                    attempted.add(text)
                status, _ = member.call("postmortems/timeline/save", {
                    "postmortem_id": pm, "id": 0, "version": 0,
                    "entry[occurred_at]": time.strftime("%Y-%m-%dT%H:%M", time.gmtime()),
                    "entry[moment]": "", "entry[body]": text}, timeout=5)
                if status == 200:
                    with lock:
                        acked.add(text)
                elif status == 0:
                    return
                k += 1

        def save_field():
            version = 1
            while not stop.is_set():
                text = f"went well, take {version}"
                status, body = member.call("postmortems/field", {
                    "postmortem_id": pm, "field": "went_well", "version": version, "body": text}, timeout=5)
                saved = json_of(body)
                if status == 200 and isinstance(saved, dict) and "Saved" in saved:
                    field_acked.update(version=version, body=text)
                    version += 1
                elif status == 0:
                    return

        writers = [threading.Thread(target=add_entries, args=(w,)) for w in range(3)]
        writers.append(threading.Thread(target=save_field))
        for w in writers:
            w.start()
        deadline = time.time() + 60
        while len(acked) < 60 and time.time() < deadline:
            time.sleep(0.01)
        if not check(len(acked) >= 60, f"the meeting takes saves ({len(acked)} acknowledged)"):
            stop.set()
            return
        server.kill()
        stop.set()
        for w in writers:
            w.join()
        print(f"     killed after {len(acked)} of {len(attempted)} entries and {field_acked['version']} field saves "
              "were acknowledged")
        server.start()
        with sqlite3.connect(db) as conn:
            counts = dict(conn.execute("SELECT body, COUNT(*) FROM pm_timeline_entries WHERE postmortem_id = ? "
                                       "AND body LIKE 'fault entry %' GROUP BY body", (pm,)).fetchall())
            field = conn.execute("SELECT body, version FROM postmortem_fields WHERE postmortem_id = ? "
                                 "AND field = 'went_well'", (pm,)).fetchone()
        check(all(counts.get(t) == 1 for t in acked), "every acknowledged timeline entry is there once")
        check(all(n == 1 for n in counts.values()), "no entry is there twice")
        check(set(counts) <= attempted, "nothing appeared that was not sent")
        in_flight = f"went well, take {field_acked['version'] + 1}"
        check(field is not None and field[0] in (field_acked["body"], in_flight),
              f"the narrative field holds the last acknowledged save or the one in flight ({field and field[0]!r})")
    finally:
        server.stop()


# --- kill -9 during a GitHub sync run -----------------------------------------------------------

def kill_during_github_sync(workdir):
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    fake_log = open(os.path.join(workdir, "github-fake.log"), "ab")
    fake = subprocess.Popen([FAKE], env=dict(os.environ, FAKE_GITHUB_ADDR=f"127.0.0.1:{fake_port}",
                                             FAKE_GITHUB_REPOS=REPOS), stdout=fake_log, stderr=fake_log)
    db = os.path.join(workdir, "github.db")
    server = Server(workdir, f"sqlite://{db}?mode=rwc", GITHUB_RECONCILE_SECONDS="5")
    try:
        deadline = time.time() + 30
        while request(fake_url + "/_fake/repos/acme/ledger/issues", timeout=1)[0] != 200:
            if time.time() > deadline:
                check(False, "the fake GitHub starts")
                return
            time.sleep(0.1)
        server.start()
        admin = Browser(server, ADMIN)
        # More items than the demo has, so the run is still going when the server is killed.
        status, body = admin.call("postmortems/list", {})
        postmortems = [p["id"] for p in (json_of(body) or [])]
        for n in range(30):
            admin.call("postmortems/actions/save", {
                "postmortem_id": postmortems[n % len(postmortems)], "id": 0, "version": 0,
                "action[title]": f"Fault suite guardrail {n}", "action[description]": "Added by the fault suite.",
                "action[kind]": "pipeline_test", "action[owner]": "", "action[due_on]": "",
                "action[priority]": "medium", "action[factor]": "", "action[status]": "open"})
        status, body = admin.call("github/connection/save", {
            "form[mode]": "token", "form[token]": "test-token", "form[api_url]": fake_url,
            "form[webhook_secret]": "fault-suite-webhook-secret-0123456789", "form[write_pace_ms]": "30"})
        if not check(status == 200, f"GitHub is connected to the fake ({status} {body[:120]!r})"):
            return
        admin.call("github/sync-now", {})

        def issues():
            found = []
            for repo in REPOS.split(","):
                status, body = request(f"{fake_url}/_fake/repos/{repo}/issues", timeout=5)
                found += json_of(body) or [] if status == 200 else []
            return found

        deadline = time.time() + 60
        while len([i for i in issues() if "postmortem:action-item:" in (i.get("body") or "")]) < 8:
            if time.time() > deadline:
                check(False, "the sync run starts creating issues")
                return
            time.sleep(0.05)
        server.kill()
        print("     killed in the middle of the sync run")
        server.start()
        admin = Browser(server, ADMIN)
        deadline = time.time() + 240
        progress = {}
        while time.time() < deadline:
            progress = json_of(admin.call("github/progress", {})[1]) or {}
            if progress.get("pending") == 0 and progress.get("synced", 0) > 0:
                break
            time.sleep(0.5)
        check(progress.get("pending") == 0 and progress.get("failed") == 0 and progress.get("parked") == 0,
              f"the queue drains after the restart ({progress})")
        markers = {}
        for issue in issues():
            body = issue.get("body") or ""
            if "postmortem:action-item:" in body:
                marker = body.split("postmortem:action-item:")[1].split(" ")[0]
                markers[marker] = markers.get(marker, 0) + 1
        with sqlite3.connect(db) as conn:
            synced = conn.execute("SELECT COUNT(*) FROM github_issues").fetchone()[0]
        check(all(n == 1 for n in markers.values()),
              f"no action item has two issues ({sum(markers.values())} issues for {len(markers)} items)")
        check(len(markers) == synced and synced >= 30, f"every synced item has its one issue ({synced} items)")
    finally:
        server.stop()
        fake.terminate()
        fake.wait()


# --- PostgreSQL restarted under load -------------------------------------------------------------

def as_postgres(args, **kw):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


class Postgres:
    """A throwaway PostgreSQL cluster in `workdir` on a free port, which can be stopped and started."""

    def __init__(self, workdir):
        versions = sorted(d for d in os.listdir("/usr/lib/postgresql") if os.path.isdir(f"/usr/lib/postgresql/{d}/bin"))
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.data = os.path.join(workdir, "pg")
        os.makedirs(self.data)
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres")
            shutil.chown(self.data, "postgres")
        port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"
        as_postgres([f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        self.ctl = [f"{self.bin}/pg_ctl", "-D", self.data, "-l", os.path.join(self.data, "server.log"), "-w", "-o",
                    f"-p {port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"]
        self.start()

    def start(self):
        as_postgres(self.ctl + ["start"])

    def stop(self, mode="fast"):
        as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])


@contextlib.contextmanager
def postgres_cluster(workdir):
    cluster = Postgres(workdir)
    try:
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        except subprocess.CalledProcessError:
            pass


def postgres_restarted_under_load(workdir):
    with postgres_cluster(workdir) as cluster:
        restart_under_load(workdir, cluster)


def restart_under_load(workdir, cluster):
    server = Server(workdir, cluster.url)
    try:
        server.start()
        member = Browser(server, MEMBER)
        log, lock, stop = [], threading.Lock(), threading.Event()

        def load():
            while not stop.is_set():
                started = time.time()
                status, _ = member.call("services/list", {"include_archived": "false"}, timeout=15)
                ready, _ = request(server.base + "/readyz", timeout=15)
                with lock:
                    log.append((started, time.time() - started, status, ready))

        # A participant of a live meeting, reconnecting like the browser does when the stream ends.
        postmortem = (json_of(member.call("postmortems/list", {})[1]) or [{}])[0].get("id")
        seen = []

        def follow():
            while not stop.is_set():
                req = urllib.request.Request(f"{server.base}/live/postmortems/{postmortem}",
                                             headers={"Accept": "text/event-stream"})
                try:
                    with member.opener.open(req, timeout=5) as stream:
                        for line in stream:
                            seen.append(line.decode(errors="replace"))
                except Exception:
                    time.sleep(1)

        workers = [threading.Thread(target=load) for _ in range(8)]
        workers.append(threading.Thread(target=follow, daemon=True))
        for w in workers:
            w.start()
        time.sleep(3)
        down_at = time.time()
        cluster.stop()
        time.sleep(10)
        cluster.start()
        up_at = time.time()
        time.sleep(15)
        view = json_of(member.call("postmortems/get", {"id": postmortem})[1]) or {}
        version = next((f["version"] for f in view.get("fields", []) if f.get("field") == "WentWell"), 1)
        member.call("postmortems/field", {"postmortem_id": postmortem, "field": "went_well", "version": version,
                                          "body": "Saved after the database came back."})
        arrived = time.time() + 10
        while time.time() < arrived and not any("came back" in line for line in seen):
            time.sleep(0.2)
        stop.set()
        for w in workers[:-1]:
            w.join()
        check(any("came back" in line for line in seen), "the live stream delivers a save made after the restart")
        # Requests that started while the database was down (and ended before it was back).
        down = [e for e in log if down_at + 0.5 < e[0] and e[0] + e[1] < up_at - 0.5]
        after = [e for e in log if e[0] > up_at + 10]
        print(f"     {len(log)} requests; {len(down)} while the database was down; "
              f"slowest {max(e[1] for e in log):.2f} s")
        check(all(e[1] < 8 for e in log), "no request hangs (each is answered within the pool's 3 s wait)")
        check(down and all(500 <= e[2] < 600 for e in down), "while the database is down, requests answer 5xx")
        check(down and all(e[3] == 503 for e in down), "and /readyz answers 503")
        check(after and all(e[2] == 200 and e[3] == 200 for e in after),
              "once it is back, the app recovers by itself")
        check(server.process.poll() is None, "the server kept running")
    finally:
        server.stop()


# --- SQLite on a full disk -----------------------------------------------------------------------

def sqlite_on_a_full_disk(workdir):
    mount = os.path.join(workdir, "small-disk")
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount]).returncode != 0:
        check(False, "a small tmpfs can be mounted (needs root)")
        return
    server = Server(workdir, f"sqlite://{mount}/full.db?mode=rwc")
    try:
        server.start()
        member = Browser(server, MEMBER)
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        big = "x" * 19_000
        statuses = []
        # Until the space the database files already had is used up, and a few refusals after.
        for n in range(600):
            status, body = member.call("services/create", {"service[name]": f"Full disk {n}",
                                                           "service[slug]": f"full-disk-{n}",
                                                           "service[description]": big})
            statuses.append((status, body[:160]))
            if len([s for s in statuses if s[0] != 200]) >= 5:
                break
        refused = [s for s in statuses if s[0] != 200]
        print(f"     {len(refused)} of {len(statuses)} writes refused on the full disk: {refused}")
        check(refused and all(s[0] == 503 for s in refused), "writes on a full disk answer 503")
        check(refused and all(b"disk" in s[1] for s in refused), "saying the disk is full")
        check(request(server.base + "/healthz")[0] == 200, "the server goes on running")
        os.remove(filler)
        status, body = member.call("services/create", {"service[name]": "After space returned",
                                                       "service[slug]": "after-space"})
        check(status == 200, f"once space returns, writes succeed again ({status} {body[:100]!r})")
        server.stop()
        conn = sqlite3.connect(os.path.join(mount, "full.db"))
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        kept = conn.execute("SELECT COUNT(*) FROM services WHERE slug = 'after-space'").fetchone()[0]
        conn.close()
        check(integrity == "ok" and kept == 1, f"the database is intact ({integrity}, the last write kept: {kept})")
    finally:
        server.stop()
        subprocess.run(["umount", mount])


SCENARIOS = {
    "alerts": kill_during_alert_deliveries,
    "meeting": kill_during_meeting_saves,
    "github": kill_during_github_sync,
    "postgres": postgres_restarted_under_load,
    "disk": sqlite_on_a_full_disk,
}


def main():
    chosen = sys.argv[1:] or list(SCENARIOS)
    for name in chosen:
        workdir = tempfile.mkdtemp(prefix=f"postmortem-faults-{name}.")
        print(f"== {name}", flush=True)
        try:
            SCENARIOS[name](workdir)
        except Exception as error:  # a scenario that breaks is a failed check, and the others still run
            check(False, f"{name}: {error!r}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()

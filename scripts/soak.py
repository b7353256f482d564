#!/usr/bin/env python3
"""Soak (`make soak`): 200 signed-in people for 60 s on PostgreSQL, and a live meeting of 50.

Each person reads pages and lists, saves timeline entries and narrative fields, and monitoring
delivers new alerts, with about a second between one person's requests; 50 of them follow one
postmortem's live stream while its facilitator saves a field every second. Reports per request
type the count, errors and p50/p99, the live delivery time from save to every screen, and the
server's memory; passes with 0 errors. The people sign in through a trusted proxy
(TRUSTED_PROXIES), each with a client address of its own, as they would behind a load balancer.
Uses the debug server `cargo test --workspace` builds; on loopback, bounded in time.
"""

import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faults import (ADMIN, Browser, Server, add_alertmanager, alert, check, json_of,  # noqa: E402
                    postgres_cluster, request, results)

PEOPLE = int(os.environ.get("SOAK_PEOPLE", "200"))
FOLLOWERS = int(os.environ.get("SOAK_FOLLOWERS", "50"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
PASSWORD = "soak password 123"


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    workdir = tempfile.mkdtemp(prefix="postmortem-soak.")
    with postgres_cluster(workdir) as cluster:
        server = Server(workdir, cluster.url, TRUSTED_PROXIES="127.0.0.1")
        try:
            server.start()
            run(server)
        finally:
            server.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def run(server):
    admin = Browser(server, ADMIN)
    hook = add_alertmanager(admin, "Soak")
    incidents = [i["id"] for i in (json_of(admin.call("incidents/list", {})[1]) or {}).get("rows", [])][:20]
    postmortems = [p["id"] for p in json_of(admin.call("postmortems/list", {})[1]) or []]
    if not check(hook and incidents and postmortems, "the demo instance has incidents, postmortems and an integration"):
        return
    print(f"     creating {PEOPLE} people …", flush=True)
    people = []
    for n in range(PEOPLE):
        email = f"soak{n}@test.example"
        admin.call("users/create", {"display_name": f"Soak person {n}", "email": email, "role": "member",
                                    "password": PASSWORD, "password_confirmation": PASSWORD})
        # A client address of its own behind the proxy (the sign-in limit counts per address).
        people.append(Browser(server, (email, PASSWORD), forwarded_for=f"198.18.{n // 250}.{n % 250 + 1}"))
    meeting = postmortems[0]

    timings, errors, lock = {}, {}, threading.Lock()
    deadline = time.time() + SECONDS
    stop = threading.Event()

    def record(kind, started, status, ok=(200,)):
        with lock:
            timings.setdefault(kind, []).append(time.time() - started)
            if status not in ok:
                errors.setdefault(kind, []).append(status)

    def person(n, browser):
        rng = random.Random(n)
        k = 0
        while time.time() < deadline:
            k += 1
            roll = rng.random()
            started = time.time()
            if roll < 0.35:
                path = rng.choice(["/incidents", "/services", "/problems", "/dashboard",
                                   f"/incidents/{rng.choice(incidents)}", f"/postmortems/{rng.choice(postmortems)}"])
                status, _ = browser.get(path)
                record("page " + path.split("/")[1] + ("/:id" if path.count("/") > 1 else ""), started, status)
            elif roll < 0.60:
                endpoint, fields = rng.choice([("services/list", {"include_archived": "false"}),
                                               ("incidents/list", {}), ("postmortems/list", {})])
                status, _ = browser.call(endpoint, fields)
                record("read " + endpoint, started, status)
            elif roll < 0.80:
                status, _ = browser.call("incidents/timeline/add", {
                    "incident_id": rng.choice(incidents), "entry[kind]": "note", "entry[occurred_at]": "",
                    "entry[body]": f"Soak note {n}-{k}"})
                record("save timeline entry", started, status)
            elif roll < 0.90:
                pm = rng.choice(postmortems[1:] or postmortems)
                view = json_of(browser.call("postmortems/get", {"id": pm})[1]) or {}
                version = next((f["version"] for f in view.get("fields", []) if f.get("field") == "WentBadly"), 1)
                status, body = browser.call("postmortems/field", {
                    "postmortem_id": pm, "field": "went_badly", "version": version, "body": f"Soak {n}-{k}"})
                # Several people on one field: a save based on an older version is refused (409).
                record("save narrative field", started, status, ok=(200, 409))
            else:
                status, _ = request(f"{server.base}/hooks/alertmanager/{hook['integration']['id']}",
                                    data=alert(n * 10_000 + k, "s"),
                                    headers={"Authorization": f"Bearer {hook['token']}",
                                             "Content-Type": "application/json"}, timeout=30)
                record("alert delivery (new alert)", started, status)
            time.sleep(rng.uniform(0.5, 1.5))

    sent_at, arrivals = {}, []

    def follower(browser):
        req = urllib.request.Request(f"{server.base}/live/postmortems/{meeting}",
                                     headers={"Accept": "text/event-stream"})
        try:
            with browser.opener.open(req, timeout=SECONDS + 30) as stream:
                for raw in stream:
                    if stop.is_set():
                        return
                    line = raw.decode(errors="replace")
                    if "soak-live-" in line:
                        marker = line.split("soak-live-")[1][:6]
                        with lock:
                            if marker in sent_at:
                                arrivals.append(time.time() - sent_at[marker])
        except Exception as error:  # a stream that breaks is an error of the live kind
            if not stop.is_set():
                with lock:
                    errors.setdefault("live stream", []).append(repr(error))

    def facilitator(browser):
        version = next((f["version"] for f in (json_of(browser.call("postmortems/get", {"id": meeting})[1]) or {})
                        .get("fields", []) if f.get("field") == "Summary"), 1)
        k = 0
        time.sleep(2)
        while time.time() < deadline - 2:
            k += 1
            marker = f"{k:06d}"
            with lock:
                sent_at[marker] = time.time()
            started = time.time()
            status, body = browser.call("postmortems/field", {
                "postmortem_id": meeting, "field": "summary", "version": version, "body": f"soak-live-{marker}"})
            saved = json_of(body) or {}
            record("save in the live meeting", started, status)
            if "Saved" in saved:
                version = saved["Saved"]["version"]
            time.sleep(1)

    memory = [rss_mb(server.process.pid)]
    threads = [threading.Thread(target=person, args=(n, b), daemon=True) for n, b in enumerate(people)]
    threads += [threading.Thread(target=follower, args=(b,), daemon=True) for b in people[:FOLLOWERS]]
    threads.append(threading.Thread(target=facilitator, args=(admin,), daemon=True))
    print(f"     {PEOPLE} people and {FOLLOWERS} live followers for {SECONDS} s …", flush=True)
    for t in threads:
        t.start()
    while time.time() < deadline:
        time.sleep(1)
        memory.append(rss_mb(server.process.pid))
    stop.set()
    for t in threads[:PEOPLE]:
        t.join(30)
    saves = len(sent_at)
    print(f"     {'request':<34} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in sorted(timings):
        values = timings[kind]
        print(f"     {kind:<34} {len(values):>6} {len(errors.get(kind, [])):>6} "
              f"{percentile(values, 50) * 1000:>8.1f} {percentile(values, 99) * 1000:>8.1f}")
    expected = saves * FOLLOWERS
    print(f"     live: {len(arrivals)} deliveries of {saves} saves to {FOLLOWERS} followers (of {expected}); "
          f"save to screen p50 {percentile(arrivals, 50) * 1000:.1f} ms, p99 {percentile(arrivals, 99) * 1000:.1f} ms")
    print(f"     server memory: {memory[0]:.0f} MB before, {max(memory):.0f} MB at most, {memory[-1]:.0f} MB at the end")
    total = sum(len(v) for v in timings.values())
    failed = {k: v[:3] for k, v in errors.items()}
    check(not errors, f"{total} requests and {FOLLOWERS} live streams without an error {failed or ''}")
    check(len(arrivals) >= 0.95 * expected, "every follower saw the live saves (95 % or more, the last may be in flight)")


if __name__ == "__main__":
    main()

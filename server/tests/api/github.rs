//! GitHub backlog sync against the stateful fake GitHub: items become issues (labels, assignee,
//! link back, pipeline tests under the tracking issue), edits update them, faults never duplicate
//! or lose an item, bad credentials stop with a reason and "Retry" recovers, webhooks are
//! verified and de-duplicated, a missed webhook is repaired by the reconcile, a crashed worker's
//! job is finished without a duplicate, two instances share one queue, and an item files its
//! issue in its own service's repository (moving it closes the old issue, with a pointer).

use std::time::Duration;

use github_fake::{FakeGitHub, Fault};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, call, ok, spawn_empty_app, start};
use crate::incidents::declare;
use crate::on_both_engines;

on_both_engines!(
    an_action_item_becomes_an_issue_and_edits_update_it,
    every_fault_mode_ends_with_one_issue_per_item,
    bad_credentials_stop_with_a_reason_and_retry_recovers,
    webhooks_are_verified_deduplicated_and_flow_back,
    a_missed_webhook_is_repaired_by_the_reconcile,
    a_crashed_workers_job_finishes_without_a_duplicate,
    two_instances_take_each_job_once,
    refused_labels_are_named_and_no_issue_is_created,
    disconnecting_stops_the_sync_and_keeps_the_issues,
    an_item_goes_to_its_own_service_and_moving_it_moves_its_issue,
    a_retry_asked_during_a_failing_attempt_runs_at_once,
);

pub const REPO: &str = "acme/checkout";
pub const SECRET: &str = "webhook secret for tests";

/// Settings that make retries and timeouts quick enough for tests.
const FAST: &[(&str, &str)] = &[
    ("GITHUB_RETRY_BASE_SECONDS", "0.02"),
    ("GITHUB_TIMEOUT_SECONDS", "1"),
    ("GITHUB_RECONCILE_SECONDS", "3600"),
];

/// A running app with a service whose repository is on the fake, and an admin client.
pub struct Setup {
    pub app: TestApp,
    pub admin: reqwest::Client,
    pub fake: FakeGitHub,
    pub pm: i64,
}

/// Saves the connection to the fake with `token`.
pub async fn connect(
    app: &TestApp,
    admin: &reqwest::Client,
    fake: &FakeGitHub,
    token: &str,
) -> Value {
    ok(
        app,
        admin,
        "github/connection/save",
        &[
            ("form[mode]", "token"),
            ("form[token]", token),
            ("form[api_url]", &fake.url()),
            ("form[webhook_secret]", SECRET),
            ("form[write_pace_ms]", "0"),
        ],
    )
    .await
}

/// An app on `engine` with a service on [`REPO`], a postmortem for one of its incidents, the
/// admin mapped to GitHub login `octo-admin`, and GitHub connected unless `connected` is false.
pub async fn setup(engine: Engine, extra: &[(&str, &str)], connected: bool) -> Setup {
    // The first setting of a name wins: the test's own come first.
    let mut settings: Vec<(&str, &str)> = extra.to_vec();
    settings.extend_from_slice(FAST);
    let app = spawn_empty_app(engine, &settings).await;
    let admin = app.client_as(Role::Admin).await;
    app.sign_in_new(&app.client, Role::Member, "member@test.example")
        .await;
    let fake = FakeGitHub::start().await;
    fake.add_repository(REPO, true);
    ok(
        &app,
        &admin,
        "services/create",
        &[
            ("service[name]", "Checkout"),
            ("service[slug]", "checkout"),
            ("service[repository]", REPO),
        ],
    )
    .await;
    let incident = declare(
        &app,
        &[
            ("incident[title]", "Checkout fails for card payments"),
            ("incident[severity]", "SEV2"),
            ("incident[services]", "checkout"),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let pm = ok(
        &app,
        &admin,
        "postmortems/start",
        &[("incidents", &incident.to_string())],
    )
    .await
    .as_i64()
    .unwrap();
    ok(
        &app,
        &admin,
        "github/login/save",
        &[("github_login", "octo-admin")],
    )
    .await;
    if connected {
        connect(&app, &admin, &fake, "test-token").await;
    }
    Setup {
        app,
        admin,
        fake,
        pm,
    }
}

/// Adds an action item of `kind` owned by the admin; returns its id.
pub async fn add_item(s: &Setup, title: &str, kind: &str) -> i64 {
    let view = ok(
        &s.app,
        &s.admin,
        "postmortems/get",
        &[("id", &s.pm.to_string())],
    )
    .await;
    let owner = view["author_id"].as_i64().unwrap().to_string();
    save_item(s, 0, 0, title, kind, &owner).await
}

async fn save_item(s: &Setup, id: i64, version: i32, title: &str, kind: &str, owner: &str) -> i64 {
    let saved = ok(
        &s.app,
        &s.admin,
        "postmortems/actions/save",
        &[
            ("postmortem_id", &s.pm.to_string()),
            ("id", &id.to_string()),
            ("version", &version.to_string()),
            ("action[title]", title),
            (
                "action[description]",
                "Make the pool limit a tested setting.",
            ),
            ("action[kind]", kind),
            ("action[owner]", owner),
            ("action[due_on]", "2099-01-01"),
        ],
    )
    .await;
    saved["Saved"]["id"].as_i64().unwrap()
}

/// The item as the postmortem page has it.
pub async fn item(s: &Setup, id: i64) -> Value {
    let view = ok(
        &s.app,
        &s.admin,
        "postmortems/get",
        &[("id", &s.pm.to_string())],
    )
    .await;
    view["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Waits until `check` holds, or fails naming `what`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting: {what}");
}

async fn synced(s: &Setup, id: i64) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = item(s, id).await;
        if last["sync"]["state"] == "Synced" {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("item {id} was not synced: {last}");
}

fn action_issues(fake: &FakeGitHub) -> Vec<github_fake::FakeIssue> {
    fake.issues(REPO)
        .into_iter()
        .filter(|i| i.labels.iter().any(|l| l == "postmortem-action"))
        .collect()
}

async fn an_action_item_becomes_an_issue_and_edits_update_it(engine: Engine) {
    let s = setup(engine, &[], true).await;
    let id = add_item(&s, "Regression test for the pool limit", "pipeline_test").await;
    let view = synced(&s, id).await;
    let issues = action_issues(&s.fake);
    assert_eq!(issues.len(), 1, "{issues:?}");
    let issue = &issues[0];
    assert_eq!(issue.title, "Regression test for the pool limit");
    assert_eq!(
        issue.labels,
        ["postmortem-action", "pipeline-test", "priority:medium"]
    );
    assert_eq!(issue.assignees, ["octo-admin"]);
    assert!(
        issue.body.contains(&format!("/postmortems/{}", s.pm)),
        "{}",
        issue.body
    );
    assert!(
        issue
            .body
            .contains(&format!("<!-- postmortem:action-item:{id} -->"))
    );
    assert_eq!(view["sync"]["issue"]["number"], issue.number);
    assert_eq!(view["sync"]["issue"]["url"], issue.html_url.as_str());
    assert_eq!(view["sync"]["verification"], "Open");
    // The pipeline test sits under the repository's tracking issue, created once.
    let tracking: Vec<_> = s
        .fake
        .issues(REPO)
        .into_iter()
        .filter(|i| i.title == "Pipeline test backlog")
        .collect();
    assert_eq!(tracking.len(), 1);
    assert_eq!(tracking[0].sub_issues, [issue.number]);
    for label in ["postmortem-action", "pipeline-test", "fix", "priority:high"] {
        assert!(
            s.fake.labels(REPO).iter().any(|l| l == label),
            "{label} missing"
        );
    }
    // Editing the item updates the same issue.
    let owner = view["owner_id"].as_i64().unwrap().to_string();
    let version = view["version"].as_i64().unwrap() as i32;
    save_item(
        &s,
        id,
        version,
        "Regression test for the pool limit at 2x peak",
        "pipeline_test",
        &owner,
    )
    .await;
    eventually("the issue's title follows the item", || async {
        action_issues(&s.fake)[0].title == "Regression test for the pool limit at 2x peak"
    })
    .await;
    synced(&s, id).await;
    assert_eq!(action_issues(&s.fake).len(), 1);
    let writes = s.fake.writes_by_route();
    assert_eq!(
        writes.get("POST issues"),
        Some(&2),
        "the item and the tracking issue: {writes:?}"
    );
    assert_eq!(writes.get("POST sub_issues"), Some(&1), "{writes:?}");
    // The backlog counts it as open on its service.
    let backlog = ok(&s.app, &s.admin, "github/backlog", &[]).await;
    let service = &backlog["services"][0];
    assert_eq!(service["service"]["name"], "Checkout");
    assert_eq!(
        (service["open"].as_u64(), service["verified"].as_u64()),
        (Some(1), Some(0))
    );
}

async fn every_fault_mode_ends_with_one_issue_per_item(engine: Engine) {
    let s = setup(engine, &[], true).await;
    // A first item makes the labels exist, so each fault below hits an issue write.
    let first = add_item(&s, "Warm-up", "fix").await;
    synced(&s, first).await;
    let faults = [
        Fault::BadGatewayAfterWrite,
        Fault::TooManyRequests(1),
        Fault::RateLimited(1),
        Fault::HangAfterWrite(1_500),
    ];
    let mut ids = vec![first];
    for (n, fault) in faults.into_iter().enumerate() {
        s.fake.fail_next(fault, 1);
        let id = add_item(&s, &format!("Follow-up {n} ({fault:?})"), "fix").await;
        synced(&s, id).await;
        ids.push(id);
        assert_eq!(action_issues(&s.fake).len(), ids.len(), "after {fault:?}");
    }
    let titles: Vec<String> = action_issues(&s.fake)
        .into_iter()
        .map(|i| i.title)
        .collect();
    for n in 0..4 {
        assert_eq!(
            titles
                .iter()
                .filter(|t| t.starts_with(&format!("Follow-up {n} ")))
                .count(),
            1
        );
    }
    let overview = ok(&s.app, &s.admin, "github/overview", &[]).await;
    let history = overview["activity"].to_string();
    assert!(history.contains("no duplicate created"), "{history}");
    assert!(history.contains("asked to slow down"), "{history}");
}

async fn bad_credentials_stop_with_a_reason_and_retry_recovers(engine: Engine) {
    let s = setup(engine, &[], false).await;
    connect(&s.app, &s.admin, &s.fake, "wrong-token").await;
    let report = ok(&s.app, &s.admin, "github/connection/check", &[]).await;
    assert_eq!(report["ok"], false);
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("Bad credentials"),
        "{report}"
    );
    let id = add_item(&s, "Alert on pool saturation", "monitoring").await;
    let mut last = Value::Null;
    for _ in 0..300 {
        last = item(&s, id).await;
        if last["sync"]["state"] == "Parked" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["sync"]["state"], "Parked", "{last}");
    assert!(
        last["sync"]["error"]
            .as_str()
            .unwrap()
            .contains("credentials"),
        "{last}"
    );
    let overview = ok(&s.app, &s.admin, "github/overview", &[]).await;
    assert_eq!(overview["troubled"][0]["attempts"], 8);
    assert!(action_issues(&s.fake).is_empty());
    // Fixing the token (the secret is kept when left blank) and retrying syncs it once.
    connect(&s.app, &s.admin, &s.fake, "test-token").await;
    let report = ok(&s.app, &s.admin, "github/connection/check", &[]).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["repositories"][0]["repository"], REPO);
    ok(
        &s.app,
        &s.admin,
        "github/retry",
        &[("item", &id.to_string())],
    )
    .await;
    synced(&s, id).await;
    assert_eq!(action_issues(&s.fake).len(), 1);
    // A repository that does not exist is named by the check.
    ok(
        &s.app,
        &s.admin,
        "services/create",
        &[
            ("service[name]", "Ghost"),
            ("service[slug]", "ghost"),
            ("service[repository]", "acme/missing"),
        ],
    )
    .await;
    let report = ok(&s.app, &s.admin, "github/connection/check", &[]).await;
    assert_eq!(report["ok"], false);
    assert!(report.to_string().contains("Not found"), "{report}");
    // Members cannot see or change the connection.
    let (status, _) = call(&s.app, &s.app.client, "github/connection", &[]).await;
    assert_eq!(status, 403);
}

async fn send_webhook(
    s: &Setup,
    delivery: &str,
    body: &str,
    signature: Option<String>,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(s.app.url("/hooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "issues")
        .header("x-github-delivery", delivery)
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn webhooks_are_verified_deduplicated_and_flow_back(engine: Engine) {
    let s = setup(engine, &[], true).await;
    ok(&s.app, &s.admin, "github/connection/check", &[]).await;
    s.fake
        .set_webhook_target(&s.app.url("/hooks/github"), SECRET);
    let id = add_item(&s, "Contract test for the card API", "pipeline_test").await;
    let view = synced(&s, id).await;
    let number = view["sync"]["issue"]["number"].as_u64().unwrap();
    // Closed as completed with a merged pull request: verified, and the item is done.
    assert_eq!(
        s.fake.close_issue(REPO, number, "completed", true).await,
        Some(200)
    );
    let view = item(&s, id).await;
    assert_eq!(view["sync"]["verification"], "Verified", "{view}");
    assert_eq!(view["status"], "Done");
    // Reopened, then closed without a pull request: closed, unverified.
    assert_eq!(s.fake.reopen_issue(REPO, number).await, Some(200));
    assert_eq!(item(&s, id).await["status"], "Open");
    assert_eq!(
        s.fake.close_issue(REPO, number, "not_planned", false).await,
        Some(200)
    );
    assert_eq!(
        item(&s, id).await["sync"]["verification"],
        "ClosedUnverified"
    );
    // A title edited on GitHub comes back to the item.
    assert_eq!(
        s.fake
            .edit_issue_title(REPO, number, "Card API contract test")
            .await,
        Some(200)
    );
    assert_eq!(item(&s, id).await["title"], "Card API contract test");
    // The same delivery twice changes nothing the second time.
    let body = s
        .fake
        .issue_event_payload(REPO, number, "reopened", "octocat")
        .to_string();
    let signature = FakeGitHub::sign(SECRET, body.as_bytes());
    let (status, _) = send_webhook(&s, "delivery-1", &body, Some(signature.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(item(&s, id).await["status"], "Open");
    let (status, text) = send_webhook(&s, "delivery-1", &body, Some(signature)).await;
    assert_eq!(status, 200);
    assert!(text.contains("Already received"), "{text}");
    // A wrong or missing signature is refused and changes nothing.
    let closed = s
        .fake
        .issue_event_payload(REPO, number, "closed", "octocat")
        .to_string();
    let (status, _) = send_webhook(
        &s,
        "delivery-2",
        &closed,
        Some(FakeGitHub::sign("not the secret at all", closed.as_bytes())),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send_webhook(&s, "delivery-3", &closed, None).await;
    assert_eq!(status, 401);
    assert_eq!(item(&s, id).await["status"], "Open");
    // An action the app does not know is kept for a person, not a crash.
    let odd = serde_json::json!({"action": "teleported", "issue": {"number": number}}).to_string();
    let (status, _) = send_webhook(
        &s,
        "delivery-4",
        &odd,
        Some(FakeGitHub::sign(SECRET, odd.as_bytes())),
    )
    .await;
    assert_eq!(status, 202);
    let overview = ok(&s.app, &s.admin, "github/overview", &[]).await;
    assert!(
        overview["kept_deliveries"]
            .to_string()
            .contains("teleported"),
        "{overview}"
    );
    // Malformed JSON is refused with a message.
    let (status, text) = send_webhook(
        &s,
        "delivery-5",
        "{not json",
        Some(FakeGitHub::sign(SECRET, b"{not json")),
    )
    .await;
    assert_eq!(status, 400, "{text}");
}

async fn a_missed_webhook_is_repaired_by_the_reconcile(engine: Engine) {
    let s = setup(engine, &[("GITHUB_RECONCILE_SECONDS", "1")], true).await;
    let id = add_item(&s, "Canary the pool size change", "pipeline_test").await;
    let number = synced(&s, id).await["sync"]["issue"]["number"]
        .as_u64()
        .unwrap();
    s.fake.close_issue_silently(REPO, number, "completed", true);
    for _ in 0..100 {
        if item(&s, id).await["sync"]["verification"] == "Verified" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let overview = ok(&s.app, &s.admin, "github/overview", &[]).await;
    assert_eq!(
        item(&s, id).await["sync"]["verification"],
        "Verified",
        "{}",
        overview["activity"]
    );
    assert_eq!(item(&s, id).await["status"], "Done");
}

async fn a_crashed_workers_job_finishes_without_a_duplicate(engine: Engine) {
    // The first instance queues the item but has no worker: it "crashes" after sending the issue.
    let s = setup(engine, &[("GITHUB_SYNC", "false")], true).await;
    let id = add_item(&s, "Load test in the pipeline", "fix").await;
    let marker = format!("<!-- postmortem:action-item:{id} -->");
    let created: Value = reqwest::Client::new()
        .post(format!("{}/repos/{REPO}/issues", s.fake.url()))
        .bearer_auth("test-token")
        .json(&serde_json::json!({"title": "Load test in the pipeline", "body": format!("sent before the crash\n\n{marker}"), "labels": ["postmortem-action"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sql = match engine {
        Engine::Sqlite => {
            "UPDATE sync_jobs SET uncertain = true, lease_owner = 'crashed', lease_until = datetime('now', '-1 minute'), first_tried_at = CURRENT_TIMESTAMP"
        }
        Engine::Postgres => {
            "UPDATE sync_jobs SET uncertain = true, lease_owner = 'crashed', lease_until = now() - interval '1 minute', first_tried_at = now()"
        }
    };
    s.app.db.execute_unprepared(sql).await.unwrap();
    // A restarted instance with a worker takes the job over and adopts the issue.
    let _restarted = start(&s.app.database_url, FAST).await;
    let view = synced(&s, id).await;
    assert_eq!(view["sync"]["issue"]["number"], created["number"]);
    let issues = action_issues(&s.fake);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(
        issues[0].body.contains("## What happened"),
        "the adopted issue gets the current text"
    );
}

async fn two_instances_take_each_job_once(engine: Engine) {
    let s = setup(engine, &[], true).await;
    let _second = start(&s.app.database_url, FAST).await;
    // Each write takes a while, so one worker cannot drain the queue before the other looks.
    s.fake.slow_writes_ms(300);
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(add_item(&s, &format!("Guardrail {n}"), "fix").await);
    }
    for id in &ids {
        synced(&s, *id).await;
    }
    let workers = s
        .app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            s.app.db.get_database_backend(),
            "SELECT DISTINCT finished_by FROM sync_jobs WHERE done_at IS NOT NULL",
        ))
        .await
        .unwrap();
    assert_eq!(workers.len(), 2, "both instances' workers finished jobs");
    let issues = action_issues(&s.fake);
    assert_eq!(
        issues.len(),
        12,
        "{:?}",
        issues.iter().map(|i| &i.title).collect::<Vec<_>>()
    );
    assert_eq!(s.fake.writes_by_route().get("POST issues"), Some(&12));
}

async fn refused_labels_are_named_and_no_issue_is_created(engine: Engine) {
    let s = setup(engine, &[], true).await;
    s.fake.refuse_labels(REPO);
    let id = add_item(&s, "Alert on queue depth", "monitoring").await;
    let mut last = Value::Null;
    for _ in 0..200 {
        last = item(&s, id).await;
        if last["sync"]["state"] == "Failed" || last["sync"]["state"] == "Parked" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let error = last["sync"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("label") && error.contains("refused"),
        "{last}"
    );
    assert!(s.fake.issues(REPO).is_empty());
    // The item itself is kept as saved.
    assert_eq!(last["title"], "Alert on queue depth");
}

async fn disconnecting_stops_the_sync_and_keeps_the_issues(engine: Engine) {
    let s = setup(engine, &[], true).await;
    let id = add_item(&s, "Alert on pool saturation", "monitoring").await;
    let number = synced(&s, id).await["sync"]["issue"]["number"].clone();
    // A member may not disconnect it; an administrator may.
    let (status, _) = call(&s.app, &s.app.client, "github/connection/delete", &[]).await;
    assert_eq!(status, 403);
    ok(&s.app, &s.admin, "github/connection/delete", &[]).await;
    let connection = ok(&s.app, &s.admin, "github/connection", &[]).await;
    assert_eq!(connection["connected"], false, "{connection}");
    // Nothing more is sent: a new item waits, and "Sync now" says to connect first.
    let writes = s.fake.write_calls();
    let waiting = add_item(&s, "Canary the resolver", "fix").await;
    let (status, body) = call(&s.app, &s.admin, "github/sync-now", &[]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("Connect GitHub first"), "{body}");
    assert_eq!(s.fake.write_calls(), writes);
    // The issue filed before stays linked; disconnecting twice is refused, and it is audited.
    assert_eq!(item(&s, id).await["sync"]["issue"]["number"], number);
    let (status, _) = call(&s.app, &s.admin, "github/connection/delete", &[]).await;
    assert_eq!(status, 409);
    let audit = ok(&s.app, &s.admin, "audit/list", &[]).await;
    assert!(audit.to_string().contains("github.disconnected"), "{audit}");
    // Connecting again carries on: "Sync now" files what changed meanwhile.
    connect(&s.app, &s.admin, &s.fake, "test-token").await;
    ok(&s.app, &s.admin, "github/sync-now", &[]).await;
    synced(&s, waiting).await;
    assert_eq!(
        item(&s, id).await["sync"]["issue"]["number"],
        number,
        "no second issue"
    );
}

/// A postmortem of two incidents: one on Accounts and Checkout, one on Checkout only.
async fn two_service_postmortem(s: &Setup) -> (i64, i64, i64) {
    s.fake.add_repository(OTHER_REPO, true);
    let accounts = ok(
        &s.app,
        &s.admin,
        "services/create",
        &[
            ("service[name]", "Accounts"),
            ("service[slug]", "accounts"),
            ("service[repository]", OTHER_REPO),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut incidents = Vec::new();
    for (title, services) in [
        ("Sign-in and checkout time out", "accounts, checkout"),
        ("Card payments fail at checkout", "checkout"),
    ] {
        let id = declare(
            &s.app,
            &[
                ("incident[title]", title),
                ("incident[severity]", "SEV2"),
                ("incident[services]", services),
            ],
        )
        .await["id"]
            .as_i64()
            .unwrap();
        incidents.push(id.to_string());
    }
    let pm = ok(
        &s.app,
        &s.admin,
        "postmortems/start",
        &[("incidents", &incidents.join(","))],
    )
    .await
    .as_i64()
    .unwrap();
    let view = ok(
        &s.app,
        &s.admin,
        "postmortems/get",
        &[("id", &pm.to_string())],
    )
    .await;
    let checkout = view["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Checkout")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    (pm, accounts, checkout)
}

const OTHER_REPO: &str = "acme/accounts";

async fn an_item_goes_to_its_own_service_and_moving_it_moves_its_issue(engine: Engine) {
    let s = setup(engine, &[], true).await;
    let (pm, accounts, checkout) = two_service_postmortem(&s).await;
    let s = Setup { pm, ..s };
    // Checkout is affected by both incidents, Accounts (first by name) by one: Checkout it is.
    let id = add_item(&s, "Contract test for the card API", "pipeline_test").await;
    let view = synced(&s, id).await;
    assert_eq!(view["service_id"].as_i64(), Some(checkout), "{view}");
    assert_eq!(action_issues(&s.fake).len(), 1);
    let open_in = |repo: &str| {
        s.fake
            .issues(repo)
            .into_iter()
            .filter(|i| i.labels.iter().any(|l| l == "postmortem-action") && i.state == "open")
            .collect::<Vec<_>>()
    };
    assert!(open_in(OTHER_REPO).is_empty());
    let first = action_issues(&s.fake)[0].number;

    // Moved to Accounts: the issue is filed there and the old one closed with a pointer.
    let owner = view["owner_id"].as_i64().unwrap().to_string();
    let version = view["version"].as_i64().unwrap().to_string();
    ok(
        &s.app,
        &s.admin,
        "postmortems/actions/save",
        &[
            ("postmortem_id", &pm.to_string()),
            ("id", &id.to_string()),
            ("version", &version),
            ("action[title]", "Contract test for the card API"),
            ("action[kind]", "pipeline_test"),
            ("action[owner]", &owner),
            ("action[service]", &accounts.to_string()),
        ],
    )
    .await;
    eventually("the old issue is closed", || async {
        s.fake
            .issues(REPO)
            .iter()
            .any(|i| i.number == first && i.state == "closed")
    })
    .await;
    let view = synced(&s, id).await;
    assert_eq!(view["service_id"].as_i64(), Some(accounts));
    let moved = open_in(OTHER_REPO);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(open_in(REPO).is_empty(), "no duplicate left open");
    assert_eq!(view["sync"]["issue"]["number"], moved[0].number);
    let old = s
        .fake
        .issues(REPO)
        .into_iter()
        .find(|i| i.number == first)
        .unwrap();
    assert_eq!(old.state_reason.as_deref(), Some("not_planned"));
    assert_eq!(old.comments.len(), 1, "{:?}", old.comments);
    assert!(
        old.comments[0].contains(&format!("{OTHER_REPO}#{}", moved[0].number)),
        "{}",
        old.comments[0]
    );

    // The backlog counts it under Accounts, and a sync of Checkout alone leaves it be.
    let backlog = ok(&s.app, &s.admin, "github/backlog", &[]).await;
    let names: Vec<&str> = backlog["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| !g["items"].as_array().unwrap().is_empty())
        .map(|g| g["service"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Accounts"), "{backlog}");
    let accounts_group = backlog["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["service"]["name"] == "Accounts")
        .unwrap();
    assert!(
        accounts_group["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
    );

    // A service that is not there is refused, naming the field; the item keeps its service.
    let view = item(&s, id).await;
    let version = view["version"].as_i64().unwrap().to_string();
    let (status, body) = call(
        &s.app,
        &s.admin,
        "postmortems/actions/save",
        &[
            ("postmortem_id", &pm.to_string()),
            ("id", &id.to_string()),
            ("version", &version),
            ("action[title]", "Contract test for the card API"),
            ("action[kind]", "pipeline_test"),
            ("action[service]", "999999"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("service"), "{body}");
    assert_eq!(item(&s, id).await["service_id"].as_i64(), Some(accounts));
}

async fn a_retry_asked_during_a_failing_attempt_runs_at_once(engine: Engine) {
    // A long back-off, so an attempt that put its back-off over the retry would be seen waiting.
    let s = setup(engine, &[("GITHUB_RETRY_BASE_SECONDS", "60")], true).await;
    // The first write is applied, then its answer hangs past the client's time limit.
    s.fake.fail_next(Fault::HangAfterWrite(2_500), 1);
    let id = add_item(&s, "Alert on payout backlog", "fix").await;
    eventually("the first attempt is under way", || async {
        s.fake.write_calls() > 0
    })
    .await;
    // Someone presses Retry while that attempt still waits for its answer.
    ok(
        &s.app,
        &s.admin,
        "github/retry",
        &[("item", &id.to_string())],
    )
    .await;
    // The attempt fails (timed out), but the retry stands: the item syncs now, not in a minute.
    let view = synced(&s, id).await;
    assert_eq!(view["sync"]["state"], "Synced");
    assert_eq!(action_issues(&s.fake).len(), 1, "no duplicate");
}

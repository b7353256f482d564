//! GitHub sync figures against the fake GitHub: 1,000 action items synced with pacing off, with no
//! faults and with 10 % of writes failing in each fault mode (a 502 after the write, a 429 with
//! `retry-after`, a 403 with the rate limit exhausted, a hang past the client timeout): GitHub
//! write calls per item (all of them, and those GitHub applied), duplicates and lost items; then
//! the time per write with the default pace (1,000 ms; `BENCH_PACE_MS` sets another).
//! Run with `make bench-github`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use backend::entities::{action_item, github_connection, postmortem};
use backend::github::{facts, outbox};
use backend::{AppState, Settings};
use chrono::Utc;
use github_fake::{FakeGitHub, Fault};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use shared::domain::github::parse_marker;
use shared::domain::github_connection::{ConnectionMode, DEFAULT_WRITE_PACE_MS};
use shared::domain::postmortem::{ActionKind, ActionPriority, ActionStatus};

const ITEMS: usize = 1_000;
const PACED_ITEMS: usize = 20;

struct Run {
    label: String,
    items: usize,
    writes: usize,
    /// Write calls refused without being applied (429, 403): retrying those is unavoidable.
    refused: usize,
    duplicates: usize,
    lost: usize,
    elapsed: Duration,
}

async fn app(pace_ms: i64, fake: &FakeGitHub) -> (AppState, String) {
    let path = std::env::temp_dir().join(format!(
        "postmortem-bench-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "BIND_ADDR" => Some("127.0.0.1:0".into()),
        "SEED_DEMO" => Some("true".into()),
        "GITHUB_RETRY_BASE_SECONDS" => Some("0.01".into()),
        "GITHUB_TIMEOUT_SECONDS" => Some("1".into()),
        _ => None,
    })
    .expect("bench settings");
    let application = server::Application::build(settings)
        .await
        .expect("the app starts");
    let state = application.state().clone();
    // Pick a demo postmortem whose service names a repository, and make that repository exist.
    let mut repository = None;
    for pm in postmortem::Entity::find().all(&state.db).await.unwrap() {
        if let Some(repo) = repository_of(&state.db, pm.id).await {
            repository = Some(repo);
            break;
        }
    }
    let repository = repository.expect("a demo postmortem with a repository");
    fake.add_repository(&repository, true);
    github_connection::ActiveModel {
        id: Set(1),
        mode: Set(ConnectionMode::Token),
        token: Set(Some("test-token".into())),
        app_id: Set(None),
        private_key: Set(None),
        installation_id: Set(None),
        api_url: Set(Some(fake.url())),
        webhook_secret: Set(None),
        write_pace_ms: Set(pace_ms),
        bot_login: Set(None),
        last_checked_at: Set(None),
        last_check: Set(None),
        updated_by: Set("bench".into()),
        updated_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await
    .unwrap();
    tokio::spawn(application.run_until_stopped());
    (state, repository)
}

/// The repository a new item of postmortem `pm` files its issue in.
async fn repository_of(db: &sea_orm::DatabaseConnection, pm: i64) -> Option<String> {
    let service = backend::postmortems::services::default_for(db, pm, None)
        .await
        .unwrap();
    facts::repository_of(db, service).await.unwrap()
}

async fn add_items(state: &AppState, count: usize) -> Vec<i64> {
    let pm = {
        let mut chosen = 0;
        for pm in postmortem::Entity::find().all(&state.db).await.unwrap() {
            if repository_of(&state.db, pm.id).await.is_some() {
                chosen = pm.id;
                break;
            }
        }
        chosen
    };
    let mut ids = Vec::with_capacity(count);
    let now = Utc::now();
    for n in 0..count {
        let txn = backend::db::begin_write(&state.db).await.unwrap();
        let item = action_item::ActiveModel {
            postmortem_id: Set(pm),
            factor_id: Set(None),
            title: Set(format!("Benchmark follow-up {n}")),
            description: Set("A follow-up made by the benchmark.".into()),
            kind: Set(if n % 5 == 0 {
                ActionKind::PipelineTest
            } else {
                ActionKind::Fix
            }),
            owner_id: Set(None),
            due_on: Set(None),
            priority: Set(ActionPriority::Medium),
            status: Set(ActionStatus::Open),
            version: Set(1),
            updated_by_label: Set("bench".into()),
            created_at: Set(now),
            updated_at: Set(now),
            done_at: Set(None),
            problem_id: Set(None),
            service_id: Set(backend::postmortems::services::default_for(&txn, pm, None)
                .await
                .unwrap()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .unwrap();
        outbox::enqueue(&txn, item.id).await.unwrap();
        txn.commit().await.unwrap();
        ids.push(item.id);
    }
    state.github.wake.notify_one();
    ids
}

async fn drain(state: &AppState) {
    loop {
        let p = outbox::progress(&state.db).await.unwrap();
        if p.pending == 0 && p.failed == 0 {
            assert_eq!(p.parked, 0, "no job may be parked");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run(label: &str, fault: Option<Fault>, items: usize, pace_ms: i64) -> Run {
    let fake = FakeGitHub::start().await;
    let (state, repository) = app(pace_ms, &fake).await;
    // Labels and the tracking issue are made once per repository: make them before measuring.
    add_items(&state, 1).await;
    drain(&state).await;
    let before = fake.write_calls();
    if let Some(fault) = fault {
        fake.fail_rate(fault, 0.10, 42);
    }
    let started = Instant::now();
    let ids = add_items(&state, items).await;
    drain(&state).await;
    let elapsed = started.elapsed();
    let writes = fake.write_calls() - before;
    let refused = fake.refused_write_calls();
    let mut per_item: HashMap<i64, usize> = HashMap::new();
    for issue in fake.issues(&repository) {
        if let Some(id) = parse_marker(&issue.body) {
            *per_item.entry(id).or_default() += 1;
        }
    }
    let duplicates = ids
        .iter()
        .map(|id| per_item.get(id).copied().unwrap_or(0).saturating_sub(1))
        .sum();
    let lost = ids.iter().filter(|id| !per_item.contains_key(id)).count();
    Run {
        label: label.to_owned(),
        items,
        writes,
        refused,
        duplicates,
        lost,
        elapsed,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut runs = Vec::new();
    runs.push(run("no faults", None, ITEMS, 0).await);
    runs.push(
        run(
            "10 % 502 after the write",
            Some(Fault::BadGatewayAfterWrite),
            ITEMS,
            0,
        )
        .await,
    );
    runs.push(
        run(
            "10 % 429 retry-after",
            Some(Fault::TooManyRequests(0)),
            ITEMS,
            0,
        )
        .await,
    );
    runs.push(run("10 % 403 rate limit", Some(Fault::RateLimited(0)), ITEMS, 0).await);
    runs.push(
        run(
            "10 % hang past the timeout",
            Some(Fault::HangAfterWrite(1_200)),
            ITEMS,
            0,
        )
        .await,
    );
    println!(
        "GitHub sync, {ITEMS} action items (1 in 5 a pipeline test, which also joins the tracking issue), pacing off:"
    );
    println!(
        "{:<30} {:>7} {:>12} {:>9} {:>14} {:>15} {:>10} {:>5} {:>9}",
        "mode",
        "items",
        "write calls",
        "refused",
        "calls/needed",
        "applied/needed",
        "duplicates",
        "lost",
        "time"
    );
    for r in &runs {
        // The least writes possible: one issue each, plus one sub-issue link per pipeline test.
        let needed = r.items + r.items.div_ceil(5);
        println!(
            "{:<30} {:>7} {:>12} {:>9} {:>14.3} {:>15.3} {:>10} {:>5} {:>8.1}s",
            r.label,
            r.items,
            r.writes,
            r.refused,
            r.writes as f64 / needed as f64,
            (r.writes - r.refused) as f64 / needed as f64,
            r.duplicates,
            r.lost,
            r.elapsed.as_secs_f64()
        );
    }
    let pace_ms = std::env::var("BENCH_PACE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_WRITE_PACE_MS);
    let paced = run("paced", None, PACED_ITEMS, pace_ms).await;
    let needed = PACED_ITEMS + PACED_ITEMS.div_ceil(5);
    let per_write = paced.elapsed.as_secs_f64() * 1000.0 / needed as f64;
    println!(
        "pacing {pace_ms} ms: {PACED_ITEMS} items ({needed} writes) in {:.2} s = {:.1} ms per write ({:.2}× the pace)",
        paced.elapsed.as_secs_f64(),
        per_write,
        per_write / pace_ms as f64
    );
}

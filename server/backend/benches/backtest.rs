//! A backtest at the size (`make bench-backtest`): the default policy, saved as a version,
//! decides again 10,000 changes of the last 90 days from the input documents they were decided
//! on (each as the gate builds it: 3 open incidents, 2 overdue pipeline tests, 20 paths and 40
//! guardrails), on SQLite, reading the changes and comparing. Target: under 5 s.

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use backend::changes::policy::DEFAULT_POLICY;
use backend::entities::{change, change_policy, service};
use shared::domain::change::{ChangeKind, Decision};

const CHANGES: usize = 10_000;

/// One guardrail of each template in turn.
fn guardrail(g: usize) -> Value {
    let (template, parameter) = [
        ("paths_need_review", "db/"),
        ("check_must_pass", "unit tests"),
        ("no_deploys_during_incident", "1"),
    ][g % 3];
    json!({"id": g, "template": template, "parameter": parameter, "title": format!("Guardrail {g}"), "pipeline_test_id": null, "links": ["/postmortems/1"]})
}

fn input(i: usize) -> String {
    json!({
        "change": {
            "environment": "production", "kind": "normal", "commit": format!("{i:012x}"), "branch": "main",
            "pull_request": null, "author": "mo-octo", "title": "Bench change",
            "paths": (0..20).map(|p| if p == 0 && i.is_multiple_of(7) { "migrations/1.sql".to_owned() } else { format!("src/module_{p}/handler.rs") }).collect::<Vec<_>>(),
            "labels": [],
            "checks": [{"name": "unit tests", "status": "success", "url": null},
                       {"name": "security scan", "status": if i.is_multiple_of(11) { "failure" } else { "success" }, "url": null}],
        },
        "service": {
            "id": 1, "slug": "payments-api", "name": "Payments API", "team": "Payments",
            "open_incidents": (0..3).map(|n| json!({"id": n, "severity": 2 + (i + n) % 3, "title": format!("Incident {n}")})).collect::<Vec<_>>(),
            "slo_target": 99.9, "error_budget_left": 0.4,
            "overdue_pipeline_tests": (0..2).map(|n| json!({"id": n, "title": format!("Test {n}"), "postmortem_id": n, "problem_id": null, "due_on": "2026-11-01"})).collect::<Vec<_>>(),
            "known_errors": [], "deployments_30d": 40, "change_failure_rate": 0.05,
        },
        "guardrails": (0..40).map(guardrail).collect::<Vec<_>>(),
        "freezes": [],
        "now": Utc::now().to_rfc3339(),
    })
    .to_string()
}

fn backtest(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let path = std::env::temp_dir().join(format!(
        "postmortem-bench-backtest-{}.db",
        std::process::id()
    ));
    let (db, version) = runtime.block_on(async {
        let db = backend::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("a database");
        let now = Utc::now();
        let service = service::ActiveModel {
            slug: Set("payments-api".into()),
            name: Set("Payments API".into()),
            team: Set("Payments".into()),
            on_call: Set(String::new()),
            description: Set(String::new()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("a service");
        let rows: Vec<change::ActiveModel> = (0..CHANGES)
            .map(|i| {
                let at = now - Duration::minutes((i as i64 * 89 * 24 * 60) / CHANGES as i64);
                change::ActiveModel {
                    service_id: Set(service.id),
                    environment: Set("production".into()),
                    kind: Set(ChangeKind::Normal),
                    commit_sha: Set(format!("{i:012x}")),
                    branch: Set("main".into()),
                    author: Set("mo-octo".into()),
                    title: Set(format!("Bench change {i}")),
                    paths: Set("[]".into()),
                    labels: Set("[]".into()),
                    checks: Set("[]".into()),
                    decision: Set(Decision::Allow),
                    reasons: Set("[]".into()),
                    reported_by: Set("bench".into()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    status_due: Set(false),
                    input: Set(Some(input(i))),
                    ..Default::default()
                }
            })
            .collect();
        for chunk in rows.chunks(500) {
            change::Entity::insert_many(chunk.to_vec())
                .exec(&db)
                .await
                .expect("changes stored");
        }
        let version = change_policy::ActiveModel {
            source: Set(DEFAULT_POLICY.into()),
            note: Set("bench".into()),
            tests: Set("[]".into()),
            tests_passed: Set(true),
            active: Set(false),
            created_by: Set("bench".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("a version");
        (db, version.id)
    });
    let mut group = c.benchmark_group("backtest");
    group.sample_size(10);
    group.bench_function("default policy over 10,000 changes of 90 days", |b| {
        b.iter(|| {
            let report = runtime
                .block_on(backend::changes::backtest::run(&db, version))
                .expect("a report");
            assert_eq!(report.evaluated, CHANGES);
            report
        })
    });
    group.finish();
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

criterion_group!(benches, backtest);
criterion_main!(benches);

//! The change policy's cost per decision (`make bench-gate` runs it first): the default Rego pack
//! evaluated on input documents as the gate builds them, from a change to a quiet service up to
//! the largest input the gate sends (50 open incidents, 50 overdue pipeline tests, 200 paths,
//! 200 guardrails).

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

use backend::changes::policy::{DEFAULT_POLICY, Policy};

/// One guardrail of each template in turn.
fn guardrail(g: usize) -> Value {
    let (template, parameter) = [
        ("paths_need_review", "db/"),
        ("check_must_pass", "unit tests"),
        ("no_deploys_during_incident", "1"),
    ][g % 3];
    json!({"id": g, "template": template, "parameter": parameter, "title": format!("Guardrail {g}"), "pipeline_test_id": null, "links": ["/postmortems/1"]})
}

fn input(incidents: usize, overdue: usize, paths: usize, guardrails: usize) -> Value {
    json!({
        "change": {
            "environment": "production", "kind": "normal", "commit": "0123456789ab", "branch": "main",
            "pull_request": null, "author": "mo-octo", "title": "Bench change",
            "paths": (0..paths).map(|i| format!("src/module_{i}/handler.rs")).collect::<Vec<_>>(),
            "labels": [],
            "checks": [{"name": "unit tests", "status": "success", "url": null},
                       {"name": "security scan", "status": "success", "url": null}],
        },
        "service": {
            "id": 1, "slug": "payments-api", "name": "Payments API",
            "open_incidents": (0..incidents).map(|i| json!({"id": i, "severity": 1 + i % 4, "title": format!("Incident {i}")})).collect::<Vec<_>>(),
            "overdue_pipeline_tests": (0..overdue).map(|i| json!({"id": i, "title": format!("Test {i}"), "postmortem_id": i, "due_on": "2026-11-01"})).collect::<Vec<_>>(),
            "error_budget_left": null,
        },
        "guardrails": (0..guardrails).map(guardrail).collect::<Vec<_>>(),
        "freezes": [],
    })
}

fn decisions(c: &mut Criterion) {
    let policy = Policy::compile(DEFAULT_POLICY).expect("the default policy compiles");
    let mut group = c.benchmark_group("default policy");
    for (name, document) in [
        ("quiet service, 2 paths", input(0, 0, 2, 0)),
        (
            "3 open incidents, 20 paths, 40 guardrails",
            input(3, 2, 20, 40),
        ),
        (
            "largest input: 50 + 50, 200 paths, 200 guardrails",
            input(50, 50, 200, 200),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut policy = policy.clone();
                policy.findings(&document).expect("the policy decides")
            })
        });
    }
    group.bench_function("clone only", |b| b.iter(|| policy.clone()));
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);

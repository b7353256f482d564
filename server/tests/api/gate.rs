//! The change gate's API as a pipeline meets it: an open SEV1 denies a normal change and cites
//! the incident, an emergency change during it goes ahead for review, a repeat of the same commit
//! is the same change, resolving the incident lets the next change through, a bad report is refused field by field and stores nothing, and a token
//! whose owner may not record changes is refused.

use backend::entities::change;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, spawn_app};
use crate::incidents::declare;
use crate::on_both_engines;

on_both_engines!(
    an_open_sev1_denies_a_normal_change_and_an_emergency_one_goes_ahead_for_review,
    a_change_with_passing_checks_is_allowed_once_per_commit,
    bad_reports_and_tokens_are_refused_and_store_nothing,
);

pub async fn post_change(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/changes"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn passing_checks() -> Value {
    json!([
        {"name": "unit tests", "status": "success", "url": "https://ci.example/run/1"},
        {"name": "security scan", "status": "passed"},
    ])
}

async fn an_open_sev1_denies_a_normal_change_and_an_emergency_one_goes_ahead_for_review(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let incident = declare(
        &app,
        &[
            ("incident[title]", "Card payments declined"),
            ("incident[severity]", "SEV1"),
            ("incident[services]", "payments-api"),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let (status, denied) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "a1b2c3d4", "paths": ["src/pay.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{denied}");
    assert_eq!(denied["decision"], "deny");
    assert_eq!(denied["reasons"][0]["rule"], "open_incident");
    assert_eq!(
        denied["reasons"][0]["message"],
        format!("SEV1 incident #{incident} is open on payments-api: Card payments declined")
    );
    assert_eq!(
        denied["reasons"][0]["links"],
        json!([format!("/incidents/{incident}")])
    );
    let id = denied["id"].as_i64().unwrap();
    assert!(
        denied["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/changes/{id}")),
        "{denied}"
    );

    let (status, emergency) = post_change(
        &app,
        &token,
        json!({"service": "Payments API", "commit": "e1e2e3e4", "kind": "emergency", "paths": ["src/pay.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{emergency}");
    // It goes ahead (the pipeline is not held up) and waits for a review after the fact.
    assert_eq!(emergency["decision"], "allow");
    assert_eq!(emergency["awaiting_review"], true);
    let rules: Vec<&str> = emergency["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["emergency"]);

    // The pipeline reads the decision again by id.
    let read: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/changes/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["decision"], "deny");
    assert_eq!(read["id"], id);

    // Once the incident is resolved the gate no longer sees it open.
    let resolved = app
        .call(
            "incidents/set-status",
            &[
                ("id", &incident.to_string()),
                ("version", "1"),
                ("status", "resolved"),
            ],
        )
        .await;
    assert_eq!(resolved.status(), 200);
    let (status, allowed) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "a1b2c3d5", "paths": ["src/pay.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{allowed}");
    assert_eq!(allowed["decision"], "allow", "{allowed}");
}

async fn a_change_with_passing_checks_is_allowed_once_per_commit(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let body = json!({
        "service": "payments-api",
        "commit": "ABCDEF1234567",
        "environment": "production",
        "title": "Retry card declines once",
        "pull_request": {"number": 88, "url": "https://github.example/acme/payments-api/pull/88"},
        "paths": ["src/retry.rs"],
        "checks": passing_checks(),
    });
    let (status, first) = post_change(&app, &token, body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["decision"], "allow");
    let (status, again) = post_change(&app, &token, body).await;
    assert_eq!(status, 200, "a repeat is the same change: {again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(change::Entity::find().count(&app.db).await.unwrap(), 1);
    let stored = change::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(stored.commit_sha, "abcdef1234567");
    assert_eq!(stored.pull_request, Some(88));

    // A schema migration on the same service asks for a person.
    let (status, migration) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "fedcba98", "paths": ["migrations/0042_index.sql"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{migration}");
    assert_eq!(migration["decision"], "review");
    assert_eq!(migration["reasons"][0]["rule"], "schema_migration");
}

async fn bad_reports_and_tokens_are_refused_and_store_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;

    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "not-a-sha", "kind": "yolo", "paths": (0..=5_000).map(|i| i.to_string()).collect::<Vec<_>>()}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    for field in ["commit", "kind", "paths"] {
        assert!(body["fields"][field].is_string(), "{field} named: {body}");
    }
    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "nowhere", "commit": "a1b2c3d4"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["fields"]["service"].is_string(), "{body}");
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/changes"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"service\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "not JSON");
    assert_eq!(change::Entity::find().count(&app.db).await.unwrap(), 0);

    // No token, a wrong one, or a viewer's: refused.
    let (status, _) = post_change(
        &app,
        "pmt_wrong",
        json!({"service": "payments-api", "commit": "a1b2c3d4"}),
    )
    .await;
    assert_eq!(status, 401);
    app.create_user(Role::Viewer, "viewer@test.example").await;
    let viewer = app.token_for("viewer@test.example").await;
    let (status, _) = post_change(
        &app,
        &viewer,
        json!({"service": "payments-api", "commit": "a1b2c3d4"}),
    )
    .await;
    assert_eq!(status, 403);
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/changes/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(change::Entity::find().count(&app.db).await.unwrap(), 0);
}

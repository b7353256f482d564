//! The audit trail: every change recorded with who, when, before and after, atomically with it.

use sea_orm::ConnectionTrait;
use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    each_service_change_is_recorded_with_its_author_and_before_and_after,
    a_refused_change_records_nothing,
    a_change_whose_audit_row_cannot_be_written_is_not_saved,
    the_audit_list_is_for_administrators_and_filters,
);

async fn history(app: &crate::helpers::TestApp, service_id: &str) -> Vec<Value> {
    app.call(
        "audit/history",
        &[("entity_type", "service"), ("entity_id", service_id)],
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn each_service_change_is_recorded_with_its_author_and_before_and_after(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app
        .create_service("Ledger", "ledger", &[("service[team]", "Payments")])
        .await;
    let id = created["id"].to_string();
    app.call(
        "services/update",
        &[
            ("slug", "ledger"),
            ("version", "1"),
            ("service[name]", "Ledger"),
            ("service[team]", "Finance"),
        ],
    )
    .await;
    app.call("services/archive", &[("slug", "ledger")]).await;

    let events = history(&app, &id).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["service.archived", "service.updated", "service.created"]
    );
    assert!(events.iter().all(|e| e["actor"] == "member@test.example"));
    let update = &events[1];
    let before: Value = serde_json::from_str(update["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(update["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["team"], "Payments");
    assert_eq!(after["team"], "Finance");
    assert!(events[2]["before"].is_null());
}

async fn a_refused_change_records_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app.create_service("Ledger", "ledger", &[]).await;
    let stale = app
        .call(
            "services/update",
            &[
                ("slug", "ledger"),
                ("version", "7"),
                ("service[name]", "Stale"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
    let invalid = app
        .call(
            "services/update",
            &[("slug", "ledger"), ("version", "1"), ("service[name]", "")],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(history(&app, &created["id"].to_string()).await.len(), 1);
}

async fn a_change_whose_audit_row_cannot_be_written_is_not_saved(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    // Break the audit table: every audited change must now fail as a whole.
    app.db
        .execute_unprepared("ALTER TABLE audit_events RENAME TO audit_events_away")
        .await
        .unwrap();
    let response = app
        .call(
            "services/update",
            &[
                ("slug", "ledger"),
                ("version", "1"),
                ("service[name]", "Renamed"),
            ],
        )
        .await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, "Internal", "no database details leak to the browser");
    let created = app
        .call("services/create", &[("service[name]", "Orphan")])
        .await;
    assert_eq!(created.status(), 500);
    app.db
        .execute_unprepared("ALTER TABLE audit_events_away RENAME TO audit_events")
        .await
        .unwrap();
    let ledger: Value = app
        .call("services/get", &[("slug", "ledger")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["name"], "Ledger");
    assert_eq!(ledger["version"], 1);
    assert_eq!(
        app.call("services/get", &[("slug", "orphan")])
            .await
            .status(),
        404
    );
}

async fn the_audit_list_is_for_administrators_and_filters(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    assert_eq!(
        app.call("audit/list", &[]).await.status(),
        403,
        "members do not see the whole trail"
    );
    let admin = app.client_as(Role::Admin).await;
    let services: Vec<Value> = app
        .call_with(&admin, "audit/list", &[("entity_type", "service")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["entity_label"], "Ledger");
    let by_actor: Vec<Value> = app
        .call_with(&admin, "audit/list", &[("actor", "MEMBER@test")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_actor.len(), 1);
    let everything: Vec<Value> = app
        .call_with(&admin, "audit/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        everything.iter().any(|e| e["entity_type"] == "user"),
        "accounts are audited too"
    );
}

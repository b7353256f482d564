//! Editing and testing the change policy as an administrator meets it: Rego that does not compile
//! is refused with its line and column and never becomes active, a version whose own tests fail
//! cannot be activated, an activated version decides the next change (and says which version
//! did), a backtest reports what a draft would have decided differently over the last 90 days,
//! a policy that runs too long asks for review, an exhausted error budget asks for review, and
//! every version and activation is audited. Only administrators edit policies.

use backend::entities::{audit_event, change};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use shared::domain::Role;

use crate::gate::{passing_checks, post_change};
use crate::helpers::{Engine, TestApp, call, ok, spawn_app};
use crate::incidents::declare;
use crate::on_both_engines;

on_both_engines!(
    a_policy_is_checked_tested_activated_backtested_and_audited,
    a_policy_that_runs_too_long_asks_for_review,
    an_exhausted_error_budget_asks_for_review,
);

/// A policy that denies every change touching `infra/`, with one passing test.
const NO_INFRA: &str = r#"package gate

import rego.v1

deny contains {"rule": "no_infra", "message": sprintf("%s is infrastructure.", [path])} if {
	some path in input.change.paths
	startswith(path, "infra/")
}

test_infra_is_denied if {
	count(deny) == 1 with input as {"change": {"paths": ["infra/main.tf"]}}
}
"#;

fn validation_field(body: &Value) -> (String, String) {
    (
        body["Validation"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["Validation"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn save(app: &TestApp, client: &reqwest::Client, source: &str, note: &str) -> (u16, Value) {
    call(
        app,
        client,
        "policy/save",
        &[("source", source), ("note", note)],
    )
    .await
}

async fn a_policy_is_checked_tested_activated_backtested_and_audited(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let admin = app.client_as(Role::Admin).await;

    // Decided by the built-in default: an infrastructure change with passing checks is allowed.
    let (status, before) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "1111aaaa", "paths": ["infra/main.tf"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{before}");
    assert_eq!(before["decision"], "allow");
    let page = ok(&app, &admin, "policy/page", &[]).await;
    assert!(page["active"].is_null(), "{page}");
    assert!(
        page["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "open_incident")
    );

    // A member may read the policy but not write it.
    let (status, _) = save(&app, &app.client, NO_INFRA, "").await;
    assert_eq!(status, 403);
    ok(&app, &app.client, "policy/page", &[]).await;

    // Rego that does not compile: refused, naming the field, the line and the column.
    let broken = "package gate\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n";
    let (status, body) = save(&app, &admin, broken, "broken").await;
    assert_eq!(status, 422, "{body}");
    let (field, message) = validation_field(&body);
    assert_eq!(field, "source");
    assert!(
        message.contains(":6:") || message.contains(":7:"),
        "{message}"
    );
    // A module of another package, and an empty one, are refused too.
    let (status, body) = save(&app, &admin, "package other\n", "").await;
    assert_eq!(
        (status, validation_field(&body).0.as_str()),
        (422, "source"),
        "{body}"
    );
    let (status, body) = save(&app, &admin, "  ", "").await;
    assert_eq!(
        (status, validation_field(&body).0.as_str()),
        (422, "source"),
        "{body}"
    );

    // A version whose own test fails is kept, but cannot be activated.
    let failing = NO_INFRA.replace("count(deny) == 1", "count(deny) == 2");
    let kept = save(&app, &admin, &failing, "wrong test").await;
    assert_eq!(kept.0, 200, "{:?}", kept.1);
    let failing_id = kept.1.as_i64().unwrap();
    let version = ok(
        &app,
        &admin,
        "policy/version",
        &[("id", &failing_id.to_string())],
    )
    .await;
    assert_eq!(version["version"]["ready"], false);
    assert_eq!(
        version["version"]["tests"],
        json!([["test_infra_is_denied", false]])
    );
    let (status, body) = call(
        &app,
        &admin,
        "policy/activate",
        &[("id", &failing_id.to_string())],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(ok(&app, &admin, "policy/page", &[]).await["active"].is_null());

    // A good version: backtested before it is activated.
    let id = save(&app, &admin, NO_INFRA, "No infrastructure changes")
        .await
        .1
        .as_i64()
        .unwrap();
    let report = ok(&app, &admin, "policy/backtest", &[("id", &id.to_string())]).await;
    assert_eq!(report["evaluated"], 1, "{report}");
    assert_eq!(report["would_hold"], 1, "{report}");
    assert_eq!(report["differences"][0]["change_id"], before["id"]);
    assert_eq!(report["differences"][0]["would_be"], "Deny");
    assert_eq!(report["differences"][0]["rules"], json!(["no_infra"]));
    // Only administrators run backtests.
    let (status, _) = call(
        &app,
        &app.client,
        "policy/backtest",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(status, 403);

    ok(&app, &admin, "policy/activate", &[("id", &id.to_string())]).await;
    let page = ok(&app, &admin, "policy/page", &[]).await;
    assert_eq!(page["active"]["id"], id);
    assert_eq!(page["rules"], json!(["no_infra"]));
    let (_, after) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "2222bbbb", "paths": ["infra/main.tf"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(after["decision"], "deny", "{after}");
    assert_eq!(
        after["reasons"][0]["message"],
        "infra/main.tf is infrastructure."
    );
    let stored = change::Entity::find_by_id(after["id"].as_i64().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.policy_version, Some(id));
    let input: Value = serde_json::from_str(stored.input.as_deref().unwrap()).unwrap();
    assert_eq!(input["service"]["slug"], "payments-api");
    assert_eq!(input["change"]["paths"], json!(["infra/main.tf"]));

    // Activating it again is refused; every save and activation is in the audit trail.
    let (status, _) = call(&app, &admin, "policy/activate", &[("id", &id.to_string())]).await;
    assert_eq!(status, 409);
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq("change_policy"))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["policy.saved", "policy.saved", "policy.activated"],
        "{actions:?}"
    );
}

async fn a_policy_that_runs_too_long_asks_for_review(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let admin = app.client_as(Role::Admin).await;
    // Fine on the empty document it is checked with; endless on a real change.
    let slow = r#"package gate

import rego.v1

review contains "never" if {
	n := count(input.change.paths) * 1000
	some a in numbers.range(1, n)
	some b in numbers.range(1, n)
	some c in numbers.range(1, n)
	a + b + c < 0
}
"#;
    let id = save(&app, &admin, slow, "slow").await.1.as_i64().unwrap();
    ok(&app, &admin, "policy/activate", &[("id", &id.to_string())]).await;
    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "3333cccc", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["decision"], "review", "{body}");
    assert_eq!(body["reasons"][0]["rule"], "policy_error");
    // An emergency change is never denied or held by a failing policy.
    let (_, emergency) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "4444dddd", "kind": "emergency", "paths": ["src/a.rs"]}),
    )
    .await;
    assert_eq!(emergency["decision"], "allow", "{emergency}");
    assert_eq!(emergency["awaiting_review"], true);
}

async fn an_exhausted_error_budget_asks_for_review(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service(
        "Payments API",
        "payments-api",
        &[("service[slo_target]", "99.9")],
    )
    .await;
    let token = app.token_for("member@test.example").await;
    let (_, fresh) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "5555eeee", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(fresh["decision"], "allow", "{fresh}");
    // Two hours of impact: more than the 43 minutes 99.9 % allows in 30 days.
    let at = |hours: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    declare(
        &app,
        &[
            ("incident[title]", "Slow card authorisations"),
            ("incident[severity]", "SEV3"),
            ("incident[services]", "payments-api"),
            ("incident[impact_started_at]", &at(3)),
            ("incident[detected_at]", &at(3)),
            ("incident[mitigated_at]", &at(1)),
        ],
    )
    .await;
    let (_, spent) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "6666ffff", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(spent["decision"], "review", "{spent}");
    assert_eq!(spent["reasons"][0]["rule"], "error_budget");
    let message = spent["reasons"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("payments-api has spent its error budget"),
        "{message}"
    );
}

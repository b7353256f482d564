//! The change gate's KPIs as the dashboard, the CSV and `/metrics` show them: changes by how they
//! went through the gate, a deployment naming its change (by id, by commit, or found by its
//! version), the change failure rate by route and kind, and a failed deployment showing the
//! decision that let it through. A deployment naming a change the gate does not know is refused.

use serde_json::{Value, json};
use shared::domain::Role;

use app::api::changes::GetChange;
use app::api::deployments::LinkDeployment;

use crate::gate::{passing_checks, post_change};
use crate::helpers::{Engine, TestApp, call, done, ok, spawn_app};
use crate::incidents::declare;
use crate::on_both_engines;

on_both_engines!(the_gate_kpis_follow_changes_to_their_deployments_and_incidents);

async fn deploy(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url("/hooks/deployments"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn the_gate_kpis_follow_changes_to_their_deployments_and_incidents(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let change = |commit: &str, paths: Value, kind: &str, checks: Value| json!({"service": "payments-api", "commit": commit, "kind": kind, "paths": paths, "checks": checks});
    let (_, auto) = post_change(
        &app,
        &token,
        change(
            "aaaa1111bbbb",
            json!(["src/a.rs"]),
            "normal",
            passing_checks(),
        ),
    )
    .await;
    assert_eq!(auto["decision"], "allow");
    let (_, held) = post_change(
        &app,
        &token,
        change(
            "cccc2222dddd",
            json!(["migrations/1.sql"]),
            "normal",
            passing_checks(),
        ),
    )
    .await;
    assert_eq!(held["decision"], "review");
    let (_, emergency) = post_change(
        &app,
        &token,
        change("eeee3333ffff", json!(["src/b.rs"]), "emergency", json!([])),
    )
    .await;
    assert_eq!(emergency["decision"], "allow");
    let pm = app.client_as(Role::ProblemManager).await;
    ok(
        &app,
        &pm,
        "changes/review",
        &[
            ("id", &held["id"].to_string()),
            ("outcome", "Approved"),
            ("comment", "Fine."),
        ],
    )
    .await;

    // Deployments: one found by its version (a prefix of the commit), one naming its change by
    // id, one by commit; a change the gate does not know is refused, naming the field.
    let (status, by_version) = deploy(
        &app,
        &token,
        json!({"service": "payments-api", "version": "aaaa1111", "id": "run-1"}),
    )
    .await;
    assert_eq!(status, 201, "{by_version}");
    let (status, by_id) = deploy(
        &app,
        &token,
        json!({"service": "payments-api", "version": "v2.3", "id": "run-2", "change": held["id"]}),
    )
    .await;
    assert_eq!(status, 201, "{by_id}");
    let (status, by_commit) = deploy(&app, &token, json!({"service": "payments-api", "version": "hotfix", "id": "run-3", "change": "eeee3333"})).await;
    assert_eq!(status, 201, "{by_commit}");
    for bad in [
        json!(999_999),
        json!("0123456789"),
        json!("not a sha"),
        json!(-4),
    ] {
        let (status, body) = deploy(
            &app,
            &token,
            json!({"service": "payments-api", "version": "v9", "id": "run-9", "change": bad}),
        )
        .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body.to_string().contains("change"), "{body}");
    }

    // Each change's page lists the deployment that shipped it, however it was named.
    for (change, version) in [(&auto, "aaaa1111"), (&held, "v2.3"), (&emergency, "hotfix")] {
        let view = done(
            &app,
            &app.client,
            &GetChange {
                id: change["id"].as_i64().unwrap(),
            },
        )
        .await;
        let versions: Vec<&str> = view
            .deployments
            .iter()
            .map(|d| d.version.as_str())
            .collect();
        assert_eq!(versions, [version]);
    }

    // The auto-approved change caused an incident.
    let incident = declare(
        &app,
        &[
            ("incident[title]", "Card payments declined"),
            ("incident[severity]", "SEV3"),
            ("incident[services]", "payments-api"),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    done(
        &app,
        &app.client,
        &LinkDeployment {
            incident,
            deployment: by_version["id"].as_i64().unwrap(),
            linked: true,
        },
    )
    .await;

    let (status, view) = call(&app, &app.client, "metrics/dashboard", &[]).await;
    assert_eq!(status, 200, "{view}");
    let gate = &view["gate"];
    assert_eq!(gate["changes"], 3, "{gate}");
    assert_eq!(
        (
            gate["auto_approved"].as_u64(),
            gate["reviewed"].as_u64(),
            gate["emergency"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(gate["validated"], 2);
    assert_eq!(gate["review_wait"]["count"], 1);
    assert_eq!(gate["lead_time"]["count"], 3);
    let route = |key: &str| {
        gate["by_route"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (
            route("auto_approved")["deployed"].as_u64(),
            route("auto_approved")["failed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(route("auto_approved")["failure_rate"], 1.0);
    assert_eq!(route("approved")["failure_rate"], 0.0);
    assert_eq!(route("emergency")["deployed"], 1);
    // The failed deployment shows the change and decision that let it through.
    let failure = &view["changes"]["failures"][0];
    assert_eq!(
        failure["change"],
        json!([auto["id"], "Auto-approved"]),
        "{failure}"
    );

    // The same figures in the CSV and in /metrics.
    let csv = app.get("/dashboard.csv").await.text().await.unwrap();
    assert!(
        csv.contains("change gate,change failure rate by route,Auto-approved,1.000,1,ratio"),
        "{csv}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("postmortem_gate_changes{route=\"auto_approved\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_gate_failure_ratio{route=\"auto_approved\"} 1"),
        "{metrics}"
    );
}

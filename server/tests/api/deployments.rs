//! Deployments: the token-authenticated webhook (recorded once per id, bad reports refused by
//! field and nothing stored), automatic links from change entries in an incident's timeline,
//! links made and removed by hand, GitHub `deployment_status` events, and the change failure rate
//! the dashboard shows from them.

use backend::entities::{deployment, incident_deployment};
use chrono::{Duration, Utc};
use github_fake::FakeGitHub;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use shared::domain::Role;

use crate::github::{REPO, SECRET, setup};
use crate::helpers::{Engine, TestApp, done, invoke, spawn_app};
use crate::incidents::declare;
use crate::on_both_engines;
use app::api::ApiError;
use app::api::deployments::{IncidentDeployments, LinkDeployment, ListDeployments};
use shared::wire::deployments::{DeploymentLinks, DeploymentQuery, DeploymentRow};

on_both_engines!(
    a_deployment_is_recorded_once_and_linked_by_the_change_entry_it_matches,
    bad_deployment_reports_are_refused_by_field_and_store_nothing,
    github_deployment_statuses_record_the_repositorys_service,
);

async fn post_deployment(app: &TestApp, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/hooks/deployments"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn minute(at: chrono::DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

async fn deployments_of(app: &TestApp, incident: i64) -> DeploymentLinks {
    done(app, &app.client, &IncidentDeployments { incident }).await
}

/// The versions of `rows`, in order.
fn versions(rows: &[DeploymentRow]) -> Vec<&str> {
    rows.iter().map(|d| d.version.as_str()).collect()
}

async fn a_deployment_is_recorded_once_and_linked_by_the_change_entry_it_matches(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let impact = Utc::now() - Duration::hours(1);
    let incident = declare(
        &app,
        &[
            ("incident[title]", "Card payments declined"),
            ("incident[severity]", "SEV1"),
            ("incident[services]", "payments-api"),
            ("incident[impact_started_at]", &minute(impact)),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let report = |id: &str, version: &str, minutes_before: i64| {
        json!({
            "service": "payments-api",
            "version": version,
            "deployed_at": (impact - Duration::minutes(minutes_before)).to_rfc3339(),
            "id": id,
            "url": "https://ci.example/run/1",
        })
        .to_string()
    };

    // Recorded before any change entry names it: nothing to link yet.
    let (status, first) = post_deployment(&app, Some(&token), &report("run-1", "v2.41", 10)).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["created"], true);
    assert_eq!(first["linked_incidents"], json!([]));
    let (status, again) = post_deployment(&app, Some(&token), &report("run-1", "v2.41", 10)).await;
    assert_eq!(status, 200, "a repeat updates: {again}");
    assert_eq!(again["created"], false);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(deployment::Entity::find().count(&app.db).await.unwrap(), 1);

    // A change entry 8 minutes before impact blames the deployment nearest to it.
    let response = app
        .call(
            "incidents/timeline/add",
            &[
                ("incident_id", &incident.to_string()),
                ("entry[kind]", "change"),
                ("entry[occurred_at]", &minute(impact - Duration::minutes(8))),
                ("entry[body]", "Deployed payments-api v2.41."),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let view = deployments_of(&app, incident).await;
    assert_eq!(versions(&view.linked), ["v2.41"], "{view:?}");
    assert!(view.linked[0].automatic);

    // A later deployment, farther from the entry, is not blamed but is offered to link by hand;
    // a deployment recorded after the incident's change entry links itself when it is the one.
    let (status, second) = post_deployment(&app, Some(&token), &report("run-2", "v2.42", 2)).await;
    assert_eq!(status, 201);
    assert_eq!(second["linked_incidents"], json!([]));
    let view = deployments_of(&app, incident).await;
    assert_eq!(view.candidates[0].version, "v2.42");

    // By hand: link the second, unlink the first.
    let link = |deployment: &Value, linked: bool| LinkDeployment {
        incident,
        deployment: deployment["id"].as_i64().unwrap(),
        linked,
    };
    done(&app, &app.client, &link(&second, true)).await;
    let view = done(&app, &app.client, &link(&first, false)).await;
    assert_eq!(versions(&view.linked), ["v2.42"]);
    assert_eq!(
        view.linked[0].linked_by.as_deref(),
        Some("member@test.example")
    );
    assert_eq!(
        view.candidates[0].version, "v2.41",
        "unlinked, it is offered again"
    );
    let incident_id = incident.to_string();

    // The unlinked automatic link stays unlinked when the timeline changes again.
    let response = app
        .call(
            "incidents/timeline/add",
            &[
                ("incident_id", &incident_id),
                ("entry[kind]", "change"),
                ("entry[occurred_at]", &minute(impact - Duration::minutes(9))),
                ("entry[body]", "Feature flag flipped."),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let view = deployments_of(&app, incident).await;
    assert_eq!(view.linked.len(), 1, "{view:?}");
    let links = incident_deployment::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let live: Vec<_> = links.iter().filter(|l| l.dismissed_by.is_none()).collect();
    assert_eq!(live.len(), 1);
    assert!(!live[0].automatic);
    assert!(
        links
            .iter()
            .any(|l| l.dismissed_by.as_deref() == Some("member@test.example"))
    );

    // The dashboard: two production deployments, one linked to an incident.
    let response = app
        .call("metrics/dashboard", &[("query[range]", "7")])
        .await;
    let dashboard: Value = response.json().await.unwrap();
    assert_eq!(dashboard["changes"]["deployments"], 2);
    assert_eq!(dashboard["changes"]["failed"], 1);
    assert_eq!(dashboard["changes"]["failure_rate"], 0.5);
    assert_eq!(dashboard["changes"]["failures"][0]["version"], "v2.42");

    // The figures link to the deployments behind them.
    let failed_href = dashboard["changes"]["failed_href"].as_str().unwrap();
    assert!(
        failed_href.starts_with("/deployments?from="),
        "{failed_href}"
    );
    assert!(failed_href.ends_with("&failed=true"), "{failed_href}");
    let list = |query: DeploymentQuery| ListDeployments { query };
    let failed = done(
        &app,
        &app.client,
        &list(DeploymentQuery {
            failed: "true".into(),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].version, "v2.42");
    assert_eq!(failed[0].incidents[0].1, "Card payments declined");
    let all = done(
        &app,
        &app.client,
        &list(DeploymentQuery {
            service: "payments-api".into(),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(all.len(), 2);
    let page = app.get(failed_href).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("v2.42"));

    // A viewer cannot link.
    let viewer = app.client_as(Role::Viewer).await;
    let (status, error) = invoke(&app, &viewer, &link(&first, true))
        .await
        .unwrap_err();
    assert_eq!(status, 403);
    assert_eq!(error, ApiError::Forbidden);
}

async fn bad_deployment_reports_are_refused_by_field_and_store_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    let token = app.token_for("member@test.example").await;
    let good = r#"{"service":"ledger","version":"v5.1"}"#;

    let (status, body) = post_deployment(&app, None, good).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = post_deployment(&app, Some("pmt_not-a-real-token"), good).await;
    assert_eq!(status, 401);
    app.create_user(Role::Viewer, "viewer@test.example").await;
    let viewer_token = app.token_for("viewer@test.example").await;
    let (status, body) = post_deployment(&app, Some(&viewer_token), good).await;
    assert_eq!(status, 403, "{body}");

    let (status, body) = post_deployment(&app, Some(&token), "{not json").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post_deployment(
        &app,
        Some(&token),
        r#"{"service":"ledger","version":"","deployed_at":"yesterday","url":"javascript:alert(1)"}"#,
    )
    .await;
    assert_eq!(status, 422);
    for field in ["version", "deployed_at", "url"] {
        assert!(body["fields"][field].is_string(), "{field} named: {body}");
    }
    let (status, body) =
        post_deployment(&app, Some(&token), r#"{"service":"nope","version":"1"}"#).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"]["service"],
        "No service `nope` in the catalog."
    );
    assert_eq!(deployment::Entity::find().count(&app.db).await.unwrap(), 0);

    let (status, _) = post_deployment(&app, Some(&token), good).await;
    assert_eq!(status, 201);
    assert_eq!(deployment::Entity::find().count(&app.db).await.unwrap(), 1);
}

async fn send_event(s: &crate::github::Setup, delivery: &str, body: &Value) -> (u16, String) {
    let text = body.to_string();
    let response = reqwest::Client::new()
        .post(s.app.url("/hooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "deployment_status")
        .header("x-github-delivery", delivery)
        .header(
            "x-hub-signature-256",
            FakeGitHub::sign(SECRET, text.as_bytes()),
        )
        .body(text)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn status_event(state: &str, id: i64, environment: &str) -> Value {
    json!({
        "action": "created",
        "deployment_status": {
            "state": state,
            "created_at": (Utc::now() - Duration::minutes(5)).to_rfc3339(),
            "target_url": "https://github.com/acme/checkout/actions/runs/1",
        },
        "deployment": { "id": id, "ref": "v7.0.1", "sha": "abc123", "environment": environment },
        "repository": { "full_name": REPO },
        "sender": { "login": "deploy-bot" },
    })
}

async fn github_deployment_statuses_record_the_repositorys_service(engine: Engine) {
    let s = setup(engine, &[], true).await;
    let (status, body) = send_event(&s, "d-1", &status_event("in_progress", 7, "production")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("not finished"), "{body}");
    assert_eq!(
        deployment::Entity::find().count(&s.app.db).await.unwrap(),
        0
    );

    let (status, body) = send_event(&s, "d-2", &status_event("success", 7, "production")).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send_event(&s, "d-2", &status_event("success", 7, "production")).await;
    assert_eq!(status, 200, "a repeated delivery is ignored");
    let (status, _) = send_event(&s, "d-3", &status_event("failure", 8, "staging")).await;
    assert_eq!(status, 200);
    let rows = deployment::Entity::find().all(&s.app.db).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let shipped = rows
        .iter()
        .find(|d| d.external_id == format!("{REPO}#7"))
        .unwrap();
    assert_eq!(
        (
            shipped.source.as_str(),
            shipped.version.as_str(),
            shipped.status.as_str()
        ),
        ("github", "v7.0.1", "success")
    );
    assert_eq!(shipped.environment, "production");

    // Only the successful production one counts.
    let response = s
        .app
        .call_with(&s.admin, "metrics/dashboard", &[("query[range]", "7")])
        .await;
    let dashboard: Value = response.json().await.unwrap();
    assert_eq!(dashboard["changes"]["deployments"], 1);
}

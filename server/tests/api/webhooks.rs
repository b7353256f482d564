//! Alert webhooks from Alertmanager, Grafana and PagerDuty: authentication, signatures,
//! de-duplication, resolution, unknown services and refusals that store nothing.

use backend::auth::tokens::token_hash;
use backend::entities::{incident, integration, webhook_delivery};
use backend::webhook_auth::hmac_sha256_hex;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::Value;

use crate::helpers::{Engine, TestApp, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    an_alertmanager_alert_opens_an_incident_with_its_service_severity_and_runbook,
    repeated_firing_is_absorbed_and_a_refire_is_appended_to_the_timeline,
    a_resolved_alert_resolves_the_incident,
    a_resolved_alert_only_notes_it_when_the_integration_says_so,
    an_alert_for_an_unknown_service_opens_an_incident_flagged_for_triage,
    basic_auth_is_accepted_like_alertmanager_sends_it,
    a_missing_or_wrong_token_is_refused_and_nothing_is_stored,
    malformed_wrong_version_and_incomplete_payloads_are_refused_by_name,
    a_body_over_the_size_limit_is_refused,
    a_grafana_delivery_needs_a_valid_signature_when_a_secret_is_set,
    a_signed_grafana_delivery_with_an_old_timestamp_is_refused,
    a_nul_in_one_annotation_does_not_refuse_the_batch,
    pagerduty_signatures_allow_rotation_and_repeated_deliveries_are_ignored,
    an_unknown_pagerduty_event_is_kept_and_flagged,
    a_payload_sent_to_the_wrong_source_path_is_refused,
);

const AM_FIRING: &str =
    include_str!("../../../app/shared/src/domain/alerts/fixtures/alertmanager_firing.json");
const AM_RESOLVED: &str =
    include_str!("../../../app/shared/src/domain/alerts/fixtures/alertmanager_resolved.json");
const GRAFANA_FIRING: &str =
    include_str!("../../../app/shared/src/domain/alerts/fixtures/grafana_firing.json");
const PD_TRIGGERED: &str =
    include_str!("../../../app/shared/src/domain/alerts/fixtures/pagerduty_triggered.json");
const PD_RESOLVED: &str =
    include_str!("../../../app/shared/src/domain/alerts/fixtures/pagerduty_resolved.json");
const SECRET: &str = "whsec-0123456789abcdef";

/// An integration straight in the database; returns its id and token.
async fn add_integration(
    app: &TestApp,
    source: &str,
    signing_secret: Option<&str>,
    resolve_with_alert: bool,
) -> (i64, String) {
    let token = format!("pmw_test_{}", uuid::Uuid::new_v4().simple());
    let row = integration::ActiveModel {
        name: Set(format!("{source} {}", &token[9..17])),
        source: Set(crate::helpers::key(source)),
        token_hash: Set(token_hash(&token)),
        token_prefix: Set(token[..12].into()),
        signing_secret: Set(signing_secret.map(Into::into)),
        signature_header: Set(None),
        service_id: Set(None),
        service_label: Set("service".into()),
        severity_label: Set("severity".into()),
        resolve_with_alert: Set(resolve_with_alert),
        created_at: Set(chrono::Utc::now()),
        last_delivery_at: Set(None),
        last_outcome: Set(None),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    (row.id, token)
}

async fn post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .header("Content-Type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn alertmanager(app: &TestApp, id: i64, token: &str, body: &str) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    post(
        app,
        &format!("/hooks/alertmanager/{id}"),
        &[("Authorization", &auth)],
        body.to_owned(),
    )
    .await
}

async fn incident_count(app: &TestApp) -> u64 {
    incident::Entity::find().count(&app.db).await.unwrap()
}

async fn incident(app: &TestApp, id: i64) -> Value {
    let response = app.call("incidents/get", &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn timeline_bodies(incident: &Value) -> Vec<String> {
    incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn with_payments(engine: Engine) -> TestApp {
    let app = spawn_app(engine).await;
    app.create_service(
        "Payments API",
        "payments-api",
        &[("service[runbook_url]", "https://wiki.example.com/payments")],
    )
    .await;
    app
}

async fn an_alertmanager_alert_opens_an_incident_with_its_service_severity_and_runbook(
    engine: Engine,
) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let (status, outcome) = alertmanager(&app, id, &token, AM_FIRING).await;
    assert_eq!(status, 200, "{outcome}");
    let opened = outcome["opened"].as_array().unwrap();
    assert_eq!(
        opened.len(),
        1,
        "both alerts of the group share one incident: {outcome}"
    );
    let incident = incident(&app, opened[0].as_i64().unwrap()).await;
    assert_eq!(
        incident["title"],
        "payments-api is returning 5xx for 7.3% of requests"
    );
    assert_eq!(incident["severity"], "Sev1");
    assert_eq!(incident["status"], "Triggered");
    assert_eq!(incident["services"][0]["slug"], "payments-api");
    assert_eq!(incident["service_unknown"], false);
    assert_eq!(
        incident["runbook_url"],
        "https://runbooks.example.com/payments-api/high-error-rate"
    );
    assert_eq!(incident["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(
        incident["postmortem"], "Waiting",
        "SEV1 needs a postmortem by default"
    );
    let bodies = timeline_bodies(&incident);
    assert!(
        bodies
            .iter()
            .filter(|b| b.starts_with("**Alert firing:**"))
            .count()
            == 2,
        "{bodies:?}"
    );
    // The list shows it too.
    let list: Value = app
        .call("incidents/list", &[("query[sort]", "newest")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["rows"][0]["id"], incident["id"]);
}

async fn repeated_firing_is_absorbed_and_a_refire_is_appended_to_the_timeline(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let (_, first) = alertmanager(&app, id, &token, AM_FIRING).await;
    let incident_id = first["opened"][0].as_i64().unwrap();
    let before = timeline_bodies(&incident(&app, incident_id).await).len();
    for _ in 0..3 {
        let (status, again) = alertmanager(&app, id, &token, AM_FIRING).await;
        assert_eq!(status, 200);
        assert_eq!(again["duplicates"], 2, "{again}");
        assert!(again["opened"].as_array().unwrap().is_empty());
    }
    assert_eq!(incident_count(&app).await, 1);
    let same = incident(&app, incident_id).await;
    assert_eq!(
        timeline_bodies(&same).len(),
        before,
        "repeats add nothing to the timeline"
    );
    assert_eq!(same["alerts"][0]["receive_count"], 4);

    let refired = AM_FIRING.replace("2024-05-14T09:21:03.157Z", "2024-05-14T12:00:00Z");
    let (_, outcome) = alertmanager(&app, id, &token, &refired).await;
    assert_eq!(
        outcome["updated"][0].as_i64(),
        Some(incident_id),
        "{outcome}"
    );
    let bodies = timeline_bodies(&incident(&app, incident_id).await);
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with("**Alert fired again:**")),
        "{bodies:?}"
    );
    assert_eq!(incident_count(&app).await, 1);
}

async fn a_resolved_alert_resolves_the_incident(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let (_, first) = alertmanager(&app, id, &token, AM_FIRING).await;
    let incident_id = first["opened"][0].as_i64().unwrap();
    let (status, outcome) = alertmanager(&app, id, &token, AM_RESOLVED).await;
    assert_eq!(status, 200);
    assert_eq!(
        outcome["resolved"][0].as_i64(),
        Some(incident_id),
        "{outcome}"
    );
    let resolved = incident(&app, incident_id).await;
    assert_eq!(resolved["status"], "Resolved");
    assert!(resolved["milestones"]["resolved_at"].is_string());
    assert!(!resolved["durations"]["to_resolve"].is_null());
    // A later firing of the same alert opens a new incident: the old one is over.
    let refired = AM_FIRING.replace("2024-05-14T09:21:03.157Z", "2024-05-15T08:00:00Z");
    let (_, again) = alertmanager(&app, id, &token, &refired).await;
    assert_eq!(again["opened"].as_array().unwrap().len(), 1, "{again}");
    assert_eq!(incident_count(&app).await, 2);
}

async fn a_resolved_alert_only_notes_it_when_the_integration_says_so(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, false).await;
    let (_, first) = alertmanager(&app, id, &token, AM_FIRING).await;
    let incident_id = first["opened"][0].as_i64().unwrap();
    let (_, outcome) = alertmanager(&app, id, &token, AM_RESOLVED).await;
    assert!(outcome["resolved"].as_array().unwrap().is_empty());
    let open = incident(&app, incident_id).await;
    assert_eq!(open["status"], "Triggered");
    let bodies = timeline_bodies(&open);
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with("All alerts have resolved")),
        "{bodies:?}"
    );
}

async fn an_alert_for_an_unknown_service_opens_an_incident_flagged_for_triage(engine: Engine) {
    let app = spawn_app(engine).await; // no services at all
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let (status, outcome) = alertmanager(&app, id, &token, AM_FIRING).await;
    assert_eq!(status, 200);
    let incident = incident(&app, outcome["opened"][0].as_i64().unwrap()).await;
    assert_eq!(incident["service_unknown"], true);
    assert!(incident["services"].as_array().unwrap().is_empty());
    let bodies = timeline_bodies(&incident);
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("Flagged for triage") && b.contains("payments-api"))
    );
}

async fn basic_auth_is_accepted_like_alertmanager_sends_it(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let response = reqwest::Client::new()
        .post(app.url(&format!("/hooks/alertmanager/{id}")))
        .basic_auth("alertmanager", Some(&token))
        .body(AM_FIRING)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(incident_count(&app).await, 1);
}

async fn a_missing_or_wrong_token_is_refused_and_nothing_is_stored(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, _token) = add_integration(&app, "alertmanager", None, true).await;
    let path = format!("/hooks/alertmanager/{id}");
    let (status, body) = post(&app, &path, &[], AM_FIRING).await;
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
    let (status, body) = post(
        &app,
        &path,
        &[("Authorization", "Bearer pmw_wrong")],
        AM_FIRING,
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        body["error"].as_str().unwrap().contains("not valid"),
        "{body}"
    );
    // A signed-in browser session is not a webhook credential either.
    let response = app
        .client
        .post(app.url(&path))
        .body(AM_FIRING)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(incident_count(&app).await, 0);
}

async fn malformed_wrong_version_and_incomplete_payloads_are_refused_by_name(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let (status, body) = alertmanager(&app, id, &token, "{\"version\": \"4\", ").await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );
    let (status, body) = alertmanager(
        &app,
        id,
        &token,
        &AM_FIRING.replace("\"version\": \"4\"", "\"version\": \"3\""),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().unwrap().contains("version"),
        "{body}"
    );
    let no_start = AM_FIRING.replacen("\"startsAt\": \"2024-05-14T09:21:03.157Z\",", "", 1);
    let (status, body) = alertmanager(&app, id, &token, &no_start).await;
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().unwrap().contains("startsAt"),
        "{body}"
    );
    assert_eq!(incident_count(&app).await, 0);
}

async fn a_body_over_the_size_limit_is_refused(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    // Twice the test limit (MAX_BODY_BYTES=65536), and small enough for loopback's socket buffers:
    // the server answers 413 before reading the body, and a much larger body could still be
    // being written when it closes the connection (a broken pipe instead of the answer).
    let huge = format!(
        "{{\"version\":\"4\",\"padding\":\"{}\"}}",
        "x".repeat(128 * 1024)
    );
    let (status, _) = alertmanager(&app, id, &token, &huge).await;
    assert_eq!(status, 413);
    assert_eq!(incident_count(&app).await, 0);
}

async fn a_grafana_delivery_needs_a_valid_signature_when_a_secret_is_set(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, _token) = add_integration(&app, "grafana", Some(SECRET), true).await;
    let path = format!("/hooks/grafana/{id}");
    let (status, body) = post(
        &app,
        &path,
        &[("X-Grafana-Alerting-Signature", "00ff")],
        GRAFANA_FIRING,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(incident_count(&app).await, 0);
    let signature = hmac_sha256_hex(SECRET, GRAFANA_FIRING.as_bytes());
    let (status, body) = post(
        &app,
        &path,
        &[("X-Grafana-Alerting-Signature", &signature)],
        GRAFANA_FIRING,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["opened"].as_array().unwrap().len(), 1);
}

async fn a_signed_grafana_delivery_with_an_old_timestamp_is_refused(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, _token) = add_integration(&app, "grafana", Some(SECRET), true).await;
    let path = format!("/hooks/grafana/{id}");
    let signed_at = |timestamp: &str| {
        let mut signed = format!("{timestamp}:").into_bytes();
        signed.extend_from_slice(GRAFANA_FIRING.as_bytes());
        hmac_sha256_hex(SECRET, &signed)
    };
    // Correctly signed, but in 2001: a replay.
    let (status, body) = post(
        &app,
        &path,
        &[
            ("X-Grafana-Alerting-Signature", &signed_at("978307200")),
            ("X-Grafana-Alerting-Signature-Timestamp", "978307200"),
        ],
        GRAFANA_FIRING,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(incident_count(&app).await, 0);
    let now = chrono::Utc::now().timestamp().to_string();
    let (status, body) = post(
        &app,
        &path,
        &[
            ("X-Grafana-Alerting-Signature", &signed_at(&now)),
            ("X-Grafana-Alerting-Signature-Timestamp", &now),
        ],
        GRAFANA_FIRING,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn a_nul_in_one_annotation_does_not_refuse_the_batch(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let mut payload: Value = serde_json::from_str(AM_FIRING).unwrap();
    payload["alerts"][0]["annotations"]["summary"] = Value::String("disk\u{0} full".into());
    let (status, body) = alertmanager(&app, id, &token, &payload.to_string()).await;
    assert_eq!(status, 200, "{body}");
    let opened = body["opened"][0].as_i64().unwrap();
    let shown = incident(&app, opened).await;
    assert!(!shown.to_string().contains("\\u0000"), "{shown}");
}

async fn pagerduty_signatures_allow_rotation_and_repeated_deliveries_are_ignored(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, _token) = add_integration(&app, "pagerduty", Some(SECRET), true).await;
    let path = format!("/hooks/pagerduty/{id}");
    let sign = |body: &str| {
        format!(
            "v1={},v1={}",
            hmac_sha256_hex("an-old-secret-being-rotated", body.as_bytes()),
            hmac_sha256_hex(SECRET, body.as_bytes())
        )
    };
    let (status, body) = post(
        &app,
        &path,
        &[("X-PagerDuty-Signature", "v1=deadbeef")],
        PD_TRIGGERED,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let (status, first) = post(
        &app,
        &path,
        &[("X-PagerDuty-Signature", &sign(PD_TRIGGERED))],
        PD_TRIGGERED,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let incident_id = first["opened"][0].as_i64().unwrap();
    let (status, replay) = post(
        &app,
        &path,
        &[("X-PagerDuty-Signature", &sign(PD_TRIGGERED))],
        PD_TRIGGERED,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replay["replayed"], true, "{replay}");
    assert_eq!(incident_count(&app).await, 1);
    let (_, resolved) = post(
        &app,
        &path,
        &[("X-PagerDuty-Signature", &sign(PD_RESOLVED))],
        PD_RESOLVED,
    )
    .await;
    assert_eq!(
        resolved["resolved"][0].as_i64(),
        Some(incident_id),
        "{resolved}"
    );
    let incident = incident(&app, incident_id).await;
    assert_eq!(incident["services"][0]["slug"], "payments-api");
    assert_eq!(incident["status"], "Resolved");
}

async fn an_unknown_pagerduty_event_is_kept_and_flagged(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, _token) = add_integration(&app, "pagerduty", Some(SECRET), true).await;
    let body = PD_TRIGGERED
        .replace("incident.triggered", "incident.teleported")
        .replace("01EXBVZKMNQ4C8T5R2W7YH3J6D", "01EXBVZKMNQ4C8T5R2W7YH3XXX");
    let signature = format!("v1={}", hmac_sha256_hex(SECRET, body.as_bytes()));
    let (status, outcome) = post(
        &app,
        &format!("/hooks/pagerduty/{id}"),
        &[("X-PagerDuty-Signature", &signature)],
        body,
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert!(
        outcome["flagged"]
            .as_str()
            .unwrap()
            .contains("incident.teleported")
    );
    let kept = webhook_delivery::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, "flagged");
    assert!(
        kept[0]
            .payload
            .as_deref()
            .unwrap()
            .contains("incident.teleported")
    );
    assert_eq!(incident_count(&app).await, 0);
}

async fn a_payload_sent_to_the_wrong_source_path_is_refused(engine: Engine) {
    let app = with_payments(engine).await;
    let (id, token) = add_integration(&app, "alertmanager", None, true).await;
    let auth = format!("Bearer {token}");
    let (status, body) = post(
        &app,
        &format!("/hooks/grafana/{id}"),
        &[("Authorization", &auth)],
        AM_FIRING,
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("receives alertmanager"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        "/hooks/alertmanager/999999",
        &[("Authorization", &auth)],
        AM_FIRING,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(incident_count(&app).await, 0);
}

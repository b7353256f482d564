//! Monitoring integrations' server functions and admin page: create, list, disable, new token.

use backend::auth::tokens::token_hash;
use backend::entities::{audit_event, integration, webhook_delivery};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, call, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    an_admin_creates_an_integration_and_gets_its_token_once,
    a_member_may_not_see_or_manage_integrations,
    an_invalid_integration_is_refused_with_a_message_per_field,
    a_name_in_use_is_refused_against_the_name_field,
    pagerduty_starts_without_a_secret_and_gets_it_once_the_subscription_exists,
    an_unknown_service_is_refused_and_a_known_one_is_shown_by_slug,
    a_new_token_replaces_the_old_one,
    a_disabled_integration_is_not_active_until_enabled,
    neither_the_list_nor_the_audit_trail_holds_the_token_or_secret,
    flagged_deliveries_are_listed_with_an_excerpt_of_their_payload,
    a_plain_form_post_shows_the_token_once_on_the_page,
);

const SECRET: &str = "grafana-hmac-secret-0123456789";

/// Creates an integration named `name` from `source` with extra fields; panics unless created.
async fn create(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    source: &str,
    extra: &[(&str, &str)],
) -> Value {
    let mut form = vec![
        ("integration[name]", name),
        ("integration[source]", source),
        ("integration[resolve_with_alert]", "on"),
    ];
    form.extend_from_slice(extra);
    let (status, body) = call(app, admin, "integrations/create", &form).await;
    assert_eq!(status, 200, "create failed: {body}");
    body
}

async fn list(app: &TestApp, admin: &reqwest::Client) -> (Vec<Value>, String) {
    let response = app.call_with(admin, "integrations/list", &[]).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

async fn stored(app: &TestApp) -> Vec<integration::Model> {
    integration::Entity::find().all(&app.db).await.unwrap()
}

fn fields(body: &Value) -> Vec<&str> {
    body["Validation"]
        .as_array()
        .unwrap_or_else(|| panic!("a validation error with field messages: {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn an_admin_creates_an_integration_and_gets_its_token_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(&app, &admin, "Production Alertmanager", "alertmanager", &[]).await;

    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("pmw_"), "{token}");
    assert_eq!(token.len(), 4 + 64);
    let integration = &created["integration"];
    let id = integration["id"].as_i64().unwrap();
    let url = integration["webhook_url"].as_str().unwrap();
    assert!(url.starts_with("http://"), "{url}");
    assert!(url.ends_with(&format!("/hooks/alertmanager/{id}")), "{url}");
    assert_eq!(integration["source"], "alertmanager");
    assert_eq!(integration["service_label"], "service");
    assert_eq!(integration["severity_label"], "severity");
    assert_eq!(integration["resolve_with_alert"], true);
    assert_eq!(integration["signs"], false);
    assert_eq!(integration["disabled"], false);
    assert!(token.starts_with(integration["token_prefix"].as_str().unwrap()));

    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].token_hash, token_hash(token), "stored hashed");
    assert_ne!(rows[0].token_hash, token);

    let (listed, _) = list(&app, &admin).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Production Alertmanager");
    assert_eq!(listed[0]["webhook_url"], url);
    assert!(listed[0].get("token").is_none());
}

async fn a_member_may_not_see_or_manage_integrations(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(&app, &admin, "Grafana", "grafana", &[]).await;
    let id = created["integration"]["id"].to_string();

    for (endpoint, form) in [
        ("integrations/list", vec![]),
        (
            "integrations/create",
            vec![
                ("integration[name]", "Sneaky"),
                ("integration[source]", "alertmanager"),
            ],
        ),
        (
            "integrations/set-disabled",
            vec![("id", id.as_str()), ("disabled", "true")],
        ),
        ("integrations/rotate-token", vec![("id", id.as_str())]),
        ("integrations/shown-once", vec![]),
    ] {
        let response = app.call(endpoint, &form).await;
        assert_eq!(response.status(), 403, "{endpoint}");
    }
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].disabled_at, None);
    assert_eq!(
        rows[0].token_hash,
        token_hash(created["token"].as_str().unwrap())
    );
}

async fn an_invalid_integration_is_refused_with_a_message_per_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let (status, body) = call(
        &app,
        &admin,
        "integrations/create",
        &[
            ("integration[name]", "   "),
            ("integration[source]", "nagios"),
            ("integration[service]", "Not A Slug"),
            ("integration[service_label]", "app.kubernetes.io/name"),
            ("integration[severity_label]", "1severity"),
            ("integration[signing_secret]", "too-short"),
            ("integration[signature_header]", "X Bad Header"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        fields(&body),
        [
            "name",
            "source",
            "service",
            "service_label",
            "severity_label",
            "signing_secret",
            "signature_header"
        ]
    );
    assert!(stored(&app).await.is_empty());
    assert_eq!(
        audit_event::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.entity_type == "integration")
            .count(),
        0
    );
}

async fn a_name_in_use_is_refused_against_the_name_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    create(&app, &admin, "Production Grafana", "grafana", &[]).await;
    for name in ["Production Grafana", "production grafana "] {
        let (status, body) = call(
            &app,
            &admin,
            "integrations/create",
            &[
                ("integration[name]", name),
                ("integration[source]", "alertmanager"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{name}");
        assert_eq!(fields(&body), ["name"]);
    }
    assert_eq!(stored(&app).await.len(), 1);
}

async fn pagerduty_starts_without_a_secret_and_gets_it_once_the_subscription_exists(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    // PagerDuty shows the signing secret only after the subscription (which needs our URL) exists.
    let created = create(&app, &admin, "PagerDuty", "pagerduty", &[]).await;
    assert_eq!(created["integration"]["signs"], false);
    let id = created["integration"]["id"].as_i64().unwrap();
    assert!(
        created["integration"]["webhook_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/hooks/pagerduty/{id}"))
    );
    let (status, body) = call(
        &app,
        &admin,
        "integrations/set-secret",
        &[("id", &id.to_string()), ("signing_secret", "short")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&body), ["signing_secret"]);
    let (status, body) = call(
        &app,
        &admin,
        "integrations/set-secret",
        &[
            ("id", &id.to_string()),
            ("signing_secret", "pd-signing-secret-abcdef"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["signs"], true);
    assert_eq!(
        stored(&app).await[0].signing_secret.as_deref(),
        Some("pd-signing-secret-abcdef")
    );
    let member = app.client_as(Role::Member).await;
    let (status, _) = call(
        &app,
        &member,
        "integrations/set-secret",
        &[("id", &id.to_string()), ("signing_secret", "")],
    )
    .await;
    assert_eq!(status, 403);
}

async fn an_unknown_service_is_refused_and_a_known_one_is_shown_by_slug(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let (status, body) = call(
        &app,
        &admin,
        "integrations/create",
        &[
            ("integration[name]", "Payments alerts"),
            ("integration[source]", "alertmanager"),
            ("integration[service]", "payments-api"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&body), ["service"]);
    assert!(stored(&app).await.is_empty());

    let service = app
        .create_service("Payments API", "payments-api", &[])
        .await;
    let created = create(
        &app,
        &admin,
        "Payments alerts",
        "alertmanager",
        &[
            ("integration[service]", "payments-api"),
            ("integration[service_label]", "app"),
            ("integration[severity_label]", "priority"),
        ],
    )
    .await;
    assert_eq!(created["integration"]["service"], "payments-api");
    assert_eq!(created["integration"]["service_label"], "app");
    assert_eq!(created["integration"]["severity_label"], "priority");
    assert_eq!(stored(&app).await[0].service_id, service["id"].as_i64());
    let (listed, _) = list(&app, &admin).await;
    assert_eq!(listed[0]["service"], "payments-api");
}

async fn a_new_token_replaces_the_old_one(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(&app, &admin, "Alertmanager", "alertmanager", &[]).await;
    let old = created["token"].as_str().unwrap().to_owned();
    let id = created["integration"]["id"].to_string();

    let (status, rotated) = call(&app, &admin, "integrations/rotate-token", &[("id", &id)]).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["token"].as_str().unwrap();
    assert!(new.starts_with("pmw_"));
    assert_ne!(new, old);
    assert_eq!(rotated["integration"]["id"].to_string(), id);
    assert!(new.starts_with(rotated["integration"]["token_prefix"].as_str().unwrap()));
    let row = &stored(&app).await[0];
    assert_eq!(row.token_hash, token_hash(new));
    assert_ne!(row.token_hash, token_hash(&old));

    let (status, _) = call(
        &app,
        &admin,
        "integrations/rotate-token",
        &[("id", "999999")],
    )
    .await;
    assert_eq!(status, 404);
}

async fn a_disabled_integration_is_not_active_until_enabled(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(&app, &admin, "Alertmanager", "alertmanager", &[]).await;
    let id_number = created["integration"]["id"].as_i64().unwrap();
    let id = id_number.to_string();
    let token = created["token"].as_str().unwrap().to_owned();
    // Active means the webhook takes its deliveries (a disabled one answers 403).
    let active = |app: &TestApp| {
        let request = reqwest::Client::new()
            .post(app.url(&format!("/hooks/alertmanager/{id_number}")))
            .bearer_auth(&token)
            .body(r#"{"version": "4", "status": "firing", "alerts": []}"#);
        async move {
            let status = request.send().await.unwrap().status();
            assert!(status == 200 || status == 403, "{status}");
            status == 200
        }
    };
    assert!(active(&app).await);

    let (status, body) = call(
        &app,
        &admin,
        "integrations/set-disabled",
        &[("id", &id), ("disabled", "true")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], true);
    assert!(!active(&app).await);
    let (listed, _) = list(&app, &admin).await;
    assert_eq!(listed[0]["disabled"], true);

    // Disabling twice changes nothing the second time.
    call(
        &app,
        &admin,
        "integrations/set-disabled",
        &[("id", &id), ("disabled", "true")],
    )
    .await;
    let (_, body) = call(
        &app,
        &admin,
        "integrations/set-disabled",
        &[("id", &id), ("disabled", "false")],
    )
    .await;
    assert_eq!(body["disabled"], false);
    assert!(active(&app).await);
    let actions: Vec<String> = audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_type == "integration")
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "integration.created",
            "integration.disabled",
            "integration.enabled"
        ]
    );
}

async fn neither_the_list_nor_the_audit_trail_holds_the_token_or_secret(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(
        &app,
        &admin,
        "Grafana",
        "grafana",
        &[("integration[signing_secret]", SECRET)],
    )
    .await;
    assert_eq!(
        created["integration"]["signature_header"],
        "X-Grafana-Alerting-Signature"
    );
    assert_eq!(created["integration"]["signs"], true);
    let first = created["token"].as_str().unwrap().to_owned();
    let id = created["integration"]["id"].to_string();
    let (_, rotated) = call(&app, &admin, "integrations/rotate-token", &[("id", &id)]).await;
    let second = rotated["token"].as_str().unwrap().to_owned();
    let hash = stored(&app).await[0].token_hash.clone();

    let (listed, text) = list(&app, &admin).await;
    assert_eq!(listed.len(), 1);
    for secret in [first.as_str(), second.as_str(), SECRET, hash.as_str()] {
        assert!(!text.contains(secret), "the list leaks {secret}: {text}");
    }
    assert!(!created["integration"].to_string().contains(SECRET));

    let events = audit_event::Entity::find().all(&app.db).await.unwrap();
    let integration_events: Vec<_> = events
        .iter()
        .filter(|e| e.entity_type == "integration")
        .collect();
    assert_eq!(integration_events.len(), 2);
    assert_eq!(integration_events[1].action, "integration.token_rotated");
    for event in integration_events {
        let text = format!(
            "{} {}",
            event.before.as_deref().unwrap_or_default(),
            event.after.as_deref().unwrap_or_default()
        );
        assert!(text.contains("\"signs\":true"), "{text}");
        for secret in [first.as_str(), second.as_str(), SECRET, hash.as_str()] {
            assert!(!text.contains(secret), "the audit trail leaks {secret}");
        }
        // Neither hash of any token.
        assert!(!text.contains(&token_hash(&first)));
    }
}

async fn flagged_deliveries_are_listed_with_an_excerpt_of_their_payload(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = create(
        &app,
        &admin,
        "PagerDuty",
        "pagerduty",
        &[("integration[signing_secret]", "pd-signing-secret-abcdef")],
    )
    .await;
    let id = created["integration"]["id"].as_i64().unwrap();
    let long_payload = format!("{{\"event\":\"{}\"}}", "é".repeat(3_000));
    for (outcome, detail, payload) in [
        ("processed", "1 alert", Some("{}".to_owned())),
        (
            "flagged",
            "Unknown event type service.updated",
            Some(long_payload),
        ),
    ] {
        webhook_delivery::ActiveModel {
            integration_id: Set(id),
            delivery_id: Set(None),
            received_at: Set(chrono::Utc::now()),
            outcome: Set(outcome.into()),
            detail: Set(detail.into()),
            payload: Set(payload),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    assert_eq!(
        webhook_delivery::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        2
    );

    let (listed, _) = list(&app, &admin).await;
    let flagged = listed[0]["flagged"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "only flagged deliveries: {flagged:?}");
    assert_eq!(flagged[0]["detail"], "Unknown event type service.updated");
    let excerpt = flagged[0]["payload_excerpt"].as_str().unwrap();
    assert_eq!(excerpt.chars().count(), 2_000);
    assert!(excerpt.starts_with("{\"event\":\"éé"));

    let html = page(&app, &admin).await;
    assert!(
        html.contains("Unknown event type service.updated"),
        "{html}"
    );
}

async fn page(app: &TestApp, client: &reqwest::Client) -> String {
    let response = client
        .get(app.url("/admin/integrations"))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn a_plain_form_post_shows_the_token_once_on_the_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let response = admin
        .post(app.url("/api/integrations/create"))
        .header("Accept", "text/html,application/xhtml+xml")
        .header("Referer", app.url("/admin/integrations"))
        .form(&[
            ("integration[name]", "Production Alertmanager"),
            ("integration[source]", "alertmanager"),
            ("integration[service]", ""),
            ("integration[service_label]", "service"),
            ("integration[severity_label]", "severity"),
            ("integration[signing_secret]", ""),
            ("integration[signature_header]", ""),
            ("integration[resolve_with_alert]", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(&app.url("/admin/integrations")),
        "back to the page: {location}"
    );
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    let id = rows[0].id;

    let html = page(&app, &admin).await;
    assert!(html.contains(r#"data-testid="integration-row""#), "{html}");
    assert!(html.contains(r#"data-testid="webhook-url""#));
    assert!(html.contains(&format!("/hooks/alertmanager/{id}")));
    assert!(
        html.contains(r#"data-testid="integration-token""#),
        "{html}"
    );
    assert!(html.contains("webhook_configs:"));
    assert!(html.contains("send_resolved: true"));
    let token = html
        .split("pmw_")
        .nth(1)
        .map(|rest| {
            let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            format!("pmw_{hex}")
        })
        .unwrap();
    assert_eq!(
        token.len(),
        4 + 64,
        "the whole token comes first, before any prefix"
    );
    assert_eq!(
        rows[0].token_hash,
        token_hash(&token),
        "the real token is shown"
    );

    let again = page(&app, &admin).await;
    assert!(!again.contains(&token), "the token is shown once");
    assert!(!again.contains(r#"data-testid="integration-token""#));
    assert!(again.contains(r#"data-testid="integration-row""#));
}

//! The smaller findings of a hostile probe, each as a person or client would meet it: where sign-in
//! leads, caching, rate-limit answers, the audit trail's readers, the CSV export and `/metrics`.

use crate::helpers::{Engine, PASSWORD, client, spawn_app};
use crate::on_both_engines;
use shared::domain::Role;

on_both_engines!(
    sign_in_never_leads_to_another_site_nor_breaks_on_a_control_character,
    signed_in_answers_are_not_cached,
    a_refused_attempt_says_when_to_retry,
    a_viewer_reads_a_records_history_but_not_the_audit_trail_of_people,
    a_name_that_looks_like_a_formula_is_text_in_the_csv,
    metrics_labels_cannot_be_forged_and_invented_methods_add_no_series,
);

async fn sign_in_never_leads_to_another_site_nor_breaks_on_a_control_character(engine: Engine) {
    let app = spawn_app(engine).await;
    let cases = [
        "/\t/evil.example",
        "/\n/x",
        "/\u{b}/x",
        "/\0/x",
        "/\\evil.example",
        "//evil.example",
    ];
    for (i, next) in cases.into_iter().enumerate() {
        // One account each: an account has five sign-ins a minute.
        let email = format!("jo{i}@test.example");
        app.create_user(Role::Member, &email).await;
        let response = client()
            .post(app.url("/api/auth/sign-in"))
            .header("Accept", "text/html")
            .form(&[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("the server answers instead of closing the connection");
        assert_eq!(response.status(), 302, "{next:?}");
        assert_eq!(response.headers()["location"], "/services", "{next:?}");
    }
}

async fn signed_in_answers_are_not_cached(engine: Engine) {
    let app = spawn_app(engine).await;
    for path in ["/services", "/incidents"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let response = app
        .call("services/list", &[("include_archived", "false")])
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
}

async fn a_refused_attempt_says_when_to_retry(engine: Engine) {
    let app = spawn_app(engine).await;
    let attacker = client();
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            app.sign_in(&attacker, "member@test.example", "guess guess guess")
                .await,
        );
    }
    let limited = last.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "60");
    // Guessing the current password at *change password* is limited as well, on its own budget.
    let statuses = {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let response = app
                .call(
                    "account/change-password",
                    &[
                        ("current_password", "guess guess guess"),
                        ("new_password", "a brand new secret"),
                        ("new_password_confirmation", "a brand new secret"),
                    ],
                )
                .await;
            statuses.push(response.status().as_u16());
        }
        statuses
    };
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
}

async fn a_viewer_reads_a_records_history_but_not_the_audit_trail_of_people(engine: Engine) {
    let app = spawn_app(engine).await;
    let service = app.create_service("Ledger", "ledger", &[]).await;
    let viewer = app.client_as(Role::Viewer).await;
    let id = service["id"].to_string();
    let history = app
        .call_with(
            &viewer,
            "audit/history",
            &[("entity_type", "service"), ("entity_id", &id)],
        )
        .await;
    assert_eq!(history.status(), 200);
    for entity_type in ["user", "api_token", "integration", "github_connection"] {
        let refused = app
            .call_with(
                &viewer,
                "audit/history",
                &[("entity_type", entity_type), ("entity_id", "1")],
            )
            .await;
        assert_eq!(refused.status(), 403, "{entity_type}");
    }
}

async fn a_name_that_looks_like_a_formula_is_text_in_the_csv(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("=HYPERLINK(\"http://evil.example\")", "formula", &[])
        .await;
    crate::incidents::declare(
        &app,
        &[
            ("incident[title]", "Formula outage"),
            ("incident[severity]", "SEV3"),
            ("incident[services]", "formula"),
        ],
    )
    .await;
    let csv = app.get("/dashboard.csv").await.text().await.unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        !csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"),
        "{csv}"
    );
}

async fn metrics_labels_cannot_be_forged_and_invented_methods_add_no_series(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Evil\",state=\"verified", "evil", &[])
        .await;
    for i in 0..20 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        client()
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
    }
    let text = client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("INVENTED"),
        "invented methods are counted as other"
    );
    assert!(text.contains("method=\"other\""), "{text}");
    for line in text.lines().filter(|l| l.contains("Evil")) {
        assert!(line.contains("Evil\\\",state=\\\"verified"), "{line}");
    }
}

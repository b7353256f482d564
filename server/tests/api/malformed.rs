//! No request, however malformed, is answered with a 5xx: every endpoint of the access table gets
//! an empty body, wrong-typed, overflowing, oversized and repeated arguments, a JSON and a
//! multipart body and control characters, as an administrator (so the permission check lets every
//! call through to the arguments); a missing or unreadable field is a 422 that names it.

use shared::access::ENDPOINTS;

use crate::helpers::{Engine, TestApp, spawn_demo_app};
use crate::on_both_engines;

on_both_engines!(
    no_malformed_request_is_answered_with_a_server_error,
    a_missing_field_is_a_422_naming_it,
    a_nul_byte_in_text_or_a_search_is_no_server_error,
);

/// Argument names the server functions use, flat and nested as their forms send them.
const KEYS: &[&str] = &[
    "id",
    "version",
    "postmortem_id",
    "incident_id",
    "problem_id",
    "service_id",
    "user_id",
    "item",
    "part",
    "field",
    "action",
    "status",
    "state",
    "role",
    "disabled",
    "hidden",
    "linked",
    "slug",
    "entity_type",
    "entity_id",
    "before_id",
    "include_archived",
    "incidents",
    "body",
    "login",
    "service[name]",
    "incident[title]",
    "entry[body]",
    "action[title]",
    "factor[title]",
    "problem[title]",
];

/// Values of the wrong type or size for most arguments.
fn bad_values() -> Vec<String> {
    vec![
        String::new(),
        "x".into(),
        "-1".into(),
        "99999999999999999999999".into(),
        "1.5e400".into(),
        "true".into(),
        "a\u{0}b".into(),
        "%".into(),
        "é".repeat(300),
    ]
}

async fn signed_in_admin(engine: Engine) -> TestApp {
    let app = spawn_demo_app(engine).await;
    sign_in_admin(&app).await;
    app
}

async fn sign_in_admin(app: &TestApp) {
    let response = app
        .sign_in(&app.client, "admin@demo.example", "demo-admin-pass")
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}

/// Sends one malformed request; panics on a 5xx. Signs in again when a call ended the session.
async fn send(app: &TestApp, request: reqwest::RequestBuilder, what: &str) -> reqwest::StatusCode {
    let response = request
        .header("Accept", "application/json")
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(
        !status.is_server_error(),
        "{what} answered {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    if status == reqwest::StatusCode::UNAUTHORIZED {
        sign_in_admin(app).await;
    }
    status
}

async fn no_malformed_request_is_answered_with_a_server_error(engine: Engine) {
    let app = signed_in_admin(engine).await;
    let values = bad_values();
    let mut sent = 0;
    for (path, _) in ENDPOINTS {
        // Signing out (or in, or setting up) with nonsense is still signing out: it comes last.
        let url = app.url(path);
        let mut attempts: Vec<(reqwest::RequestBuilder, String)> = vec![
            (app.client.post(&url), format!("{path} with no body")),
            (
                app.client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(r#"{"id": "x", "version": [1], "nested": {"a": null}}"#),
                format!("{path} with a JSON body"),
            ),
            (
                app.client
                    .post(&url)
                    .header("content-type", "multipart/form-data; boundary=X")
                    .body(
                        "--X\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1\r\n--X--\r\n",
                    ),
                format!("{path} with a multipart body"),
            ),
            (
                app.client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("id=1&id=2&version=1&version=x&%ZZ=%&&&="),
                format!("{path} with repeated and broken keys"),
            ),
            (
                app.client.get(format!(
                    "{url}?id=x&postmortem_id=99999999999999999999&part=%00"
                )),
                format!("GET {path} with bad query arguments"),
            ),
        ];
        for value in &values {
            let form: Vec<(&str, &str)> = KEYS.iter().map(|k| (*k, value.as_str())).collect();
            attempts.push((
                app.client.post(&url).form(&form),
                format!(
                    "{path} with every argument {:?}",
                    value.chars().take(12).collect::<String>()
                ),
            ));
        }
        for (request, what) in attempts {
            send(&app, request, &what).await;
            sent += 1;
        }
    }
    assert!(sent > 1000, "only {sent} requests were sent");
}

async fn a_missing_field_is_a_422_naming_it(engine: Engine) {
    let app = signed_in_admin(engine).await;
    // Your account → GitHub login, without its field: a 422 naming it.
    let response = app.call("github/login/save", &[]).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 422, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["Validation"][0]["field"], "github_login", "{body}");
    // The field the page's form sends is the one the server reads.
    let response = app
        .call("github/login/save", &[("github_login", "octocat")])
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // A search far beyond what SQLite can match is refused on its field.
    let long = "word ".repeat(120);
    let response = app
        .call("incidents/list", &[("query[q]", long.as_str())])
        .await;
    let body = response.text().await.unwrap();
    assert!(body.contains("\"q\""), "{body}");
}

async fn a_nul_byte_in_text_or_a_search_is_no_server_error(engine: Engine) {
    let app = signed_in_admin(engine).await;
    let created = app
        .create_service(
            "Nul\u{0} service",
            "nul-service",
            &[("service[description]", "a\u{0}b")],
        )
        .await;
    assert_eq!(created["name"], "Nul service", "{created}");
    let page = app.get("/incidents?q=disk%00full").await;
    assert_eq!(page.status(), 200);
    let page = app.get("/services/nul%00service").await;
    assert_eq!(page.status(), 404);
    let listed = send(
        &app,
        app.client
            .post(app.url("/api/incidents/list"))
            .form(&[("query[q]", "a\u{0}b")]),
        "a search with a NUL",
    )
    .await;
    assert!(listed.is_success(), "{listed}");
}

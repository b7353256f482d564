//! Health checks, security headers, compression and limits that apply to every response.

use crate::helpers::{Engine, assert_scripts_carry_nonce, csp_nonce, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    the_process_answers_healthz,
    readyz_reports_the_database_reachable,
    readyz_answers_503_when_the_database_is_gone,
    every_response_carries_security_headers,
    a_page_allows_only_its_own_scripts_by_nonce,
    pages_are_compressed_for_clients_that_accept_gzip,
    a_request_body_over_the_limit_is_refused,
);

async fn the_process_answers_healthz(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_reports_the_database_reachable(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

async fn readyz_answers_503_when_the_database_is_gone(engine: Engine) {
    let app = spawn_app(engine).await;
    // Closing the pool (its clones share it) leaves the server without a database.
    app.db.clone().close().await.unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    // The process itself still answers, so an orchestrator restarts nothing but waits.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

async fn every_response_carries_security_headers(engine: Engine) {
    let app = spawn_app(engine).await;
    for path in ["/healthz", "/services", "/no-such-page"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

async fn a_page_allows_only_its_own_scripts_by_nonce(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/services").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp_nonce(&csp);
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = response.text().await.unwrap();
    assert_scripts_carry_nonce(&html, &nonce);
    let again = app.get("/services").await;
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a nonce is never reused"
    );
}

async fn pages_are_compressed_for_clients_that_accept_gzip(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .get(app.url("/services"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

async fn a_request_body_over_the_limit_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let huge = "x".repeat(100 * 1024);
    let response = app
        .client
        .post(app.url("/api/services/create"))
        // The server answers before reading the body, so this connection is not reused.
        .header("Connection", "close")
        .form(&[("service[name]", "Big"), ("service[description]", &huge)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let list: serde_json::Value = app
        .call("services/list", &[("include_archived", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing was stored");
}

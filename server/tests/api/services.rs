//! The service catalog's server functions: create, list, read, edit, archive, restore.

use serde_json::Value;

use crate::helpers::{Engine, TestApp, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    a_created_service_appears_in_the_catalog,
    an_empty_slug_is_derived_from_the_name,
    an_invalid_service_is_refused_with_a_message_per_field,
    a_slug_already_in_use_is_refused_against_the_slug_field,
    an_edit_saves_every_field_and_bumps_the_version,
    an_edit_from_an_old_version_is_refused_and_changes_nothing,
    a_refused_edit_loses_nothing_already_saved,
    renaming_the_slug_to_one_in_use_is_refused,
    archiving_hides_a_service_until_it_is_restored,
    archiving_twice_changes_nothing_the_second_time,
    an_archived_service_cannot_be_edited,
    an_unknown_service_answers_not_found,
);

async fn list(app: &TestApp, include_archived: bool) -> Vec<Value> {
    let response = app
        .call(
            "services/list",
            &[(
                "include_archived",
                if include_archived { "true" } else { "false" },
            )],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn get(app: &TestApp, slug: &str) -> Value {
    let response = app.call("services/get", &[("slug", slug)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn slugs(services: &[Value]) -> Vec<&str> {
    services
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect()
}

async fn a_created_service_appears_in_the_catalog(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app
        .create_service(
            "Payments API",
            "payments-api",
            &[
                ("service[team]", "Payments"),
                ("service[repository]", "acme/payments-api"),
                (
                    "service[runbook_url]",
                    "https://runbooks.example.com/payments",
                ),
                ("service[on_call]", "#payments-oncall"),
                ("service[slo_target]", "99.95"),
                ("service[description]", "Takes **money**."),
            ],
        )
        .await;
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["description_html"],
        "<p>Takes <strong>money</strong>.</p>\n"
    );
    app.create_service("Ledger", "ledger", &[]).await;

    let catalog = list(&app, false).await;
    assert_eq!(
        slugs(&catalog),
        ["ledger", "payments-api"],
        "sorted by name"
    );
    let payments = &catalog[1];
    assert_eq!(payments["team"], "Payments");
    assert_eq!(payments["repository"], "acme/payments-api");
    assert_eq!(
        payments["runbook_url"],
        "https://runbooks.example.com/payments"
    );
    assert_eq!(payments["slo_target"], 99.95);
    assert_eq!(payments["archived"], false);
}

async fn an_empty_slug_is_derived_from_the_name(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app.create_service("Checkout Web (EU)", "", &[]).await;
    assert_eq!(created["slug"], "checkout-web-eu");
}

async fn an_invalid_service_is_refused_with_a_message_per_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .call(
            "services/create",
            &[
                ("service[name]", "  "),
                ("service[slug]", "Not A Slug"),
                ("service[repository]", "payments-api"),
                ("service[runbook_url]", "ftp://example.com"),
                ("service[slo_target]", "100"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["Validation"]
        .as_array()
        .expect("a validation error with field messages")
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "slug", "repository", "runbook_url", "slo_target"]
    );
    assert!(list(&app, true).await.is_empty());
}

async fn a_slug_already_in_use_is_refused_against_the_slug_field(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments", &[]).await;
    let response = app
        .call(
            "services/create",
            &[
                ("service[name]", "Payments v2"),
                ("service[slug]", "payments"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Validation"][0]["field"], "slug");
    assert_eq!(list(&app, true).await.len(), 1);
}

async fn an_edit_saves_every_field_and_bumps_the_version(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Search", "search", &[]).await;
    let response = app
        .call(
            "services/update",
            &[
                ("slug", "search"),
                ("version", "1"),
                ("service[name]", "Product Search"),
                ("service[slug]", "product-search"),
                ("service[team]", "Discovery"),
                ("service[repository]", "acme/search"),
                ("service[runbook_url]", "https://wiki.example.com/search"),
                ("service[on_call]", "discovery@example.com"),
                ("service[slo_target]", "99.5 %"),
                ("service[description]", "Finds things."),
            ],
        )
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(response.headers()["location"], "/services/product-search");
    let saved = get(&app, "product-search").await;
    assert_eq!(saved["name"], "Product Search");
    assert_eq!(saved["team"], "Discovery");
    assert_eq!(saved["repository"], "acme/search");
    assert_eq!(saved["slo_target"], 99.5);
    assert_eq!(saved["version"], 2);
    assert_eq!(
        app.call("services/get", &[("slug", "search")])
            .await
            .status(),
        404
    );
}

async fn an_edit_from_an_old_version_is_refused_and_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Search", "search", &[]).await;
    let first = app
        .call(
            "services/update",
            &[
                ("slug", "search"),
                ("version", "1"),
                ("service[name]", "Search A"),
                ("service[slug]", "search"),
            ],
        )
        .await;
    assert!(first.status().is_redirection() || first.status().is_success());
    // A colleague who opened the form before that save submits on top of version 1.
    let second = app
        .call(
            "services/update",
            &[
                ("slug", "search"),
                ("version", "1"),
                ("service[name]", "Search B"),
                ("service[slug]", "search"),
            ],
        )
        .await;
    assert_eq!(second.status(), 409);
    let body: Value = second.json().await.unwrap();
    assert!(
        body["Conflict"]
            .as_str()
            .unwrap()
            .contains("Someone else changed this service")
    );
    assert_eq!(get(&app, "search").await["name"], "Search A");
}

async fn a_refused_edit_loses_nothing_already_saved(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service(
        "Ledger",
        "ledger",
        &[
            ("service[repository]", "acme/ledger"),
            ("service[slo_target]", "99.99"),
        ],
    )
    .await;
    let response = app
        .call(
            "services/update",
            &[
                ("slug", "ledger"),
                ("version", "1"),
                ("service[name]", ""),
                ("service[repository]", "bad"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let saved = get(&app, "ledger").await;
    assert_eq!(saved["name"], "Ledger");
    assert_eq!(saved["repository"], "acme/ledger");
    assert_eq!(saved["slo_target"], 99.99);
    assert_eq!(saved["version"], 1);
}

async fn renaming_the_slug_to_one_in_use_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    app.create_service("Search", "search", &[]).await;
    let response = app
        .call(
            "services/update",
            &[
                ("slug", "search"),
                ("version", "1"),
                ("service[name]", "Search"),
                ("service[slug]", "ledger"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Validation"][0]["field"], "slug");
    assert_eq!(get(&app, "search").await["version"], 1);
}

async fn archiving_hides_a_service_until_it_is_restored(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    app.create_service("Search", "search", &[]).await;
    let archived: Value = app
        .call("services/archive", &[("slug", "search")])
        .await
        .json()
        .await
        .unwrap();
    assert!(archived["archived_at"].is_string());
    assert_eq!(slugs(&list(&app, false).await), ["ledger"]);
    let all = list(&app, true).await;
    assert_eq!(slugs(&all), ["ledger", "search"]);
    assert_eq!(all[1]["archived"], true);

    let restored: Value = app
        .call("services/restore", &[("slug", "search")])
        .await
        .json()
        .await
        .unwrap();
    assert!(restored["archived_at"].is_null());
    assert_eq!(slugs(&list(&app, false).await), ["ledger", "search"]);
}

async fn archiving_twice_changes_nothing_the_second_time(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    let once: Value = app
        .call("services/archive", &[("slug", "ledger")])
        .await
        .json()
        .await
        .unwrap();
    let twice: Value = app
        .call("services/archive", &[("slug", "ledger")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(once["version"], twice["version"]);
    assert_eq!(once["archived_at"], twice["archived_at"]);
}

async fn an_archived_service_cannot_be_edited(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    app.call("services/archive", &[("slug", "ledger")]).await;
    let response = app
        .call(
            "services/update",
            &[
                ("slug", "ledger"),
                ("version", "2"),
                ("service[name]", "Ledger 2"),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(get(&app, "ledger").await["name"], "Ledger");
}

async fn an_unknown_service_answers_not_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.call("services/get", &[("slug", "ghost")]).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["NotFound"], "Service");
    assert_eq!(
        app.call("services/archive", &[("slug", "ghost")])
            .await
            .status(),
        404
    );
}

//! Server-rendered pages: what a browser without JavaScript receives, and plain form posts.

use sea_orm::ConnectionTrait;

use crate::helpers::{Engine, spawn_app, spawn_demo_app, start};
use crate::on_both_engines;

on_both_engines!(
    the_catalog_page_lists_services_in_the_html,
    the_home_page_leads_to_the_catalog,
    an_unknown_address_answers_404_with_a_page,
    an_unknown_service_page_answers_404,
    a_plain_form_post_creates_the_service_and_goes_to_its_page,
    a_plain_form_post_with_mistakes_comes_back_with_the_messages,
    a_description_with_a_script_is_shown_without_it,
    demo_data_is_added_once_to_an_empty_database,
    a_failing_database_shows_an_error_page_with_status_500,
    administration_pages_explain_themselves_to_other_roles_without_forms,
);

async fn the_catalog_page_lists_services_in_the_html(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service(
        "Payments API",
        "payments-api",
        &[("service[team]", "Payments")],
    )
    .await;
    let response = app.get("/services").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Payments API"), "{html}");
    assert!(html.contains(r#"href="/services/payments-api""#));
    assert!(html.contains("<title>Services · Postmortem</title>"));
}

async fn the_home_page_leads_to_the_catalog(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/services");
}

async fn an_unknown_address_answers_404_with_a_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/nothing/here").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(
        html.contains(r#"href="/services""#),
        "the page offers a way back"
    );
}

async fn an_unknown_service_page_answers_404(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app.get("/services/ghost").await;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Service was not found.")
    );
}

async fn a_plain_form_post_creates_the_service_and_goes_to_its_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .post_form(
            "services/create",
            "/services/new",
            &[
                ("service[name]", "Checkout Web"),
                ("service[slug]", ""),
                ("service[repository]", "acme/checkout-web"),
            ],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/services/checkout-web");
    let page = app
        .get("/services/checkout-web")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("acme/checkout-web"));
}

async fn a_plain_form_post_with_mistakes_comes_back_with_the_messages(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .post_form(
            "services/create",
            "/services/new",
            &[
                ("service[name]", "Checkout"),
                ("service[repository]", "not a repo"),
                ("service[slo_target]", "120"),
            ],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/services/new"),
        "back to the form: {location}"
    );
    let page = app
        .client
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Write the repository as owner/name"),
        "{page}"
    );
    assert!(page.contains("The SLO target must be above 0 and below 100 percent."));
    let list: serde_json::Value = app
        .call("services/list", &[("include_archived", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing was stored");
}

async fn a_description_with_a_script_is_shown_without_it(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service(
        "Search",
        "search",
        &[(
            "service[description]",
            "Fast **search**.<script>alert('x')</script><img src=x onerror=alert(1)>",
        )],
    )
    .await;
    let html = app.get("/services/search").await.text().await.unwrap();
    assert!(html.contains("<strong>search</strong>"));
    // The raw Markdown travels to the browser inside JSON, where `<` is escaped; no live tag survives.
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x onerror"), "{html}");
    assert!(!html.contains("onerror=\"alert"), "{html}");
}

async fn demo_data_is_added_once_to_an_empty_database(engine: Engine) {
    let app = spawn_demo_app(engine).await;
    let response = app
        .sign_in(&app.client, "viewer@demo.example", "demo-viewer-pass")
        .await;
    assert!(response.status().is_success(), "the demo viewer signs in");
    let list: serde_json::Value = app
        .call("services/list", &[("include_archived", "false")])
        .await
        .json()
        .await
        .unwrap();
    let count = list.as_array().unwrap().len();
    assert!(count >= 3, "a few demo services: {list}");
    // A demo postmortem in draft, with content in every step but the review.
    let postmortems: serde_json::Value = app
        .call("postmortems/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(postmortems.as_array().unwrap().len(), 1, "{postmortems}");
    let id = postmortems[0]["id"].to_string();
    let postmortem: serde_json::Value = app
        .call("postmortems/get", &[("id", id.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(postmortem["meta"]["status"], "Draft");
    assert_eq!(postmortem["factors"].as_array().unwrap().len(), 1);
    assert_eq!(postmortem["actions"][0]["kind"], "PipelineTest");
    assert!(postmortem["timeline"].as_array().unwrap().len() >= 4);
    // A demo problem with a known error, and the repeated search slowdowns suggested as another.
    let html = app.get("/problems").await.text().await.unwrap();
    assert!(
        html.contains("Mail queue drains slowly when the e-mail provider throttles"),
        "{html}"
    );
    assert!(html.contains(r#"data-testid="suggestion""#), "{html}");
    assert!(html.contains("3 incidents on Search"), "{html}");
    // A second instance (or a restart) on the same database adds nothing.
    let second = start(&app.database_url, &[("SEED_DEMO", "true")])
        .await
        .address;
    let again: serde_json::Value = app
        .client
        .post(format!("{second}/api/services/list"))
        .form(&[("include_archived", "true")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again.as_array().unwrap().len(), count);
}

async fn a_failing_database_shows_an_error_page_with_status_500(engine: Engine) {
    let app = spawn_app(engine).await;
    app.db
        .execute_unprepared("ALTER TABLE services RENAME TO services_away")
        .await
        .unwrap();
    let response = app.get("/services").await;
    assert_eq!(response.status(), 500);
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong"), "{html}");
    assert!(
        !html.to_lowercase().contains("no such table"),
        "no database details leak"
    );
    assert!(!html.contains("services_away") && !html.contains("does not exist"));
}

async fn administration_pages_explain_themselves_to_other_roles_without_forms(engine: Engine) {
    let app = spawn_app(engine).await;
    for path in [
        "/admin/users",
        "/admin/integrations",
        "/admin/github",
        "/admin/audit",
    ] {
        // The test client is a member: no form the server would refuse, and a 403.
        let response = app.get(path).await;
        assert_eq!(response.status(), 403, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Only for administrators") && html.contains("(Member)"),
            "{path}"
        );
        let actions: Vec<&str> = html
            .split("action=\"/api/")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default())
            .filter(|action| *action != "auth/sign-out")
            .collect();
        assert!(actions.is_empty(), "{path} offers {actions:?}");
    }
    // Templates are read by everyone who reads postmortems: as text, with no form.
    let response = app.get("/admin/templates").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Only an administrator changes these."),
        "{html}"
    );
    assert!(!html.contains("action=\"/api/postmortems/templates/save\""));
    assert!(html.contains("Summary"), "the required sections are listed");
    // An administrator gets the page itself.
    let admin = app.client_as(shared::domain::Role::Admin).await;
    let page = admin
        .get(app.url("/admin/templates"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Postmortem templates"));
    assert!(html.contains("action=\"/api/postmortems/templates/save\""));
}

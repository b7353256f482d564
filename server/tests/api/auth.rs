//! Accounts, sessions and authorisation: nobody gets in where they don't belong.

use serde_json::Value;
use shared::access::{Access, ENDPOINTS, PUBLIC_PAGES};
use shared::domain::Role;

use crate::helpers::{Engine, PASSWORD, TestApp, client, spawn_app, spawn_empty_app};
use crate::on_both_engines;

on_both_engines!(
    every_endpoint_is_classified_and_refuses_anonymous_callers,
    every_page_sends_anonymous_visitors_to_sign_in,
    an_empty_instance_sends_visitors_to_setup,
    every_write_is_refused_to_a_viewer,
    the_first_visitor_creates_the_administrator_and_nobody_after,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    signing_in_issues_a_new_session_id,
    signing_out_ends_the_session_for_good,
    a_plain_form_post_after_the_session_ended_goes_to_sign_in_and_back,
    an_idle_session_expires,
    a_session_in_use_outlives_its_idle_limit,
    using_a_session_does_not_rewrite_it_on_every_request,
    expired_sessions_are_deleted_from_the_store,
    a_session_past_its_maximum_age_expires_even_when_active,
    a_tampered_cookie_counts_as_signed_out,
    sign_in_attempts_are_rate_limited_per_account,
    cross_site_posts_are_refused_and_change_nothing,
    api_tokens_act_with_their_owners_role_until_revoked,
    changing_the_password_ends_other_sessions,
    administrators_create_people_change_roles_and_disable_accounts,
    the_last_administrator_keeps_the_role,
);

fn is_write(access: Access) -> bool {
    matches!(access, Access::Requires(p) if !Role::Viewer.can(p))
}

async fn every_endpoint_is_classified_and_refuses_anonymous_callers(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut registered: Vec<&str> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    registered.sort_unstable();
    let mut classified: Vec<&str> = ENDPOINTS.iter().map(|(path, _)| *path).collect();
    classified.sort_unstable();
    assert_eq!(
        registered, classified,
        "every server function has an entry in shared::access::ENDPOINTS"
    );

    let stranger = client();
    for (path, access) in ENDPOINTS {
        if *access == Access::Public {
            continue;
        }
        let response = stranger
            .post(app.url(path))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            401,
            "{path} must refuse anonymous callers"
        );
    }
    let unknown = stranger
        .post(app.url("/api/services/drop-all"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn every_page_sends_anonymous_visitors_to_sign_in(engine: Engine) {
    let app = spawn_app(engine).await;
    let stranger = client();
    for route in server::route_list() {
        let path = route.path().replace(":slug", "payments-api");
        if PUBLIC_PAGES.contains(&path.as_str()) {
            continue;
        }
        let response = stranger
            .get(app.url(&path))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "{path}: {}",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/sign-in?next="),
            "{path} → {location}"
        );
    }
    let page = stranger.get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}

async fn an_empty_instance_sends_visitors_to_setup(engine: Engine) {
    let app = spawn_empty_app(engine, &[]).await;
    let response = app.get("/services").await;
    assert_eq!(response.headers()["location"], "/setup");
    let needs: Value = app
        .call("auth/setup-status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(needs, true);
}

async fn every_write_is_refused_to_a_viewer(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Ledger", "ledger", &[]).await;
    let viewer = app.client_as(Role::Viewer).await;
    for (path, _) in ENDPOINTS.iter().filter(|(_, a)| is_write(*a)) {
        let endpoint = path.trim_start_matches("/api/");
        let response = app
            .call_with(
                &viewer,
                endpoint,
                &[
                    ("slug", "ledger"),
                    ("service[name]", "Hijacked"),
                    ("id", "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), 403, "{path} must refuse a viewer");
    }
    let ledger: Value = app
        .call_with(&viewer, "services/get", &[("slug", "ledger")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["name"], "Ledger", "nothing changed");
    assert_eq!(ledger["version"], 1);
}

async fn the_first_visitor_creates_the_administrator_and_nobody_after(engine: Engine) {
    let app = spawn_empty_app(engine, &[]).await;
    let form = [
        ("display_name", "Ada"),
        ("email", "Ada@Example.com"),
        ("password", "a long password"),
        ("password_confirmation", "a long password"),
    ];
    let response = app.call("auth/setup", &form).await;
    assert!(response.status().is_success(), "{}", response.status());
    let me: Value = app
        .call("auth/current-user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["role"], "Admin");

    let late = client();
    let again = app.call_with(&late, "auth/setup", &form).await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        app.call("auth/setup-status", &[])
            .await
            .json::<Value>()
            .await
            .unwrap(),
        false
    );
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    let stranger = client();
    let wrong = app
        .sign_in(&stranger, "member@test.example", "not the password")
        .await;
    let status = wrong.status();
    let wrong_body = wrong.text().await.unwrap();
    let unknown = app
        .sign_in(&stranger, "nobody@test.example", "not the password")
        .await;
    assert_eq!(status, 422);
    assert_eq!(unknown.status(), status);
    assert_eq!(unknown.text().await.unwrap(), wrong_body);
    assert!(
        wrong_body.contains("The email or password is incorrect."),
        "{wrong_body}"
    );
    assert_eq!(app.catalog_status(&stranger).await, 401);
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("postmortem_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// Lists services sending only `cookie`, the way a copied or stale cookie would be replayed.
async fn list_with_cookie(app: &crate::helpers::TestApp, cookie: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/services/list"))
        .header("Cookie", cookie)
        .form(&[("include_archived", "false")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn signing_in_issues_a_new_session_id(engine: Engine) {
    let app = spawn_app(engine).await;
    let browser = client();
    let first = app.sign_in(&browser, "member@test.example", PASSWORD).await;
    let first_cookie = session_cookie(&first).expect("a session cookie");
    let set_cookie = first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(set_cookie.contains("httponly"), "{set_cookie}");
    assert!(set_cookie.contains("samesite=lax"), "{set_cookie}");
    let second = app.sign_in(&browser, "member@test.example", PASSWORD).await;
    let second_cookie = session_cookie(&second).expect("a session cookie");
    assert_ne!(first_cookie, second_cookie);
    assert_eq!(
        list_with_cookie(&app, &first_cookie).await,
        401,
        "the id from before the second sign-in is dead"
    );
}

async fn signing_out_ends_the_session_for_good(engine: Engine) {
    let app = spawn_app(engine).await;
    let browser = client();
    let signed_in = app.sign_in(&browser, "member@test.example", PASSWORD).await;
    let cookie = session_cookie(&signed_in).unwrap();
    assert!(
        app.call_with(&browser, "auth/sign-out", &[])
            .await
            .status()
            .is_success()
    );
    assert_eq!(app.catalog_status(&browser).await, 401);
    assert_eq!(
        list_with_cookie(&app, &cookie).await,
        401,
        "a copied cookie does not outlive sign-out"
    );
}

async fn a_plain_form_post_after_the_session_ended_goes_to_sign_in_and_back(engine: Engine) {
    let app = spawn_app(engine).await;
    app.call("auth/sign-out", &[]).await;
    let response = app
        .post_form(
            "services/create",
            "/services/new",
            &[("service[name]", "Late"), ("service[slug]", "late")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        response.headers()["location"],
        "/sign-in?next=%2Fservices%2Fnew"
    );
}

async fn an_idle_session_expires(engine: Engine) {
    let app = spawn_empty_app(engine, &[("SESSION_IDLE_SECONDS", "1")]).await;
    let browser = client();
    app.sign_in_new(&browser, Role::Member, "idle@test.example")
        .await;
    assert_eq!(app.catalog_status(&browser).await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let response = app
        .call_with(&browser, "services/list", &[("include_archived", "false")])
        .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, "Unauthorized");
}

async fn a_session_in_use_outlives_its_idle_limit(engine: Engine) {
    let app = spawn_empty_app(engine, &[("SESSION_IDLE_SECONDS", "4")]).await;
    let browser = client();
    app.sign_in_new(&browser, Role::Member, "busy-idle@test.example")
        .await;
    // 6 s of use, never more than 1.5 s apart (2.5 s of slack for a busy machine): the idle
    // limit counts from the last use, not from sign-in.
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(app.catalog_status(&browser).await, 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(5500)).await;
    assert_eq!(app.catalog_status(&browser).await, 401);
}

async fn using_a_session_does_not_rewrite_it_on_every_request(engine: Engine) {
    let app = spawn_empty_app(engine, &[]).await;
    let browser = client();
    app.sign_in_new(&browser, Role::Member, "reader@test.example")
        .await;
    // The stored expiry has sub-second precision: any rewrite changes it.
    let stored_expiry = "CAST(expiry_date AS TEXT)";
    let at_sign_in: String = session_value(&app, engine, stored_expiry).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for _ in 0..3 {
        assert_eq!(app.catalog_status(&browser).await, 200);
    }
    // Renewed at most once a minute under the default 8-hour idle limit.
    assert_eq!(
        session_value::<String>(&app, engine, stored_expiry).await,
        at_sign_in
    );
}

/// `select` (one value) from the table tower-sessions keeps sessions in on `engine`.
async fn session_value<T: sea_orm::TryGetable>(app: &TestApp, engine: Engine, select: &str) -> T {
    use sea_orm::{ConnectionTrait, Statement};
    let table = match engine {
        Engine::Sqlite => "tower_sessions",
        Engine::Postgres => "tower_sessions.session",
    };
    let sql = format!("SELECT {select} AS v FROM {table}");
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<T>("", "v").unwrap()
}

async fn expired_sessions_are_deleted_from_the_store(engine: Engine) {
    let app = spawn_empty_app(engine, &[("SESSION_IDLE_SECONDS", "1")]).await;
    app.sign_in_new(&client(), Role::Member, "gone@test.example")
        .await;
    let count = || session_value::<i64>(&app, engine, "COUNT(*)");
    assert_eq!(count().await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let store = server::sessions::Store::connect(&app.database_url)
        .await
        .unwrap();
    store.delete_expired().await.unwrap();
    assert_eq!(count().await, 0);
}

async fn a_session_past_its_maximum_age_expires_even_when_active(engine: Engine) {
    let app = spawn_empty_app(engine, &[("SESSION_MAX_SECONDS", "4")]).await;
    let browser = client();
    app.sign_in_new(&browser, Role::Member, "busy@test.example")
        .await;
    // In use within the first 2 s (2 s of slack), then past the 4 s limit however active (the
    // sign-in time is kept in whole seconds, so more than 5 s after it).
    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        assert_eq!(app.catalog_status(&browser).await, 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(app.catalog_status(&browser).await, 401);
}

async fn a_tampered_cookie_counts_as_signed_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for cookie in [
        "postmortem_session=AAAAAAAAAAAAAAAAAAAAAA",
        "postmortem_session=%%%not-base64",
        "postmortem_session=",
    ] {
        assert_eq!(list_with_cookie(&app, cookie).await, 401, "{cookie}");
        let page = forged
            .get(app.url("/services"))
            .header("Cookie", cookie)
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            page.status().is_redirection(),
            "{cookie}: {}",
            page.status()
        );
    }
}

async fn sign_in_attempts_are_rate_limited_per_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let attacker = client();
    // spawn_app's own sign-in was the first of the account's five attempts this minute.
    for _ in 0..4 {
        assert_eq!(
            app.sign_in(&attacker, "member@test.example", "guess guess guess")
                .await
                .status(),
            422
        );
    }
    let limited = app
        .sign_in(&attacker, "member@test.example", PASSWORD)
        .await;
    assert_eq!(limited.status(), 429, "even the right password waits");
    assert!(
        limited
            .text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    let unknown = app
        .sign_in(&attacker, "ghost@test.example", "guess guess guess")
        .await;
    assert_eq!(unknown.status(), 422, "other accounts are unaffected");
}

async fn cross_site_posts_are_refused_and_change_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let form = [("service[name]", "Evil"), ("service[slug]", "evil")];
    for (header, value) in [
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "null"),
    ] {
        let response = app
            .client
            .post(app.url("/api/services/create"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
    }
    assert_eq!(
        app.call("services/get", &[("slug", "evil")]).await.status(),
        404,
        "nothing was created"
    );
    let same_origin = app
        .client
        .post(app.url("/api/services/create"))
        .header("Origin", app.address.clone())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        same_origin.status().is_success(),
        "{}",
        same_origin.status()
    );
}

async fn api_tokens_act_with_their_owners_role_until_revoked(engine: Engine) {
    let app = spawn_app(engine).await;
    let created: Value = app
        .call("account/tokens/create", &[("name", "CI")])
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("pmt_"));
    let listed: Value = app.call("account/tokens", &[]).await.json().await.unwrap();
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once only"
    );

    let robot = reqwest::Client::new();
    let call = |endpoint: &'static str, form: Vec<(&'static str, &'static str)>| {
        robot
            .post(app.url(&format!("/api/{endpoint}")))
            .bearer_auth(&secret)
            .form(&form)
            .send()
    };
    assert_eq!(
        call("services/list", vec![("include_archived", "false")])
            .await
            .unwrap()
            .status(),
        200
    );
    let made = call("services/create", vec![("service[name]", "Made by CI")])
        .await
        .unwrap();
    assert!(
        made.status().is_success(),
        "a member's token may write: {}",
        made.status()
    );

    let id = created["token"]["id"].to_string();
    assert!(
        app.call("account/tokens/revoke", &[("id", &id)])
            .await
            .status()
            .is_success()
    );
    assert_eq!(
        call("services/list", vec![("include_archived", "false")])
            .await
            .unwrap()
            .status(),
        401
    );

    let bogus = robot
        .post(app.url("/api/services/list"))
        .bearer_auth("pmt_0000")
        .form(&[("include_archived", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 401);

    let viewer = app.client_as(Role::Viewer).await;
    let viewer_token: Value = app
        .call_with(&viewer, "account/tokens/create", &[("name", "read")])
        .await
        .json()
        .await
        .unwrap();
    let refused = robot
        .post(app.url("/api/services/create"))
        .bearer_auth(viewer_token["secret"].as_str().unwrap())
        .form(&[("service[name]", "Nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "a viewer's token cannot write");
}

async fn changing_the_password_ends_other_sessions(engine: Engine) {
    let app = spawn_app(engine).await;
    let laptop = client();
    assert!(
        app.sign_in(&laptop, "member@test.example", PASSWORD)
            .await
            .status()
            .is_success()
    );
    let wrong = app
        .call(
            "account/change-password",
            &[
                ("current_password", "not it"),
                ("new_password", "a brand new secret"),
                ("new_password_confirmation", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let changed = app
        .call(
            "account/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
                ("new_password_confirmation", "a brand new secret"),
            ],
        )
        .await;
    assert!(changed.status().is_success(), "{}", changed.status());
    assert_eq!(
        app.catalog_status(&app.client).await,
        200,
        "this session goes on"
    );
    assert_eq!(
        app.catalog_status(&laptop).await,
        401,
        "the other session ended"
    );
    assert_eq!(
        app.sign_in(&client(), "member@test.example", PASSWORD)
            .await
            .status(),
        422
    );
    assert!(
        app.sign_in(&client(), "member@test.example", "a brand new secret")
            .await
            .status()
            .is_success()
    );
}

async fn administrators_create_people_change_roles_and_disable_accounts(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let created = app
        .call_with(
            &admin,
            "users/create",
            &[
                ("display_name", "Sam"),
                ("email", "sam@test.example"),
                ("role", "viewer"),
                ("password", "sams first password"),
                ("password_confirmation", "sams first password"),
            ],
        )
        .await;
    assert!(created.status().is_success(), "{}", created.status());
    let sam: Value = created.json().await.unwrap();
    let id = sam["id"].to_string();
    let duplicate = app
        .call_with(
            &admin,
            "users/create",
            &[
                ("display_name", "Sam 2"),
                ("email", "SAM@test.example"),
                ("role", "viewer"),
                ("password", "another password"),
                ("password_confirmation", "another password"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), 422);

    let sams_browser = client();
    assert!(
        app.sign_in(&sams_browser, "sam@test.example", "sams first password")
            .await
            .status()
            .is_success()
    );
    let promoted: Value = app
        .call_with(&admin, "users/set-role", &[("id", &id), ("role", "member")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted["role"], "Member");
    let me: Value = app
        .call_with(&sams_browser, "auth/current-user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "Member", "the new role applies at once");

    app.call_with(
        &admin,
        "users/set-disabled",
        &[("id", &id), ("disabled", "true")],
    )
    .await;
    assert_eq!(
        app.catalog_status(&sams_browser).await,
        401,
        "a disabled account's session ends"
    );
    assert_eq!(
        app.sign_in(&client(), "sam@test.example", "sams first password")
            .await
            .status(),
        422
    );

    let history: Value = app
        .call_with(
            &admin,
            "audit/list",
            &[("entity_type", "user"), ("action", ""), ("actor", "")],
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.starts_with(&["user.disabled", "user.role_changed", "user.created"]),
        "{actions:?}"
    );
    assert!(
        !history.to_string().contains("argon2"),
        "password hashes never reach the audit trail"
    );
}

async fn the_last_administrator_keeps_the_role(engine: Engine) {
    let app = spawn_empty_app(engine, &[]).await;
    let admin = client();
    app.sign_in_new(&admin, Role::Admin, "only-admin@test.example")
        .await;
    let users: Value = app
        .call_with(&admin, "users/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = users[0]["id"].to_string();
    assert_eq!(
        app.call_with(&admin, "users/set-role", &[("id", &id), ("role", "member")])
            .await
            .status(),
        409
    );
    assert_eq!(
        app.call_with(
            &admin,
            "users/set-disabled",
            &[("id", &id), ("disabled", "true")]
        )
        .await
        .status(),
        409
    );
}

//! The remembered meeting page: sent again only while nothing was written, with a fresh nonce
//! each time, to the viewer it was rendered for, and renewed across instances on PostgreSQL.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use shared::domain::Role;

use crate::github::eventually;
use crate::helpers::{Engine, TestApp, assert_scripts_carry_nonce, csp_nonce, spawn_app, start};
use crate::incidents::declare;
use crate::{on_both_engines, on_postgres};

on_both_engines!(
    the_meeting_page_is_sent_again_until_anything_is_written,
    a_remembered_page_gets_a_fresh_nonce_every_time,
    each_viewer_gets_the_page_rendered_for_them,
);
on_postgres!(a_write_on_one_instance_renews_the_page_on_another);

async fn new_postmortem(app: &TestApp, title: &str) -> i64 {
    let incident = declare(
        app,
        &[("incident[title]", title), ("incident[severity]", "SEV2")],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let response = app
        .call("postmortems/start", &[("incidents", &incident.to_string())])
        .await;
    response.text().await.unwrap().trim().parse().unwrap()
}

/// Renames the postmortem behind the app's back, as a hand-run SQL statement would.
async fn rename_by_hand(app: &TestApp, pm: i64, title: &str) {
    app.db
        .execute_unprepared(&format!(
            "UPDATE postmortems SET title = '{title}' WHERE id = {pm}"
        ))
        .await
        .unwrap();
}

async fn page(client: &reqwest::Client, base: &str, pm: i64) -> (String, String) {
    let response = client
        .get(format!("{base}/postmortems/{pm}"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (csp, response.text().await.unwrap())
}

async fn the_meeting_page_is_sent_again_until_anything_is_written(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = new_postmortem(&app, "Cache outage").await;
    let (_, first) = page(&app.client, &app.address, pm).await;
    assert!(first.contains("Cache outage"));

    // A change the app does not make itself is not seen while the copy is fresh ...
    rename_by_hand(&app, pm, "Renamed by hand").await;
    let (_, again) = page(&app.client, &app.address, pm).await;
    assert!(again.contains("Cache outage") && !again.contains("Renamed by hand"));
    // Reading a part of the page, as every open meeting does after each change, is no write.
    let part = app
        .call_get_with(
            &app.client,
            "postmortems/part",
            &[("postmortem_id", &pm.to_string()), ("part", "review")],
        )
        .await;
    assert_eq!(part.status(), 200);
    let (_, still) = page(&app.client, &app.address, pm).await;
    assert!(
        !still.contains("Renamed by hand"),
        "not renewed by reading a part"
    );

    // ... but any write through the app, to this postmortem or anything else, renews it.
    app.create_service("Search", "search", &[]).await;
    let (_, after_write) = page(&app.client, &app.address, pm).await;
    assert!(
        after_write.contains("Renamed by hand"),
        "renewed by a write"
    );
    let version = app
        .call("postmortems/get", &[("id", &pm.to_string())])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"].as_str().unwrap().eq_ignore_ascii_case("lucky"))
        .unwrap()["version"]
        .as_i64()
        .unwrap();
    let saved = app
        .call(
            "postmortems/field",
            &[
                ("postmortem_id", &pm.to_string()),
                ("field", "lucky"),
                ("version", &version.to_string()),
                ("body", "The standby cache was warm."),
            ],
        )
        .await;
    assert!(saved.status().is_success());
    let (_, after_save) = page(&app.client, &app.address, pm).await;
    assert!(after_save.contains("The standby cache was warm."));

    // A copy is used for a few seconds at most, so even an outside change shows then.
    rename_by_hand(&app, pm, "Renamed again").await;
    let (_, stale) = page(&app.client, &app.address, pm).await;
    assert!(!stale.contains("Renamed again"));
    tokio::time::sleep(server::PAGE_FRESH_FOR).await;
    let (_, later) = page(&app.client, &app.address, pm).await;
    assert!(later.contains("Renamed again"));
}

async fn a_remembered_page_gets_a_fresh_nonce_every_time(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = new_postmortem(&app, "Nonce outage").await;
    let mut seen = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let (csp, html) = page(&app.client, &app.address, pm).await;
        let nonce = csp_nonce(&csp);
        assert_scripts_carry_nonce(&html, &nonce);
        assert!(!seen.contains(&nonce), "a nonce is never reused");
        bodies.push(html.replace(&nonce, "NONCE"));
        seen.push(nonce);
    }
    assert_eq!(bodies[0], bodies[1], "the same page, but for its nonce");
    assert_eq!(bodies[1], bodies[2]);
}

async fn each_viewer_gets_the_page_rendered_for_them(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = new_postmortem(&app, "Viewer outage").await;
    let (_, member) = page(&app.client, &app.address, pm).await;
    assert!(member.contains("data-testid=\"lead\""), "members may lead");
    let viewer = app.client_as(Role::Viewer).await;
    let (_, viewer_page) = page(&viewer, &app.address, pm).await;
    assert!(viewer_page.contains("Viewer outage"));
    assert!(
        !viewer_page.contains("data-testid=\"lead\""),
        "a viewer never gets a member's copy"
    );
    let anonymous = crate::helpers::client()
        .get(app.url(&format!("/postmortems/{pm}")))
        .send()
        .await
        .unwrap();
    assert!(anonymous.status().is_redirection(), "still sent to sign in");
}

/// Two instances on one PostgreSQL database: a write through one renews the other's copy.
async fn a_write_on_one_instance_renews_the_page_on_another() {
    let app = spawn_app(Engine::Postgres).await;
    let instance = start(&app.database_url, &[]).await;
    let second = instance.address.clone();
    // Its listener counts one write when it connects: from then on it hears every NOTIFY.
    eventually("the second instance listens", || async {
        instance.state.live.write_count() >= 1
    })
    .await;
    let (first_before, second_before) = (
        app.state.live.write_count(),
        instance.state.live.write_count(),
    );
    let pm = new_postmortem(&app, "Two instance outage").await;
    // The second instance has heard of each of the first one's writes, so nothing it hears later
    // is left over from them.
    let written = app.state.live.write_count() - first_before;
    eventually(
        "the second instance hears the first one's writes",
        || async { instance.state.live.write_count() - second_before >= written },
    )
    .await;
    let (_, on_second) = page(&app.client, &second, pm).await;
    assert!(on_second.contains("Two instance outage"));
    rename_by_hand(&app, pm, "Renamed on both").await;
    let (_, remembered) = page(&app.client, &second, pm).await;
    assert!(
        !remembered.contains("Renamed on both"),
        "the second instance keeps its copy"
    );
    app.create_service("Search", "search", &[]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, html) = page(&app.client, &second, pm).await;
        if html.contains("Renamed on both") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first instance's write did not renew the second's copy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! Incidents through their server functions: declaring, editing, status changes, the timeline,
//! the postmortem flag, and the list's filters and cursor pages.

use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    a_declared_incident_appears_in_the_list_and_needs_a_postmortem_by_policy,
    times_out_of_order_are_refused_and_nothing_is_stored,
    an_unknown_service_is_refused_by_name,
    status_changes_fill_milestones_and_write_the_timeline,
    an_edit_is_noted_on_the_timeline_and_a_stale_edit_is_refused,
    people_add_edit_and_remove_timeline_entries,
    the_list_pages_by_cursor_without_repeats_or_gaps,
    the_list_filters_by_service_severity_status_text_and_time,
    starting_the_postmortem_takes_the_incident_off_the_waiting_list,
    a_viewer_can_read_incidents_but_not_declare_them,
);

pub async fn declare(app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let response = app.call("incidents/declare", fields).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status.is_success() || status.is_redirection(),
        "declare failed: {status} {body}"
    );
    serde_json::from_str(&body).unwrap()
}

async fn get(app: &TestApp, id: i64) -> Value {
    let response = app.call("incidents/get", &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn list(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let form: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), (*v).to_owned()))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.call("incidents/list", &form).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn titles(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

fn id(incident: &Value) -> i64 {
    incident["id"].as_i64().unwrap()
}

fn bodies(incident: &Value) -> Vec<String> {
    incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_declared_incident_appears_in_the_list_and_needs_a_postmortem_by_policy(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let created = declare(
        &app,
        &[
            ("incident[title]", "Checkout returns 502"),
            ("incident[services]", "payments-api"),
            ("incident[severity]", "SEV2"),
            ("incident[summary]", "Some **customers** cannot pay."),
        ],
    )
    .await;
    assert_eq!(created["status"], "Triggered");
    assert_eq!(created["postmortem"], "Waiting");
    assert!(
        created["summary_html"]
            .as_str()
            .unwrap()
            .contains("<strong>customers</strong>")
    );
    assert!(bodies(&created)[0].starts_with("Incident declared by"));
    let minor = declare(
        &app,
        &[
            ("incident[title]", "Typo on status page"),
            ("incident[severity]", "SEV4"),
        ],
    )
    .await;
    assert_eq!(minor["postmortem"], "NotRequired");
    let page = list(&app, &[]).await;
    assert_eq!(
        titles(&page),
        ["Typo on status page", "Checkout returns 502"]
    );
    assert_eq!(page["rows"][1]["services"][0]["slug"], "payments-api");
    let waiting = list(&app, &[("postmortem", "waiting")]).await;
    assert_eq!(titles(&waiting), ["Checkout returns 502"]);
}

async fn times_out_of_order_are_refused_and_nothing_is_stored(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .call(
            "incidents/declare",
            &[
                ("incident[title]", "Backwards"),
                ("incident[severity]", "SEV3"),
                ("incident[impact_started_at]", "2026-11-27T10:00"),
                ("incident[resolved_at]", "2026-11-27T09:00"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let errors = body["Validation"].as_array().unwrap();
    assert_eq!(errors[0]["field"], "resolved_at");
    assert_eq!(
        errors[0]["message"],
        "Resolved cannot be before impact started."
    );
    assert!(titles(&list(&app, &[]).await).is_empty());
}

async fn an_unknown_service_is_refused_by_name(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .call(
            "incidents/declare",
            &[
                ("incident[title]", "Where?"),
                ("incident[severity]", "SEV3"),
                ("incident[services]", "nowhere-api"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Validation"][0]["field"], "services");
    assert!(
        body["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`nowhere-api`")
    );
}

async fn status_changes_fill_milestones_and_write_the_timeline(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = declare(
        &app,
        &[
            ("incident[title]", "Search is slow"),
            ("incident[severity]", "SEV3"),
            ("incident[impact_started_at]", "2026-01-10T08:00"),
            ("incident[detected_at]", "2026-01-10T08:12"),
        ],
    )
    .await;
    assert!(!created["durations"]["to_detect"].is_null());
    let incident_id = id(&created).to_string();
    let moved: Value = app
        .call(
            "incidents/set-status",
            &[
                ("id", &incident_id),
                ("version", "1"),
                ("status", "investigating"),
                ("note", "Paging search on-call"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["status"], "Investigating");
    assert!(moved["milestones"]["acknowledged_at"].is_string());
    assert!(
        bodies(&moved)
            .iter()
            .any(|b| b.contains("from Triggered to Investigating")
                && b.contains("Paging search on-call"))
    );
    let resolved: Value = app
        .call(
            "incidents/set-status",
            &[
                ("id", &incident_id),
                ("version", "2"),
                ("status", "resolved"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["status"], "Resolved");
    assert!(resolved["milestones"]["mitigated_at"].is_string());
    assert!(!resolved["durations"]["to_resolve"].is_null());
    // A stale status change is refused.
    let stale = app
        .call(
            "incidents/set-status",
            &[
                ("id", &incident_id),
                ("version", "1"),
                ("status", "monitoring"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
}

async fn an_edit_is_noted_on_the_timeline_and_a_stale_edit_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = declare(
        &app,
        &[
            ("incident[title]", "Login errors"),
            ("incident[severity]", "SEV3"),
        ],
    )
    .await;
    let incident_id = id(&created).to_string();
    let edit = |version: &'static str, severity: &'static str| {
        vec![
            ("id", incident_id.clone()),
            ("version", version.to_owned()),
            ("incident[title]", "Login errors for SSO users".to_owned()),
            ("incident[severity]", severity.to_owned()),
            ("incident[escalated]", "on".to_owned()),
        ]
    };
    let form = edit("1", "SEV2");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call("incidents/update", &form).await;
    assert!(response.status().is_success(), "{}", response.status());
    let updated = get(&app, id(&created)).await;
    assert_eq!(updated["severity"], "Sev2");
    assert_eq!(updated["escalated"], true);
    assert_eq!(updated["postmortem"], "Waiting");
    let note = bodies(&updated)
        .into_iter()
        .find(|b| b.starts_with("Edited by"))
        .unwrap();
    assert!(
        note.contains("severity SEV3 → SEV2") && note.contains("title changed"),
        "{note}"
    );
    let form = edit("1", "SEV1");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let stale = app.call("incidents/update", &form).await;
    assert_eq!(stale.status(), 409);
    assert_eq!(
        get(&app, id(&created)).await["severity"],
        "Sev2",
        "the refused edit changed nothing"
    );
}

async fn people_add_edit_and_remove_timeline_entries(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = declare(
        &app,
        &[
            ("incident[title]", "Queue backlog"),
            ("incident[severity]", "SEV3"),
        ],
    )
    .await;
    let incident_id = id(&created).to_string();
    let add = |at: &'static str, body: &'static str| {
        let incident_id = incident_id.clone();
        let app = &app;
        async move {
            let response = app
                .call(
                    "incidents/timeline/add",
                    &[
                        ("incident_id", incident_id.as_str()),
                        ("entry[kind]", "action"),
                        ("entry[occurred_at]", at),
                        ("entry[body]", body),
                    ],
                )
                .await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let later = add("2020-01-01T10:30", "Scaled consumers to 12").await;
    add("2020-01-01T10:05", "Noticed the backlog").await;
    let timeline = bodies(&get(&app, id(&created)).await);
    assert_eq!(
        &timeline[..2],
        ["Noticed the backlog", "Scaled consumers to 12"],
        "ordered by when it happened"
    );

    let entry_id = later["id"].as_i64().unwrap().to_string();
    let response = app
        .call(
            "incidents/timeline/update",
            &[
                ("id", &entry_id),
                ("version", "1"),
                ("entry[kind]", "action"),
                ("entry[occurred_at]", "2020-01-01T10:31"),
                ("entry[body]", "Scaled consumers to 16"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let stale = app
        .call(
            "incidents/timeline/update",
            &[
                ("id", &entry_id),
                ("version", "1"),
                ("entry[kind]", "note"),
                ("entry[body]", "overwrite"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
    let empty = app
        .call(
            "incidents/timeline/add",
            &[
                ("incident_id", &incident_id),
                ("entry[kind]", "note"),
                ("entry[body]", "  "),
            ],
        )
        .await;
    assert_eq!(empty.status(), 422);
    let timeline = bodies(&get(&app, id(&created)).await);
    assert!(timeline.contains(&"Scaled consumers to 16".to_owned()));
    assert_eq!(
        app.call("incidents/timeline/delete", &[("id", &entry_id)])
            .await
            .status(),
        200
    );
    let timeline = bodies(&get(&app, id(&created)).await);
    assert!(!timeline.iter().any(|b| b.contains("Scaled consumers")));
}

async fn the_list_pages_by_cursor_without_repeats_or_gaps(engine: Engine) {
    let app = spawn_app(engine).await;
    for n in 0..30 {
        let title = format!("Incident {n:02}");
        let severity = ["SEV1", "SEV2", "SEV3", "SEV4"][n % 4];
        declare(
            &app,
            &[
                ("incident[title]", &title),
                ("incident[severity]", severity),
            ],
        )
        .await;
    }
    for sort in ["newest", "oldest", "severity"] {
        let first = list(&app, &[("sort", sort)]).await;
        assert_eq!(first["rows"].as_array().unwrap().len(), 25);
        let cursor = first["next"].as_str().unwrap().to_owned();
        let second = list(&app, &[("sort", sort), ("after", &cursor)]).await;
        assert_eq!(second["rows"].as_array().unwrap().len(), 5);
        assert!(second["next"].is_null());
        let mut all = titles(&first);
        all.extend(titles(&second));
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 30, "{sort}: every incident exactly once");
        match sort {
            "newest" => assert_eq!(all[0], "Incident 29"),
            "oldest" => assert_eq!(all[0], "Incident 00"),
            _ => {
                let severities: Vec<String> = first["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(second["rows"].as_array().unwrap())
                    .map(|r| r["severity"].as_str().unwrap().to_owned())
                    .collect();
                let mut sorted = severities.clone();
                sorted.sort();
                assert_eq!(severities, sorted, "most severe first");
                assert_eq!(all[0], "Incident 28", "newest within a severity");
            }
        }
    }
    let bad = app
        .call("incidents/list", &[("query[after]", "not-a-cursor")])
        .await;
    assert_eq!(bad.status(), 422);
}

async fn the_list_filters_by_service_severity_status_text_and_time(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    app.create_service("Search", "search", &[]).await;
    declare(
        &app,
        &[
            ("incident[title]", "Card payments failing"),
            ("incident[severity]", "SEV1"),
            ("incident[services]", "payments-api"),
        ],
    )
    .await;
    let slow = declare(
        &app,
        &[
            ("incident[title]", "Search slow"),
            ("incident[severity]", "SEV3"),
            ("incident[services]", "search"),
            ("incident[summary]", "p99 at 4s after the 100% rollout"),
        ],
    )
    .await;
    declare(
        &app,
        &[
            ("incident[title]", "Both down"),
            ("incident[severity]", "SEV2"),
            ("incident[services]", "search, payments-api"),
        ],
    )
    .await;
    app.call(
        "incidents/set-status",
        &[
            ("id", &id(&slow).to_string()),
            ("version", "1"),
            ("status", "resolved"),
        ],
    )
    .await;

    assert_eq!(
        titles(&list(&app, &[("service", "payments-api")]).await),
        ["Both down", "Card payments failing"]
    );
    assert_eq!(
        titles(&list(&app, &[("severity", "SEV3")]).await),
        ["Search slow"]
    );
    assert_eq!(
        titles(&list(&app, &[("status", "open")]).await),
        ["Both down", "Card payments failing"]
    );
    assert_eq!(
        titles(&list(&app, &[("status", "resolved")]).await),
        ["Search slow"]
    );
    assert_eq!(
        titles(&list(&app, &[("q", "ROLLOUT")]).await),
        ["Search slow"],
        "summary, any case"
    );
    assert_eq!(
        titles(&list(&app, &[("q", "100%")]).await),
        ["Search slow"],
        "% is literal"
    );
    assert_eq!(
        titles(&list(&app, &[("q", "card failing")]).await),
        ["Card payments failing"],
        "every word"
    );
    assert_eq!(
        titles(&list(&app, &[("service", "search"), ("severity", "SEV2")]).await),
        ["Both down"]
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(titles(&list(&app, &[("from", &today)]).await).len(), 3);
    assert!(titles(&list(&app, &[("to", "2020-01-01")]).await).is_empty());
    let bad = app
        .call("incidents/list", &[("query[from]", "last tuesday")])
        .await;
    assert_eq!(bad.status(), 422);
}

async fn starting_the_postmortem_takes_the_incident_off_the_waiting_list(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = declare(
        &app,
        &[
            ("incident[title]", "Data loss in exports"),
            ("incident[severity]", "SEV4"),
            ("incident[data_loss]", "on"),
        ],
    )
    .await;
    assert_eq!(
        created["postmortem"], "Waiting",
        "data loss needs a postmortem whatever the severity"
    );
    let started = app
        .call(
            "postmortems/start",
            &[("incidents", &id(&created).to_string())],
        )
        .await;
    assert!(started.status().is_success(), "{}", started.status());
    let started = get(&app, id(&created)).await;
    assert_eq!(started["postmortem"], "Started");
    assert!(titles(&list(&app, &[("postmortem", "waiting")]).await).is_empty());
    // Twice leads to the same postmortem.
    let again = app
        .call(
            "postmortems/start",
            &[("incidents", &id(&created).to_string())],
        )
        .await;
    assert!(again.status().is_success());
    let again = get(&app, id(&created)).await;
    assert_eq!(
        again["postmortem_started_at"],
        started["postmortem_started_at"]
    );
    assert_eq!(again["postmortems"].as_array().unwrap().len(), 1);
}

async fn a_viewer_can_read_incidents_but_not_declare_them(engine: Engine) {
    let app = spawn_app(engine).await;
    declare(
        &app,
        &[
            ("incident[title]", "Visible"),
            ("incident[severity]", "SEV3"),
        ],
    )
    .await;
    let viewer = app.client_as(Role::Viewer).await;
    let response = app
        .call_with(&viewer, "incidents/list", &[("query[q]", "")])
        .await;
    assert_eq!(response.status(), 200);
    let response = app
        .call_with(
            &viewer,
            "incidents/declare",
            &[("incident[title]", "Nope"), ("incident[severity]", "SEV3")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let page = app.get("/incidents").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Visible"));
}

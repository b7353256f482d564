//! Postmortems: starting from incidents, per-field versions and conflicts, item validation, the
//! review workflow and its permissions, live updates over SSE (also across two instances on one
//! PostgreSQL database), and the Markdown export.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, invoke_get, spawn_app, start};
use crate::incidents::declare;
use crate::{on_both_engines, on_postgres};
use app::pages::postmortem::{Part, PostmortemPart};

on_both_engines!(
    a_postmortem_starts_from_incidents_and_imports_their_timelines,
    a_stale_field_save_is_a_conflict_that_returns_the_other_text,
    items_are_validated_and_markdown_is_sanitised,
    each_part_of_the_meeting_renders_alone_with_its_forms,
    the_review_workflow_needs_complete_sections_and_another_reviewer,
    a_participant_sees_another_participants_save_live,
    presence_lists_who_is_here_once_per_change,
    a_live_stream_ends_when_its_session_does,
    the_export_is_one_markdown_file_with_every_section,
    starting_one_offers_related_incidents_first_and_searches_the_rest,
    a_stored_status_this_version_does_not_know_is_an_error_not_a_default,
);
on_postgres!(participants_on_two_instances_see_each_others_edits);

async fn incident(app: &TestApp, title: &str, severity: &str) -> i64 {
    declare(
        app,
        &[
            ("incident[title]", title),
            ("incident[severity]", severity),
            ("incident[summary]", "Checkout returned **500s**."),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn start_postmortem(app: &TestApp, incidents: &str) -> i64 {
    let response = app
        .call("postmortems/start", &[("incidents", incidents)])
        .await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    body.trim().parse().expect("the new postmortem's id")
}

async fn json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}"))
}

async fn get_pm(app: &TestApp, id: i64) -> Value {
    json(
        app.call("postmortems/get", &[("id", &id.to_string())])
            .await,
    )
    .await
}

async fn save_field(
    app: &TestApp,
    client: &reqwest::Client,
    pm: i64,
    field: &str,
    version: i64,
    body: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "postmortems/field",
        &[
            ("postmortem_id", &pm.to_string()),
            ("field", field),
            ("version", &version.to_string()),
            ("body", body),
        ],
    )
    .await
}

fn field<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["field"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&name.replace('_', ""))
        })
        .unwrap_or_else(|| panic!("no field {name} in {view}"))
}

async fn a_postmortem_starts_from_incidents_and_imports_their_timelines(engine: Engine) {
    let app = spawn_app(engine).await;
    let first = incident(&app, "Checkout errors", "SEV2").await;
    let second = incident(&app, "Checkout errors again", "SEV3").await;
    let pm = start_postmortem(&app, &format!("{first},{second}")).await;
    let view = get_pm(&app, pm).await;
    assert_eq!(
        view["severity"], "Sev2",
        "the most severe incident chooses the template"
    );
    assert_eq!(view["required"].as_array().unwrap().len(), 5);
    assert_eq!(view["incidents"].as_array().unwrap().len(), 2);
    let timeline = view["timeline"].as_array().unwrap();
    assert!(timeline.len() >= 2, "{timeline:?}");
    assert!(timeline.iter().all(|e| e["imported"] == true));
    assert!(
        timeline[0]["body"]
            .as_str()
            .unwrap()
            .starts_with(&format!("[#{first}]"))
    );
    // The incidents link back, and a second start of one of them leads to the same postmortem.
    let incident_view = json(
        app.call("incidents/get", &[("id", &first.to_string())])
            .await,
    )
    .await;
    assert_eq!(incident_view["postmortems"][0][0], pm);
    assert_eq!(start_postmortem(&app, &first.to_string()).await, pm);
    // Mixing it with a new incident is refused with a clear message.
    let third = incident(&app, "Unrelated", "SEV4").await;
    let response = app
        .call(
            "postmortems/start",
            &[("incidents", &format!("{first},{third}"))],
        )
        .await;
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already has postmortem")
    );
    // The list shows it with its owner and review due date.
    let list = json(app.call("postmortems/list", &[]).await).await;
    assert_eq!(list[0]["id"], pm);
    assert!(list[0]["review_due_on"].is_string());
    assert_eq!(list[0]["overdue"], false);
}

async fn a_stale_field_save_is_a_conflict_that_returns_the_other_text(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Queue backlog", "SEV3").await.to_string(),
    )
    .await;
    let other = app.client_as(Role::Member).await;
    let base = field(&get_pm(&app, pm).await, "impact")["version"]
        .as_i64()
        .unwrap();
    let saved = json(
        save_field(
            &app,
            &app.client,
            pm,
            "impact",
            base,
            "Orders were delayed for 40 minutes.",
        )
        .await,
    )
    .await;
    assert_eq!(saved["Saved"]["version"], base + 1);
    // Someone else, still on the old version, saves different text: refused, with ours returned.
    let clash = save_field(&app, &other, pm, "impact", base, "Nobody noticed.").await;
    assert_eq!(clash.status(), 409, "the refusal is in the status too");
    let clash: Value = clash.json().await.unwrap();
    assert_eq!(
        clash["Conflict"]["body"],
        "Orders were delayed for 40 minutes."
    );
    assert_eq!(clash["Conflict"]["version"], base + 1);
    // Resending exactly what is stored is no conflict (a retried save).
    let retried = json(
        save_field(
            &app,
            &app.client,
            pm,
            "impact",
            base,
            "Orders were delayed for 40 minutes.",
        )
        .await,
    )
    .await;
    assert!(retried.get("Saved").is_some(), "{retried}");
    // Choosing "keep mine" saves over the new version.
    let kept = json(
        save_field(
            &app,
            &other,
            pm,
            "impact",
            base + 1,
            "Nobody noticed for 40 minutes.",
        )
        .await,
    )
    .await;
    assert_eq!(kept["Saved"]["version"], base + 2);
    assert_eq!(
        field(&get_pm(&app, pm).await, "impact")["body"],
        "Nobody noticed for 40 minutes."
    );
    // Too long: refused with the limit, and the stored text is untouched.
    let long = "x".repeat(20_001);
    let response = save_field(&app, &app.client, pm, "impact", base + 2, &long).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("20000"));
    assert_eq!(
        field(&get_pm(&app, pm).await, "impact")["body"],
        "Nobody noticed for 40 minutes."
    );
    // A viewer reads but cannot write.
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        save_field(&app, &viewer, pm, "impact", base + 2, "x")
            .await
            .status(),
        403
    );
}

async fn items_are_validated_and_markdown_is_sanitised(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "DNS outage", "SEV1").await.to_string(),
    )
    .await;
    let id = pm.to_string();
    // Script in Markdown never reaches the page.
    let base = field(&get_pm(&app, pm).await, "summary")["version"]
        .as_i64()
        .unwrap();
    let saved = json(save_field(&app, &app.client, pm, "summary", base, "Resolver failed <script>alert(1)</script> [x](javascript:alert(1))\n\n- [x] done\n\n~~old~~").await).await;
    let html = saved["Saved"]["html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(
        html.contains("<del>old</del>") && html.contains("checkbox"),
        "{html}"
    );
    // A timeline entry outside the incident window is refused, one inside is added.
    let entry = |at: &'static str| {
        vec![
            ("postmortem_id", id.clone()),
            ("id", "0".into()),
            ("version", "0".into()),
            ("entry[occurred_at]", at.into()),
            ("entry[body]", "Config pushed".into()),
            ("entry[moment]", "detection".into()),
        ]
    };
    let form = entry("2001-01-01T00:00");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call("postmortems/timeline/save", &pairs).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("incident window"));
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let form = vec![
        ("postmortem_id", id.as_str()),
        ("id", "0"),
        ("version", "0"),
        ("entry[occurred_at]", now.as_str()),
        ("entry[body]", "Config **pushed** <script>x</script>"),
        ("entry[moment]", "detection"),
        ("entry[kind]", "change"),
    ];
    let added = json(app.call("postmortems/timeline/save", &form).await).await;
    assert_eq!(added["Saved"]["moment"], "Detection");
    // Its kind is kept, and its Markdown is rendered and sanitised like the incident's own.
    assert_eq!(added["Saved"]["kind"], "Change");
    let html = added["Saved"]["html"].as_str().unwrap();
    assert!(
        html.contains("<strong>pushed</strong>") && !html.contains("<script"),
        "{html}"
    );
    // The entries imported from the incident keep their kind (its declaration is a status change
    // or a note, never blank).
    let document = get_pm(&app, pm).await;
    let imported: Vec<&serde_json::Value> = document["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["imported"] == true)
        .collect();
    assert!(!imported.is_empty());
    assert!(
        imported.iter().all(|e| e["kind"].is_string()),
        "{imported:?}"
    );
    // A factor, then an action item whose owner is not a user: refused, naming the owner.
    let factor = json(
        app.call(
            "postmortems/factors/save",
            &[
                ("postmortem_id", id.as_str()),
                ("id", "0"),
                ("version", "0"),
                ("factor[title]", "No canary for resolver config"),
                ("factor[category]", "process"),
                (
                    "factor[whys]",
                    "The push went to every region at once\nThe tool has no staged mode",
                ),
                ("factor[evidence]", "https://example.com/change/1"),
            ],
        )
        .await,
    )
    .await;
    let factor_id = factor["Saved"]["id"].as_i64().unwrap().to_string();
    assert_eq!(factor["Saved"]["whys"].as_array().unwrap().len(), 2);
    let action = |owner: &str, due: &str| {
        vec![
            ("postmortem_id", id.clone()),
            ("id", "0".into()),
            ("version", "0".into()),
            ("action[title]", "Stage resolver config pushes".into()),
            ("action[kind]", "pipeline_test".into()),
            ("action[owner]", owner.into()),
            ("action[due_on]", due.into()),
            ("action[factor]", factor_id.clone()),
        ]
    };
    let form = action("999999", "2099-01-01");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call("postmortems/actions/save", &pairs).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("active account"));
    let form = action("", "2001-01-01");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call("postmortems/actions/save", &pairs).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("before the incident")
    );
    let form = action("", "2099-01-01");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = json(app.call("postmortems/actions/save", &pairs).await).await;
    assert_eq!(saved["Saved"]["kind"], "PipelineTest");
    assert_eq!(saved["Saved"]["factor_id"].to_string(), factor_id);
    let view = get_pm(&app, pm).await;
    assert_eq!(view["actions"].as_array().unwrap().len(), 1);
    assert_eq!(view["factors"].as_array().unwrap().len(), 1);
}

/// Reads one part of the meeting page as the page does: a GET, with the arguments in the query.
async fn get_part(
    app: &TestApp,
    client: &reqwest::Client,
    pm: &str,
    part: &str,
) -> reqwest::Response {
    app.call_get_with(
        client,
        "postmortems/part",
        &[("postmortem_id", pm), ("part", part)],
    )
    .await
}

/// Reads one item's editor as the page does.
async fn get_editor(
    app: &TestApp,
    client: &reqwest::Client,
    pm: &str,
    item: &str,
) -> reqwest::Response {
    app.call_get_with(
        client,
        "postmortems/editor",
        &[("postmortem_id", pm), ("item", item)],
    )
    .await
}

/// One part's HTML, read through the server function's own types.
async fn part(app: &TestApp, client: &reqwest::Client, pm: i64, part: Part) -> String {
    let read = PostmortemPart {
        postmortem_id: pm,
        part,
    };
    invoke_get(app, client, &read)
        .await
        .unwrap_or_else(|(status, error)| panic!("{part:?}: {status} {error:?}"))
}

async fn each_part_of_the_meeting_renders_alone_with_its_forms(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Queue backlog", "SEV2").await.to_string(),
    )
    .await;
    let id = pm.to_string();
    let factor = json(
        app.call(
            "postmortems/factors/save",
            &[
                ("postmortem_id", id.as_str()),
                ("id", "0"),
                ("version", "0"),
                ("factor[title]", "Consumers <b>scaled</b> too late"),
                ("factor[category]", "detection"),
                ("factor[whys]", "Bob should have watched the queue depth"),
            ],
        )
        .await,
    )
    .await;
    let factor_id = factor["Saved"]["id"].as_i64().unwrap();
    let saved = json(
        app.call(
            "postmortems/actions/save",
            &[
                ("postmortem_id", id.as_str()),
                ("id", "0"),
                ("version", "0"),
                ("action[title]", "Alert on queue depth"),
                ("action[kind]", "monitoring"),
                ("action[factor]", &factor_id.to_string()),
            ],
        )
        .await,
    )
    .await;
    assert!(saved["Saved"]["id"].is_i64(), "{saved}");

    // The causal board: the factor (its title escaped), the coach's hint, an "Edit" per factor
    // and the form that adds one.
    let board = part(&app, &app.client, pm, Part::Factors).await;
    assert!(
        board.contains("Consumers &lt;b&gt;scaled&lt;/b&gt; too late"),
        "{board}"
    );
    assert!(board.contains(r#"data-testid="coach-hints""#), "{board}");
    assert!(
        board.contains(&format!(r#"data-edit="factor-{factor_id}""#)),
        "{board}"
    );
    assert!(board.contains(r#"action="/api/postmortems/factors/save""#));
    assert!(
        board.contains("data-meeting-form") && board.contains("data-coach-out"),
        "{board}"
    );
    // The action items name the factor they address; the timeline has the imported entries.
    let actions = part(&app, &app.client, pm, Part::Actions).await;
    assert!(
        actions.contains("Alert on queue depth") && actions.contains("Consumers &lt;b&gt;"),
        "{actions}"
    );
    let timeline = part(&app, &app.client, pm, Part::Timeline).await;
    assert!(timeline.contains(r#"data-testid="pm-entry""#), "{timeline}");
    // The review counts the open hint and says what is missing.
    let review = part(&app, &app.client, pm, Part::Review).await;
    assert!(review.contains("1 open hint"), "{review}");
    // It says where the hint is, and links each missing section to its step.
    assert!(
        review.contains(r#"href="?step=factors""#) && review.contains("factor “"),
        "{review}"
    );
    assert!(
        review.contains(r#"data-testid="missing-sections""#),
        "{review}"
    );
    assert!(review.contains(r#"value="send_to_review""#), "{review}");
    // Such a link opens the page on that step rather than the facilitator's.
    let page = app.html(&format!("/postmortems/{pm}?step=factors")).await;
    assert!(
        !page.contains(r#"data-step-panel="factors" hidden"#)
            && page.contains(r#"data-step-panel="summary" hidden"#),
        "the factors step is shown"
    );

    // An item's editor comes on its own, opened, posting the version the edit starts from.
    let editor = get_editor(&app, &app.client, &id, &format!("factor-{factor_id}")).await;
    assert_eq!(editor.status(), 200);
    let editor: String = editor.json().await.unwrap();
    assert!(
        editor.starts_with("<details") && editor.contains(" open"),
        "{editor}"
    );
    assert!(editor.contains(r#"name="version" value="1""#), "{editor}");
    assert!(editor.contains("Consumers &lt;b&gt;scaled"), "{editor}");
    for missing in ["factor-999999", "factor-x", "nothing"] {
        let response = get_editor(&app, &app.client, &id, missing).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
    // The page opens with that editor when asked for (how "Edit" works without JavaScript).
    let page = app
        .html(&format!("/postmortems/{pm}?edit=factor-{factor_id}"))
        .await;
    let opened = page
        .split(&format!(r#"id="edit-factor-{factor_id}""#))
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(opened.contains("open"), "no open editor: {opened}");

    // A viewer reads the same parts without any form to change them.
    let viewer = app.client_as(Role::Viewer).await;
    let board = part(&app, &viewer, pm, Part::Factors).await;
    assert!(
        board.contains("Consumers") && !board.contains("data-meeting-form"),
        "{board}"
    );
    assert!(
        !part(&app, &viewer, pm, Part::Review)
            .await
            .contains("workflow")
    );
    let response = get_editor(&app, &viewer, &id, &format!("factor-{factor_id}")).await;
    assert_eq!(response.status(), 403);
    // An unknown part, or a postmortem that does not exist, is a clear error.
    let response = get_part(&app, &app.client, &id, "everything").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("part") && body.contains("timeline"), "{body}");
    let response = get_part(&app, &app.client, "999999", "review").await;
    assert_eq!(response.status(), 404);
}

async fn workflow(
    app: &TestApp,
    client: &reqwest::Client,
    pm: i64,
    action: &str,
    comment: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "postmortems/workflow",
        &[
            ("postmortem_id", &pm.to_string()),
            ("action", action),
            ("comment", comment),
        ],
    )
    .await
}

async fn fill_minor_template(app: &TestApp, pm: i64) {
    let view = get_pm(app, pm).await;
    for name in ["summary", "impact"] {
        let version = field(&view, name)["version"].as_i64().unwrap();
        let response = save_field(app, &app.client, pm, name, version, "Written.").await;
        assert!(response.status().is_success());
    }
    let id = pm.to_string();
    let response = app
        .call(
            "postmortems/actions/save",
            &[
                ("postmortem_id", id.as_str()),
                ("id", "0"),
                ("version", "0"),
                ("action[title]", "Alert on queue age"),
                ("action[kind]", "monitoring"),
            ],
        )
        .await;
    assert!(response.status().is_success());
}

async fn the_review_workflow_needs_complete_sections_and_another_reviewer(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Slow search", "SEV4").await.to_string(),
    )
    .await;
    // Empty required sections block review, each named.
    let response = workflow(&app, &app.client, pm, "send_to_review", "").await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Action items") && body.contains("Summary and impact"),
        "{body}"
    );
    fill_minor_template(&app, pm).await;
    let meta = json(workflow(&app, &app.client, pm, "send_to_review", "").await).await;
    assert_eq!(meta["status"], "InReview");
    // The author does not approve their own postmortem: refused, saying why.
    let response = workflow(&app, &app.client, pm, "approve", "").await;
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("ask someone else to approve"),
        "the refusal says why"
    );
    assert_eq!(
        workflow(&app, &app.client, pm, "publish", "")
            .await
            .status(),
        409
    );
    // Asking for changes needs a comment, and goes back to draft.
    let reviewer = app.client_as(Role::Member).await;
    assert_eq!(
        workflow(&app, &reviewer, pm, "request_changes", "")
            .await
            .status(),
        422
    );
    let meta = json(
        workflow(
            &app,
            &reviewer,
            pm,
            "request_changes",
            "Say who was affected.",
        )
        .await,
    )
    .await;
    assert_eq!(meta["status"], "Draft");
    assert_eq!(
        meta["approvers"].as_array().unwrap().len(),
        0,
        "a draft shows no approvals: {meta}"
    );
    // A new round: another reviewer's approval allows publishing.
    json(workflow(&app, &app.client, pm, "send_to_review", "").await).await;
    let meta = json(workflow(&app, &reviewer, pm, "approve", "Clear and blameless.").await).await;
    assert_eq!(meta["can_publish"], true);
    assert_eq!(
        workflow(&app, &app.client, pm, "approve", "")
            .await
            .status(),
        409
    );
    let meta = json(workflow(&app, &reviewer, pm, "approve", "Still clear.").await).await;
    assert_eq!(
        meta["approvers"].as_array().unwrap().len(),
        1,
        "each reviewer counts once: {meta}"
    );
    // The review step names who approves and, before that, why "Publish" waits.
    let part = app
        .call_get_with(
            &app.client,
            "postmortems/part",
            &[("postmortem_id", &pm.to_string()), ("part", "review")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(part.contains("except its author"), "{part}");
    assert!(part.contains("You started this postmortem"), "{part}");
    let meta = json(workflow(&app, &app.client, pm, "publish", "").await).await;
    assert_eq!(meta["status"], "Published");
    // Published is read-only.
    let version = field(&get_pm(&app, pm).await, "summary")["version"]
        .as_i64()
        .unwrap();
    let response = save_field(&app, &app.client, pm, "summary", version, "Changed").await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("read-only"));
    // Reopening needs a reason, which the history keeps.
    assert_eq!(
        workflow(&app, &app.client, pm, "reopen", "").await.status(),
        422
    );
    let meta = json(
        workflow(
            &app,
            &app.client,
            pm,
            "reopen",
            "New evidence from the vendor.",
        )
        .await,
    )
    .await;
    assert_eq!(meta["status"], "Draft");
    let last = meta["activity"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "reopen");
    assert_eq!(last["comment"], "New evidence from the vendor.");
    // Illegal moves and viewers are refused.
    assert_eq!(
        workflow(&app, &app.client, pm, "publish", "")
            .await
            .status(),
        409
    );
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        workflow(&app, &viewer, pm, "send_to_review", "")
            .await
            .status(),
        403
    );
}

/// Reads the event stream until `wanted` appears; panics after a few seconds.
async fn wait_for(stream: &mut reqwest::Response, wanted: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("{wanted:?} did not arrive; got {seen}"))
            .expect("the stream stays open")
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn open_stream(client: &reqwest::Client, address: &str, pm: i64) -> reqwest::Response {
    let response = client
        .get(format!("{address}/live/postmortems/{pm}"))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    response
}

async fn a_participant_sees_another_participants_save_live(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Cache stampede", "SEV2").await.to_string(),
    )
    .await;
    let other = app.client_as(Role::Member).await;
    let mut stream = open_stream(&app.client, &app.address, pm).await;
    wait_for(&mut stream, "event: presence").await;
    let version = field(&get_pm(&app, pm).await, "went_well")["version"]
        .as_i64()
        .unwrap();
    save_field(
        &app,
        &other,
        pm,
        "went_well",
        version,
        "Rollback took two minutes.",
    )
    .await;
    let seen = wait_for(&mut stream, "Rollback took two minutes.").await;
    assert!(seen.contains("event: change"), "{seen}");
    // Reconnecting after that event replays nothing old, and a later one arrives.
    let last_id: i64 = seen
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .next_back()
        .unwrap()
        .parse()
        .unwrap();
    drop(stream);
    let version = version + 1;
    save_field(&app, &other, pm, "went_well", version, "Missed while away.").await;
    let mut again = app
        .client
        .get(app.url(&format!("/live/postmortems/{pm}")))
        .header("Last-Event-ID", last_id.to_string())
        .send()
        .await
        .unwrap();
    let replay = wait_for(&mut again, "Missed while away.").await;
    assert!(!replay.contains("Rollback took two minutes."), "{replay}");
}

/// The `data:` line of the last presence event in what a stream sent.
fn last_presence(seen: &str) -> String {
    let mut lines = seen.lines();
    let mut last = None;
    while let Some(line) = lines.next() {
        if line == "event: presence" {
            last = lines.next().map(str::to_owned);
        }
    }
    last.unwrap_or_else(|| panic!("no presence event in {seen}"))
}

async fn presence_lists_who_is_here_once_per_change(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Queue backlog", "SEV3").await.to_string(),
    )
    .await;
    let mut mine = open_stream(&app.client, &app.address, pm).await;
    // A presence list ends with "]" and a blank line.
    let alone = last_presence(&wait_for(&mut mine, "]\n\n").await);
    // Someone else joins: both streams list both people.
    let other = app.client_as(Role::Member).await;
    let mut theirs = open_stream(&other, &app.address, pm).await;
    let together = last_presence(&wait_for(&mut theirs, "]\n\n").await);
    assert_ne!(together, alone);
    wait_for(&mut mine, &together).await;
    // The same person in a second tab changes nothing, so nothing is sent about it: the next
    // thing this stream gets is a save made after the tab had joined.
    let mut second_tab = open_stream(&other, &app.address, pm).await;
    assert_eq!(
        last_presence(&wait_for(&mut second_tab, "]\n\n").await),
        together
    );
    let version = field(&get_pm(&app, pm).await, "went_badly")["version"]
        .as_i64()
        .unwrap();
    save_field(&app, &other, pm, "went_badly", version, "Paging was slow.").await;
    let next = wait_for(&mut mine, "Paging was slow.").await;
    assert!(!next.contains("event: presence"), "{next}");
    // When both of their tabs close, the list is back to one person.
    drop(theirs);
    drop(second_tab);
    wait_for(&mut mine, &alone).await;
}

/// Reads the stream until it ends; panics if it is still open after a few seconds.
async fn wait_for_end(stream: &mut reqwest::Response) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Err(_) => panic!("the stream is still open; it sent {seen}"),
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => return seen,
        }
    }
}

async fn a_live_stream_ends_when_its_session_does(engine: Engine) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Session leak", "SEV3").await.to_string(),
    )
    .await;
    let writer = app.client_as(Role::Member).await;
    let version = field(&get_pm(&app, pm).await, "went_well")["version"]
        .as_i64()
        .unwrap();

    // Signed out in another tab of the same browser: the next save is not delivered.
    let mut stream = open_stream(&app.client, &app.address, pm).await;
    wait_for(&mut stream, "event: presence").await;
    assert_eq!(app.call("auth/sign-out", &[]).await.status(), 200);
    save_field(
        &app,
        &writer,
        pm,
        "went_well",
        version,
        "Secret after sign-out.",
    )
    .await;
    let after = wait_for_end(&mut stream).await;
    assert!(!after.contains("Secret after sign-out."), "{after}");
    let refused = app
        .client
        .get(app.url(&format!("/live/postmortems/{pm}")))
        .send()
        .await
        .unwrap();
    // Refused: sent to sign in again.
    assert!(
        matches!(refused.status().as_u16(), 303 | 401),
        "{}",
        refused.status()
    );

    // Disabled by an administrator while following: the stream closes too.
    app.create_user(Role::Member, "leaver@test.example").await;
    let leaver = crate::helpers::client();
    app.sign_in(&leaver, "leaver@test.example", crate::helpers::PASSWORD)
        .await;
    let mut stream = open_stream(&leaver, &app.address, pm).await;
    wait_for(&mut stream, "event: presence").await;
    let admin = app.client_as(Role::Admin).await;
    let id = backend::entities::user::Entity::find()
        .filter(backend::entities::user::Column::Email.eq("leaver@test.example"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let disabled = app
        .call_with(
            &admin,
            "users/set-disabled",
            &[("id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.status(), 200);
    save_field(
        &app,
        &writer,
        pm,
        "went_well",
        version + 1,
        "Secret after disabling.",
    )
    .await;
    let after = wait_for_end(&mut stream).await;
    assert!(!after.contains("Secret after disabling."), "{after}");
}

async fn the_export_is_one_markdown_file_with_every_section(engine: Engine) {
    let app = spawn_app(engine).await;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Payments | timeouts", "SEV3")
            .await
            .to_string(),
    )
    .await;
    fill_minor_template(&app, pm).await;
    let response = app.get(&format!("/postmortems/{pm}/export.md")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".md")
    );
    let markdown = response.text().await.unwrap();
    for heading in [
        "# Postmortem: Payments | timeouts",
        "## 1. Summary and impact",
        "## 2. Timeline",
        "## 3. Contributing factors",
        "## 4. Went well",
        "## 5. Action items",
        "## 6. Review and publish",
        "Alert on queue age",
    ] {
        assert!(
            markdown.contains(heading),
            "{heading} missing from\n{markdown}"
        );
    }
    assert_eq!(app.get("/postmortems/999999/export.md").await.status(), 404);
    let page = app.get(&format!("/postmortems/{pm}/print")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Alert on queue age"));
}

/// Two instances on one PostgreSQL database: a participant on each sees the other's edits.
async fn participants_on_two_instances_see_each_others_edits() {
    let app = spawn_app(Engine::Postgres).await;
    let second = start(&app.database_url, &[]).await.address;
    let pm = start_postmortem(
        &app,
        &incident(&app, "Region failover", "SEV1").await.to_string(),
    )
    .await;
    // The member's session lives in the shared database, so it works on either instance.
    let mut on_first = open_stream(&app.client, &app.address, pm).await;
    let mut on_second = open_stream(&app.client, &second, pm).await;
    wait_for(&mut on_first, "event: presence").await;
    wait_for(&mut on_second, "event: presence").await;
    let version = field(&get_pm(&app, pm).await, "lucky")["version"]
        .as_i64()
        .unwrap();
    // Saved through the second instance, seen on the first.
    let response = app
        .client
        .post(format!("{second}/api/postmortems/field"))
        .header("Accept", "application/json")
        .form(&[
            ("postmortem_id", pm.to_string().as_str()),
            ("field", "lucky"),
            ("version", &version.to_string()),
            ("body", "Saved on the second instance."),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    wait_for(&mut on_first, "Saved on the second instance.").await;
    // And the other way round.
    save_field(
        &app,
        &app.client,
        pm,
        "lucky",
        version + 1,
        "Saved on the first instance.",
    )
    .await;
    wait_for(&mut on_second, "Saved on the first instance.").await;
}

async fn starting_one_offers_related_incidents_first_and_searches_the_rest(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Search", "search", &[]).await;
    app.create_service("Ledger", "ledger", &[]).await;
    let on = |title: &'static str, service: &'static str| {
        let app = &app;
        async move {
            declare(
                app,
                &[
                    ("incident[title]", title),
                    ("incident[severity]", "SEV3"),
                    ("incident[services]", service),
                ],
            )
            .await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let first = on("Search results stale", "search").await;
    let sibling = on("Search index lagging", "search").await;
    let other = on("Ledger export slow", "ledger").await;
    let page = app
        .html(&format!("/postmortems/new?incidents={first}"))
        .await;
    let at = |text: &str| {
        page.find(text)
            .unwrap_or_else(|| panic!("{text} is offered"))
    };
    // The chosen incident comes first and ticked, the one on the same service next and marked.
    assert!(at("Search results stale") < at("Search index lagging"));
    assert!(at("Search index lagging") < at("Ledger export slow"));
    assert!(page.contains("same service: Search"), "{page}");
    assert_eq!(
        page.matches(r#"data-testid="related""#).count(),
        1,
        "only the sibling is related"
    );
    // A search narrows the others; the chosen incident stays offered.
    let page = app
        .html(&format!("/postmortems/new?incidents={first}&q=ledger"))
        .await;
    assert!(page.contains("Ledger export slow") && page.contains("Search results stale"));
    assert!(!page.contains("Search index lagging"), "filtered out");
    let _ = (sibling, other);
}

/// A choice stored in a column is read as its enum: a key no variant has (written by hand, or
/// by a newer version before a downgrade) fails the read instead of passing for another choice.
async fn a_stored_status_this_version_does_not_know_is_an_error_not_a_default(engine: Engine) {
    let app = spawn_app(engine).await;
    let id = incident(&app, "Queue backlog", "SEV3").await;
    let pm = start_postmortem(&app, &id.to_string()).await;
    assert_eq!(get_pm(&app, pm).await["meta"]["status"], "Draft");

    app.db
        .execute_unprepared(&format!(
            "UPDATE postmortems SET status = 'archived' WHERE id = {pm}"
        ))
        .await
        .unwrap();
    let response = app
        .call("postmortems/get", &[("id", &pm.to_string())])
        .await;
    assert_eq!(response.status(), 500, "read as some other status");
    let body = response.text().await.unwrap();
    assert!(!body.contains("Draft"), "{body}");
}

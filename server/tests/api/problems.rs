//! Problems: recording with a derived priority, the lifecycle and its refusals, duplicates that
//! hand over incidents, the pipeline-test guardrail, suggestions from recurring incidents,
//! known errors matched by new incidents, bulk moves and permissions.

use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, call, ok, spawn_app};
use crate::incidents::declare;
use crate::on_both_engines;

on_both_engines!(
    a_problem_gets_its_priority_from_the_matrix_and_links_incidents_once,
    the_lifecycle_refuses_illegal_moves_and_records_who_and_why,
    a_duplicate_hands_its_incidents_over_and_cycles_are_refused,
    open_pipeline_tests_block_resolving_unless_a_reason_is_recorded,
    recurring_incidents_become_a_suggestion_that_can_be_accepted,
    a_new_incident_like_a_known_error_shows_its_workaround_and_is_recorded,
    bulk_moves_apply_to_every_selected_problem_or_none,
    members_read_problems_but_only_problem_managers_triage,
    a_contributing_factor_becomes_a_problem_in_one_step,
    concurrent_changes_all_succeed_without_a_locked_database,
);

async fn manager(app: &TestApp) -> reqwest::Client {
    app.client_as(Role::ProblemManager).await
}

async fn incident(app: &TestApp, title: &str) -> i64 {
    declare(
        app,
        &[
            ("incident[title]", title),
            ("incident[severity]", "SEV2"),
            ("incident[services]", "payments-api"),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// Starts a postmortem for one incident as `client`; returns its id.
async fn start_postmortem(app: &TestApp, client: &reqwest::Client, incident: i64) -> i64 {
    let response = app
        .call_with(
            client,
            "postmortems/start",
            &[("incidents", &incident.to_string())],
        )
        .await;
    let body = response.text().await.unwrap();
    body.trim()
        .parse()
        .unwrap_or_else(|_| panic!("a postmortem id: {body}"))
}

async fn with_service(engine: Engine) -> TestApp {
    let app = spawn_app(engine).await;
    let admin = app.client_as(Role::Admin).await;
    let response = app
        .call_with(
            &admin,
            "services/create",
            &[
                ("service[name]", "Payments API"),
                ("service[slug]", "payments-api"),
            ],
        )
        .await;
    assert!(response.status().is_success());
    app
}

async fn create(
    app: &TestApp,
    client: &reqwest::Client,
    title: &str,
    extra: &[(&str, &str)],
) -> i64 {
    let mut form = vec![
        ("problem[title]", title),
        ("problem[impact]", "high"),
        ("problem[urgency]", "medium"),
    ];
    form.extend_from_slice(extra);
    ok(app, client, "problems/create", &form)
        .await
        .as_i64()
        .unwrap()
}

async fn get(app: &TestApp, client: &reqwest::Client, id: i64) -> Value {
    ok(app, client, "problems/get", &[("id", &id.to_string())]).await
}

async fn transition(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    action: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let id = id.to_string();
    let mut form = vec![("id", id.as_str()), ("action", action)];
    form.extend_from_slice(extra);
    call(app, client, "problems/transition", &form).await
}

async fn a_problem_gets_its_priority_from_the_matrix_and_links_incidents_once(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let first = incident(&app, "Checkout times out").await;
    let second = incident(&app, "Checkout times out again").await;
    let id = create(
        &app,
        &pm,
        "Checkout pool exhaustion",
        &[("incidents", &first.to_string())],
    )
    .await;
    let problem = get(&app, &pm, id).await;
    assert_eq!(
        problem["priority"], 2,
        "high impact, medium urgency is P2: {problem}"
    );
    assert_eq!(problem["state"], "New");
    assert_eq!(problem["incidents"].as_array().unwrap().len(), 1);

    let (status, body) = call(
        &app,
        &pm,
        "problems/link-incidents",
        &[
            ("id", &id.to_string()),
            ("incidents", &format!("{second}, {first}")),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains(&format!("Incident #{first} is already linked")),
        "{body}"
    );
    assert_eq!(
        get(&app, &pm, id).await["incidents"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing linked on a refusal"
    );
    ok(
        &app,
        &pm,
        "problems/link-incidents",
        &[("id", &id.to_string()), ("incidents", &second.to_string())],
    )
    .await;
    assert_eq!(
        get(&app, &pm, id).await["incidents"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Editing impact and urgency re-derives the priority; a stale version is refused.
    let form = |urgency: &'static str| {
        vec![
            ("id", id.to_string()),
            ("version", "0".to_owned()),
            ("problem[title]", "Checkout pool exhaustion".to_owned()),
            ("problem[impact]", "low".to_owned()),
            ("problem[urgency]", urgency.to_owned()),
        ]
    };
    let stale: Vec<(&str, String)> = form("low");
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = call(&app, &pm, "problems/update", &stale).await;
    assert_eq!(status, 409);
    let version = get(&app, &pm, id).await["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let mut fresh = form("low");
    fresh[1].1 = version;
    let fresh: Vec<(&str, &str)> = fresh.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(&app, &pm, "problems/update", &fresh).await;
    assert_eq!(get(&app, &pm, id).await["priority"], 5);

    // Bad input names the field and stores nothing.
    let (status, body) = call(
        &app,
        &pm,
        "problems/create",
        &[
            ("problem[title]", ""),
            ("problem[impact]", "huge"),
            ("problem[urgency]", "low"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.to_string().contains("title") && body.to_string().contains("impact"),
        "{body}"
    );
}

async fn the_lifecycle_refuses_illegal_moves_and_records_who_and_why(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let id = create(&app, &pm, "Cache stampede", &[]).await;
    let (status, body) = transition(&app, &pm, id, "resolve", &[]).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.to_string().contains("Possible: Mark assessed"),
        "{body}"
    );
    assert_eq!(get(&app, &pm, id).await["state"], "New", "nothing changed");

    transition(&app, &pm, id, "assess", &[]).await;
    transition(&app, &pm, id, "analyse", &[]).await;
    let (status, body) = transition(&app, &pm, id, "start_fix", &[]).await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("root cause"), "{body}");
    ok(
        &app,
        &pm,
        "problems/root-cause",
        &[
            ("id", &id.to_string()),
            ("cause[description]", "TTL expiry aligned across keys"),
            ("cause[category]", "software"),
            ("cause[evidence]", "https://grafana.example/d/cache\n"),
        ],
    )
    .await;
    let (status, body) = transition(&app, &pm, id, "start_fix", &[]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = transition(&app, &pm, id, "cancel", &[]).await;
    assert_eq!(status, 422, "a cancel needs a reason: {body}");
    let (status, _) = transition(&app, &pm, id, "resolve", &[]).await;
    assert_eq!(status, 200);
    let (status, body) = transition(
        &app,
        &pm,
        id,
        "reanalyse",
        &[("reason", "It came back on Monday")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let problem = get(&app, &pm, id).await;
    assert_eq!(problem["state"], "Analysis");
    let history = problem["history"].as_array().unwrap();
    let newest = &history[0];
    assert_eq!(newest["from_state"], "Resolved");
    assert_eq!(newest["to_state"], "Analysis");
    assert_eq!(newest["note"], "It came back on Monday");
    assert!(
        newest["actor"]
            .as_str()
            .unwrap()
            .contains("problem-manager"),
        "{newest}"
    );
    let moves: Vec<&str> = history
        .iter()
        .filter(|h| h["kind"] == "transition")
        .map(|h| h["to_state"].as_str().unwrap())
        .collect();
    assert_eq!(
        moves,
        [
            "Analysis",
            "Resolved",
            "FixInProgress",
            "Analysis",
            "Assessed"
        ]
    );
}

async fn a_duplicate_hands_its_incidents_over_and_cycles_are_refused(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let a_incident = incident(&app, "Disk full on db-1").await;
    let b_incident = incident(&app, "Disk full on db-2").await;
    let a = create(
        &app,
        &pm,
        "Disk fills up",
        &[("incidents", &a_incident.to_string())],
    )
    .await;
    let b = create(
        &app,
        &pm,
        "Database volume fills",
        &[("incidents", &b_incident.to_string())],
    )
    .await;
    let (status, body) = transition(
        &app,
        &pm,
        b,
        "mark_duplicate",
        &[("duplicate_of", &b.to_string())],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.to_string().contains("cannot duplicate itself"),
        "{body}"
    );
    let (status, body) = transition(
        &app,
        &pm,
        b,
        "mark_duplicate",
        &[("duplicate_of", &a.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let kept = get(&app, &pm, a).await;
    let ids: Vec<i64> = kept["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.contains(&a_incident) && ids.contains(&b_incident),
        "{ids:?}"
    );
    assert_eq!(kept["duplicates"][0]["id"], b);
    let dup = get(&app, &pm, b).await;
    assert_eq!(dup["state"], "Duplicate");
    assert_eq!(dup["duplicate_of"]["id"], a);
    assert!(dup["incidents"].as_array().unwrap().is_empty());
    // a → b would close a loop (b already duplicates a).
    let (status, body) = transition(
        &app,
        &pm,
        a,
        "mark_duplicate",
        &[("duplicate_of", &b.to_string())],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("cycle"), "{body}");
    assert_eq!(get(&app, &pm, a).await["state"], "New");
}

async fn open_pipeline_tests_block_resolving_unless_a_reason_is_recorded(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let first = incident(&app, "Checkout 500s").await;
    let pm_id = start_postmortem(&app, &pm, first).await;
    let saved = ok(
        &app,
        &pm,
        "postmortems/actions/save",
        &[
            ("postmortem_id", &pm_id.to_string()),
            ("id", "0"),
            ("version", "0"),
            ("action[title]", "Regression test for the pool limit"),
            ("action[kind]", "pipeline_test"),
            ("action[due_on]", "2099-01-01"),
        ],
    )
    .await;
    let item = saved["Saved"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{saved}"));
    let id = create(&app, &pm, "Pool exhaustion", &[]).await;
    ok(
        &app,
        &pm,
        "problems/link-action",
        &[("id", &id.to_string()), ("action_item", &item.to_string())],
    )
    .await;
    ok(
        &app,
        &pm,
        "problems/root-cause",
        &[
            ("id", &id.to_string()),
            ("cause[description]", "Pool too small"),
            ("cause[category]", "capacity"),
        ],
    )
    .await;
    for action in ["assess", "analyse", "start_fix"] {
        let (status, body) = transition(&app, &pm, id, action, &[]).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let (status, body) = transition(&app, &pm, id, "resolve", &[]).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains("1 pipeline-test action item is still open"),
        "{body}"
    );
    assert_eq!(get(&app, &pm, id).await["state"], "FixInProgress");
    let (status, body) = transition(
        &app,
        &pm,
        id,
        "resolve",
        &[(
            "guardrail_reason",
            "Covered by the load test suite until the unit test lands",
        )],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let problem = get(&app, &pm, id).await;
    assert_eq!(problem["state"], "Resolved");
    assert!(
        problem["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "guardrail_override"
                && h["note"].as_str().unwrap().contains("load test suite"))
    );
    let audit: Value = ok(
        &app,
        &app.client_as(Role::Admin).await,
        "audit/list",
        &[("filter[entity_type]", "problem")],
    )
    .await;
    assert!(
        audit.to_string().contains("problem.guardrail_overridden"),
        "{audit}"
    );
}

async fn recurring_incidents_become_a_suggestion_that_can_be_accepted(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let mut ids = Vec::new();
    for title in [
        "Checkout requests time out",
        "Checkout requests time out (EU)",
        "checkout requests timing out, time out again",
    ] {
        ids.push(incident(&app, title).await);
    }
    incident(&app, "Search index is stale").await;
    let queue = ok(&app, &pm, "problems/queue", &[]).await;
    let suggestions = queue["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 1, "{queue}");
    let key = suggestions[0]["key"].as_str().unwrap().to_owned();
    assert_eq!(
        key,
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    assert_eq!(suggestions[0]["service"]["name"], "Payments API");
    let id = ok(
        &app,
        &pm,
        "problems/accept-suggestion",
        &[("incidents", &key)],
    )
    .await
    .as_i64()
    .unwrap();
    let problem = get(&app, &pm, id).await;
    assert!(
        problem["title"]
            .as_str()
            .unwrap()
            .starts_with("Recurring: Checkout requests time out")
    );
    assert_eq!(problem["incidents"].as_array().unwrap().len(), 3);
    assert_eq!(
        problem["impact"], "High",
        "SEV2 incidents make a high impact"
    );
    // Taken: the suggestion is gone, and accepting it again is refused.
    let queue = ok(&app, &pm, "problems/queue", &[]).await;
    assert!(
        queue["suggestions"].as_array().unwrap().is_empty(),
        "{queue}"
    );
    assert_eq!(queue["problems"][0]["id"], id);
    let (status, body) = call(
        &app,
        &pm,
        "problems/accept-suggestion",
        &[("incidents", &key)],
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // Another group is judged not to be a problem: it is no longer suggested.
    for title in [
        "Nightly export runs long",
        "Nightly export runs long again",
        "nightly export runs long (EU)",
    ] {
        incident(&app, title).await;
    }
    let queue = ok(&app, &pm, "problems/queue", &[]).await;
    let key = queue["suggestions"][0]["key"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &app.client,
        "problems/dismiss-suggestion",
        &[("incidents", &key)],
    )
    .await;
    assert_eq!(status, 403, "members cannot dismiss");
    let n = ok(
        &app,
        &pm,
        "problems/dismiss-suggestion",
        &[
            ("incidents", &key),
            ("reason", "Expected during the migration"),
        ],
    )
    .await;
    assert_eq!(n, 3);
    let queue = ok(&app, &pm, "problems/queue", &[]).await;
    assert!(
        queue["suggestions"].as_array().unwrap().is_empty(),
        "{queue}"
    );
}

async fn a_new_incident_like_a_known_error_shows_its_workaround_and_is_recorded(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let first = incident(&app, "Payment webhooks are retried until exhausted").await;
    let id = create(
        &app,
        &pm,
        "Webhook retries exhaust",
        &[
            ("incidents", &first.to_string()),
            ("problem[services]", "1"),
        ],
    )
    .await;
    // Publishing needs a root cause, then a workaround.
    let article = |workaround: &'static str| {
        vec![
            ("id", id.to_string()),
            (
                "article[symptoms]",
                "Payment webhooks retried until exhausted".to_owned(),
            ),
            ("article[workaround]", workaround.to_owned()),
            (
                "article[runbook_url]",
                "https://runbooks.example/webhooks".to_owned(),
            ),
        ]
    };
    let form = article("Replay the dead-letter queue with `pay replay`");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = call(&app, &pm, "problems/known-error", &form).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("root cause"), "{body}");
    ok(
        &app,
        &pm,
        "problems/root-cause",
        &[
            ("id", &id.to_string()),
            ("cause[description]", "Receiver times out under load"),
            ("cause[category]", "software"),
        ],
    )
    .await;
    let empty = article("  ");
    let empty: Vec<(&str, &str)> = empty.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = call(&app, &pm, "problems/known-error", &empty).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("needs a workaround"), "{body}");
    ok(&app, &pm, "problems/known-error", &form).await;

    let new = incident(&app, "Payment webhooks retried until exhausted again").await;
    let unrelated = incident(&app, "Login page is blank").await;
    let matched = ok(
        &app,
        &app.client,
        "problems/for-incident",
        &[("incident", &new.to_string())],
    )
    .await;
    assert_eq!(
        matched["known_errors"].as_array().unwrap().len(),
        1,
        "{matched}"
    );
    assert!(
        matched["known_errors"][0]["article"]["workaround_html"]
            .as_str()
            .unwrap()
            .contains("<code>pay replay</code>")
    );
    let none = ok(
        &app,
        &app.client,
        "problems/for-incident",
        &[("incident", &unrelated.to_string())],
    )
    .await;
    assert!(
        none["known_errors"].as_array().unwrap().is_empty(),
        "{none}"
    );
    let problem = get(&app, &pm, id).await;
    let recurrence = problem["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == new)
        .expect("linked");
    assert_eq!(recurrence["recurrence"], true);
    assert!(
        problem["history"][0]["note"]
            .as_str()
            .unwrap()
            .contains(&format!("Incident #{new} matched the known error")),
        "{}",
        problem["history"]
    );
    // The incident page shows the workaround at once.
    let page = app
        .get(&format!("/incidents/{new}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"data-testid="known-error""#), "{page}");
    assert!(page.contains("pay replay"));
}

async fn bulk_moves_apply_to_every_selected_problem_or_none(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let a = create(&app, &pm, "First", &[]).await;
    let b = create(&app, &pm, "Second", &[]).await;
    let both = format!("{a},{b}");
    let n = ok(
        &app,
        &pm,
        "problems/bulk",
        &[
            ("problems", &both),
            ("operation", "levels"),
            ("impact", "low"),
            ("urgency", "high"),
        ],
    )
    .await;
    assert_eq!(n, 2);
    assert_eq!(get(&app, &pm, a).await["priority"], 3);
    assert_eq!(get(&app, &pm, b).await["priority"], 3);
    // One bad id: nothing changes for the good one either.
    let (status, body) = call(
        &app,
        &pm,
        "problems/bulk",
        &[
            ("problems", &format!("{a},999")),
            ("operation", "levels"),
            ("impact", "high"),
            ("urgency", "high"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("#999"), "{body}");
    assert_eq!(get(&app, &pm, a).await["priority"], 3);
    let queue = ok(&app, &pm, "problems/queue", &[("filter[priority]", "3")]).await;
    assert_eq!(queue["problems"].as_array().unwrap().len(), 2);
    let counts = &queue["counts"];
    assert!(counts.to_string().contains(r#"["New",2]"#), "{counts}");
}

async fn members_read_problems_but_only_problem_managers_triage(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let id = create(&app, &pm, "Readable", &[]).await;
    let (status, _) = call(
        &app,
        &app.client,
        "problems/get",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = transition(&app, &app.client, id, "assess", &[]).await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &app,
        &app.client,
        "problems/create",
        &[
            ("problem[title]", "x"),
            ("problem[impact]", "low"),
            ("problem[urgency]", "low"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(get(&app, &pm, id).await["state"], "New");
}

async fn a_contributing_factor_becomes_a_problem_in_one_step(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let first = incident(&app, "Resolver config broke DNS").await;
    let pm_id = start_postmortem(&app, &pm, first).await;
    let pm_id = pm_id.to_string();
    let factor = ok(
        &app,
        &pm,
        "postmortems/factors/save",
        &[
            ("postmortem_id", &pm_id),
            ("id", "0"),
            ("version", "0"),
            ("factor[title]", "No canary for resolver config"),
            ("factor[category]", "process"),
            (
                "factor[whys]",
                "The push went everywhere at once\nThe tool has no staged mode",
            ),
        ],
    )
    .await;
    let factor_id = factor["Saved"]["id"].as_i64().unwrap().to_string();
    ok(
        &app,
        &pm,
        "postmortems/actions/save",
        &[
            ("postmortem_id", &pm_id),
            ("id", "0"),
            ("version", "0"),
            ("action[title]", "Stage resolver config pushes"),
            ("action[kind]", "pipeline_test"),
            ("action[due_on]", "2099-01-01"),
            ("action[factor]", &factor_id),
        ],
    )
    .await;
    let id = ok(
        &app,
        &pm,
        "problems/promote-factor",
        &[("factor", &factor_id)],
    )
    .await
    .as_i64()
    .unwrap();
    let problem = get(&app, &pm, id).await;
    assert_eq!(problem["title"], "No canary for resolver config");
    assert_eq!(problem["category"], "Process");
    assert!(
        problem["statement"]
            .as_str()
            .unwrap()
            .contains("2. The tool has no staged mode"),
        "{problem}"
    );
    assert_eq!(problem["incidents"][0]["id"], first);
    assert_eq!(problem["services"][0]["name"], "Payments API");
    assert_eq!(
        problem["actions"][0]["title"],
        "Stage resolver config pushes"
    );
    assert_eq!(problem["open_pipeline_tests"], 1);
    assert_eq!(problem["factors"][0]["postmortem_id"].to_string(), pm_id);
    // Promoting it again leads to the same problem; the postmortem shows it.
    let again = ok(
        &app,
        &pm,
        "problems/promote-factor",
        &[("factor", &factor_id)],
    )
    .await;
    assert_eq!(again.as_i64(), Some(id));
    let view = ok(&app, &pm, "postmortems/get", &[("id", &pm_id)]).await;
    assert_eq!(
        view["problems"][0][0].as_i64(),
        Some(id),
        "{}",
        view["problems"]
    );
}

/// Transactions that read and then write run side by side (on SQLite a deferred transaction
/// would fail with "database is locked" when another one wrote in between).
async fn concurrent_changes_all_succeed_without_a_locked_database(engine: Engine) {
    let app = with_service(engine).await;
    let pm = manager(&app).await;
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(create(&app, &pm, &format!("Concurrent {n}"), &[]).await);
    }
    let calls = ids.iter().flat_map(|id| {
        let id = id.to_string();
        let (app, pm) = (&app, &pm);
        (0..3).map(move |k| {
            let id = id.clone();
            async move {
                let description = format!("Cause {k}");
                call(
                    app,
                    pm,
                    "problems/root-cause",
                    &[
                        ("id", id.as_str()),
                        ("cause[description]", description.as_str()),
                        ("cause[category]", "software"),
                    ],
                )
                .await
            }
        })
    });
    let results = futures::future::join_all(calls).await;
    for (status, body) in &results {
        assert_eq!(*status, 200, "{body}");
    }
    for id in ids {
        assert_eq!(
            get(&app, &pm, id).await["root_causes"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
}

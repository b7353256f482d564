//! Reviews instead of a CAB meeting, as pipelines and reviewers meet them: a change sent to
//! review waits in the queue, a problem manager approves or rejects it (a member may not), the
//! pipeline's long poll returns as soon as it is decided, every decision and review is audited,
//! and a pipeline token reports for its one service and can do nothing else.

use std::time::{Duration, Instant};

use backend::auth::tokens::Grant;
use backend::entities::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::domain::change::{Decision, ReviewOutcome};
use shared::domain::{Role, TokenScope};

use app::api::changes::{ChangeQuery, GetChange, ListChanges, ReviewChange};
use app::api::services::ListServices;

use crate::gate::{passing_checks, post_change};
use crate::helpers::{Engine, TestApp, client, done, invoke, spawn_app, spawn_empty_app};
use crate::on_both_engines;

on_both_engines!(
    a_reviewer_decides_a_change_and_the_waiting_pipeline_goes_on,
    the_queue_holds_what_awaits_a_person_and_filters_are_checked,
    a_pipeline_token_reports_for_its_service_and_does_nothing_else,
    a_teams_listed_approver_reviews_that_teams_changes_only,
);

async fn get_change(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A change to a schema migration: the default policy sends it to review.
async fn migration(app: &TestApp, token: &str, commit: &str) -> i64 {
    let (status, body) = post_change(
        app,
        token,
        json!({"service": "payments-api", "commit": commit, "paths": ["migrations/0042_index.sql"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["decision"], "review");
    assert_eq!(body["awaiting_review"], true);
    body["id"].as_i64().unwrap()
}

async fn a_reviewer_decides_a_change_and_the_waiting_pipeline_goes_on(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    let token = app.token_for("member@test.example").await;
    let id = migration(&app, &token, "aa11bb22").await;

    // A member may read it but not review it.
    let seen = done(&app, &app.client, &GetChange { id }).await;
    assert!(seen.awaiting_review);
    let approve = ReviewChange {
        id,
        outcome: ReviewOutcome::Approved,
        comment: "Index is built concurrently; checked the plan.".into(),
    };
    let (status, _) = invoke(&app, &app.client, &approve).await.unwrap_err();
    assert_eq!(status, 403);

    let pm = client();
    app.sign_in_new(&pm, Role::ProblemManager, "pm@test.example")
        .await;
    // Rejecting needs a reason.
    let reject = ReviewChange {
        id,
        outcome: ReviewOutcome::Rejected,
        comment: "  ".into(),
    };
    let (status, error) = invoke(&app, &pm, &reject).await.unwrap_err();
    assert_eq!(status, 422);
    let app::api::ApiError::Validation(fields) = error else {
        panic!("{error:?}")
    };
    assert!(fields.message_for("comment").is_some());

    // The pipeline waits; the reviewer approves meanwhile; the wait ends with the decision.
    let waiting = {
        let url = app.url(&format!("/api/v1/changes/{id}?wait=20"));
        let token = token.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let answer: Value = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (answer, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!waiting.is_finished(), "the pipeline waits for the review");
    done(&app, &pm, &approve).await;
    let (answer, waited) = waiting.await.unwrap();
    assert_eq!(answer["decision"], "allow", "{answer}");
    assert_eq!(answer["awaiting_review"], false);
    assert_eq!(answer["review"]["outcome"], "approved");
    assert_eq!(answer["review"]["by"], "pm@test.example");
    assert!(waited < Duration::from_secs(10), "{waited:?}");

    // Reviewed once: a second review is refused and changes nothing.
    let (status, _) = invoke(&app, &pm, &reject_with(id, "too late"))
        .await
        .unwrap_err();
    assert_eq!(status, 409);
    let after = done(&app, &app.client, &GetChange { id }).await;
    assert_eq!(after.decision, Decision::Allow);
    assert_eq!(after.gate_decision, Decision::Review);
    let review = after.review.expect("the review is shown");
    assert_eq!(review.outcome, ReviewOutcome::Approved);
    assert_eq!(
        review.comment,
        "Index is built concurrently; checked the plan."
    );

    // A rejected change is denied to the pipeline; a wait on a decided change answers at once.
    let second = migration(&app, &token, "cc33dd44").await;
    done(
        &app,
        &pm,
        &reject_with(second, "Split the migration from the code change."),
    )
    .await;
    let started = Instant::now();
    let (status, answer) =
        get_change(&app, &token, &format!("/api/v1/changes/{second}?wait=30")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["decision"], "deny");
    assert!(started.elapsed() < Duration::from_secs(5));
    // A change nobody reviews: the wait ends at its limit, still asking for review.
    let third = migration(&app, &token, "ee55ff66").await;
    let (_, answer) = get_change(&app, &token, &format!("/api/v1/changes/{third}?wait=1")).await;
    assert_eq!(answer["decision"], "review");
    let (status, answer) =
        get_change(&app, &token, &format!("/api/v1/changes/{third}?wait=soon")).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["wait"].is_string(), "{answer}");

    // The trail has the gate's decisions and both reviews.
    let actions: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq("change"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "change.decided").count(),
        3,
        "{actions:?}"
    );
    assert!(
        actions.contains(&"change.approved".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"change.rejected".to_owned()),
        "{actions:?}"
    );
}

fn reject_with(id: i64, comment: &str) -> ReviewChange {
    ReviewChange {
        id,
        outcome: ReviewOutcome::Rejected,
        comment: comment.into(),
    }
}

async fn the_queue_holds_what_awaits_a_person_and_filters_are_checked(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    app.create_service("Ledger", "ledger", &[]).await;
    let token = app.token_for("member@test.example").await;
    let review = migration(&app, &token, "1a2b3c4d").await;
    let (_, allowed) = post_change(
        &app,
        &token,
        json!({"service": "ledger", "commit": "5e6f7a8b", "paths": ["docs/readme.md"], "checks": passing_checks()}),
    )
    .await;
    let (_, emergency) = post_change(
        &app,
        &token,
        json!({"service": "ledger", "commit": "9c0d1e2f", "kind": "emergency", "paths": ["src/hotfix.rs"]}),
    )
    .await;
    let list = |query: ChangeQuery| ListChanges { query };
    let ids = |rows: Vec<app::api::changes::ChangeRow>| {
        rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };

    let queue = done(
        &app,
        &app.client,
        &list(ChangeQuery {
            review: "pending".into(),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ids(queue), [emergency["id"].as_i64().unwrap(), review]);
    let ledger = done(
        &app,
        &app.client,
        &list(ChangeQuery {
            service: "ledger".into(),
            decision: "allow".into(),
            kind: "normal".into(),
            period: "7d".into(),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ids(ledger), [allowed["id"].as_i64().unwrap()]);
    let all = done(&app, &app.client, &list(ChangeQuery::default())).await;
    assert_eq!(all.len(), 3);

    for (field, query) in [
        (
            "kind",
            ChangeQuery {
                kind: "yolo".into(),
                ..Default::default()
            },
        ),
        (
            "decision",
            ChangeQuery {
                decision: "maybe".into(),
                ..Default::default()
            },
        ),
        (
            "period",
            ChangeQuery {
                period: "forever".into(),
                ..Default::default()
            },
        ),
        (
            "service",
            ChangeQuery {
                service: "nowhere".into(),
                ..Default::default()
            },
        ),
        (
            "review",
            ChangeQuery {
                review: "all".into(),
                ..Default::default()
            },
        ),
    ] {
        let (status, error) = invoke(&app, &app.client, &list(query)).await.unwrap_err();
        assert_eq!(status, 422, "{field}");
        let app::api::ApiError::Validation(fields) = error else {
            panic!("{error:?}")
        };
        assert!(fields.message_for(field).is_some(), "{field}: {fields:?}");
    }
    let (status, _) = invoke(&app, &app.client, &GetChange { id: 999_999 })
        .await
        .unwrap_err();
    assert_eq!(status, 404);
}

async fn a_pipeline_token_reports_for_its_service_and_does_nothing_else(engine: Engine) {
    let app = spawn_app(engine).await;
    app.create_service("Payments API", "payments-api", &[])
        .await;
    app.create_service("Ledger", "ledger", &[]).await;
    let payments = backend::services::find_by_slug(&app.db, "payments-api")
        .await
        .unwrap();
    let token = app
        .token_with(
            "member@test.example",
            Grant {
                scope: TokenScope::Pipeline,
                service_id: Some(payments.id),
            },
        )
        .await;

    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "payments-api", "commit": "0a0b0c0d", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = get_change(&app, &token, &format!("/api/v1/changes/{}", body["id"])).await;
    assert_eq!(status, 200);
    let response = reqwest::Client::new()
        .post(app.url("/hooks/deployments"))
        .bearer_auth(&token)
        .json(&json!({"service": "payments-api", "version": "0a0b0c0d", "id": "run-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());

    // Another service's changes and deployments are not its to report.
    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "ledger", "commit": "1a1b1c1d"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let response = reqwest::Client::new()
        .post(app.url("/hooks/deployments"))
        .bearer_auth(&token)
        .json(&json!({"service": "ledger", "version": "1a1b1c1d", "id": "run-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let other_token = app.token_for("member@test.example").await;
    let (_, ledger_change) = post_change(
        &app,
        &other_token,
        json!({"service": "ledger", "commit": "2a2b2c2d"}),
    )
    .await;
    let (status, _) = get_change(
        &app,
        &token,
        &format!("/api/v1/changes/{}", ledger_change["id"]),
    )
    .await;
    assert_eq!(status, 404, "another service's change is not shown to it");

    // No server function answers it, not even reading the catalog.
    let response = reqwest::Client::new()
        .post(app.url(<ListServices as server_fn::ServerFn>::PATH))
        .bearer_auth(&token)
        .header("Accept", "application/json")
        .form(&[("include_archived", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = reqwest::Client::new()
        .get(app.url("/services"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_client_error() || response.status().is_redirection(),
        "pages are not its to read: {}",
        response.status()
    );

    // A pipeline token is created on the account page, for one service or all.
    let created = done(
        &app,
        &app.client,
        &app::api::account::CreateToken {
            name: "payments CI".into(),
            scope: Some(TokenScope::Pipeline),
            service: "payments-api".into(),
        },
    )
    .await;
    assert_eq!(created.token.scope, TokenScope::Pipeline);
    assert_eq!(created.token.service.as_deref(), Some("Payments API"));
    let (status, _) = post_change(
        &app,
        &created.secret,
        json!({"service": "payments-api", "commit": "3a3b3c3d"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, error) = invoke(
        &app,
        &app.client,
        &app::api::account::CreateToken {
            name: "bad".into(),
            scope: Some(TokenScope::Pipeline),
            service: "nowhere".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(status, 422);
    let app::api::ApiError::Validation(fields) = error else {
        panic!("{error:?}")
    };
    assert!(fields.message_for("service").is_some());
}

async fn a_teams_listed_approver_reviews_that_teams_changes_only(engine: Engine) {
    let app = spawn_empty_app(
        engine,
        &[("CHANGE_APPROVERS", "payments=member@test.example")],
    )
    .await;
    app.sign_in_new(&app.client, Role::Member, "member@test.example")
        .await;
    app.create_service(
        "Payments API",
        "payments-api",
        &[("service[team]", "Payments")],
    )
    .await;
    app.create_service("Search", "search", &[("service[team]", "Search")])
        .await;
    let token = app.token_for("member@test.example").await;
    let payments = migration(&app, &token, "ab12ab12").await;
    let (status, body) = post_change(
        &app,
        &token,
        json!({"service": "search", "commit": "cd34cd34", "paths": ["migrations/7.sql"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let search = body["id"].as_i64().unwrap();

    // The member is listed for Payments: the form shows there, and the review counts.
    assert!(
        done(&app, &app.client, &GetChange { id: payments })
            .await
            .can_review
    );
    assert!(
        !done(&app, &app.client, &GetChange { id: search })
            .await
            .can_review
    );
    let approve = |id| ReviewChange {
        id,
        outcome: ReviewOutcome::Approved,
        comment: "Checked.".into(),
    };
    done(&app, &app.client, &approve(payments)).await;
    let (status, _) = invoke(&app, &app.client, &approve(search))
        .await
        .unwrap_err();
    assert_eq!(status, 403);
    assert!(
        done(&app, &app.client, &GetChange { id: search })
            .await
            .awaiting_review
    );
    // A viewer is never an approver, listed or not.
    let viewer = client();
    app.sign_in_new(&viewer, Role::Viewer, "viewer@test.example")
        .await;
    let (status, _) = invoke(&app, &viewer, &approve(search)).await.unwrap_err();
    assert_eq!(status, 403);
}

//! Guardrails and freeze windows as a problem manager and a pipeline meet them: a guardrail added
//! from a pipeline test holds changes to its paths for review and cites the postmortem that asked
//! for it, and retires itself when the test is verified on GitHub; bad guardrails are refused
//! field by field and members may not add them; a freeze window denies changes until it is ended.

use serde_json::{Value, json};
use shared::domain::Role;

use crate::gate::{passing_checks, post_change};
use crate::github::{REPO, add_item, eventually, setup};
use crate::helpers::{Engine, call, ok};
use crate::on_both_engines;

on_both_engines!(
    a_guardrail_from_a_pipeline_test_holds_changes_until_the_test_is_verified,
    a_freeze_window_denies_changes_until_it_ends,
);

fn first_field(body: &Value) -> &str {
    body["Validation"][0]["field"].as_str().unwrap_or_default()
}

async fn a_guardrail_from_a_pipeline_test_holds_changes_until_the_test_is_verified(engine: Engine) {
    let s = setup(engine, &[], true).await;
    resolve_setup_incident(&s).await;
    s.fake
        .set_webhook_target(&s.app.url("/hooks/github"), crate::github::SECRET);
    let token = s.app.token_for("member@test.example").await;
    let item = add_item(&s, "Contract test for seed data", "pipeline_test").await;
    let item_id = item.to_string();
    let pm = s.app.client_as(Role::ProblemManager).await;

    // What the form offers: the item's postmortem and service.
    let start = ok(
        &s.app,
        &pm,
        "guardrails/start",
        &[("source", "action_item"), ("id", &item_id)],
    )
    .await;
    assert_eq!(start["href"], format!("/postmortems/{}", s.pm));
    assert_eq!(start["services"][0][0], "checkout");
    assert_eq!(start["can_wait"], true);

    // Bad input is refused field by field; a member may not add one.
    let form = |source_id: &str, service: &str, parameter: &str| {
        [
            ("guardrail[source]", "action_item".to_owned()),
            ("guardrail[source_id]", source_id.to_owned()),
            ("guardrail[service]", service.to_owned()),
            ("guardrail[template]", "paths_need_review".to_owned()),
            ("guardrail[parameter]", parameter.to_owned()),
            ("guardrail[until_verified]", "on".to_owned()),
        ]
    };
    for (fields, bad) in [
        (form(&item_id, "checkout", ""), "parameter"),
        (form("999999", "checkout", "db/"), "source_id"),
        (form(&item_id, "no-such-service", "db/"), "service"),
    ] {
        let (status, body) = add(&s, &pm, &fields).await;
        assert_eq!((status, first_field(&body)), (422, bad), "{body}");
    }
    let (status, _) = add(&s, &s.app.client, &form(&item_id, "checkout", "db/")).await;
    assert_eq!(status, 403);

    let (status, id) = add(&s, &pm, &form(&item_id, "checkout", "/db/**")).await;
    assert_eq!(status, 200, "{id}");
    let page = ok(&s.app, &pm, "guardrails/list", &[]).await;
    let active = &page["active"][0];
    assert_eq!(active["id"], id);
    assert_eq!(active["parameter"], "db/");
    assert_eq!(
        active["title"],
        format!("Changes to db/ on checkout need review until pipeline test #{item} is verified")
    );

    // The gate holds a change to its paths, citing the postmortem; other paths go ahead.
    let (_, held) = post_change(
        &s.app,
        &token,
        json!({"service": "checkout", "commit": "aaaa1111", "paths": ["db/seed.rb"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(held["decision"], "review", "{held}");
    let reason = held["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "guardrail")
        .cloned()
        .unwrap();
    assert_eq!(reason["links"], json!([format!("/postmortems/{}", s.pm)]));
    assert!(
        reason["message"]
            .as_str()
            .unwrap()
            .contains(&format!("guardrail #{id}"))
    );

    // The pipeline test is verified on GitHub: the guardrail retires itself.
    let number = eventually_synced(&s, item).await;
    assert_eq!(
        s.fake.close_issue(REPO, number, "completed", true).await,
        Some(200)
    );
    eventually("the guardrail retires", || async {
        ok(&s.app, &pm, "guardrails/list", &[]).await["active"]
            .as_array()
            .is_some_and(Vec::is_empty)
    })
    .await;
    let page = ok(&s.app, &pm, "guardrails/list", &[]).await;
    assert_eq!(
        page["retired"][0]["retired_reason"],
        format!("Pipeline test #{item} is verified.")
    );
    let (_, free) = post_change(
        &s.app,
        &token,
        json!({"service": "checkout", "commit": "bbbb2222", "paths": ["db/seed.rb"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(free["decision"], "allow", "{free}");
    // A retired guardrail cannot be retired again.
    let (status, _) = call(
        &s.app,
        &pm,
        "guardrails/retire",
        &[("id", &id.to_string()), ("reason", "x")],
    )
    .await;
    assert_eq!(status, 409);
}

/// Resolves the setup's SEV2 on checkout, which would deny every normal change.
async fn resolve_setup_incident(s: &crate::github::Setup) {
    let view = ok(
        &s.app,
        &s.admin,
        "postmortems/get",
        &[("id", &s.pm.to_string())],
    )
    .await;
    let incident = view["incidents"][0]["id"].as_i64().unwrap().to_string();
    let current = ok(&s.app, &s.admin, "incidents/get", &[("id", &incident)]).await;
    let version = current["version"].to_string();
    ok(
        &s.app,
        &s.admin,
        "incidents/set-status",
        &[
            ("id", &incident),
            ("version", &version),
            ("status", "resolved"),
        ],
    )
    .await;
}

async fn add(
    s: &crate::github::Setup,
    client: &reqwest::Client,
    fields: &[(&str, String)],
) -> (u16, Value) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(&s.app, client, "guardrails/add", &fields).await
}

async fn eventually_synced(s: &crate::github::Setup, item: i64) -> u64 {
    let mut number = None;
    for _ in 0..300 {
        let view = crate::github::item(s, item).await;
        if let Some(n) = view["sync"]["issue"]["number"].as_u64() {
            number = Some(n);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    number.expect("the item's issue was filed")
}

async fn a_freeze_window_denies_changes_until_it_ends(engine: Engine) {
    let s = setup(engine, &[], false).await;
    resolve_setup_incident(&s).await;
    let token = s.app.token_for("member@test.example").await;
    let pm = s.app.client_as(Role::ProblemManager).await;
    let at = |minutes: i64| {
        (chrono::Utc::now() + chrono::Duration::minutes(minutes))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let (from, until, before) = (at(-5), at(120), at(-10));
    // Bad windows are refused, naming the field.
    let (status, body) = call(
        &s.app,
        &pm,
        "freezes/add",
        &[
            ("freeze[reason]", "Peak"),
            ("freeze[starts_at]", &from),
            ("freeze[ends_at]", &before),
        ],
    )
    .await;
    assert_eq!((status, first_field(&body)), (422, "ends_at"), "{body}");
    let (status, _) = call(
        &s.app,
        &s.app.client,
        "freezes/add",
        &[
            ("freeze[reason]", "Peak"),
            ("freeze[starts_at]", &from),
            ("freeze[ends_at]", &until),
        ],
    )
    .await;
    assert_eq!(status, 403);
    ok(
        &s.app,
        &pm,
        "freezes/add",
        &[
            ("freeze[reason]", "Year-end peak"),
            ("freeze[service]", "checkout"),
            ("freeze[starts_at]", &from),
            ("freeze[ends_at]", &until),
        ],
    )
    .await;
    let (_, frozen) = post_change(
        &s.app,
        &token,
        json!({"service": "checkout", "commit": "cccc3333", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(frozen["decision"], "deny", "{frozen}");
    assert_eq!(frozen["reasons"][0]["rule"], "freeze");
    assert!(
        frozen["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Year-end peak")
    );

    let page = ok(&s.app, &pm, "guardrails/list", &[]).await;
    let freeze = page["freezes"][0]["id"].as_i64().unwrap();
    assert_eq!(page["freezes"][0]["active"], true);
    ok(&s.app, &pm, "freezes/end", &[("id", &freeze.to_string())]).await;
    let (_, thawed) = post_change(
        &s.app,
        &token,
        json!({"service": "checkout", "commit": "dddd4444", "paths": ["src/a.rs"], "checks": passing_checks()}),
    )
    .await;
    assert_eq!(thawed["decision"], "allow", "{thawed}");
}

//! The issue and label routes: creating, listing, pagination, ETags, filters, sub-issues, timeline.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::{Api, REPO, status_json};

fn titles(issues: &Value) -> Vec<&str> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn create_then_list() {
    let api = Api::start().await;
    let body = json!({ "title": "Checkout down", "body": "details", "labels": ["incident", "sev1"], "assignees": ["alice"] });
    let (status, issue) = status_json(api.post("/repos/acme/checkout/issues", body).await).await;
    assert_eq!(status, 201);
    assert_eq!(issue["number"], 1);
    assert!(issue["id"].as_u64().unwrap() >= 1_000_001);
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["user"]["login"], "postmortem-bot");
    assert_eq!(issue["assignee"]["login"], "alice");
    assert_eq!(issue["labels"][1]["name"], "sev1");
    assert_eq!(
        issue["html_url"],
        "https://github.com/acme/checkout/issues/1"
    );
    assert_eq!(api.fake.labels(REPO), ["incident", "sev1"]);

    let res = api.get("/repos/acme/checkout/issues").await;
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(res.headers()["x-ratelimit-remaining"], "4999");
    assert!(res.headers().contains_key("x-github-request-id"));
    let (_, list) = status_json(res).await;
    assert_eq!(titles(&list), ["Checkout down"]);

    let snapshot = api.fake.issues(REPO);
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].body, "details");
    assert_eq!(snapshot[0].assignees, ["alice"]);
    assert_eq!(api.fake.write_calls(), 1);
    assert_eq!(api.fake.writes_by_route()["POST issues"], 1);

    let (status, got) = status_json(api.get("/repos/acme/checkout/issues/1").await).await;
    assert_eq!((status, &got["title"]), (200, &json!("Checkout down")));
    assert_eq!(
        api.get("/repos/acme/checkout/issues/99").await.status(),
        404
    );
    let (status, err) = status_json(
        api.post("/repos/acme/checkout/issues", json!({ "body": "no title" }))
            .await,
    )
    .await;
    assert_eq!((status, &err["errors"][0]["field"]), (422, &json!("title")));
}

#[tokio::test]
async fn pagination_and_etag() {
    let api = Api::start().await;
    for n in 1..=5 {
        api.create_issue(&format!("issue {n}")).await;
    }
    let res = api
        .get("/repos/acme/checkout/issues?per_page=2&state=all&direction=asc")
        .await;
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("state=all&direction=asc&page=2>; rel=\"next\""),
        "{link}"
    );
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    let (_, first) = status_json(res).await;
    assert_eq!(titles(&first), ["issue 1", "issue 2"]);

    let res = api
        .get("/repos/acme/checkout/issues?per_page=2&page=3&direction=asc")
        .await;
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"prev\"")
            && link.contains("rel=\"first\"")
            && !link.contains("rel=\"next\"")
    );
    assert_eq!(titles(&res.json().await.unwrap()), ["issue 5"]);
    let res = api.get("/repos/acme/checkout/issues").await;
    assert!(!res.headers().contains_key("link"));
    assert_eq!(
        titles(&res.json().await.unwrap())[0],
        "issue 5",
        "newest first by default"
    );

    let res = api.get("/repos/acme/checkout/issues?state=all").await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let cached = api
        .request(Method::GET, "/repos/acme/checkout/issues?state=all")
        .header("if-none-match", &etag);
    let res = cached.send().await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.bytes().await.unwrap().is_empty());

    api.create_issue("issue 6").await;
    let again = api
        .request(Method::GET, "/repos/acme/checkout/issues?state=all")
        .header("if-none-match", &etag);
    let res = again.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn filters_since_state_labels_and_sort() {
    let api = Api::start().await;
    api.post(
        "/repos/acme/checkout/issues",
        json!({ "title": "old", "labels": ["a", "b"] }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new = api.create_issue("new").await;
    let since = new["updated_at"].as_str().unwrap();
    let (_, list) = status_json(
        api.get(&format!("/repos/acme/checkout/issues?since={since}"))
            .await,
    )
    .await;
    assert_eq!(titles(&list), ["new"]);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, closed) = status_json(
        api.patch(
            "/repos/acme/checkout/issues/1",
            json!({ "state": "closed", "state_reason": "not_planned" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&closed["state"], &closed["state_reason"]),
        (&json!("closed"), &json!("not_planned"))
    );
    assert!(closed["closed_at"].is_string());
    assert_ne!(closed["updated_at"], closed["created_at"]);

    let query = |q: &str| format!("/repos/acme/checkout/issues?{q}");
    let (_, list) = status_json(api.get(&query(&format!("since={since}&state=all"))).await).await;
    assert_eq!(titles(&list), ["new", "old"], "newest created first");
    let (_, list) = status_json(api.get(&query("state=all&sort=updated")).await).await;
    assert_eq!(titles(&list), ["old", "new"], "most recently updated first");
    let (_, list) = status_json(
        api.get(&query("state=all&sort=updated&direction=asc"))
            .await,
    )
    .await;
    assert_eq!(titles(&list), ["new", "old"]);
    let (_, list) = status_json(api.get(&query("state=closed")).await).await;
    assert_eq!(titles(&list), ["old"]);
    let (_, list) = status_json(api.get(&query("state=all&labels=A,b")).await).await;
    assert_eq!(titles(&list), ["old"]);
    let (_, list) = status_json(api.get(&query("state=all&labels=a,c")).await).await;
    assert_eq!(titles(&list), Vec::<&str>::new());
    assert_eq!(api.get(&query("since=yesterday")).await.status(), 422);

    let reopened = api
        .patch("/repos/acme/checkout/issues/1", json!({ "state": "open" }))
        .await;
    let (_, reopened) = status_json(reopened).await;
    assert_eq!(
        (&reopened["state_reason"], &reopened["closed_at"]),
        (&json!("reopened"), &Value::Null)
    );
}

#[tokio::test]
async fn patch_replaces_fields() {
    let api = Api::start().await;
    api.create_issue("first").await;
    let body = json!({ "title": "renamed", "body": "new body", "labels": ["x"], "assignees": ["bob", "carol"] });
    let (status, issue) = status_json(api.patch("/repos/acme/checkout/issues/1", body).await).await;
    assert_eq!(status, 200);
    assert_eq!(issue["title"], "renamed");
    assert_eq!(issue["assignees"].as_array().unwrap().len(), 2);
    let snapshot = &api.fake.issues(REPO)[0];
    assert_eq!(
        (snapshot.labels.clone(), snapshot.body.as_str()),
        (vec!["x".to_owned()], "new body")
    );
    let bad = api
        .patch("/repos/acme/checkout/issues/1", json!({ "state": "done" }))
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(api.fake.writes_by_route()["PATCH issue"], 2);
}

#[tokio::test]
async fn labels_and_already_exists() {
    let api = Api::start().await;
    let label =
        json!({ "name": "Incident", "color": "#B60205", "description": "from postmortems" });
    let (status, created) = status_json(api.post("/repos/acme/checkout/labels", label).await).await;
    assert_eq!(status, 201);
    assert_eq!(
        (&created["color"], &created["default"]),
        (&json!("b60205"), &json!(false))
    );
    let (status, err) = status_json(
        api.post("/repos/acme/checkout/labels", json!({ "name": "incident" }))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["message"], "Validation Failed");
    assert_eq!(
        err["errors"][0],
        json!({ "resource": "Label", "code": "already_exists", "field": "name" })
    );
    let (_, labels) = status_json(api.get("/repos/acme/checkout/labels?per_page=100").await).await;
    assert_eq!(labels[0]["name"], "Incident");

    api.fake.refuse_labels(REPO);
    let (status, err) = status_json(
        api.post("/repos/acme/checkout/labels", json!({ "name": "new" }))
            .await,
    )
    .await;
    assert_eq!(
        (status, &err["errors"][0]["code"]),
        (422, &json!("invalid"))
    );
    assert_eq!(api.fake.labels(REPO), ["Incident"]);
    assert_eq!(api.fake.writes_by_route()["POST labels"], 3);
}

#[tokio::test]
async fn sub_issues_and_duplicates() {
    let api = Api::start().await;
    api.create_issue("parent").await;
    let child = api.create_issue("child").await;
    let path = "/repos/acme/checkout/issues/1/sub_issues";
    let (status, added) =
        status_json(api.post(path, json!({ "sub_issue_id": child["id"] })).await).await;
    assert_eq!((status, &added["number"]), (201, &json!(2)));
    let (status, err) =
        status_json(api.post(path, json!({ "sub_issue_id": child["id"] })).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        err["errors"][0]["message"],
        "Issue may not contain duplicate sub-issues"
    );
    assert_eq!(
        api.post(path, json!({ "sub_issue_id": 42 })).await.status(),
        404
    );
    assert_eq!(
        api.post(path, json!({ "sub_issue_id": child["number"] }))
            .await
            .status(),
        404
    );

    let (_, subs) = status_json(api.get(path).await).await;
    assert_eq!(titles(&subs), ["child"]);
    let (_, parent) = status_json(api.get("/repos/acme/checkout/issues/1").await).await;
    assert_eq!(parent["sub_issues_summary"]["total"], 1);
    assert_eq!(api.fake.issues(REPO)[0].sub_issues, [2]);
    assert_eq!(api.fake.writes_by_route()["POST sub_issues"], 4);
}

#[tokio::test]
async fn timeline_shows_the_merged_pull_request() {
    let api = Api::start().await;
    api.create_issue("fix the cache").await;
    assert_eq!(
        api.fake.close_issue(REPO, 1, "completed", true).await,
        None,
        "no webhook target"
    );
    let (status, timeline) =
        status_json(api.get("/repos/acme/checkout/issues/1/timeline").await).await;
    assert_eq!(status, 200);
    let events: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["cross-referenced", "closed"]);
    let source = &timeline[0]["source"];
    assert_eq!(
        (&source["type"], &source["issue"]["number"]),
        (&json!("issue"), &json!(2))
    );
    assert!(source["issue"]["pull_request"]["merged_at"].is_string());
    assert_eq!(timeline[1]["actor"]["login"], "octocat");

    let issue = &api.fake.issues(REPO)[0];
    assert!(issue.merged_pr);
    assert_eq!(
        (issue.state.as_str(), issue.state_reason.as_deref()),
        ("closed", Some("completed"))
    );
    assert_eq!(
        api.fake.issues(REPO).len(),
        1,
        "the pull request is not an issue"
    );
    assert_eq!(
        api.create_issue("next").await["number"],
        3,
        "numbers are shared with pull requests"
    );

    api.fake.close_issue_silently(REPO, 3, "not_planned", false);
    assert_eq!(
        api.fake.issues(REPO)[1].state_reason.as_deref(),
        Some("not_planned")
    );
    assert_eq!(api.fake.write_calls(), 2, "helpers are not API writes");
}

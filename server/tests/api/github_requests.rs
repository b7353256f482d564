//! The exact requests the GitHub client sends, checked with wiremock: paths, authorization, JSON
//! bodies, the listing's query and conditional header; a refused label that exists counts as
//! created, a duplicate sub-issue as attached; and a write that fails with 502 is sent once only.

use std::time::Duration;

use backend::github::client::{GitHubApi, GitHubError, Listing, Repo};
use backend::github::octocrab_client::{Credentials, OctocrabClient};
use serde_json::json;
use shared::domain::github::IssueDraft;
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn issue(number: u64) -> serde_json::Value {
    json!({
        "number": number, "id": 1_000_000 + number,
        "html_url": format!("https://github.example/acme/checkout/issues/{number}"),
        "title": "Add a regression test", "body": "Body <!-- postmortem:action-item:3 -->",
        "state": "open", "state_reason": null, "assignees": [{"login": "octocat"}],
        "labels": [{"name": "postmortem-action"}], "updated_at": "2026-11-27T10:00:00Z", "closed_at": null
    })
}

fn draft() -> IssueDraft {
    IssueDraft {
        title: "Add a regression test".into(),
        body: "Body <!-- postmortem:action-item:3 -->".into(),
        labels: vec!["postmortem-action".into(), "pipeline-test".into()],
        assignees: vec!["octocat".into()],
    }
}

fn client(server: &MockServer) -> OctocrabClient {
    OctocrabClient::new(
        &Credentials::Token("tok".into()),
        Some(&server.uri()),
        Duration::from_secs(2),
    )
    .unwrap()
}

#[tokio::test]
async fn writes_and_listings_have_githubs_exact_shapes() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "title": "Add a regression test",
        "body": "Body <!-- postmortem:action-item:3 -->",
        "labels": ["postmortem-action", "pipeline-test"],
        "assignees": ["octocat"],
    });
    Mock::given(method("POST"))
        .and(path("/repos/acme/checkout/issues"))
        .and(header("authorization", "Bearer tok"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue(7)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/checkout/issues/7"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue(7)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/checkout/issues/2/sub_issues"))
        .and(body_json(json!({"sub_issue_id": 1_000_007})))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "custom", "message": "Issue may not contain duplicate sub-issues"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/checkout/labels"))
        .and(body_json(
            json!({"name": "pipeline-test", "color": "0e8a16", "description": "CI"}),
        ))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/checkout/issues"))
        .and(query_param("state", "all"))
        .and(query_param("labels", "postmortem-action"))
        .and(query_param("since", "2026-11-27T09:00:00Z"))
        .and(query_param("sort", "updated"))
        .and(header("if-none-match", "\"abc\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    // Anything else is a mistake, and fails the test.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    let github = client(&server);
    let repo = Repo::parse("acme/checkout").unwrap();
    let created = github.create_issue(&repo, &draft()).await.unwrap();
    assert_eq!((created.number, created.id), (7, 1_000_007));
    assert_eq!(created.assignees, ["octocat"]);
    github.update_issue(&repo, 7, &draft()).await.unwrap();
    github.add_sub_issue(&repo, 2, 1_000_007).await.unwrap();
    github
        .create_label(&repo, "pipeline-test", "0e8a16", "CI")
        .await
        .unwrap();
    let since = "2026-11-27T09:00:00Z".parse().unwrap();
    let listing = github
        .issues_changed(&repo, "postmortem-action", Some(since), Some("\"abc\""))
        .await
        .unwrap();
    assert_eq!(listing, Listing::NotModified);
}

#[tokio::test]
async fn a_write_answered_502_is_sent_once_and_reported_as_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/checkout/issues"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/checkout/labels"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let github = client(&server);
    let repo = Repo::parse("acme/checkout").unwrap();
    let error = github.create_issue(&repo, &draft()).await.unwrap_err();
    assert!(error.outcome_unknown(), "{error:?}");
    match github.create_label(&repo, "fix", "1d76db", "x").await {
        Err(GitHubError::RateLimited(limit, message)) => {
            assert_eq!(limit.retry_after, Some(30));
            assert!(message.contains("secondary rate limit"));
        }
        other => panic!("{other:?}"),
    }
}

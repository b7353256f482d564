//! Every JSON shape the fake answers deserialises into octocrab's models, and octocrab itself works.

use octocrab::models::issues::Issue;
use octocrab::models::timelines::TimelineEvent;
use octocrab::models::webhook_events::{WebhookEvent, WebhookEventPayload};
use octocrab::models::{Author, Event, IssueState, Label, Repository};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{Api, REPO};

async fn get_as<T: DeserializeOwned>(api: &Api, path: &str) -> T {
    let res = api.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let body: Value = res.json().await.unwrap();
    serde_json::from_value(body.clone()).unwrap_or_else(|err| panic!("{path}: {err}\n{body:#}"))
}

/// A repository with a labelled, assigned, closed issue, a sub-issue and a merged pull request.
async fn populated() -> Api {
    let api = Api::start().await;
    let body =
        json!({ "title": "parent", "body": "b", "labels": ["incident"], "assignees": ["alice"] });
    api.post("/repos/acme/checkout/issues", body).await;
    let child = api.create_issue("child").await;
    api.post(
        "/repos/acme/checkout/issues/1/sub_issues",
        json!({ "sub_issue_id": child["id"] }),
    )
    .await;
    api.fake.close_issue(REPO, 1, "completed", true).await;
    api
}

#[tokio::test]
async fn issues_labels_repository_and_user() {
    let api = populated().await;
    let issue: Issue = get_as(&api, "/repos/acme/checkout/issues/1").await;
    assert_eq!((issue.number, issue.state), (1, IssueState::Closed));
    assert_eq!(issue.labels[0].name, "incident");
    assert_eq!(issue.assignees[0].login, "alice");
    assert!(issue.closed_at.is_some() && issue.pull_request.is_none());
    let pull: Issue = get_as(&api, "/repos/acme/checkout/issues/3").await;
    assert!(pull.pull_request.is_some());

    let list: Vec<Issue> = get_as(&api, "/repos/acme/checkout/issues?state=all").await;
    assert_eq!(list.len(), 2);
    let subs: Vec<Issue> = get_as(&api, "/repos/acme/checkout/issues/1/sub_issues").await;
    assert_eq!(subs[0].title, "child");
    let labels: Vec<Label> = get_as(&api, "/repos/acme/checkout/labels").await;
    assert_eq!(labels[0].color, "ededed");

    let repo: Repository = get_as(&api, "/repos/acme/checkout").await;
    assert_eq!(repo.full_name.as_deref(), Some(REPO));
    assert!(repo.permissions.unwrap().push);
    let me: Author = get_as(&api, "/user").await;
    assert_eq!((me.login.as_str(), me.id.0), ("postmortem-bot", 9001));
}

#[tokio::test]
async fn timeline_events() {
    let api = populated().await;
    let timeline: Vec<TimelineEvent> = get_as(&api, "/repos/acme/checkout/issues/1/timeline").await;
    let kinds: Vec<Event> = timeline.iter().map(|e| e.event.clone()).collect();
    let expected = [
        Event::Labeled,
        Event::Assigned,
        Event::CrossReferenced,
        Event::Closed,
    ];
    assert_eq!(kinds, expected);
    let source = timeline[2].source.as_ref().unwrap();
    assert_eq!(source.issue.number, 3);
    assert!(source.issue.pull_request.is_some());
    assert_eq!(timeline[3].actor.as_ref().unwrap().login, "octocat");
}

#[tokio::test]
async fn webhook_payloads() {
    let api = populated().await;
    for action in [
        "opened", "edited", "closed", "reopened", "labeled", "assigned",
    ] {
        let payload = api.fake.issue_event_payload(REPO, 1, action, "octocat");
        let body = serde_json::to_vec(&payload).unwrap();
        let event = WebhookEvent::try_from_header_and_body("issues", &body)
            .unwrap_or_else(|err| panic!("{action}: {err}\n{payload:#}"));
        assert_eq!(event.sender.unwrap().login, "octocat");
        assert_eq!(event.repository.unwrap().full_name.as_deref(), Some(REPO));
        let WebhookEventPayload::Issues(issues) = event.specific else {
            panic!("{action}: not an issues payload");
        };
        assert_eq!(issues.issue.number, 1);
        match action {
            "labeled" => assert_eq!(issues.label.unwrap().name, "incident"),
            "assigned" => assert_eq!(issues.assignee.unwrap().login, "alice"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn octocrab_client_creates_and_lists() {
    let api = Api::start().await;
    let octocrab = octocrab::Octocrab::builder()
        .base_uri(api.fake.url())
        .unwrap()
        .personal_token("test-token")
        .build()
        .unwrap();
    let created = octocrab
        .issues("acme", "checkout")
        .create("t")
        .body("b")
        .send()
        .await
        .unwrap();
    assert_eq!((created.number, created.body.as_deref()), (1, Some("b")));
    let page = octocrab
        .issues("acme", "checkout")
        .list()
        .state(octocrab::params::State::All)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].title, "t");
    let repo = octocrab.repos("acme", "checkout").get().await.unwrap();
    assert_eq!(repo.name, "checkout");
}

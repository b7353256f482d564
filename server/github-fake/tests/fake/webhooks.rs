//! Signed `issues` webhooks, sent after API writes and by the "person" helpers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use github_fake::FakeGitHub;
use serde_json::{Value, json};

use crate::{Api, REPO};

const SECRET: &str = "hook-secret";

/// A delivery the receiver got: its headers and JSON body.
type Delivery = (HeaderMap, Value);

/// A webhook receiver answering 202 and keeping every delivery.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<Delivery>>>);

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers["x-hub-signature-256"].to_str().unwrap();
    assert_eq!(
        signature,
        FakeGitHub::sign(SECRET, &body),
        "signed with the secret"
    );
    let body = serde_json::from_slice(&body).unwrap();
    receiver.0.lock().unwrap().push((headers, body));
    StatusCode::ACCEPTED
}

impl Receiver {
    /// Starts the receiver and points the fake at it.
    async fn start(fake: &FakeGitHub) -> Receiver {
        let receiver = Receiver::default();
        let app = Router::new()
            .route("/hooks/github", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/github", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake.set_webhook_target(&url, SECRET);
        receiver
    }

    /// The actions received so far, once `count` have arrived.
    async fn actions(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let actions: Vec<String> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .map(|(_, b)| b["action"].as_str().unwrap().to_owned())
                .collect();
            if actions.len() >= count {
                return actions;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "fewer than {count} deliveries: {:?}",
            self.0.lock().unwrap().len()
        );
    }

    fn last(&self) -> Delivery {
        self.0.lock().unwrap().last().cloned().unwrap()
    }
}

#[tokio::test]
async fn api_writes_send_webhooks() {
    let api = Api::start().await;
    let receiver = Receiver::start(&api.fake).await;
    let body = json!({ "title": "t", "labels": ["incident"], "assignees": ["alice"] });
    assert_eq!(
        api.post("/repos/acme/checkout/issues", body).await.status(),
        201
    );
    assert_eq!(receiver.actions(3).await, ["opened", "labeled", "assigned"]);

    let (headers, payload) = receiver.last();
    assert_eq!(headers["x-github-event"], "issues");
    assert_eq!(headers["user-agent"], "GitHub-Hookshot/fake");
    assert_eq!(headers["x-github-hook-id"], "1");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-github-delivery"].len(), 36);
    assert_eq!(payload["sender"]["login"], "postmortem-bot");
    assert_eq!(payload["assignee"]["login"], "alice");
    assert_eq!(payload["repository"]["full_name"], REPO);

    let patch = json!({ "title": "renamed", "state": "closed" });
    api.patch("/repos/acme/checkout/issues/1", patch).await;
    assert_eq!(receiver.actions(5).await[3..], ["edited", "closed"]);
    let edited = receiver.0.lock().unwrap()[3].1.clone();
    assert_eq!(edited["changes"]["title"]["from"], "t");

    api.fake
        .fail_next(github_fake::Fault::TooManyRequests(1), 1);
    api.patch("/repos/acme/checkout/issues/1", json!({ "state": "open" }))
        .await;
    api.patch(
        "/repos/acme/checkout/issues/1",
        json!({ "title": "renamed" }),
    )
    .await;
    // A write that does send: once its delivery is in, anything the two before it sent is too.
    api.patch("/repos/acme/checkout/issues/1", json!({ "body": "marker" }))
        .await;
    let actions = receiver.actions(6).await;
    assert_eq!(
        actions[3..],
        ["edited", "closed", "edited"],
        "refused and no-op writes send nothing"
    );
    assert_eq!(receiver.last().1["issue"]["body"], "marker");
}

#[tokio::test]
async fn person_helpers_await_their_webhook() {
    let api = Api::start().await;
    api.create_issue("t").await;
    let receiver = Receiver::start(&api.fake).await;

    assert_eq!(
        api.fake.close_issue(REPO, 1, "completed", true).await,
        Some(202)
    );
    let (_, closed) = receiver.last();
    assert_eq!(
        (&closed["action"], &closed["sender"]["login"]),
        (&json!("closed"), &json!("octocat"))
    );
    assert_eq!(closed["issue"]["state_reason"], "completed");

    assert_eq!(api.fake.reopen_issue(REPO, 1).await, Some(202));
    assert_eq!(receiver.last().1["action"], "reopened");
    assert_eq!(api.fake.edit_issue_title(REPO, 1, "new").await, Some(202));
    assert_eq!(receiver.last().1["changes"]["title"]["from"], "t");
    assert_eq!(api.fake.assign_issue(REPO, 1, "dana").await, Some(202));
    assert_eq!(receiver.last().1["assignee"]["login"], "dana");

    api.fake.close_issue_silently(REPO, 1, "not_planned", false);
    assert_eq!(api.fake.issues(REPO)[0].state, "closed");
    // The next change's delivery comes right after the last one: the silent close sent none.
    assert_eq!(api.fake.assign_issue(REPO, 1, "erin").await, Some(202));
    assert_eq!(
        receiver.actions(5).await,
        ["closed", "reopened", "edited", "assigned", "assigned"],
        "a missed webhook"
    );
    assert_eq!(receiver.last().1["issue"]["state"], "closed");

    let close = api.http.post(format!(
        "{}/_fake/repos/acme/checkout/issues/1/close",
        api.fake.url()
    ));
    let res = close
        .json(&json!({ "reason": "completed", "merged_pr": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "webhook_status": 202 })
    );
}

#[tokio::test]
async fn unreachable_target_gives_none() {
    let fake = FakeGitHub::start().await;
    fake.add_repository(REPO, true);
    let api = Api {
        fake: fake.clone(),
        http: reqwest::Client::new(),
    };
    api.create_issue("t").await;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    fake.set_webhook_target(&format!("http://127.0.0.1:{closed_port}/hooks"), SECRET);
    assert_eq!(fake.close_issue(REPO, 1, "completed", false).await, None);
}

#[test]
fn signature_format() {
    let signature = FakeGitHub::sign("It's a Secret to Everybody", b"Hello, World!");
    assert_eq!(
        signature,
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
}

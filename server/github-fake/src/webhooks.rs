//! Signed webhook deliveries (`issues`, `pull_request`) to the app under test, the way GitHub's Hookshot sends them.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// Where webhooks go and the secret they are signed with.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub url: String,
    pub secret: String,
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub(crate) fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends one `issues` delivery; the receiver's HTTP status, or `None` when it could not be reached.
pub(crate) async fn deliver(
    http: &reqwest::Client,
    target: &Target,
    payload: &Value,
) -> Option<u16> {
    deliver_event(http, target, "issues", payload).await
}

/// Sends one delivery of `event`; the receiver's HTTP status, or `None` when it could not be
/// reached.
pub(crate) async fn deliver_event(
    http: &reqwest::Client,
    target: &Target,
    event: &str,
    payload: &Value,
) -> Option<u16> {
    let body = serde_json::to_vec(payload).unwrap_or_default();
    let sent = http
        .post(&target.url)
        .header("content-type", "application/json")
        .header("user-agent", "GitHub-Hookshot/fake")
        .header("x-github-event", event)
        .header("x-github-delivery", uuid::Uuid::new_v4().to_string())
        .header("x-github-hook-id", "1")
        .header("x-github-hook-installation-target-type", "integration")
        .header("x-hub-signature-256", sign(&target.secret, &body))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) => Some(res.status().as_u16()),
        Err(err) => {
            tracing::warn!(url = %target.url, %err, "github-fake: webhook delivery failed");
            None
        }
    }
}

/// Sends the deliveries in order, one after the other; the status of the last one.
pub(crate) async fn deliver_all(
    http: &reqwest::Client,
    target: &Target,
    payloads: &[Value],
) -> Option<u16> {
    let mut status = None;
    for payload in payloads {
        status = deliver(http, target, payload).await;
    }
    status
}

/// Sends the deliveries in the background, like GitHub does after answering the API call.
pub(crate) fn spawn(http: reqwest::Client, target: Target, payloads: Vec<Value>) {
    if !payloads.is_empty() {
        tokio::spawn(async move { deliver_all(&http, &target, &payloads).await });
    }
}

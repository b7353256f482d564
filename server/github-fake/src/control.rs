//! The `/_fake` control routes (no authentication) that browser tests use to drive the fake.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::reply::{Answer, Reject};
use crate::state::key;
use crate::{FakeGitHub, Fault, reply};

/// The control routes.
pub(crate) fn routes() -> Router<FakeGitHub> {
    Router::new()
        .route("/_fake/repos", post(add_repository))
        .route("/_fake/repos/{owner}/{repo}/issues", get(issues))
        .route(
            "/_fake/repos/{owner}/{repo}/issues/{number}/close",
            post(close),
        )
        .route("/_fake/webhook-target", post(webhook_target))
        .route("/_fake/faults", post(faults))
        .route("/_fake/writes", get(writes))
        .method_not_allowed_fallback(crate::api::not_found)
}

/// The body parsed as `T`, or 400.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reject> {
    let body = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body)
        .map_err(|err| reply::message(StatusCode::BAD_REQUEST, &err.to_string()).into())
}

#[derive(Deserialize)]
struct NewRepo {
    full_name: String,
    #[serde(default = "yes")]
    writable: bool,
}

fn yes() -> bool {
    true
}

async fn add_repository(State(fake): State<FakeGitHub>, body: Bytes) -> Answer {
    let repo: NewRepo = parse(&body)?;
    fake.add_repository(&repo.full_name, repo.writable);
    Ok(reply::json(
        StatusCode::CREATED,
        &json!({ "full_name": repo.full_name, "writable": repo.writable }),
    ))
}

async fn issues(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    let issues = fake.issues(&format!("{owner}/{name}"));
    reply::json(StatusCode::OK, &json!(issues))
}

#[derive(Deserialize)]
struct Close {
    #[serde(default = "completed")]
    reason: String,
    #[serde(default)]
    merged_pr: bool,
}

fn completed() -> String {
    "completed".to_owned()
}

async fn close(
    State(fake): State<FakeGitHub>,
    Path((owner, name, number)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let full_name = format!("{owner}/{name}");
    let close: Close = parse(&body)?;
    let number = number.parse().ok().filter(|n| {
        let st = fake.lock();
        st.repos
            .get(&key(&full_name))
            .is_some_and(|r| r.issues.contains_key(n))
    });
    let Some(number) = number else {
        return Ok(reply::not_found());
    };
    let status = fake
        .close_issue(&full_name, number, &close.reason, close.merged_pr)
        .await;
    Ok(reply::json(
        StatusCode::OK,
        &json!({ "webhook_status": status }),
    ))
}

#[derive(Deserialize)]
struct WebhookTarget {
    url: String,
    secret: String,
}

async fn webhook_target(State(fake): State<FakeGitHub>, body: Bytes) -> Answer {
    let target: WebhookTarget = parse(&body)?;
    fake.set_webhook_target(&target.url, &target.secret);
    Ok(reply::json(StatusCode::OK, &json!({ "url": target.url })))
}

#[derive(Deserialize)]
struct FaultRequest {
    mode: String,
    #[serde(default = "one")]
    count: usize,
    #[serde(default = "one")]
    seconds: u64,
}

fn one<T: From<u8>>() -> T {
    T::from(1)
}

async fn faults(State(fake): State<FakeGitHub>, body: Bytes) -> Answer {
    let request: FaultRequest = parse(&body)?;
    let fault = match request.mode.as_str() {
        "bad_gateway" => Fault::BadGatewayAfterWrite,
        "too_many_requests" => Fault::TooManyRequests(request.seconds),
        "rate_limited" => Fault::RateLimited(request.seconds),
        "hang" => Fault::HangAfterWrite(request.seconds * 1000),
        "none" => {
            fake.fail_next(Fault::BadGatewayAfterWrite, 0);
            return Ok(reply::json(StatusCode::OK, &json!({ "mode": "none" })));
        }
        other => {
            return Ok(reply::message(
                StatusCode::BAD_REQUEST,
                &format!("unknown fault mode {other:?}"),
            ));
        }
    };
    fake.fail_next(fault, request.count);
    Ok(reply::json(
        StatusCode::OK,
        &json!({ "mode": request.mode, "count": request.count }),
    ))
}

async fn writes(State(fake): State<FakeGitHub>) -> Response {
    let body = json!({ "total": fake.write_calls(), "by_route": fake.writes_by_route() });
    reply::json(StatusCode::OK, &body)
}

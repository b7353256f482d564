//! Injected faults: which are applied, which are not, and the headers they carry.

use std::time::{Duration, Instant};

use github_fake::{FakeGitHub, Fault};
use serde_json::json;

use crate::{Api, REPO, status_json};

#[tokio::test]
async fn bad_gateway_applies_the_write() {
    let api = Api::start().await;
    api.fake.fail_next(Fault::BadGatewayAfterWrite, 1);
    let res = api
        .post("/repos/acme/checkout/issues", json!({ "title": "applied" }))
        .await;
    assert_eq!(res.status(), 502);
    assert_eq!(res.text().await.unwrap(), "<html>502 Bad Gateway</html>");
    assert_eq!(api.fake.issues(REPO).len(), 1, "the write went through");
    assert_eq!(
        api.create_issue("second").await["number"],
        2,
        "only the next write was faulted"
    );
    assert_eq!(api.fake.write_calls(), 2);
    assert_eq!(api.fake.writes_by_route()["POST issues"], 2);
}

#[tokio::test]
async fn too_many_requests_is_not_applied() {
    let api = Api::start().await;
    api.fake.fail_next(Fault::TooManyRequests(7), 2);
    for _ in 0..2 {
        let res = api
            .post("/repos/acme/checkout/issues", json!({ "title": "refused" }))
            .await;
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()["retry-after"], "7");
        assert!(
            status_json(res).await.1["message"]
                .as_str()
                .unwrap()
                .contains("secondary rate limit")
        );
    }
    assert!(api.fake.issues(REPO).is_empty());
    assert_eq!(api.create_issue("later").await["number"], 1);
    assert_eq!(api.fake.write_calls(), 3);
}

#[tokio::test]
async fn rate_limited_is_not_applied() {
    let api = Api::start().await;
    api.create_issue("existing").await;
    api.fake.fail_next(Fault::RateLimited(60), 1);
    let res = api
        .patch(
            "/repos/acme/checkout/issues/1",
            json!({ "state": "closed" }),
        )
        .await;
    assert_eq!(res.status(), 403);
    let headers = res.headers().clone();
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-limit"], "5000");
    let reset: i64 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = chrono::Utc::now().timestamp() + 60;
    assert!(
        (expected - 2..=expected + 1).contains(&reset),
        "{reset} vs {expected}"
    );
    let body = status_json(res).await.1;
    assert_eq!(body["message"], "API rate limit exceeded for user ID 1.");
    assert_eq!(
        body["documentation_url"],
        "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
    );
    assert_eq!(api.fake.issues(REPO)[0].state, "open");
}

#[tokio::test]
async fn hang_applies_then_times_out() {
    let api = Api::start().await;
    api.fake.fail_next(Fault::HangAfterWrite(1500), 1);
    let started = Instant::now();
    let sent = api
        .request(reqwest::Method::POST, "/repos/acme/checkout/issues")
        .json(&json!({ "title": "slow" }))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(
        api.fake.issues(REPO)[0].title,
        "slow",
        "applied before the hang"
    );

    api.fake.fail_next(Fault::HangAfterWrite(200), 1);
    let started = Instant::now();
    let res = api
        .patch(
            "/repos/acme/checkout/issues/1",
            json!({ "title": "slower" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn reads_are_never_faulted_but_can_hang() {
    let api = Api::start().await;
    api.fake.fail_next(Fault::TooManyRequests(1), 1);
    assert_eq!(api.get("/repos/acme/checkout/issues").await.status(), 200);
    assert_eq!(
        api.post("/repos/acme/checkout/issues", json!({ "title": "x" }))
            .await
            .status(),
        429
    );

    api.fake.hang_reads_ms(300);
    let started = Instant::now();
    assert_eq!(api.get("/repos/acme/checkout").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    api.fake.hang_reads_ms(0);
    let started = Instant::now();
    api.get("/repos/acme/checkout").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

/// Which of 40 writes get a 429 with this rate and seed.
async fn faulted_writes(rate: f64, seed: u64) -> Vec<usize> {
    let api = Api::start().await;
    api.fake.fail_rate(Fault::TooManyRequests(1), rate, seed);
    let mut faulted = Vec::new();
    for n in 0..40 {
        let res = api
            .post(
                "/repos/acme/checkout/issues",
                json!({ "title": format!("{n}") }),
            )
            .await;
        if res.status() == 429 {
            faulted.push(n);
        }
    }
    assert_eq!(api.fake.issues(REPO).len(), 40 - faulted.len());
    faulted
}

#[tokio::test]
async fn fault_rate_is_deterministic() {
    let first = faulted_writes(0.3, 42).await;
    assert!((4..=20).contains(&first.len()), "{first:?}");
    assert_eq!(faulted_writes(0.3, 42).await, first);
    assert_ne!(faulted_writes(0.3, 7).await, first);
    assert!(faulted_writes(0.0, 42).await.is_empty());
    assert_eq!(faulted_writes(1.0, 1).await.len(), 40);
}

#[tokio::test]
async fn separate_fakes_do_not_share_state() {
    let (a, b) = (FakeGitHub::start().await, FakeGitHub::start().await);
    a.add_repository(REPO, true);
    a.fail_next(Fault::BadGatewayAfterWrite, 1);
    assert_ne!(a.url(), b.url());
    assert!(b.issues(REPO).is_empty());
    assert!(format!("{a:?}").contains(&a.url()));
}

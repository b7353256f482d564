//! Injected failures for write calls: the kinds of fault, how they are picked, and the answers they give.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::reply;

/// A failure injected into a write call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// The write is applied, then answered 502 (body "<html>502 Bad Gateway</html>").
    BadGatewayAfterWrite,
    /// Not applied; 429 with `retry-after: {0}` and a JSON message.
    TooManyRequests(u64),
    /// Not applied; 403 with `x-ratelimit-remaining: 0` and a reset `{0}` seconds from now.
    RateLimited(u64),
    /// The write is applied, then the answer is delayed {0} milliseconds, then 200/201.
    HangAfterWrite(u64),
}

impl Fault {
    /// Whether the write is applied before the fault's answer (so a retry would repeat it).
    pub fn applies_write(self) -> bool {
        matches!(self, Fault::BadGatewayAfterWrite | Fault::HangAfterWrite(_))
    }
}

/// The fault settings: a queue of the next faults, a random rate, and delays for reads and writes.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    next: Option<(Fault, usize)>,
    rate: Option<(Fault, f64)>,
    rng: u64,
    /// Every GET waits this long first.
    pub hang_reads_ms: u64,
    /// Every write waits this long before it is applied (a slow GitHub: jobs take time).
    pub slow_writes_ms: u64,
}

impl Faults {
    /// The next `count` writes get `fault` (0 clears).
    pub fn fail_next(&mut self, fault: Fault, count: usize) {
        self.next = (count > 0).then_some((fault, count));
    }

    /// Each write gets `fault` with probability `rate`, drawn from a PRNG seeded with `seed`.
    pub fn fail_rate(&mut self, fault: Fault, rate: f64, seed: u64) {
        self.rate = (rate > 0.0).then_some((fault, rate));
        self.rng = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
    }

    /// The fault for the write call being received, if any.
    pub fn pick(&mut self) -> Option<Fault> {
        if let Some((fault, count)) = self.next.take() {
            if count > 1 {
                self.next = Some((fault, count - 1));
            }
            return Some(fault);
        }
        let (fault, rate) = self.rate?;
        (self.random() < rate).then_some(fault)
    }

    /// xorshift64: a uniform number in [0, 1).
    fn random(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Answers a write call with `fault`, running the write first when the fault says so.
pub(crate) async fn apply(fault: Fault, req: Request, next: Next) -> Response {
    match fault {
        Fault::BadGatewayAfterWrite => {
            let _applied = next.run(req).await;
            let html = [(header::CONTENT_TYPE, "text/html")];
            (
                StatusCode::BAD_GATEWAY,
                html,
                "<html>502 Bad Gateway</html>",
            )
                .into_response()
        }
        Fault::TooManyRequests(seconds) => {
            let body = json!({
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            });
            let mut res = reply::json(StatusCode::TOO_MANY_REQUESTS, &body);
            res.headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
            res
        }
        Fault::RateLimited(seconds) => {
            let body = json!({
                "message": "API rate limit exceeded for user ID 1.",
                "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
            });
            let mut res = reply::json(StatusCode::FORBIDDEN, &body);
            let reset = chrono::Utc::now().timestamp().unsigned_abs() + seconds;
            let headers = res.headers_mut();
            headers.insert("x-ratelimit-limit", 5000.into());
            headers.insert("x-ratelimit-remaining", 0.into());
            headers.insert("x-ratelimit-used", 5000.into());
            headers.insert("x-ratelimit-reset", reset.into());
            headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
            res
        }
        Fault::HangAfterWrite(ms) => {
            let res = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            res
        }
    }
}

//! Middleware in front of the GitHub routes: read delays, write counting, authentication, faults and ETags.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::{FakeGitHub, faults, reply};

/// Marks a request whose write call was already counted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counted;

/// Whether this method writes.
pub(crate) fn is_write(method: &Method) -> bool {
    [Method::POST, Method::PATCH, Method::PUT, Method::DELETE].contains(method)
}

/// The name a write is counted under: `"POST issues"`, `"PATCH issue"`, ... or the raw path when unrouted.
pub(crate) fn route_key(method: &Method, matched: Option<&str>, path: &str) -> String {
    let Some(matched) = matched else {
        return format!("{method} {path}");
    };
    let segments: Vec<&str> = matched.split('/').filter(|s| !s.is_empty()).collect();
    let name = match segments.as_slice() {
        [.., literal, last] if last.starts_with('{') => {
            literal.strip_suffix('s').unwrap_or(literal)
        }
        [.., last] => last,
        [] => "",
    };
    format!("{method} {name}")
}

impl FakeGitHub {
    /// Counts one write call under `route`.
    pub(crate) fn count_write(&self, route: String) {
        let mut st = self.lock();
        st.writes += 1;
        *st.writes_by_route.entry(route).or_default() += 1;
    }

    /// Whether the `Authorization` header carries an accepted token.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = value
            .and_then(|v| v.split_once(' '))
            .and_then(|(scheme, token)| {
                let known =
                    scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
                known.then_some(token.trim())
            });
        token.is_some_and(|t| self.lock().tokens.contains(t))
    }
}

/// Runs in front of every GitHub API route.
pub(crate) async fn guard(
    State(fake): State<FakeGitHub>,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let delay = {
        let faults = &fake.lock().faults;
        if method == Method::GET {
            faults.hang_reads_ms
        } else {
            faults.slow_writes_ms
        }
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if is_write(&method) {
        let matched = req
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned());
        fake.count_write(route_key(&method, matched.as_deref(), req.uri().path()));
        req.extensions_mut().insert(Counted);
    }
    if !fake.authorized(req.headers()) {
        return reply::bad_credentials();
    }
    if is_write(&method) {
        let fault = {
            let mut st = fake.lock();
            let fault = st.faults.pick();
            if fault.is_some_and(|f| !f.applies_write()) {
                st.refused_writes += 1;
            }
            fault
        };
        if let Some(fault) = fault {
            tracing::info!(?fault, %method, path = %req.uri().path(), "github-fake: injecting fault");
            return faults::apply(fault, req, next).await;
        }
    }
    if method != Method::GET {
        return next.run(req).await;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    with_etag(if_none_match.as_deref(), next.run(req).await).await
}

/// Adds an `ETag` (a hash of the body) to a successful read, or answers 304 when the client has it.
async fn with_etag(if_none_match: Option<&str>, res: Response) -> Response {
    if res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
    let matches = if_none_match.is_some_and(|header| {
        header
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*")
    });
    if let Ok(value) = etag.parse() {
        parts.headers.insert(header::ETAG, value);
    }
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

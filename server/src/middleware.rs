//! The middleware every response passes through: tracing, compression, body limit, security headers.

use app::server::AppState;
use app::server::csp::STATIC_POLICY;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Wraps `router` in the middleware stack (the last layer added is the outermost).
pub fn apply(router: Router<AppState>, max_body_bytes: usize) -> Router<AppState> {
    router
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        // A page sets its own CSP with the nonce of its scripts; everything else gets the strict one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STATIC_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

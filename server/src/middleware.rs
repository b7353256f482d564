//! The middleware every response passes through: tracing, request counting, noting writes,
//! compression, security headers, `no-store` for signed-in answers, the page cache, the body
//! limit and the removal of control characters from input.

use crate::Site;
use app::ssr::csp::{NonceSlot, STATIC_POLICY, page_policy};
use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use backend::AppState;

use crate::page_cache::{self, PageCache};
use crate::{auth, clean_input, csrf, sessions};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Wraps `router` in the middleware stack (the last layer added is the outermost): a request
/// passes tracing, request counting, write noting, the panic catcher, compression, security
/// headers, the cross-site check, the session, the authentication and authorisation check,
/// `no-store` for signed-in answers, the page cache, the body limit and the removal of control
/// characters, in that order.
pub fn apply(
    router: Router<Site>,
    state: &AppState,
    session_store: sessions::Store,
) -> Router<Site> {
    let router = router
        .layer(from_fn(clean_input::clean_request))
        .layer(RequestBodyLimitLayer::new(state.settings.max_body_bytes));
    let router = match state.settings.page_cache_bytes {
        0 => router,
        bytes => router.layer(from_fn_with_state(
            (state.clone(), Arc::new(PageCache::new(bytes))),
            page_cache::serve,
        )),
    };
    router
        .layer(from_fn(no_store_when_signed_in))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(sessions::layer(session_store, &state.settings))
        .layer(from_fn_with_state(state.clone(), csrf::refuse_cross_site))
        // A page gets a CSP with the nonce of its scripts; everything else gets the strict one.
        .layer(from_fn(page_policy_from_nonce))
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
        // A panic answers 500 instead of closing the connection without a word.
        .layer(CatchPanicLayer::new())
        .layer(from_fn_with_state(state.clone(), note_writes))
        .layer(from_fn(count_request))
        .layer(TraceLayer::new_for_http())
}

/// After any request that may have written (every method but GET, HEAD and OPTIONS, whatever its
/// answer), tells remembered pages here and on other instances that they may be out of date.
async fn note_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let may_write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    // 503: the database did not answer, so nothing was written (and telling it would wait too).
    if may_write && response.status() != StatusCode::SERVICE_UNAVAILABLE {
        state.live.wrote(&state.db).await;
    }
    response
}

/// What a signed-in person was shown stays out of shared and browser caches (a shared computer's
/// back button, a proxy): `Cache-Control: no-store`, unless the answer set its own.
async fn no_store_when_signed_in(request: Request, next: Next) -> Response {
    let signed_in = request
        .extensions()
        .get::<backend::auth::CurrentUser>()
        .is_some();
    let mut response = next.run(request).await;
    if signed_in && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Counts every answered request by method and status for `/metrics`.
async fn count_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    backend::metrics::prometheus::record_request(method.as_str(), response.status().as_u16());
    response
}

/// Gives a rendered page the policy that admits exactly its own scripts (by the nonce it used).
async fn page_policy_from_nonce(mut request: Request, next: Next) -> Response {
    let slot = NonceSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if let Some(nonce) = slot.take() {
        if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    } else if is_html(&response)
        && !response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        tracing::warn!("an HTML response was rendered without a nonce");
    }
    response
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

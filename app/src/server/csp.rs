//! The Content-Security-Policy: a per-response nonce lets the hydration scripts run and nothing else.

use http::HeaderValue;
use http::header::CONTENT_SECURITY_POLICY;
use leptos::prelude::use_context;

/// The policy for responses without inline scripts (static files, health checks, API answers).
pub const STATIC_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy for an HTML page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page policy on the response being rendered, using the nonce Leptos put on its scripts.
pub fn set_content_security_policy() {
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        options.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

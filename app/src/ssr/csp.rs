//! The Content-Security-Policy: a per-response nonce lets the hydration scripts run and nothing else.

use std::sync::{Arc, Mutex};

use leptos::prelude::use_context;

/// Where the page being rendered leaves its nonce, so the CSP middleware can put the matching
/// policy on the response. (Setting the header through Leptos' response options proved
/// unreliable: now and then a page went out without it.)
#[derive(Clone, Debug, Default)]
pub struct NonceSlot(Arc<Mutex<Option<String>>>);

impl NonceSlot {
    /// The nonce the page used, if a page was rendered.
    pub fn take(&self) -> Option<String> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }

    /// The nonce the page used, left in place for the CSP middleware.
    pub fn peek(&self) -> Option<String> {
        self.0.lock().ok().and_then(|slot| slot.clone())
    }

    /// Records the nonce of the page being sent (a remembered page is sent with a fresh one).
    pub fn put(&self, nonce: &str) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(nonce.to_owned());
        }
    }
}

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

/// Leaves the nonce Leptos put on this page's scripts in the request's [`NonceSlot`]; the CSP
/// middleware then sets the page policy from it on the response.
pub fn set_content_security_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    if let Some(slot) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<NonceSlot>().cloned())
    {
        slot.put(&nonce);
    }
}

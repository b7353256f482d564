//! The route parameters record pages read (`/incidents/:id`, `/services/:slug`), typed once.

use leptos::Params;
use leptos::prelude::*;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

#[derive(Params, Clone, Debug, PartialEq)]
struct RecordId {
    id: Option<i64>,
}

#[derive(Params, Clone, Debug, PartialEq)]
struct RecordSlug {
    slug: Option<String>,
}

/// The route's `:id`, as it changes; 0 when it is not a number (the record is then not found).
pub fn record_id() -> impl Fn() -> i64 + Clone + Send + Sync + 'static {
    let params = use_params::<RecordId>();
    move || {
        params
            .read()
            .as_ref()
            .ok()
            .and_then(|p| p.id)
            .unwrap_or_default()
    }
}

/// The route's `:slug`, as it changes; empty when missing.
pub fn record_slug() -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let params = use_params::<RecordSlug>();
    move || {
        params
            .read()
            .as_ref()
            .ok()
            .and_then(|p| p.slug.clone())
            .unwrap_or_default()
    }
}

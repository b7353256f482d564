//! The one way a page waits for its data: "Loading…" until it arrives, the error if loading
//! failed, and the page's own view (its children, a `Suspend` over its resources) once it is there.

use leptos::prelude::*;

use super::ErrorsView;

/// Wraps a part of a page that reads resources. With `keep`, the part already shown stays while
/// new data loads (a `Transition`, for lists whose filters change in place); otherwise the
/// fallback shows each time (a `Suspense`).
#[component]
pub fn Loaded(#[prop(optional)] keep: bool, children: ChildrenFn) -> impl IntoView {
    let fallback = || view! { <p class="muted">"Loading…"</p> };
    let content = move || {
        let children = children.clone();
        view! { <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>{children()}</ErrorBoundary> }
    };
    if keep {
        view! { <Transition fallback>{content()}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{content()}</Suspense> }.into_any()
    }
}

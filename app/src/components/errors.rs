//! How errors are shown: a notice for one failed action, a panel for a page that could not load.

use leptos::prelude::*;

use crate::api::ApiError;

/// A notice for a failed action, announced to screen readers.
#[component]
pub fn ErrorNotice(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let reload = matches!(error, ApiError::Conflict(_));
            let signed_out = matches!(error, ApiError::Unauthorized);
            view! {
                <div class="alert alert-error" role="alert">
                    <p>{error.to_string()}</p>
                    {signed_out
                        .then(|| {
                            view! {
                                <p>
                                    <a href="/sign-in" target="_blank" rel="noopener">
                                        "Sign in in a new tab"
                                    </a>
                                    ", then submit this form again: what you typed is still here."
                                </p>
                            }
                        })}
                    {reload
                        .then(|| {
                            view! {
                                <p>
                                    <a href="" rel="external">
                                        "Reload this page"
                                    </a>
                                </p>
                            }
                        })}
                </div>
            }
        })
    }
}

/// The panel shown by an error boundary when a page's data could not be loaded.
#[component]
pub fn ErrorsView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| error.to_string())
            .collect::<Vec<_>>()
    };
    let not_found = {
        let messages = messages.clone();
        move || messages().iter().any(|m| m.ends_with("was not found."))
    };
    view! {
        <section class="empty-state" role="alert">
            <h1>{move || if not_found() { "Not found" } else { "Something went wrong" }}</h1>
            <ul class="plain">
                {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
            <p>
                <a href="/services">"Back to the service catalog"</a>
            </p>
        </section>
    }
}

//! What the item editors share: showing a failed save, and the choice offered when someone else
//! saved the same item first.

use leptos::prelude::*;

use crate::api::ApiError;

/// Every message of a failed save: one per field for invalid input.
pub fn messages(error: &ApiError) -> Vec<String> {
    match error {
        ApiError::Validation(errors) => errors.0.iter().map(|e| e.message.clone()).collect(),
        other => vec![other.to_string()],
    }
}

/// The messages of a failed save, if any.
#[component]
pub fn SaveErrors(errors: RwSignal<Vec<String>>) -> impl IntoView {
    move || {
        let errors = errors.get();
        (!errors.is_empty()).then(|| {
            view! {
                <div class="alert alert-error" role="alert" data-testid="save-errors">
                    <ul>{errors.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    <p class="small">"Nothing you typed was lost: fix it and save again."</p>
                </div>
            }
        })
    }
}

/// Someone saved this item while it was being edited: show their version and let the person
/// keep theirs (save again over it) or take the other.
#[component]
pub fn ItemConflict(
    /// Who saved, and a one-line account of their version; `None` hides the notice.
    #[prop(into)]
    theirs: Signal<Option<(String, String)>>,
    keep_mine: Callback<()>,
    use_theirs: Callback<()>,
) -> impl IntoView {
    move || {
        theirs.get().map(|(by, summary)| view! {
            <div class="alert conflict" role="alert" data-testid="conflict">
                <p>{by} " saved this item while you were editing it. Their version:"</p>
                <pre data-testid="conflict-theirs">{summary}</pre>
                <button type="button" class="button primary" on:click=move |_| keep_mine.run(())>"Keep mine"</button>
                " "
                <button type="button" class="button" on:click=move |_| use_theirs.run(())>"Use theirs"</button>
            </div>
        })
    }
}

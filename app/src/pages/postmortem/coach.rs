//! The blameless-language coach under a text: the text with blaming phrases marked, and a
//! suggestion for each. It runs in the browser (the rules are compiled into the wasm bundle), so
//! hints appear as people type, even offline.

use leptos::prelude::*;

use crate::domain::coach::{review, segments};

/// True once the page runs in the browser. The coach works there only: on the server it would
/// cost every page render the whole document's review, for hints that matter while typing.
pub fn in_browser() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}

/// The coach's hints for `text`; nothing when the text reads blameless.
#[component]
pub fn CoachHints(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let in_browser = in_browser();
    let hints = Memo::new(move |_| {
        if in_browser.get() {
            text.with(|t| review(t))
        } else {
            Vec::new()
        }
    });
    move || {
        let hints = hints.get();
        if hints.is_empty() {
            return None;
        }
        let marked = text.with(|t| segments(t, &hints));
        let count = hints.len();
        Some(view! {
            <aside class="coach" data-testid="coach-hints" aria-label="Blameless-language coach">
                <p class="coach-count">
                    {if count == 1 { "1 hint".to_owned() } else { format!("{count} hints") }}
                    " from the blameless coach (a guide, not a rule):"
                </p>
                <p class="coach-text">
                    {marked
                        .into_iter()
                        .map(|(piece, hint)| match hint {
                            Some(i) => view! { <mark title=hints[i].message.clone()>{piece}</mark> }.into_any(),
                            None => view! { <span>{piece}</span> }.into_any(),
                        })
                        .collect_view()}
                </p>
                <ul>
                    {hints
                        .iter()
                        .map(|h| view! {
                            <li data-testid="coach-hint">
                                <mark>{h.phrase.clone()}</mark>
                                " — "
                                {h.message.clone()}
                                " "
                                <em>{h.suggestion.clone()}</em>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </aside>
        })
    }
}

/// How many hints the coach has for all these texts together.
pub fn count_hints<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts.into_iter().map(|t| review(t).len()).sum()
}

//! A data table: horizontally scrollable on small screens, with column headings.

use leptos::prelude::*;

/// `<table class="catalog …">` inside a scroll wrapper, with one `<th scope="col">` per heading;
/// the children are the body rows.
#[component]
pub fn DataTable(
    /// Column headings, in order.
    headings: &'static [&'static str],
    /// Extra classes for the table (e.g. `audit`).
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let class = if class.is_empty() {
        "catalog".to_owned()
    } else {
        format!("catalog {class}")
    };
    view! {
        <div class="table-wrap">
            <table class=class>
                <thead>
                    <tr>
                        {headings.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

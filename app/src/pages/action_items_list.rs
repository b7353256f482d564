//! The action-item list (`/actions`): follow-ups across postmortems by kind, owner, status and
//! when they were made; the dashboard's action-item figures link here with their filters.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::{resource, use_filter};

use crate::api::action_items::{ActionListRow, ActionQuery, list_action_items};
use crate::components::DataTable;

/// The page.
#[component]
pub fn ActionItemsPage() -> impl IntoView {
    let query = use_filter::<ActionQuery>();
    let rows = resource(query, list_action_items);
    view! {
        <PageTitle text="Action items · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/dashboard">"Dashboard"</a>
        </nav>
        <h1>"Action items"</h1>
        <p class="muted">
            {move || {
                let q = query();
                let filters: Vec<String> = [
                    ("kind", &q.kind), ("owner", &q.owner), ("status", &q.status),
                    ("made from", &q.from), ("made before", &q.to), ("service", &q.service),
                    ("team", &q.team), ("severity", &q.severity),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k} {}", v.replace('T', " ")))
                .collect();
                if filters.is_empty() { "The newest 500.".to_owned() } else { format!("{}; the newest 500.", filters.join(", ")) }
            }}
        </p>
        <Loaded keep=true>
            {move || Suspend::new(async move { rows.await.map(|rows| view! { <Items rows /> }) })}
        </Loaded>
    }
}

#[component]
fn Items(rows: Vec<ActionListRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No action items match."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Action item", "Kind", "Status", "Owner", "Due", "Postmortem"]>
            {rows.into_iter().map(|item| {
                let late = item.overdue;
                view! {
                    <tr data-testid="action-row">
                        <td><strong>{item.title}</strong></td>
                        <td>{item.kind.label()}</td>
                        <td class:overdue=late>{if late { "Overdue".to_owned() } else { item.status.label().to_owned() }}</td>
                        <td>{if item.owner.is_empty() { "—".to_owned() } else { item.owner }}</td>
                        <td class="mono small">{item.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td><a href=format!("/postmortems/{}", item.postmortem.id)>{item.postmortem.name}</a></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

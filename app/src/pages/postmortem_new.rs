//! Starting a postmortem: the incident it came from, plus any related incidents to review
//! together (recent ones are offered).

use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;
use leptos_router::hooks::use_query_map;

use crate::api::incidents::{IncidentQuery, IncidentRow, list_incidents};
use crate::api::postmortems::StartPostmortem;
use crate::components::{ErrorNotice, ErrorsView};

#[component]
pub fn NewPostmortemPage() -> impl IntoView {
    let query = use_query_map();
    let chosen = query
        .read_untracked()
        .get("incidents")
        .unwrap_or_default()
        .split(',')
        .filter_map(|i| i.trim().parse::<i64>().ok())
        .collect::<Vec<_>>();
    let recent = resource(|| (), |_| list_incidents(IncidentQuery::default()));
    view! {
        <PageTitle text="Start a postmortem · Postmortem" />
        <h1>"Start a postmortem"</h1>
        <p class="muted">"Review related incidents together: tick every incident this postmortem covers."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>
                {move || {
                    let chosen = chosen.clone();
                    Suspend::new(async move {
                        recent.await.map(|page| view! { <ChooseIncidents rows=page.rows chosen /> })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The incidents to tick (one form value each), and "Start postmortem" for the ticked ones.
#[component]
fn ChooseIncidents(rows: Vec<IncidentRow>, chosen: Vec<i64>) -> impl IntoView {
    let start = ServerAction::<StartPostmortem>::new();
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    view! {
        <ErrorNotice error />
        <ActionForm action=start attr:class="form">
            <fieldset>
                <legend>"Incidents"</legend>
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <label class="check" data-testid="incident-choice">
                            <input type="checkbox" name="incidents[]" value=id checked=chosen.contains(&id) />
                            " #" {id} " " {row.title} " "
                            <span class="muted small">{row.severity.to_string()} " · " {row.opened_at.format("%Y-%m-%d").to_string()}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="button primary" data-testid="start-postmortem">"Start postmortem"</button>
        </ActionForm>
    }
}

//! Starting a postmortem: the incident it came from, plus any related incidents to review
//! together. The chosen incidents are always listed; the others can be searched, and those that
//! share a service with a chosen one are marked and listed first.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;
use leptos_router::hooks::use_query_map;

use crate::api::incidents::{
    IncidentQuery, IncidentRow, IncidentView, get_incident, list_incidents,
};
use crate::api::postmortems::StartPostmortem;
use crate::components::ErrorNotice;

/// One incident offered, and why it may belong with the chosen ones.
#[derive(Clone, Debug, PartialEq)]
struct Offered {
    id: i64,
    title: String,
    detail: String,
    chosen: bool,
    /// The services it shares with a chosen incident.
    shared: Vec<String>,
}

#[component]
pub fn NewPostmortemPage() -> impl IntoView {
    let query = use_query_map();
    let read = |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let chosen = read("incidents")
        .split(',')
        .filter_map(|i| i.trim().parse::<i64>().ok())
        .collect::<Vec<_>>();
    let filter = IncidentQuery {
        q: read("q"),
        service: read("service"),
        ..Default::default()
    };
    let listed = resource(move || filter.clone(), list_incidents);
    let picked = chosen.clone();
    let chosen_views = resource(
        move || picked.clone(),
        |ids: Vec<i64>| async move {
            let mut views = Vec::new();
            for id in ids {
                // A number that names no incident is left out (the form says so on start).
                if let Ok(view) = get_incident(id).await {
                    views.push(view);
                }
            }
            Ok::<_, crate::api::ApiError>(views)
        },
    );
    let (q, service) = (read("q"), read("service"));
    let incidents = chosen
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let chosen = StoredValue::new(chosen);
    view! {
        <PageTitle text="Start a postmortem · Postmortem" />
        <h1>"Start a postmortem"</h1>
        <p class="muted">"Review related incidents together: tick every incident this postmortem covers."</p>
        <form method="get" action="/postmortems/new" class="toolbar filters" role="search" aria-label="Find incidents">
            <input type="hidden" name="incidents" value=incidents />
            <label for="pm-new-q">"Search"</label>
            <input id="pm-new-q" type="search" name="q" value=q placeholder="Words in the title or summary" />
            <label for="pm-new-service">"Service (slug)"</label>
            <input id="pm-new-service" type="text" name="service" value=service />
            <button type="submit" class="button">"Find"</button>
        </form>
        <Loaded>
            {move || {
                let chosen = chosen.get_value();
                Suspend::new(async move {
                    let page = listed.await?;
                    let views = chosen_views.await?;
                    Ok::<_, crate::api::ApiError>(view! {
                        <ChooseIncidents offered=offered(&chosen, &views, page.rows) />
                    })
                })
            }}
        </Loaded>
    }
}

/// The chosen incidents first, then those sharing a service with them, then the rest.
fn offered(chosen: &[i64], views: &[IncidentView], rows: Vec<IncidentRow>) -> Vec<Offered> {
    let chosen_services: Vec<(String, String)> = views
        .iter()
        .flat_map(|v| v.services.iter().map(|s| (s.slug.clone(), s.name.clone())))
        .collect();
    let mut all: Vec<Offered> = views
        .iter()
        .map(|v| Offered {
            id: v.id,
            title: v.title.clone(),
            detail: format!("{} · {}", v.severity, v.opened_at.format("%Y-%m-%d")),
            chosen: true,
            shared: Vec::new(),
        })
        .collect();
    let mut others: Vec<Offered> = rows
        .into_iter()
        .filter(|row| !chosen.contains(&row.id))
        .map(|row| {
            let mut shared: Vec<String> = row
                .services
                .iter()
                .filter(|s| chosen_services.iter().any(|(slug, _)| *slug == s.slug))
                .map(|s| s.name.clone())
                .collect();
            shared.dedup();
            Offered {
                id: row.id,
                title: row.title,
                detail: format!("{} · {}", row.severity, row.opened_at.format("%Y-%m-%d")),
                chosen: false,
                shared,
            }
        })
        .collect();
    // Stable: within each group the list keeps its order (newest first).
    others.sort_by_key(|o| o.shared.is_empty());
    all.extend(others);
    all
}

/// The incidents to tick (one form value each), and "Start postmortem" for the ticked ones.
#[component]
fn ChooseIncidents(offered: Vec<Offered>) -> impl IntoView {
    let start = ServerAction::<StartPostmortem>::new();
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let empty = offered.is_empty();
    view! {
        <ErrorNotice error />
        <ActionForm action=start attr:class="form">
            <fieldset>
                <legend>"Incidents"</legend>
                {empty.then(|| view! { <p class="muted">"No incident matches: change the search."</p> })}
                {offered.into_iter().map(|o| {
                    let related = (!o.shared.is_empty())
                        .then(|| format!("same service: {}", o.shared.join(", ")));
                    view! {
                        <label class="check" data-testid="incident-choice">
                            <input type="checkbox" name="incidents[]" value=o.id checked=o.chosen />
                            " #" {o.id} " " {o.title} " "
                            <span class="muted small">{o.detail}</span>
                            {related.map(|r| view! { " " <span class="badge badge-moment" data-testid="related">{r}</span> })}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="button primary" data-testid="start-postmortem">"Start postmortem"</button>
        </ActionForm>
    }
}

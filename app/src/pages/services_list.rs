//! The service catalog: every service with its team, repository, SLO and runbook, filterable.

use crate::components::web_address;
use leptos::either::Either;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;
use leptos_router::hooks::use_query_map;

#[cfg(feature = "hydrate")]
use crate::api::services::filter_matches;
use crate::api::services::{ServiceSummary, count_label, github_url, list_services};
use crate::components::{Can, DataTable, ErrorsView};
use shared::domain::{Permission, SloTarget};

/// The catalog page. `?archived=1` includes archived services; `?q=` filters without JavaScript,
/// and typing in the filter box narrows the list at once when JavaScript runs.
#[component]
pub fn ServicesPage() -> impl IntoView {
    let query = use_query_map();
    let show_archived = move || query.read().get("archived").is_some_and(|v| v == "1");
    let filter = query.read_untracked().get("q").unwrap_or_default();
    let services = resource(show_archived, list_services);

    view! {
        <PageTitle text="Services · Postmortem" />
        <div class="page-header">
            <div>
                <h1>"Services"</h1>
                <p class="lede">
                    "The canonical list of what you run. Incidents, postmortems and follow-ups hang off these."
                </p>
            </div>
            <Can permission=Permission::EditServices>
                <a class="button primary" href="/services/new">
                    "Add service"
                </a>
            </Can>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading services…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>
                {move || {
                    let filter = filter.clone();
                    Suspend::new(async move {
                        services.await.map(|list| {
                            if list.is_empty() {
                                Either::Left(view! { <NoServices /> })
                            } else {
                                Either::Right(view! { <ServiceCatalog services=list filter archived=show_archived() /> })
                            }
                        })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn NoServices() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>"No services yet"</h2>
            <p>"Add the services you run so incidents and follow-ups have a home."</p>
            <Can permission=Permission::EditServices>
                <a class="button primary" href="/services/new">
                    "Add the first service"
                </a>
            </Can>
        </section>
    }
}

/// The filter box and the table. The filter is a search form; in the browser, typing narrows the
/// table at once.
#[component]
fn ServiceCatalog(services: Vec<ServiceSummary>, filter: String, archived: bool) -> impl IntoView {
    let total = services.len();
    let shown = services.iter().filter(|s| s.matches(&filter)).count();
    view! {
        <form method="get" action="/services" class="toolbar" role="search">
            <label for="service-filter" class="visually-hidden">
                "Filter services"
            </label>
            <input
                id="service-filter"
                type="search"
                name="q"
                value=filter.clone()
                placeholder="Filter by name, team or repository"
            />
            {archived.then(|| view! { <input type="hidden" name="archived" value="1" /> })}
            <button type="submit" class="button">
                "Filter"
            </button>
            <a class="toggle" href=if archived { "/services" } else { "/services?archived=1" }>
                {if archived { "Hide archived" } else { "Show archived" }}
            </a>
        </form>
        <LiveFilter label=count_label(shown, total) total />
        <DataTable headings=&["Service", "Team", "Repository", "SLO", "On-call", "Runbook"]>
            {services
                .into_iter()
                .map(|service| {
                    let hidden = !service.matches(&filter);
                    view! { <ServiceRow service hidden /> }
                })
                .collect_view()}
        </DataTable>
    }
}

/// The catalog's count; in the browser it also hides, as the filter box is typed in, the rows
/// whose `data-filter` text does not match.
#[island]
fn LiveFilter(label: String, total: usize) -> impl IntoView {
    let label = RwSignal::new(label);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::input, move |ev| {
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(|i| i.id() == "service-filter")
            else {
                return;
            };
            let query = input.value();
            let Ok(rows) = document().query_selector_all("tr[data-filter]") else {
                return;
            };
            let mut shown = 0;
            for row in (0..rows.length()).filter_map(|i| rows.item(i)) {
                let Ok(row) = row.dyn_into::<web_sys::HtmlElement>() else {
                    continue;
                };
                let text = row.get_attribute("data-filter").unwrap_or_default();
                let visible = filter_matches(&text, &query);
                row.set_hidden(!visible);
                shown += usize::from(visible);
            }
            label.set(count_label(shown, total));
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = total;
    view! {
        <p class="count muted" aria-live="polite" data-testid="service-count">
            {move || label.get()}
        </p>
    }
}

#[component]
fn ServiceRow(service: ServiceSummary, hidden: bool) -> impl IntoView {
    let href = format!("/services/{}", service.slug);
    let filter_text = service.filter_text();
    view! {
        <tr class:archived=service.archived data-filter=filter_text hidden=hidden>
            <th scope="row">
                <a href=href>{service.name}</a>
                {service.archived.then(|| view! { <span class="badge badge-muted">"Archived"</span> })}
                <div class="muted mono small">{service.slug}</div>
            </th>
            <td>{service.team}</td>
            <td>
                {service
                    .repository
                    .map(|repo| {
                        let href = github_url(&repo);
                        view! {
                            <a href=href rel="external noopener noreferrer" class="mono">
                                {repo}
                            </a>
                        }
                    })}
            </td>
            <td>{service.slo_target.map(|v| SloTarget::from_stored(v).to_string())}</td>
            <td>{service.on_call}</td>
            <td>
                {service
                    .runbook_url
                    .as_deref()
                    .and_then(web_address)
                    .map(|url| {
                        view! {
                            <a href=url rel="external noopener noreferrer">
                                "Runbook"
                            </a>
                        }
                    })}
            </td>
        </tr>
    }
}

//! The service catalog: every service with its team, repository, SLO and runbook, filterable.

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::resource;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::services::{ServiceSummary, github_url, list_services};
use crate::components::{Can, DataTable, ErrorsView};
use crate::domain::{Permission, SloTarget};

/// The catalog page. `?archived=1` includes archived services; `?q=` filters without JavaScript,
/// and typing in the filter box narrows the list at once when JavaScript runs.
#[component]
pub fn ServicesPage() -> impl IntoView {
    let query = use_query_map();
    let show_archived = move || query.read().get("archived").is_some_and(|v| v == "1");
    let filter = query.read_untracked().get("q").unwrap_or_default();
    let services = resource(show_archived, list_services);

    view! {
        <Title text="Services · Postmortem" />
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

/// The filter box and the table; in the browser, typing narrows the table at once.
#[island]
fn ServiceCatalog(services: Vec<ServiceSummary>, filter: String, archived: bool) -> impl IntoView {
    let (filter, set_filter) = signal(filter);
    let total = services.len();
    let services = StoredValue::new(services);
    let visible = move || {
        services.with_value(|all| {
            all.iter()
                .filter(|s| s.matches(&filter.get()))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let count = move || {
        let shown = visible().len();
        match (shown, total) {
            (1, 1) => "1 service".to_owned(),
            (n, t) if n == t => format!("{t} services"),
            (n, t) => format!("{n} of {t} services"),
        }
    };
    view! {
        <form method="get" action="/services" class="toolbar" role="search">
            <label for="service-filter" class="visually-hidden">
                "Filter services"
            </label>
            <input
                id="service-filter"
                type="search"
                name="q"
                placeholder="Filter by name, team or repository"
                prop:value=filter
                on:input=move |ev| set_filter.set(event_target_value(&ev))
            />
            {archived.then(|| view! { <input type="hidden" name="archived" value="1" /> })}
            <button type="submit" class="button">
                "Filter"
            </button>
            <a class="toggle" href=if archived { "/services" } else { "/services?archived=1" }>
                {if archived { "Hide archived" } else { "Show archived" }}
            </a>
        </form>
        <p class="count muted" aria-live="polite" data-testid="service-count">
            {count}
        </p>
        <DataTable headings=&["Service", "Team", "Repository", "SLO", "On-call", "Runbook"]>
            <For each=visible key=|s| s.slug.clone() let:service>
                <ServiceRow service />
            </For>
        </DataTable>
    }
}

#[component]
fn ServiceRow(service: ServiceSummary) -> impl IntoView {
    let href = format!("/services/{}", service.slug);
    view! {
        <tr class:archived=service.archived>
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

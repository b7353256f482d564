//! The incident list: filters that live in the address (so a filtered view can be shared and works
//! without JavaScript), text search, and pages that follow a cursor.

use chrono::Utc;
use leptos::either::Either;
use leptos::prelude::*;

use crate::components::select_option;

use crate::components::PageTitle;
use crate::components::{resource, use_filter};

use crate::api::incidents::{
    IncidentPage, IncidentQuery, IncidentRow, PostmortemState, list_incidents, postmortem_policy,
};
use crate::api::services::list_services;
use crate::components::{Can, DataTable, ErrorsView};
use shared::domain::incident::format_duration;
use shared::domain::postmortem::PostmortemStatus;
use shared::domain::{IncidentStatus, Permission, Severity};

/// The page.
#[component]
pub fn IncidentsPage() -> impl IntoView {
    let query = use_filter::<IncidentQuery>();
    let page = resource(query, list_incidents);
    let services = resource(|| (), |_| list_services(false));
    let policy = resource(|| (), |_| postmortem_policy());
    view! {
        <PageTitle text="Incidents · Postmortem" />
        <div class="page-header">
            <div>
                <h1>"Incidents"</h1>
                <p class="lede">
                    "Declared by people and opened by monitoring. "
                    <Suspense fallback=|| ()>{move || Suspend::new(async move { policy.await.ok() })}</Suspense>
                </p>
            </div>
            <Can permission=Permission::EditIncidents>
                <a class="button primary" href="/incidents/new">"Declare incident"</a>
            </Can>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let slugs = services.await.unwrap_or_default();
                view! { <Filters query=query() services=slugs.into_iter().map(|s| (s.slug, s.name)).collect() /> }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="muted">"Loading incidents…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>
                {move || Suspend::new(async move {
                    page.await.map(|page| view! { <IncidentTable page query=query() /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Filters(query: IncidentQuery, services: Vec<(String, String)>) -> impl IntoView {
    view! {
        <form method="get" action="/incidents" class="toolbar filters" role="search" aria-label="Filter incidents">
            {(!query.team.is_empty()).then(|| view! {
                <label>
                    "Team "
                    <select name="team">
                        <option value="">"Any"</option>
                        <option value=query.team.clone() selected=true>{query.team.clone()}</option>
                    </select>
                </label>
            })}
            <label>
                <span class="visually-hidden">"Search"</span>
                <input type="search" name="q" value=query.q.clone() placeholder="Search titles and summaries" />
            </label>
            <label>
                "Service "
                <select name="service">
                    {select_option("", "Any", &query.service)}
                    {services.iter().map(|(slug, name)| select_option(slug, name.clone(), &query.service)).collect_view()}
                </select>
            </label>
            <label>
                "Severity "
                <select name="severity">
                    {select_option("", "Any", &query.severity)}
                    {Severity::ALL.into_iter().map(|s| select_option(s.as_str(), s.to_string(), &query.severity)).collect_view()}
                </select>
            </label>
            <label>
                "Status "
                <select name="status">
                    {select_option("", "Any", &query.status)}
                    {select_option("open", "Open", &query.status)}
                    {IncidentStatus::ALL.into_iter().map(|s| select_option(s.as_str(), s.label(), &query.status)).collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" value=query.from.clone() /></label>
            <label>"To " <input type="date" name="to" value=query.to.clone() /></label>
            <label>
                "Sort "
                <select name="sort">
                    {select_option("newest", "Newest first", &query.sort)}
                    {select_option("oldest", "Oldest first", &query.sort)}
                    {select_option("severity", "Most severe first", &query.sort)}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="postmortem" value="waiting" checked=query.postmortem == "waiting" />
                " Postmortem waiting"
            </label>
            <button type="submit" class="button">"Apply"</button>
            <a href="/incidents" class="toggle">"Clear"</a>
        </form>
    }
}

#[component]
fn IncidentTable(page: IncidentPage, query: IncidentQuery) -> impl IntoView {
    if page.rows.is_empty() {
        return Either::Left(view! {
            <section class="empty-state">
                <h2>"No incidents match"</h2>
                <p>"Nothing here with these filters. Incidents come from monitoring webhooks or are declared by people."</p>
            </section>
        });
    }
    let first_page =
        (!query.after.is_empty()).then(|| format!("/incidents?{}", query.to_query_string(None)));
    let next = page
        .next
        .as_deref()
        .map(|cursor| format!("/incidents?{}", query.to_query_string(Some(cursor))));
    let now = Utc::now();
    Either::Right(view! {
        <DataTable headings=&["Severity", "Incident", "Status", "Opened (UTC)", "Postmortem"]>
            {page.rows.into_iter().map(|row| view! { <Row row now /> }).collect_view()}
        </DataTable>
        <nav class="pager" aria-label="Pages">
            {first_page.map(|href| view! { <a class="button" href=href>"← First page"</a> })}
            {next.map(|href| view! { <a class="button" rel="next" href=href>"Next page →"</a> })}
        </nav>
    })
}

#[component]
fn Row(row: IncidentRow, now: chrono::DateTime<Utc>) -> impl IntoView {
    let href = format!("/incidents/{}", row.id);
    let waiting = row.waiting_for(now);
    view! {
        <tr data-testid="incident-row">
            <td><SeverityBadge severity=row.severity /></td>
            <th scope="row">
                <a href=href>{row.title}</a>
                <div class="muted small">
                    "#" {row.id} " · "
                    {if row.services.is_empty() {
                        "no service".to_owned()
                    } else {
                        row.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                    }}
                    {row.service_unknown.then(|| view! { " " <span class="badge badge-warn">"Service unknown"</span> })}
                    {(row.source != "person").then(|| format!(" · from {}", row.source))}
                </div>
            </th>
            <td><StatusBadge status=row.status /></td>
            <td class="mono small">{row.opened_at.format("%Y-%m-%d %H:%M").to_string()}</td>
            <td>
                {match row.postmortem {
                    PostmortemState::NotRequired => view! { <span class="muted">"—"</span> }.into_any(),
                    PostmortemState::Started => {
                        let status = row.postmortem_status.unwrap_or(PostmortemStatus::Draft);
                        let class = if status == PostmortemStatus::Published { "badge badge-ok" } else { "badge" };
                        view! { <span class=class data-testid="postmortem-status">{status.label()}</span> }.into_any()
                    }
                    PostmortemState::Waiting => view! {
                        <span class="badge badge-warn" data-testid="postmortem-waiting">"Required"</span>
                        <div class="muted small">
                            {match waiting {
                                Some(waited) => format!("waiting {} since resolved", format_duration(waited)),
                                None => "due once resolved".to_owned(),
                            }}
                        </div>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// A severity as a coloured badge, with its definition on hover.
#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! {
        <span class=format!("badge sev sev-{}", severity.rank()) title=severity.definition()>
            {severity.as_str()}
        </span>
    }
}

/// A status as a badge.
#[component]
pub fn StatusBadge(status: IncidentStatus) -> impl IntoView {
    view! {
        <span class=format!("badge status status-{}", status.as_str()) title=status.meaning()>
            {status.label()}
        </span>
    }
}

//! The shared scoreboard (`/dashboard`): recovery times, incidents, postmortems, action items and
//! the pipeline-test backlog, problems, change failure rate and the change gate's KPIs for a period and filter, as
//! server-drawn charts with their numbers; every figure links to the records behind it.

use leptos::prelude::*;

use crate::components::select_option;

use crate::components::PageTitle;
use crate::components::{resource, use_filter};

use crate::api::incidents::query_string;
use crate::api::metrics::{ActionRow, DashboardView, FilterOption, get_dashboard};
use crate::components::chart::{BarChart, LineChart};
use crate::components::{DataTable, ErrorsView};
use shared::domain::Severity;
use shared::domain::change_kpis::{GateFigures, GateRow};
use shared::domain::metrics::{DashboardQuery, format_seconds};

/// The page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_filter::<DashboardQuery>();
    let dashboard = resource(query, get_dashboard);
    view! {
        <PageTitle text="Dashboard · Postmortem" />
        <div class="page-header">
            <div>
                <h1>"Dashboard"</h1>
                <p class="muted">"How fast we detect and recover, whether we learn, and whether changes hurt."</p>
            </div>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=move |errors| view! {
                <Filters query=query() services=Vec::new() teams=Vec::new() />
                <ErrorsView errors />
            }>
                {move || Suspend::new(async move { dashboard.await.map(|d| view! { <Dashboard view=d /> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

fn dashboard_query_string(q: &DashboardQuery) -> String {
    query_string([
        ("range", q.range.as_str()),
        ("from", &q.from),
        ("to", &q.to),
        ("service", &q.service),
        ("severity", &q.severity),
        ("team", &q.team),
    ])
}

#[component]
fn Filters(
    query: DashboardQuery,
    services: Vec<FilterOption>,
    teams: Vec<FilterOption>,
) -> impl IntoView {
    let range = if query.range.is_empty() {
        "30".to_owned()
    } else {
        query.range.clone()
    };
    view! {
        <form method="get" action="/dashboard" class="toolbar filters" role="search" aria-label="Dashboard period and filters">
            <label>
                "Period "
                <select name="range">
                    {[("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("custom", "Custom")]
                        .map(|(v, l)| select_option(v, l, &range))
                        .collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" value=query.from.clone() /></label>
            <label>"To " <input type="date" name="to" value=query.to.clone() /></label>
            <label>
                "Service "
                <select name="service">
                    {select_option(String::new(), "Any", &query.service)}
                    {services.into_iter().map(|s| select_option(s.value, s.label, &query.service)).collect_view()}
                </select>
            </label>
            <label>
                "Severity "
                <select name="severity">
                    {select_option(String::new(), "Any", &query.severity)}
                    {Severity::ALL.into_iter().map(|s| select_option(s.as_str(), s.as_str(), &query.severity)).collect_view()}
                </select>
            </label>
            <label>
                "Team "
                <select name="team">
                    {select_option(String::new(), "Any", &query.team)}
                    {teams.into_iter().map(|t| select_option(t.value, t.label, &query.team)).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">"Apply"</button>
            <a class="button secondary" href=format!("/dashboard.csv?{}", dashboard_query_string(&query)) download="" data-testid="csv">"Download CSV"</a>
        </form>
    }
}

fn days(value: f64) -> String {
    format!("{value:.1} d")
}

fn count(value: f64) -> String {
    format!("{value:.0}")
}

fn percent(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

#[component]
fn Figure(
    label: &'static str,
    value: String,
    #[prop(optional)] detail: String,
    #[prop(optional)] href: String,
    testid: &'static str,
) -> impl IntoView {
    let body = view! {
        <span class="figure-value" data-testid=testid>{value}</span>
        <span class="figure-label">{label}</span>
        {(!detail.is_empty()).then(|| view! { <span class="figure-detail">{detail}</span> })}
    };
    if href.is_empty() {
        view! { <div class="figure">{body}</div> }.into_any()
    } else {
        view! { <a class="figure" href=href>{body}</a> }.into_any()
    }
}

#[component]
fn Dashboard(view: DashboardView) -> impl IntoView {
    let v = view;
    let recovery = v.incidents.recovery.clone();
    let pm = v.postmortems.clone();
    let ch = v.changes.clone();
    let pr = v.problems.clone();
    let gate = v.gate.clone();
    view! {
        <Filters query=v.query.clone() services=v.services.clone() teams=v.teams.clone() />
        <p class="muted" data-testid="period">
            {format!("{} to {} (UTC{}), incidents by the day they were opened.", v.from_day, v.to_day, v.offset)}
        </p>

        <section class="panel" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">"Detection and recovery"</h2>
            <div class="figures">
                {recovery.iter().map(|f| view! {
                    <a class="figure" href=f.href.clone() title=f.measure.definition() data-testid=format!("figure-{}", f.measure.key())>
                        <span class="figure-value">{f.summary.mean.map(format_seconds).unwrap_or_else(|| "—".into())}</span>
                        <span class="figure-label">{f.measure.abbreviation()}</span>
                        <span class="figure-detail">
                            {format!("median {} · {} incident{}",
                                f.summary.median.map(format_seconds).unwrap_or_else(|| "—".into()),
                                f.summary.count,
                                if f.summary.count == 1 { "" } else { "s" })}
                        </span>
                    </a>
                }).collect_view()}
            </div>
            <div class="chart-grid">
                {recovery.into_iter().map(|f| view! {
                    <LineChart
                        id=format!("chart-{}", f.measure.key())
                        title=format!("{} by week (mean)", f.measure.abbreviation())
                        points=f.weekly
                        value_label=f.measure.abbreviation()
                        format=format_seconds
                    />
                }).collect_view()}
            </div>
        </section>

        <section class="panel" aria-labelledby="incidents-heading">
            <h2 id="incidents-heading">"Incidents"</h2>
            <div class="figures">
                <Figure label="Incidents" value=v.incidents.total.to_string() href=v.incidents.href.clone() testid="incidents-total" />
                <Figure label="Still open (not in MTTR)" value=v.incidents.open.to_string() href=v.incidents.open_href.clone() testid="incidents-open" />
            </div>
            <div class="chart-grid">
                <BarChart id="chart-severity".into() title="Incidents by severity".into() bars=v.incidents.by_severity.clone() value_label="Incidents" />
                <BarChart id="chart-service".into() title="Incidents by service".into() bars=v.incidents.by_service.clone() value_label="Incidents" />
            </div>
        </section>

        <section class="panel" aria-labelledby="postmortems-heading">
            <h2 id="postmortems-heading">"Postmortems"</h2>
            <div class="figures">
                <Figure label="Required" value=pm.required.to_string() href=pm.required_href.clone() testid="pm-required" />
                <Figure label="Started" value=pm.started.to_string() detail=format!("{} not started", pm.required.saturating_sub(pm.started)) href=pm.waiting_href.clone() testid="pm-started" />
                <Figure label="Published" value=pm.published.to_string() href=pm.list_href.clone() testid="pm-published" />
                <Figure
                    label="Median days, resolved → published"
                    value=pm.median_days_to_publish.map(days).unwrap_or_else(|| "—".into())
                    detail=format!("{} postmortem{}", pm.publish_count, if pm.publish_count == 1 { "" } else { "s" })
                    testid="pm-median-days"
                />
                <Figure label="Overdue for review" value=pm.overdue.to_string() href=pm.list_href.clone() testid="pm-overdue" />
            </div>
        </section>

        <section class="panel" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Action items and the pipeline-test backlog"</h2>
            <div class="chart-grid">
                <ActionTable caption="By kind" rows=v.actions.by_kind.clone() testid="actions-by-kind" />
                <ActionTable caption="By owner" rows=v.actions.by_owner.clone() testid="actions-by-owner" />
            </div>
            <div class="chart-grid">
                <DataTable headings=&["Service", "Open", "Closed, unverified", "Verified"] class="compact">
                    {v.actions.backlog.iter().map(|r| view! {
                        <tr data-testid="backlog-row">
                            <th scope="row"><a href=r.href.clone()>{r.service.clone()}</a></th>
                            <td>{r.open}</td>
                            <td>{r.unverified}</td>
                            <td>{r.verified}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
                <LineChart
                    id="chart-burndown".into()
                    title="Open pipeline tests at the end of each week".into()
                    points=v.actions.burndown.clone()
                    value_label="Open"
                    format=count
                />
            </div>
        </section>

        <section class="panel" aria-labelledby="problems-heading">
            <h2 id="problems-heading">"Problems"</h2>
            <div class="figures">
                <Figure label="Open problems" value=pr.open.to_string() href=pr.href.clone() testid="problems-open" />
                <Figure label="Median age" value=pr.median_age_days.map(days).unwrap_or_else(|| "—".into()) testid="problems-age" />
                <Figure label="Oldest" value=pr.oldest_age_days.map(days).unwrap_or_else(|| "—".into()) testid="problems-oldest" />
            </div>
            <div class="chart-grid">
                <BarChart id="chart-problem-state".into() title="Open problems by state".into() bars=pr.by_state.clone() value_label="Problems" />
                <BarChart id="chart-problem-priority".into() title="Open problems by priority".into() bars=pr.by_priority.clone() value_label="Problems" />
            </div>
            <DataTable headings=&["Known error", "Recurrences"] class="compact">
                {pr.known_errors.iter().map(|k| view! {
                    <tr data-testid="known-error-row">
                        <th scope="row"><a href=k.href.clone()>{k.title.clone()}</a></th>
                        <td>{k.recurrences}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>

        <section class="panel" aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Changes"</h2>
            <div class="figures">
                <Figure label="Production deployments" value=ch.deployments.to_string() href=ch.href.clone() testid="deployments" />
                <Figure label="Deployments per week" value=format!("{:.1}", ch.per_week) href=ch.href.clone() testid="deploy-frequency" />
                <Figure label="Linked to an incident" value=ch.failed.to_string() href=ch.failed_href.clone() testid="deployments-failed" />
                <Figure label="Change failure rate" value=ch.failure_rate.map(percent).unwrap_or_else(|| "—".into()) href=ch.failed_href.clone() testid="change-failure-rate" />
            </div>
            <div class="chart-grid">
                <LineChart id="chart-deployments".into() title="Deployments by week".into() points=ch.weekly.clone() value_label="Deployments" format=count />
                <DataTable headings=&["Deployment", "Incident", "Linked by", "Let through"] class="compact">
                    {ch.failures.iter().map(|f| view! {
                        <tr data-testid="failed-deployment">
                            <td>{format!("{} {} · {}", f.service, f.version, f.deployed_at)}</td>
                            <td><a href=f.href.clone()>{f.incident.clone()}</a></td>
                            <td>{f.linked_by.clone()}</td>
                            <td>{match f.change.clone() {
                                Some((id, route)) => view! { <a href=format!("/changes/{id}")>{format!("Change #{id}: {route}")}</a> }.into_any(),
                                None => view! { <span class="muted">"Not reported to the gate"</span> }.into_any(),
                            }}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            </div>
        </section>

        <GateSection gate />
    }
}

/// The change gate's KPIs: how changes went through it, and whether its routes predict failure.
#[component]
fn GateSection(gate: GateFigures) -> impl IntoView {
    let none = || "—".to_owned();
    let share = |part: u64| {
        if gate.changes == 0 {
            none()
        } else {
            percent(part as f64 / gate.changes as f64)
        }
    };
    view! {
        <section class="panel" aria-labelledby="gate-heading">
            <h2 id="gate-heading">"Change gate"</h2>
            <div class="figures">
                <Figure label="Changes reported" value=gate.changes.to_string() href="/changes".to_owned() testid="gate-changes" />
                <Figure label="Auto-approved" value=share(gate.auto_approved) detail=format!("{} changes", gate.auto_approved) testid="gate-auto-approved" />
                <Figure label="Sent to review" value=share(gate.reviewed) detail=format!("{} changes", gate.reviewed) testid="gate-reviewed" />
                <Figure label="Emergency" value=share(gate.emergency) detail=format!("{} emergency, {} planned", gate.emergency, gate.planned) testid="gate-emergency" />
                <Figure label="With automated validations" value=gate.validated_share.map(percent).unwrap_or_else(none) detail=format!("{} changes with checks, all passing", gate.validated) testid="gate-validated" />
                <Figure label="Waiting for review" value=gate.review_wait.median.map(format_seconds).unwrap_or_else(none) detail=format!("median of {} reviews", gate.review_wait.count) testid="gate-review-wait" />
                <Figure label="Lead time, report to deploy" value=gate.lead_time.median.map(format_seconds).unwrap_or_else(none) detail=format!("median of {} deployed changes", gate.lead_time.count) testid="gate-lead-time" />
            </div>
            <div class="chart-grid">
                <GateTable caption="Change failure rate by route: does the gate's risk classification predict failure?" rows=gate.by_route testid="gate-by-route" />
                <GateTable caption="Change failure rate by kind" rows=gate.by_kind testid="gate-by-kind" />
            </div>
        </section>
    }
}

#[component]
fn GateTable(caption: &'static str, rows: Vec<GateRow>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="table-wrap" data-testid=testid>
            <table class="catalog compact">
                <caption>{caption}</caption>
                <thead><tr><th scope="col">""</th><th scope="col">"Changes"</th><th scope="col">"Deployed"</th><th scope="col">"Caused incidents"</th><th scope="col">"Failure rate"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.label}</th>
                            <td>{r.changes}</td>
                            <td>{r.deployed}</td>
                            <td>{r.failed}</td>
                            <td>{r.failure_rate.map(percent).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ActionTable(caption: &'static str, rows: Vec<ActionRow>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="table-wrap" data-testid=testid>
            <table class="catalog compact">
                <caption>{caption}</caption>
                <thead><tr><th scope="col">""</th><th scope="col">"Open"</th><th scope="col">"Done"</th><th scope="col">"Overdue"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let late = r.overdue > 0;
                        view! {
                        <tr>
                            <th scope="row"><a href=r.href>{r.label}</a></th>
                            <td>{r.open}</td>
                            <td>{r.done}</td>
                            <td class:overdue=late>{r.overdue}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

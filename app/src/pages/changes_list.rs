//! The change list (`/changes`): every deploy a pipeline asked the gate about, filtered in the
//! address by service, decision, kind and period; `?review=pending` is the review queue (changes
//! sent to review, and emergency changes to review after the fact).

use leptos::prelude::*;

use crate::components::select_option;

use crate::api::changes::{ChangeQuery, ChangeRow, PERIODS, list_changes};
use crate::api::services::list_services;
use crate::components::{DataTable, Loaded, PageTitle, resource, use_filter};
use shared::domain::change::{ChangeKind, Decision, ReviewOutcome};

/// The page.
#[component]
pub fn ChangesPage() -> impl IntoView {
    let query = use_filter::<ChangeQuery>();
    let rows = resource(query, list_changes);
    let services = resource(|| (), |_| list_services(true));
    // Each filtered view is its own page load: the heading follows the address it was opened with.
    let queue = query().review == "pending";
    let (title, heading, lede) = if queue {
        (
            "Changes awaiting review · Postmortem",
            "Changes awaiting review",
            "Changes the gate sent to review wait here for an approval; emergency changes went ahead and are reviewed after the fact.",
        )
    } else {
        (
            "Changes · Postmortem",
            "Changes",
            "Every deploy a pipeline asked the change gate about, with the policy's decision and why.",
        )
    };
    view! {
        <PageTitle text=title />
        <div class="page-header">
            <div>
                <h1>{heading}</h1>
                <p class="lede">{lede}</p>
            </div>
            <div class="actions">
                <a class="button" href="/policy">"Policy"</a>
                <a class="button" href="/guardrails">"Guardrails"</a>
                {if queue {
                    view! { <a class="button" href="/changes">"All changes"</a> }.into_any()
                } else {
                    view! { <a class="button primary" href="/changes?review=pending">"Review queue"</a> }.into_any()
                }}
            </div>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let services = services.await.unwrap_or_default();
                view! { <Filters query=query() services=services.into_iter().map(|s| (s.slug, s.name)).collect() /> }
            })}
        </Suspense>
        <Loaded keep=true>
            {move || Suspend::new(async move { rows.await.map(|rows| view! { <Changes rows queue /> }) })}
        </Loaded>
    }
}

#[component]
fn Filters(query: ChangeQuery, services: Vec<(String, String)>) -> impl IntoView {
    view! {
        <form method="get" action="/changes" class="toolbar filters" role="search" aria-label="Filter changes">
            {(query.review == "pending").then(|| view! { <input type="hidden" name="review" value="pending" /> })}
            <label>
                "Service "
                <select name="service">
                    {select_option("", "Any", &query.service)}
                    {services.iter().map(|(slug, name)| select_option(slug, name.clone(), &query.service)).collect_view()}
                </select>
            </label>
            <label>
                "Decision "
                <select name="decision">
                    {select_option("", "Any", &query.decision)}
                    {Decision::ALL.iter().map(|d| select_option(d.as_str(), d.label(), &query.decision)).collect_view()}
                </select>
            </label>
            <label>
                "Kind "
                <select name="kind">
                    {select_option("", "Any", &query.kind)}
                    {ChangeKind::ALL.iter().map(|k| select_option(k.as_str(), k.label(), &query.kind)).collect_view()}
                </select>
            </label>
            <label>
                "Period "
                <select name="period">
                    {select_option("", "All time", &query.period)}
                    {PERIODS.iter().map(|(key, label, _)| select_option(*key, *label, &query.period)).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">"Apply"</button>
            <a href=if query.review == "pending" { "/changes?review=pending" } else { "/changes" } class="toggle">"Clear"</a>
        </form>
    }
}

#[component]
fn Changes(rows: Vec<ChangeRow>, queue: bool) -> impl IntoView {
    if rows.is_empty() {
        let message = if queue {
            "Nothing awaits review."
        } else {
            "No changes match. Pipelines report them to POST /api/v1/changes (see the README)."
        };
        return view! { <p class="muted" data-testid="no-changes">{message}</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Change", "Decision", "Service", "Kind", "Reported (UTC)", "Why"]>
            {rows.into_iter().map(|row| view! { <Row row /> }).collect_view()}
        </DataTable>
    }
    .into_any()
}

#[component]
fn Row(row: ChangeRow) -> impl IntoView {
    let href = format!("/changes/{}", row.id);
    let short = row.commit.chars().take(10).collect::<String>();
    let name = if row.title.is_empty() {
        short.clone()
    } else {
        row.title.clone()
    };
    view! {
        <tr data-testid="change-row">
            <th scope="row">
                <a href=href>{name}</a>
                <div class="muted small">
                    "#" {row.id} " · " <span class="mono">{short}</span> " · " {row.environment}
                    {(!row.author.is_empty()).then(|| format!(" · by {}", row.author))}
                </div>
            </th>
            <td>
                <DecisionBadge decision=row.decision />
                <ReviewState awaiting=row.awaiting_review kind=row.kind outcome=row.review_outcome />
            </td>
            <td>{row.service}</td>
            <td>{row.kind.label()}</td>
            <td class="mono small">{row.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
            <td class="small">
                {row.first_reason}
                {(row.reasons > 1).then(|| view! { <span class="muted">{format!(" (+{} more)", row.reasons - 1)}</span> })}
            </td>
        </tr>
    }
}

/// What a pipeline was told, as a coloured badge.
#[component]
pub fn DecisionBadge(decision: Decision) -> impl IntoView {
    let class = match decision {
        Decision::Allow => "badge badge-ok",
        Decision::Review => "badge badge-warn",
        Decision::Deny => "badge badge-error",
    };
    view! { <span class=class data-testid="change-decision">{decision.label()}</span> }
}

/// Where a change stands with its reviewers, under its decision.
#[component]
pub fn ReviewState(
    awaiting: bool,
    kind: ChangeKind,
    outcome: Option<ReviewOutcome>,
) -> impl IntoView {
    let text = match (awaiting, kind, outcome) {
        (true, ChangeKind::Emergency, _) => Some("review after the fact"),
        (true, _, _) => Some("awaiting review"),
        (false, _, Some(ReviewOutcome::Approved)) => Some("approved"),
        (false, _, Some(ReviewOutcome::Rejected)) => Some("rejected"),
        (false, _, None) => None,
    };
    text.map(|text| view! { <div class="muted small" data-testid="review-state">{text}</div> })
}

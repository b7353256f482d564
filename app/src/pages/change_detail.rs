//! One change (`/changes/:id`): what the pipeline reported, the gate's decision with each reason
//! and the records behind it, the pipeline's evidence, the review (and the form to give one), and
//! the deployments of its commit with any incident they caused.

use leptos::prelude::*;

use super::changes_list::{DecisionBadge, ReviewState};
use crate::api::changes::{ChangeDeployment, ChangeView, ReviewChange, get_change};
use crate::components::{
    DataTable, ErrorNotice, Field, FieldKind, Loaded, PageTitle, field_message, form_notice,
    resource, web_address,
};
use crate::pages::History;
use shared::domain::change::{Check, CheckStatus, Decision, Reason, ReviewOutcome};

/// How many of a change's paths the page lists before summing up the rest.
const PATHS_SHOWN: usize = 100;

/// Loads the change named in the address and shows it.
#[component]
pub fn ChangePage() -> impl IntoView {
    let id = super::route::record_id();
    let review = ServerAction::<ReviewChange>::new();
    let change = resource(id, get_change);
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                change.await.map(|change| view! { <ChangeDetail change review /> })
            })}
        </Loaded>
    }
}

#[component]
fn ChangeDetail(change: ChangeView, review: ServerAction<ReviewChange>) -> impl IntoView {
    let short = change.commit.chars().take(10).collect::<String>();
    let heading = if change.title.is_empty() {
        format!("Change {short} to {}", change.service)
    } else {
        change.title.clone()
    };
    let pull_request = change.pull_request.map(|number| {
        let text = format!("#{number}");
        match change.pull_request_url.as_deref().and_then(web_address) {
            Some(url) => {
                view! { <a href=url rel="external noopener noreferrer">{text}</a> }.into_any()
            }
            None => view! { <span>{text}</span> }.into_any(),
        }
    });
    let reviewed_by_gate = change.gate_decision != change.decision;
    view! {
        <PageTitle text=format!("Change #{}: {heading} · Postmortem", change.id) />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/changes">"Changes"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>{heading}</h1>
                <p class="muted">
                    "#" {change.id} " · " <span class="mono">{short}</span> " · "
                    {change.kind.label()} " change to " {change.environment.clone()}
                </p>
            </div>
        </div>
        <section class="panel" aria-labelledby="decision-heading" data-testid="change-decision-panel">
            <h2 id="decision-heading">"Decision"</h2>
            <p>
                <DecisionBadge decision=change.decision />
                {reviewed_by_gate.then(|| view! {
                    <span class="muted">{format!(" (the gate asked for review: {})", change.gate_decision.label().to_lowercase())}</span>
                })}
            </p>
            <ReviewState awaiting=change.awaiting_review kind=change.kind outcome=change.review.as_ref().map(|r| r.outcome) />
            <Reasons reasons=change.reasons.clone() decision=change.gate_decision />
        </section>
        <ReviewSection change=change.clone() review />
        <section class="panel" aria-labelledby="evidence-heading">
            <h2 id="evidence-heading">"The pipeline's evidence"</h2>
            <Checks checks=change.checks.clone() />
            <h3>"Paths"</h3>
            <Paths paths=change.paths.clone() />
            {(!change.labels.is_empty()).then(|| view! {
                <h3>"Labels"</h3>
                <p class="badges">{change.labels.iter().map(|l| view! { <span class="badge">{l.clone()}</span> " " }).collect_view()}</p>
            })}
        </section>
        <section class="panel" aria-labelledby="facts-heading">
            <h2 id="facts-heading">"Facts"</h2>
            <dl class="facts">
                <dt>"Service"</dt>
                <dd><a href=format!("/services/{}", change.service_slug)>{change.service.clone()}</a></dd>
                <dt>"Environment"</dt>
                <dd>{change.environment.clone()}</dd>
                <dt>"Commit"</dt>
                <dd class="mono">{change.commit.clone()}</dd>
                {(!change.branch.is_empty()).then(|| view! { <dt>"Branch"</dt><dd class="mono">{change.branch.clone()}</dd> })}
                {pull_request.map(|pr| view! { <dt>"Pull request"</dt><dd>{pr}</dd> })}
                {(!change.author.is_empty()).then(|| view! { <dt>"Author"</dt><dd>{change.author.clone()}</dd> })}
                <dt>"Reported"</dt>
                <dd>{format!("{} UTC by {}", change.created_at.format("%Y-%m-%d %H:%M"), change.reported_by)}</dd>
                <dt>"Decided by"</dt>
                <dd data-testid="change-policy">{match change.policy_version {
                    Some(v) => view! { <a href=format!("/policy/{v}")>{format!("Policy version {v}")}</a> }.into_any(),
                    None => view! { <a href="/policy">"The built-in default policy"</a> }.into_any(),
                }}</dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="deployments-heading">
            <h2 id="deployments-heading">"Deployments of this commit"</h2>
            <Deployments deployments=change.deployments.clone() />
        </section>
        <History entity_type="change" entity_id=change.id.to_string() />
    }
}

/// The reasons of the gate's decision, each with its rule and the records behind it.
#[component]
fn Reasons(reasons: Vec<Reason>, decision: Decision) -> impl IntoView {
    if reasons.is_empty() {
        let text = match decision {
            Decision::Allow => "No rule found anything to stop or review.",
            _ => "No reasons were given.",
        };
        return view! { <p class="muted">{text}</p> }.into_any();
    }
    view! {
        <ul class="reasons" data-testid="change-reasons">
            {reasons.into_iter().map(|reason| view! {
                <li>
                    {reason.message}
                    " " <span class="muted small mono">{format!("({})", reason.rule)}</span>
                    {reason.links.into_iter().filter(|l| is_app_path(l)).map(|link| {
                        let text = link.clone();
                        view! { " " <a href=link class="small">{text}</a> }
                    }).collect_view()}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// True for a link to a page of this app (what a policy's reasons link to).
fn is_app_path(link: &str) -> bool {
    link.starts_with('/') && !link.starts_with("//") && !link.contains('\\')
}

/// The review given, or the form to give one.
#[component]
fn ReviewSection(change: ChangeView, review: ServerAction<ReviewChange>) -> impl IntoView {
    let error = Signal::derive(move || review.value().get().and_then(Result::err));
    if let Some(given) = change.review {
        let class = match given.outcome {
            ReviewOutcome::Approved => "badge badge-ok",
            ReviewOutcome::Rejected => "badge badge-error",
        };
        return view! {
            <section class="panel" aria-labelledby="review-heading" data-testid="change-review">
                <h2 id="review-heading">"Review"</h2>
                <p>
                    <span class=class>{given.outcome.label()}</span>
                    {format!(" by {} on {} UTC", given.by, given.at.format("%Y-%m-%d %H:%M"))}
                </p>
                {(!given.comment.is_empty()).then(|| view! { <p class="review-comment">{given.comment}</p> })}
            </section>
        }
        .into_any();
    }
    if !change.awaiting_review {
        return ().into_any();
    }
    let lede = if change.decision == Decision::Review {
        "The pipeline waits for this review: approving lets the change go ahead, rejecting stops it."
    } else {
        "This emergency change went ahead; review it after the fact."
    };
    view! {
        <section class="panel" aria-labelledby="review-heading" data-testid="change-review">
            <h2 id="review-heading">"Review"</h2>
            <p>{lede}</p>
            {change.can_review.then(|| view! {
                <ErrorNotice error=form_notice(error) />
                <ActionForm action=review attr:class="form" attr:data-testid="review-form">
                    <input type="hidden" name="id" value=change.id />
                    <Field
                        field="comment"
                        label="Comment"
                        value=""
                        kind=FieldKind::Multiline
                        hint="What you checked; required when rejecting."
                        error=field_message(error, "comment")
                    />
                    <div class="form-actions">
                        <button type="submit" class="button primary" name="outcome" value="Approved">"Approve"</button>
                        <button type="submit" class="button" name="outcome" value="Rejected">"Reject"</button>
                    </div>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Checks(checks: Vec<Check>) -> impl IntoView {
    if checks.is_empty() {
        return view! { <p class="muted">"The pipeline reported no checks."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Check", "Result"]>
            {checks.into_iter().map(|check| {
                let class = match check.status {
                    CheckStatus::Success => "badge badge-ok",
                    CheckStatus::Failure => "badge badge-error",
                    CheckStatus::Pending => "badge badge-warn",
                    CheckStatus::Skipped => "badge badge-muted",
                };
                view! {
                    <tr data-testid="change-check">
                        <th scope="row">
                            {match check.url.as_deref().and_then(web_address) {
                                Some(url) => view! { <a href=url rel="external noopener noreferrer">{check.name.clone()}</a> }.into_any(),
                                None => view! { <span>{check.name.clone()}</span> }.into_any(),
                            }}
                        </th>
                        <td><span class=class>{check.status.label()}</span></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

#[component]
fn Paths(paths: Vec<String>) -> impl IntoView {
    if paths.is_empty() {
        return view! { <p class="muted">"The pipeline reported no paths."</p> }.into_any();
    }
    let more = paths.len().saturating_sub(PATHS_SHOWN);
    view! {
        <ul class="mono small paths">
            {paths.into_iter().take(PATHS_SHOWN).map(|p| view! { <li>{p}</li> }).collect_view()}
        </ul>
        {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more")}</p> })}
    }
    .into_any()
}

#[component]
fn Deployments(deployments: Vec<ChangeDeployment>) -> impl IntoView {
    if deployments.is_empty() {
        return view! { <p class="muted">"No deployment of this commit has been reported yet."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Deployed (UTC)", "Version", "Result", "Caused"]>
            {deployments.into_iter().map(|d| view! {
                <tr data-testid="change-deployment">
                    <td class="mono small">{d.deployed_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    <td class="mono">{d.version}</td>
                    <td>{d.status}</td>
                    <td class="small">
                        {d.incidents.into_iter().map(|(id, title)| view! {
                            <a href=format!("/incidents/{id}")>{format!("#{id} {title}")}</a><br />
                        }).collect_view()}
                    </td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

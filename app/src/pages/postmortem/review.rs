//! Step 6, review and publish: what is still missing, how many coach hints are open, the
//! approvals of this round, the workflow buttons, the history, and the exports. Rendered on the
//! server; the browser refreshes it whenever it is shown and something changed.

use leptos::prelude::*;

use super::items::hidden;
use crate::api::postmortems::PostmortemView;
use crate::domain::postmortem::{
    Completeness, NarrativeField, PostmortemStatus, Template, WorkflowAction, missing_sections,
};

/// What the document holds now.
fn completeness(view: &PostmortemView) -> Completeness {
    let filled = |f: NarrativeField| view.field(f).is_some_and(|v| !v.body.trim().is_empty());
    Completeness {
        summary: filled(NarrativeField::Summary),
        impact: filled(NarrativeField::Impact),
        visible_timeline_entries: view.timeline.iter().filter(|e| !e.hidden).count(),
        factors: view.factors.len(),
        learnings: filled(NarrativeField::WentWell)
            || filled(NarrativeField::WentBadly)
            || filled(NarrativeField::Lucky),
        action_items: view.actions.len(),
    }
}

/// Every coach hint still open in the document.
fn open_hints(view: &PostmortemView) -> usize {
    use super::coach::count_hints;
    let fields = count_hints(view.fields.iter().map(|v| v.body.as_str()));
    let factors = count_hints(view.factors.iter().flat_map(|f| {
        std::iter::once(f.description.as_str()).chain(f.whys.iter().map(String::as_str))
    }));
    let timeline = count_hints(
        view.timeline
            .iter()
            .filter(|e| !e.hidden)
            .map(|e| e.body.as_str()),
    );
    fields + factors + timeline
}

/// The hints are counted only when `count_hints`: the page leaves that to the browser's first
/// refresh of this part, which keeps a large document's page render quick.
pub fn part(view: &PostmortemView, count_hints: bool) -> impl IntoView + use<> {
    let missing = missing_sections(
        &Template {
            required: view.required.clone(),
        },
        &completeness(view),
    );
    let hints = match count_hints.then(|| open_hints(view)) {
        None => "Counting the blameless coach's hints…".to_owned(),
        Some(0) => "The blameless coach has no open hints.".to_owned(),
        Some(1) => "The blameless coach has 1 open hint: consider it before review.".to_owned(),
        Some(n) => format!("The blameless coach has {n} open hints: consider them before review."),
    };
    let meta = &view.meta;
    let status = meta.status;
    let approvals = format!(
        "{} of {} approval(s) this round{}",
        meta.approvers.len(),
        view.approvals_required,
        if meta.approvers.is_empty() {
            String::new()
        } else {
            format!(": {}", meta.approvers.join(", "))
        }
    );
    let button = |action: WorkflowAction, label: &'static str, primary: bool, enabled: bool| {
        view! {
            <button type="submit" name="action" value=action.as_str() class="button" class:primary=primary disabled=!enabled>{label}</button>
            " "
        }
    };
    let buttons = match status {
        PostmortemStatus::Draft => {
            button(WorkflowAction::SendToReview, "Send to review", true, true).into_any()
        }
        PostmortemStatus::InReview => view! {
            {button(WorkflowAction::Approve, "Approve", true, true)}
            {button(WorkflowAction::RequestChanges, "Request changes", false, true)}
            {button(WorkflowAction::Publish, "Publish", false, meta.can_publish)}
        }
        .into_any(),
        PostmortemStatus::Published => {
            button(WorkflowAction::Reopen, "Reopen", false, true).into_any()
        }
    };
    let history = meta
        .activity
        .iter()
        .map(|a| {
            let comment =
                (!a.comment.is_empty()).then(|| view! { ": " <q>{a.comment.clone()}</q> });
            view! {
                <li>
                    <time>{crate::domain::time_text::minute(a.at)}</time>
                    " " {a.action.replace('_', " ")} " by " {a.actor.clone()}
                    {comment}
                </li>
            }
        })
        .collect_view();
    let id = view.id;
    view! {
        <section class="review" data-testid="review">
            <p>"Status: " <strong data-testid="pm-status">{status.label()}</strong></p>
            <h3>"Required sections"</h3>
            {if missing.is_empty() {
                view! { <p data-testid="sections-complete">"Every required section is complete."</p> }.into_any()
            } else {
                view! { <ul data-testid="missing-sections">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul> }.into_any()
            }}
            <p data-testid="open-hints">{hints}</p>
            <h3>"Reviewers"</h3>
            <p data-testid="approvals">{approvals}</p>
            {view.can_edit.then(|| view! {
                <form method="post" action="/api/postmortems/workflow" class="form workflow" data-meeting-form>
                    {hidden("postmortem_id", id)}
                    <div class="field">
                        <label for="workflow-comment">{if status == PostmortemStatus::Published { "Why reopen it?" } else { "Comment (required to ask for changes)" }}</label>
                        <textarea id="workflow-comment" name="comment" rows="2"></textarea>
                    </div>
                    <div class="actions">{buttons}</div>
                </form>
            })}
            <h3>"History"</h3>
            <ol class="history" data-testid="pm-history">{history}</ol>
            <h3>"Export"</h3>
            <p>
                <a class="button" href=format!("/postmortems/{id}/export.md") download="" rel="external" data-testid="export-markdown">"Download Markdown"</a>
                " "
                <a class="button" href=format!("/postmortems/{id}/print") data-testid="printable">"Printable page"</a>
            </p>
        </section>
    }
}

//! Step 6, review and publish: what is still missing, how many coach hints are open, the
//! approvals of this round, the workflow buttons, the history, and the exports. Rendered on the
//! server; the browser refreshes it whenever it is shown and something changed.

use leptos::prelude::*;

use crate::components::marks::Mark;

use super::items::hidden;
use crate::api::postmortems::PostmortemView;
use shared::domain::postmortem::{
    Completeness, NarrativeField, PostmortemStatus, Step, Template, WorkflowAction, missing_by_step,
};

/// The steps whose content is there (what a required mark asks for), for the step tabs.
pub fn done_steps(view: &PostmortemView) -> Vec<Step> {
    let content = completeness(view);
    let everything = Template {
        required: Step::SECTIONS.to_vec(),
    };
    let missing: Vec<Step> = missing_by_step(&everything, &content)
        .into_iter()
        .map(|(step, _)| step)
        .collect();
    let mut done: Vec<Step> = Step::SECTIONS
        .into_iter()
        .filter(|step| !missing.contains(step))
        .collect();
    if view.meta.status == PostmortemStatus::Published {
        done.push(Step::Review);
    }
    done
}

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

/// Where the coach's open hints are: each place (a field, a factor, a timeline entry), the step
/// it is on, and how many hints it has.
fn open_hints(view: &PostmortemView) -> Vec<(String, Step, usize)> {
    use super::coach::count_hints;
    let fields = view.fields.iter().map(|v| {
        let count = count_hints([v.body.as_str()]);
        (v.field.label().to_owned(), v.field.step(), count)
    });
    let factors = view.factors.iter().map(|f| {
        let texts =
            std::iter::once(f.description.as_str()).chain(f.whys.iter().map(String::as_str));
        (
            format!("factor “{}”", f.title),
            Step::Factors,
            count_hints(texts),
        )
    });
    let timeline = view.timeline.iter().filter(|e| !e.hidden).map(|e| {
        let count = count_hints([e.body.as_str()]);
        (format!("timeline entry #{}", e.id), Step::Timeline, count)
    });
    fields
        .chain(factors)
        .chain(timeline)
        .filter(|(_, _, count)| *count > 0)
        .collect()
}

/// A link to a step of the meeting (the page opens on it, without following the facilitator).
fn step_link(step: Step, text: String) -> impl IntoView {
    view! { <a href=format!("?step={}", step.as_str()) data-step-link=step.as_str()>{text}</a> }
}

/// The hints are counted only when `count_hints`: the page leaves that to the browser's first
/// refresh of this part, which keeps a large document's page render quick.
pub fn part(view: &PostmortemView, count_hints: bool) -> impl IntoView + use<> {
    let missing = missing_by_step(
        &Template {
            required: view.required.clone(),
        },
        &completeness(view),
    );
    let hints = match count_hints.then(|| open_hints(view)) {
        None => view! { "Counting the blameless coach's hints…" }.into_any(),
        Some(places) if places.is_empty() => {
            view! { "The blameless coach has no open hints." }.into_any()
        }
        Some(places) => {
            let total: usize = places.iter().map(|(_, _, n)| n).sum();
            let lead = if total == 1 {
                "The blameless coach has 1 open hint; consider it before review:".to_owned()
            } else {
                format!("The blameless coach has {total} open hints; consider them before review:")
            };
            view! {
                {lead}
                <ul data-testid="hint-places">
                    {places.into_iter().map(|(place, step, n)| view! {
                        <li>{step_link(step, place)} " (" {n} ")"</li>
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    };
    let meta = &view.meta;
    let status = meta.status;
    let needed = view.approvals_required.max(1);
    let who = format!(
        "Anyone who may edit postmortems approves, except its author ({}): an approval is a second pair of eyes.",
        view.author
    );
    let approvals = match status {
        PostmortemStatus::Draft => {
            "Not in review: approvals are given once it is sent to review.".to_owned()
        }
        PostmortemStatus::InReview | PostmortemStatus::Published => format!(
            "{} of {needed} approval(s) {}{}",
            meta.approvers.len(),
            if status == PostmortemStatus::Published {
                "it was published with"
            } else {
                "in this review round"
            },
            if meta.approvers.is_empty() {
                String::new()
            } else {
                format!(": {}", meta.approvers.join(", "))
            }
        ),
    };
    // Why "Publish" cannot be pressed yet, said beside it.
    let publish_blocked = (status == PostmortemStatus::InReview && !meta.can_publish).then(|| {
        let missing = needed.saturating_sub(meta.approvers.len()).max(1);
        format!(
            "Publishing needs {needed} approval(s) from reviewers other than the author; {missing} more to go."
        )
    });
    let author_note = (view.reading_author && status == PostmortemStatus::InReview)
        .then_some("You started this postmortem, so you do not approve it: ask a colleague.");
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
            {button(WorkflowAction::Approve, "Approve", true, !view.reading_author)}
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
                    <time>{shared::domain::time_text::minute(a.at)}</time>
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
                view! { <ul data-testid="missing-sections">{missing.into_iter().map(|(step, m)| view! { <li>{step_link(step, m)}</li> }).collect_view()}</ul> }.into_any()
            }}
            <div data-testid="open-hints">{hints}</div>
            <h3>"Reviewers"</h3>
            <p data-testid="approvals">{approvals}</p>
            <p class="small muted" data-testid="who-approves">{who}</p>
            {view.can_edit.then(|| view! {
                <form {..Mark::MeetingForm.on()} method="post" action="/api/postmortems/workflow" class="form workflow">
                    {hidden("postmortem_id", id)}
                    <div class="field">
                        <label for="workflow-comment">{if status == PostmortemStatus::Published { "Why reopen it?" } else { "Comment (required to ask for changes)" }}</label>
                        <textarea id="workflow-comment" name="comment" rows="2"></textarea>
                    </div>
                    <div class="actions">{buttons}</div>
                    {author_note.map(|note| view! { <p class="small muted" data-testid="author-note">{note}</p> })}
                    {publish_blocked.map(|why| view! { <p class="small muted" data-testid="publish-blocked">{why}</p> })}
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

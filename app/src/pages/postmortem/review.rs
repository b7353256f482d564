//! Step 6, review and publish: what is still missing, how many coach hints are open, the
//! approvals of this round, the workflow buttons, the history, and the exports.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::coach::{count_hints, in_browser};
use super::items::{SaveErrors, messages};
use super::state::{Doc, use_doc};
use crate::api::postmortems::{LiveEvent, postmortem_workflow};
use crate::domain::postmortem::{
    Completeness, NarrativeField, PostmortemStatus, Template, WorkflowAction, missing_sections,
};

/// What the document holds now, as the browser sees it.
fn completeness(doc: &Doc) -> Completeness {
    let filled = |f: NarrativeField| doc.field(f).is_some_and(|v| !v.body.trim().is_empty());
    Completeness {
        summary: filled(NarrativeField::Summary),
        impact: filled(NarrativeField::Impact),
        visible_timeline_entries: doc
            .timeline
            .with(|t| t.iter().filter(|e| !e.hidden).count()),
        factors: doc.factors.with(Vec::len),
        learnings: filled(NarrativeField::WentWell)
            || filled(NarrativeField::WentBadly)
            || filled(NarrativeField::Lucky),
        action_items: doc.actions.with(Vec::len),
    }
}

/// Every coach hint still open in the document.
fn open_hints(doc: &Doc) -> usize {
    let fields = doc
        .fields
        .with(|f| count_hints(f.iter().map(|v| v.body.as_str())));
    let factors = doc.factors.with(|all| {
        all.iter()
            .map(|f| {
                count_hints(
                    std::iter::once(f.description.as_str())
                        .chain(f.whys.iter().map(String::as_str)),
                )
            })
            .sum::<usize>()
    });
    let timeline = doc
        .timeline
        .with(|t| count_hints(t.iter().filter(|e| !e.hidden).map(|e| e.body.as_str())));
    fields + factors + timeline
}

#[component]
pub fn ReviewStep() -> impl IntoView {
    let doc = use_doc();
    let template = Template {
        required: doc.fixed.with_value(|v| v.required.clone()),
    };
    let missing = Memo::new(move |_| missing_sections(&template, &completeness(&doc)));
    let in_browser = in_browser();
    let hints = Memo::new(move |_| in_browser.get().then(|| open_hints(&doc)));
    let comment = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let act = move |action: WorkflowAction| {
        busy.set(true);
        let text = comment.get_untracked();
        spawn_local(async move {
            match postmortem_workflow(doc.id, action.as_str().into(), text).await {
                Ok(meta) => {
                    doc.apply(LiveEvent::Meta(meta));
                    comment.set(String::new());
                    errors.set(vec![]);
                }
                Err(error) => errors.set(messages(&error)),
            }
            busy.set(false);
        });
    };
    let status = move || doc.meta.get().status;
    let required = doc.fixed.with_value(|v| v.approvals_required);
    let can_edit = doc.fixed.with_value(|v| v.can_edit);
    view! {
        <section class="review" data-testid="review">
            <p>"Status: " <strong data-testid="pm-status">{move || status().label()}</strong></p>
            <h3>"Required sections"</h3>
            {move || {
                let missing = missing.get();
                if missing.is_empty() {
                    view! { <p data-testid="sections-complete">"Every required section is complete."</p> }.into_any()
                } else {
                    view! { <ul data-testid="missing-sections">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul> }.into_any()
                }
            }}
            <p data-testid="open-hints">
                {move || match hints.get() {
                    None => "Counting the blameless coach's hints…".to_owned(),
                    Some(0) => "The blameless coach has no open hints.".to_owned(),
                    Some(1) => "The blameless coach has 1 open hint: consider it before review.".to_owned(),
                    Some(n) => format!("The blameless coach has {n} open hints: consider them before review."),
                }}
            </p>
            <h3>"Reviewers"</h3>
            <p data-testid="approvals">
                {move || {
                    let meta = doc.meta.get();
                    format!(
                        "{} of {required} approval(s) this round{}",
                        meta.approvers.len(),
                        if meta.approvers.is_empty() { String::new() } else { format!(": {}", meta.approvers.join(", ")) }
                    )
                }}
            </p>
            {can_edit.then(|| view! {
                <div class="form workflow">
                    <SaveErrors errors />
                    <label for="workflow-comment">{move || if status() == PostmortemStatus::Published { "Why reopen it?" } else { "Comment (required to ask for changes)" }}</label>
                    <textarea id="workflow-comment" rows="2" bind:value=comment></textarea>
                    <div class="actions">
                        {move || match status() {
                            PostmortemStatus::Draft => view! {
                                <button type="button" class="button primary" disabled=move || busy.get() on:click=move |_| act(WorkflowAction::SendToReview)>"Send to review"</button>
                            }.into_any(),
                            PostmortemStatus::InReview => view! {
                                <button type="button" class="button primary" disabled=move || busy.get() on:click=move |_| act(WorkflowAction::Approve)>"Approve"</button>
                                " "
                                <button type="button" class="button" disabled=move || busy.get() on:click=move |_| act(WorkflowAction::RequestChanges)>"Request changes"</button>
                                " "
                                <button type="button" class="button" disabled=move || busy.get() || !doc.meta.get().can_publish on:click=move |_| act(WorkflowAction::Publish)>"Publish"</button>
                            }.into_any(),
                            PostmortemStatus::Published => view! {
                                <button type="button" class="button" disabled=move || busy.get() on:click=move |_| act(WorkflowAction::Reopen)>"Reopen"</button>
                            }.into_any(),
                        }}
                    </div>
                </div>
            })}
            <h3>"History"</h3>
            <ol class="history" data-testid="pm-history">
                {move || doc.meta.get().activity.into_iter().map(|a| view! {
                    <li>
                        <time>{crate::domain::time_text::minute(a.at)}</time>
                        " " {a.action.replace('_', " ")} " by " {a.actor}
                        {(!a.comment.is_empty()).then(|| view! { ": " <q>{a.comment}</q> })}
                    </li>
                }).collect_view()}
            </ol>
            <h3>"Export"</h3>
            <p>
                <a class="button" href=format!("/postmortems/{}/export.md", doc.id) download="" rel="external" data-testid="export-markdown">"Download Markdown"</a>
                " "
                <a class="button" href=format!("/postmortems/{}/print", doc.id) data-testid="printable">"Printable page"</a>
            </p>
        </section>
    }
}

//! An incident's timeline on its page: the entries in the order they happened, a form to add one
//! (with a time that can be in the past), and per-entry edit and remove.

use crate::components::textarea_html;
use leptos::prelude::*;

use crate::api::incidents::{
    AddTimelineEntry, DeleteTimelineEntry, TimelineEntryView, UpdateTimelineEntry,
};
use crate::components::{Can, ErrorNotice, field_message, form_notice};
use shared::domain::incident::to_input_value;
use shared::domain::{Permission, TimelineKind};

/// The timeline's actions; the page reloads the incident when any of them completes.
#[derive(Clone, Copy)]
pub struct TimelineActions {
    add: ServerAction<AddTimelineEntry>,
    update: ServerAction<UpdateTimelineEntry>,
    delete: ServerAction<DeleteTimelineEntry>,
}

impl TimelineActions {
    pub fn new() -> Self {
        Self {
            add: ServerAction::new(),
            update: ServerAction::new(),
            delete: ServerAction::new(),
        }
    }

    /// Changes whenever an action completes.
    pub fn version(&self) -> usize {
        self.add.version().get() + self.update.version().get() + self.delete.version().get()
    }
}

impl Default for TimelineActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The timeline section.
#[component]
pub fn Timeline(
    incident_id: i64,
    entries: Vec<TimelineEntryView>,
    actions: TimelineActions,
) -> impl IntoView {
    let add_error = Signal::derive(move || actions.add.value().get().and_then(Result::err));
    let other_error = Signal::derive(move || {
        actions
            .update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.delete.value().get().and_then(Result::err))
    });
    let count = entries.len();
    view! {
        <section aria-labelledby="timeline-heading" class="timeline">
            <h2 id="timeline-heading">"Timeline " <span class="muted small">{format!("({count})")}</span></h2>
            <ErrorNotice error=form_notice(other_error) />
            <ol class="timeline-entries" data-testid="timeline">
                {entries
                    .into_iter()
                    .map(|entry| view! { <Entry entry actions error=other_error /> })
                    .collect_view()}
            </ol>
            <Can permission=Permission::EditIncidents>
                <details class="panel" open=count < 3>
                    <summary>"Add an entry"</summary>
                    <ActionForm action=actions.add attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="incident_id" value=incident_id />
                        <EntryFields prefix="new" kind=TimelineKind::Note occurred_at=String::new() body=String::new() error=add_error />
                        <button type="submit" class="button primary">"Add to timeline"</button>
                    </ActionForm>
                </details>
            </Can>
        </section>
    }
}

#[component]
fn Entry(
    entry: TimelineEntryView,
    actions: TimelineActions,
    error: Signal<Option<crate::api::ApiError>>,
) -> impl IntoView {
    let edit = entry.clone();
    view! {
        <li class=format!("timeline-entry kind-{}", entry.kind.as_str()) data-testid="timeline-entry">
            <div class="timeline-meta">
                <time class="mono small" datetime=entry.occurred_at.to_rfc3339()>
                    {entry.occurred_at.format("%Y-%m-%d %H:%M UTC").to_string()}
                </time>
                " "
                <span class="badge">{entry.kind.label()}</span>
                <span class="muted small">" · " {entry.author.clone()} {entry.edited.then_some(" · edited")}</span>
            </div>
            <div class="markdown" inner_html=entry.body_html.clone()></div>
            <Can permission=Permission::EditIncidents>
                <EntryEdit entry=edit.clone() actions error />
            </Can>
        </li>
    }
}

#[component]
fn EntryEdit(
    entry: TimelineEntryView,
    actions: TimelineActions,
    error: Signal<Option<crate::api::ApiError>>,
) -> impl IntoView {
    view! {
        <details class="entry-edit">
            <summary>"Edit"</summary>
            <ActionForm action=actions.update attr:class="form" attr:novalidate=true>
                <input type="hidden" name="id" value=entry.id />
                <input type="hidden" name="version" value=entry.version />
                <EntryFields
                    prefix=format!("entry-{}", entry.id)
                    kind=entry.kind
                    occurred_at=to_input_value(Some(entry.occurred_at))
                    body=entry.body
                    error
                />
                <button type="submit" class="button primary">"Save entry"</button>
            </ActionForm>
            <ActionForm action=actions.delete>
                <input type="hidden" name="id" value=entry.id />
                <button type="submit" class="button danger">"Remove entry"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn EntryFields(
    #[prop(into)] prefix: String,
    kind: TimelineKind,
    occurred_at: String,
    body: String,
    error: Signal<Option<crate::api::ApiError>>,
) -> impl IntoView {
    let kinds: Vec<TimelineKind> = if kind == TimelineKind::StatusChange {
        TimelineKind::ALL.to_vec()
    } else {
        TimelineKind::TYPED.to_vec()
    };
    let message = move |field: &'static str| field_message(error, field);
    let (kind_id, at_id, body_id) = (
        format!("{prefix}-kind"),
        format!("{prefix}-occurred-at"),
        format!("{prefix}-body"),
    );
    view! {
        <div class="form-grid">
            <div class="field">
                <label for=kind_id.clone()>"Kind"</label>
                <select id=kind_id name="entry[kind]">
                    {kinds
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str() selected=k == kind>{k.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field" class:has-error=move || message("occurred_at").get().is_some()>
                <label for=at_id.clone()>"When (UTC)"</label>
                <input id=at_id type="datetime-local" name="entry[occurred_at]" value=occurred_at />
                <p class="hint">"Empty means now."</p>
                {move || message("occurred_at").get().map(|m| view! { <p class="field-error" data-field="occurred_at">{m}</p> })}
            </div>
        </div>
        <div class="field" class:has-error=move || message("body").get().is_some()>
            <label for=body_id.clone()>"What happened"</label>
            <textarea id=body_id name="entry[body]" rows="3" inner_html=textarea_html(&body)></textarea>
            {move || message("body").get().map(|m| view! { <p class="field-error" data-field="body">{m}</p> })}
        </div>
    }
}

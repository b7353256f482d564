//! Step 2, the timeline: imported from the incidents, curated by the group (keep, hide, edit,
//! add, mark the moments of detection, diagnosis and mitigation), with durations recomputed.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::items::{ItemConflict, SaveErrors, messages};
use super::state::use_doc;
use crate::api::postmortems::{
    LiveEvent, PmTimelineView, Saved, delete_pm_timeline_entry, save_pm_timeline_entry,
    set_pm_timeline_hidden,
};
use crate::domain::incident::format_duration;
use crate::domain::postmortem::{Moment, PmTimelineForm, moment_durations};
use crate::domain::time_text;

#[component]
pub fn TimelineStep() -> impl IntoView {
    let doc = use_doc();
    let durations = Memo::new(move |_| {
        let marks: Vec<_> = doc.timeline.with(|t| {
            t.iter()
                .map(|e| (e.moment, e.occurred_at, e.hidden))
                .collect()
        });
        moment_durations(&marks, doc.fixed.with_value(|v| v.impact_started_at))
    });
    let shown = |d: Option<chrono::Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    let adding = RwSignal::new(false);
    view! {
        <dl class="durations" data-testid="pm-durations">
            <div><dt>"Impact started"</dt><dd>{move || durations.get().impact_started_at.map(|a| format!("{} UTC", time_text::minute(a))).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Time to detect"</dt><dd data-testid="to-detect">{move || shown(durations.get().to_detect)}</dd></div>
            <div><dt>"Time to diagnose"</dt><dd data-testid="to-diagnose">{move || shown(durations.get().to_diagnose)}</dd></div>
            <div><dt>"Time to mitigate"</dt><dd data-testid="to-mitigate">{move || shown(durations.get().to_mitigate)}</dd></div>
        </dl>
        <ol class="pm-timeline" data-testid="pm-timeline">
            <For each=move || doc.timeline.get() key=|e| (e.id, e.version) let:entry>
                <TimelineRow entry />
            </For>
        </ol>
        <Show when=move || doc.editable()>
            <Show
                when=move || adding.get()
                fallback=move || view! { <button type="button" class="button" on:click=move |_| adding.set(true)>"Add an entry"</button> }
            >
                <TimelineEditor existing=None on_done=Callback::new(move |_| adding.set(false)) />
            </Show>
        </Show>
    }
}

#[component]
fn TimelineRow(entry: PmTimelineView) -> impl IntoView {
    let doc = use_doc();
    let editing = RwSignal::new(false);
    let note = RwSignal::new(None::<String>);
    let id = entry.id;
    let version = entry.version;
    let hidden = entry.hidden;
    let form = StoredValue::new(entry.to_form());
    let current_moment = entry.moment;
    let imported = entry.imported;
    let quick = move |result: Result<Saved<PmTimelineView>, crate::api::ApiError>| match result {
        Ok(Saved::Saved(view)) => doc.apply(LiveEvent::Timeline(view)),
        Ok(Saved::Conflict(theirs)) => {
            note.set(Some(format!(
                "{} changed this entry first; this is their version.",
                theirs.updated_by
            )));
            doc.apply(LiveEvent::Timeline(theirs));
        }
        Err(error) => note.set(Some(error.to_string())),
    };
    let set_moment = move |moment: String| {
        let form = PmTimelineForm {
            moment,
            ..form.get_value()
        };
        spawn_local(async move { quick(save_pm_timeline_entry(doc.id, id, version, form).await) });
    };
    let toggle_hidden = move |_| {
        spawn_local(async move { quick(set_pm_timeline_hidden(id, version, !hidden).await) });
    };
    let remove = move |_| {
        spawn_local(async move {
            match delete_pm_timeline_entry(id).await {
                Ok(()) => doc.apply(LiveEvent::TimelineRemoved(id)),
                Err(error) => note.set(Some(error.to_string())),
            }
        });
    };
    let entry_for_edit = entry.clone();
    view! {
        <li class="pm-entry" class:hidden-entry=hidden data-testid="pm-entry">
            <Show
                when=move || editing.get()
                fallback=move || {
                    let entry = entry.clone();
                    view! {
                        <time>{time_text::minute(entry.occurred_at)}</time>
                        {(entry.moment != Moment::Unmarked).then(|| view! { <span class="badge badge-moment">{entry.moment.label()}</span> })}
                        {entry.hidden.then(|| view! { <span class="badge">"Hidden"</span> })}
                        <span class="pm-entry-body">{entry.body.clone()}</span>
                        <Show when=move || doc.editable()>
                            <span class="pm-entry-actions">
                                <label class="visually-hidden" for=format!("moment-{id}")>"Moment"</label>
                                <select id=format!("moment-{id}") data-testid="moment-select" on:change=move |ev| set_moment(event_target_value(&ev))>
                                    {Moment::ALL.iter().map(|m| view! {
                                        <option value=m.as_str() selected=*m == current_moment>{if *m == Moment::Unmarked { "Mark a moment…" } else { m.label() }}</option>
                                    }).collect_view()}
                                </select>
                                <button type="button" class="button small" on:click=move |_| editing.set(true)>"Edit"</button>
                                <button type="button" class="button small" on:click=toggle_hidden>{if hidden { "Show" } else { "Hide" }}</button>
                                {(!imported).then(|| view! { <button type="button" class="button small danger" on:click=remove>"Remove"</button> })}
                            </span>
                        </Show>
                    }
                }
            >
                <TimelineEditor existing=Some(entry_for_edit.clone()) on_done=Callback::new(move |_| editing.set(false)) />
            </Show>
            {move || note.get().map(|n| view! { <p class="small muted" role="status">{n}</p> })}
        </li>
    }
}

#[component]
fn TimelineEditor(existing: Option<PmTimelineView>, on_done: Callback<()>) -> impl IntoView {
    let doc = use_doc();
    let form = existing
        .as_ref()
        .map(PmTimelineView::to_form)
        .unwrap_or_default();
    let id = existing.as_ref().map(|e| e.id).unwrap_or(0);
    let version = RwSignal::new(existing.as_ref().map(|e| e.version).unwrap_or(0));
    let occurred_at = RwSignal::new(form.occurred_at);
    let body = RwSignal::new(form.body);
    let moment = RwSignal::new(form.moment);
    let errors = RwSignal::new(Vec::<String>::new());
    let conflict = RwSignal::new(None::<PmTimelineView>);
    let save = move || {
        let form = PmTimelineForm {
            occurred_at: occurred_at.get_untracked(),
            body: body.get_untracked(),
            moment: moment.get_untracked(),
        };
        spawn_local(async move {
            match save_pm_timeline_entry(doc.id, id, version.get_untracked(), form).await {
                Ok(Saved::Saved(view)) => {
                    doc.apply(LiveEvent::Timeline(view));
                    errors.set(vec![]);
                    if id == 0 {
                        body.set(String::new());
                    }
                    on_done.run(());
                }
                Ok(Saved::Conflict(theirs)) => {
                    doc.apply(LiveEvent::Timeline(theirs.clone()));
                    conflict.set(Some(theirs));
                }
                Err(error) => errors.set(messages(&error)),
            }
        });
    };
    let theirs = Signal::derive(move || {
        conflict.get().map(|t| {
            (
                t.updated_by.clone(),
                format!("{} — {}", time_text::minute(t.occurred_at), t.body),
            )
        })
    });
    let keep_mine = Callback::new(move |_| {
        if let Some(t) = conflict.get_untracked() {
            version.set(t.version);
            conflict.set(None);
            save();
        }
    });
    let use_theirs = Callback::new(move |_| {
        if let Some(t) = conflict.get_untracked() {
            let form = t.to_form();
            occurred_at.set(form.occurred_at);
            body.set(form.body);
            moment.set(form.moment);
            version.set(t.version);
            conflict.set(None);
        }
    });
    let prefix = if id == 0 {
        "new-entry".to_owned()
    } else {
        format!("entry-{id}")
    };
    view! {
        <form class="form item-editor" data-testid="timeline-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <SaveErrors errors />
            <ItemConflict theirs keep_mine use_theirs />
            <div class="row">
                <label for=format!("{prefix}-at")>"When (UTC)"</label>
                <input id=format!("{prefix}-at") type="datetime-local" name="occurred_at" bind:value=occurred_at required />
                <label for=format!("{prefix}-moment")>"Moment"</label>
                <select id=format!("{prefix}-moment") name="moment" on:change=move |ev| moment.set(event_target_value(&ev))>
                    {Moment::ALL.iter().map(|m| view! { <option value=m.as_str() selected=move || moment.get() == m.as_str()>{m.label()}</option> }).collect_view()}
                </select>
            </div>
            <label for=format!("{prefix}-body")>"What happened"</label>
            <textarea id=format!("{prefix}-body") name="body" rows="2" bind:value=body></textarea>
            <button type="submit" class="button primary">{if id == 0 { "Add entry" } else { "Save entry" }}</button>
            " "
            <button type="button" class="button" on:click=move |_| on_done.run(())>"Cancel"</button>
        </form>
    }
}

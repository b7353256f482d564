//! Step 2, the timeline: imported from the incidents, curated by the group (keep, hide, edit,
//! add, mark the moments of detection, diagnosis and mitigation), with durations recomputed.
//! Rendered on the server; the browser refreshes it when someone changes it.

use crate::components::textarea_html;
use leptos::prelude::*;

use crate::components::marks::Mark;

use super::items::{conflict_notice, edit, editor, hidden, remove_form, save_buttons};
use super::parts::Part;
use crate::api::postmortems::{PmTimelineView, PostmortemView};
use shared::domain::incident::{TimelineKind, format_duration};
use shared::domain::postmortem::{Moment, PmTimelineForm};
use shared::domain::time_text;

const SAVE: &str = "/api/postmortems/timeline/save";

/// The durations, the curated entries, and (for editors) a way to add one.
pub fn part(view: &PostmortemView, open: Option<&str>) -> impl IntoView + use<> {
    let durations = view.durations();
    let shown = |d: Option<chrono::Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    let editable = super::editable(view);
    let pm = view.id;
    let started = durations
        .impact_started_at
        .map(|a| format!("{} UTC", time_text::minute(a)))
        .unwrap_or_else(|| "—".into());
    view! {
        <dl class="durations" data-testid="pm-durations">
            <div><dt>"Impact started"</dt><dd>{started}</dd></div>
            <div><dt>"Time to detect"</dt><dd data-testid="to-detect">{shown(durations.to_detect)}</dd></div>
            <div><dt>"Time to diagnose"</dt><dd data-testid="to-diagnose">{shown(durations.to_diagnose)}</dd></div>
            <div><dt>"Time to mitigate"</dt><dd data-testid="to-mitigate">{shown(durations.to_mitigate)}</dd></div>
        </dl>
        <ol class="pm-timeline" data-testid="pm-timeline">
            {view.timeline.iter().map(|entry| row(pm, entry, editable, open)).collect_view()}
        </ol>
        {editable.then(|| editor("add-timeline".into(), "Add an entry", entry_form(pm, None).into_any(), false))}
    }
}

fn row(
    pm: i64,
    entry: &PmTimelineView,
    editable: bool,
    open: Option<&str>,
) -> impl IntoView + use<> {
    let id = entry.id;
    let form = entry.to_form();
    let tools = editable.then(|| {
        let moment_form = form.clone();
        view! {
            <span class="pm-entry-actions">
                <form {..Mark::MeetingForm.on()} method="post" action=SAVE class="inline">
                    {hidden("postmortem_id", pm)}
                    {hidden("id", id)}
                    {hidden("version", entry.version)}
                    {hidden("entry[occurred_at]", moment_form.occurred_at)}
                    {hidden("entry[kind]", moment_form.kind)}
                    {hidden("entry[body]", moment_form.body)}
                    <label class="visually-hidden" for=format!("moment-{id}")>"Moment"</label>
                    <select {..Mark::Autosubmit.on()} id=format!("moment-{id}") name="entry[moment]" data-testid="moment-select">
                        {moment_options(&form.moment, "Mark a moment…")}
                    </select>
                </form>
                <form {..Mark::MeetingForm.on()} method="post" action="/api/postmortems/timeline/hide" class="inline">
                    {hidden("id", id)}
                    {hidden("version", entry.version)}
                    {hidden("hidden", !entry.hidden)}
                    <button type="submit" class="button small">{if entry.hidden { "Show" } else { "Hide" }}</button>
                </form>
                {(!entry.imported).then(|| remove_form("/api/postmortems/timeline/delete", id))}
            </span>
            {edit(&Part::Timeline.item_key(id), open, || entry_form(pm, Some(entry)).into_any())}
        }
    });
    view! {
        <li class=format!("pm-entry kind-{}", entry.kind.as_str()) class:hidden-entry=entry.hidden data-testid="pm-entry" id=Part::Timeline.item_key(id)>
            <time>{time_text::minute(entry.occurred_at)}</time>
            " #" {id} " "
            <span class="badge" data-testid="pm-entry-kind">{entry.kind.label()}</span>
            {(entry.moment != Moment::Unmarked).then(|| view! { " " <span class="badge badge-moment">{entry.moment.label()}</span> })}
            {entry.hidden.then(|| view! { " " <span class="badge">"Hidden"</span> })}
            // The body's Markdown, rendered and sanitised as on the incident's page.
            <div class="pm-entry-body markdown" inner_html=entry.html.clone()></div>
            {tools}
        </li>
    }
}

/// The editor of entry `id`, opened.
#[cfg(feature = "ssr")]
pub fn entry_editor(view: &PostmortemView, id: i64) -> Option<AnyView> {
    let entry = view.timeline.iter().find(|e| e.id == id)?;
    Some(super::items::opened(
        &Part::Timeline.item_key(id),
        entry_form(view.id, Some(entry)).into_any(),
    ))
}

fn moment_options(current: &str, unmarked: &'static str) -> impl IntoView + use<> {
    Moment::ALL
        .iter()
        .map(|m| {
            let label = if *m == Moment::Unmarked {
                unmarked
            } else {
                m.label()
            };
            view! { <option value=m.as_str() selected=m.as_str() == current>{label}</option> }
        })
        .collect_view()
}

/// The kinds an entry may be given (status changes are written by the app, and kept as they are).
fn kind_options(current: &str) -> impl IntoView + use<> {
    let current = TimelineKind::parse(current).unwrap_or(TimelineKind::Note);
    let mut kinds = TimelineKind::TYPED.to_vec();
    if current == TimelineKind::StatusChange {
        kinds.insert(0, TimelineKind::StatusChange);
    }
    kinds
        .into_iter()
        .map(|k| view! { <option value=k.as_str() selected=k == current>{k.label()}</option> })
        .collect_view()
}

/// The editor of one entry, or of a new one (`None`).
fn entry_form(pm: i64, existing: Option<&PmTimelineView>) -> impl IntoView + use<> {
    let form = existing
        .map(PmTimelineView::to_form)
        .unwrap_or_else(|| PmTimelineForm {
            moment: Moment::Unmarked.as_str().into(),
            ..Default::default()
        });
    let id = existing.map(|e| e.id).unwrap_or(0);
    let p = if id == 0 {
        "new-entry".to_owned()
    } else {
        format!("entry-{id}")
    };
    view! {
        <form {..Mark::MeetingForm.on()} method="post" action=SAVE class="form item-editor" data-testid="timeline-editor">
            {hidden("postmortem_id", pm)}
            {hidden("id", id)}
            {hidden("version", existing.map(|e| e.version).unwrap_or(0))}
            {conflict_notice()}
            <div class="row">
                <div class="field">
                    <label for=format!("{p}-at")>"When (UTC)"</label>
                    <input id=format!("{p}-at") type="datetime-local" name="entry[occurred_at]" value=form.occurred_at required />
                </div>
                <div class="field">
                    <label for=format!("{p}-moment")>"Moment"</label>
                    <select id=format!("{p}-moment") name="entry[moment]">{moment_options(&form.moment, Moment::Unmarked.label())}</select>
                </div>
            </div>
            <div class="field">
                <label for=format!("{p}-kind")>"Kind"</label>
                <select id=format!("{p}-kind") name="entry[kind]">{kind_options(&form.kind)}</select>
            </div>
            <div class="field">
                <label for=format!("{p}-body")>"What happened"</label>
                <textarea {..Mark::Coach.on()} id=format!("{p}-body") name="entry[body]" rows="2" inner_html=textarea_html(&form.body)></textarea>
            </div>
            <div {..Mark::CoachOut.on()}></div>
            {save_buttons(if id == 0 { "Add entry" } else { "Save entry" })}
        </form>
    }
}

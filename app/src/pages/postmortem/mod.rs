//! The postmortem meeting: one document in six guided steps, live for everyone who has it open.
//! The page is rendered on the server; its interactive parts are the meeting bar (live
//! connection, presence, the facilitator's step and the steps) and one editor per narrative
//! field, both islands. The timeline, causal board, action items and review are plain
//! server-rendered parts with forms, which the browser sends in the background and renders anew
//! when anyone changes them.

mod actions;
mod bar;
mod client;
mod coach;
mod factors;
mod field;
mod items;
mod live;
mod parts;
mod review;
mod timeline;

use crate::components::Loaded;
use crate::components::PageTitle;
use leptos::prelude::*;

use crate::components::marks::Mark;
use leptos_router::hooks::use_query_map;

pub use self::parts::{Part, PostmortemEditor, PostmortemPart};
use crate::api::postmortems::{PostmortemView, get_postmortem};
use crate::components::resource;
use shared::domain::postmortem::{NarrativeField, Step};

/// Loads the postmortem named in the address and opens the meeting.
#[component]
pub fn PostmortemPage() -> impl IntoView {
    let id = crate::pages::route::record_id();
    let postmortem = resource(id, get_postmortem);
    // `?edit=timeline-12`: the page opens with that item's editor (how "Edit" works without
    // JavaScript; in the meeting the browser fetches the editor in place).
    let editing = use_query_map().read_untracked().get("edit");
    // `?step=factors`: the page opens on that step (links from the review step use it).
    let asked_step = use_query_map()
        .read_untracked()
        .get("step")
        .and_then(|s| Step::parse(&s));
    let editing = StoredValue::new(editing);
    view! {
        <Loaded>
            {move || {
                let editing = editing.get_value();
                Suspend::new(async move {
                postmortem.await.map(|view| view! {
                    <PageTitle text=format!("Postmortem #{}: {} · Postmortem", view.id, view.title) />
                    <Meeting view editing asked_step />
                })
            })
            }}
        </Loaded>
    }
}

/// True when the person reading may change the document now (not published).
fn editable(view: &PostmortemView) -> bool {
    view.can_edit && shared::domain::postmortem::editable(view.meta.status)
}

/// The meeting page: the header, the meeting bar and the steps' panels, the facilitator's shown.
#[component]
fn Meeting(
    view: PostmortemView,
    editing: Option<String>,
    asked_step: Option<Step>,
) -> impl IntoView {
    let problems = (!view.problems.is_empty()).then(|| {
        view! {
            <p class="small" data-testid="pm-problems">
                "Problems: "
                {view.problems.iter().map(|(id, title, state)| view! {
                    <a href=format!("/problems/{id}")>"#" {*id} " " {title.clone()}</a>
                    " " <span class="badge">{state.label()}</span> " "
                }).collect_view()}
            </p>
        }
    });
    // The step of the item whose editor was asked for, or the step asked for, or the
    // facilitator's. Shown anywhere but the facilitator's step, the page does not follow them.
    let shown = editing
        .as_deref()
        .and_then(Part::of_item)
        .map(|(part, _)| part.step())
        .or(asked_step)
        .unwrap_or(view.facilitator_step);
    let panels = Step::ALL.iter().map(|&step| {
        view! {
            <section {..Mark::StepPanel.valued(step.as_str())} class="step-panel" hidden=step != shown data-testid=format!("panel-{}", step.as_str())>
                <h2>{step.number()} ". " {step.label()}</h2>
                <p class="help muted">{step.help()}</p>
                {step_content(step, &view, editing.as_deref())}
            </section>
        }
    }).collect_view();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/postmortems">"Postmortems"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1><span class="muted">"Postmortem #" {view.id} " "</span>{view.title.clone()}</h1>
                <p class="badges">
                    <span class="badge" data-testid="pm-status-badge">{view.meta.status.label()}</span>
                    " " <span class="badge">{view.severity.to_string()}</span>
                    " Incidents: "
                    {view.incidents.iter().map(|i| view! {
                        <a href=format!("/incidents/{}", i.id) data-testid="pm-incident">"#" {i.id} " " {i.title.clone()}</a>
                        " "
                    }).collect_view()}
                </p>
                {problems}
            </div>
        </div>
        <bar::MeetingBar
            postmortem=view.id
            can_edit=view.can_edit
            status=view.meta.status
            step=view.facilitator_step
            shown
            done=review::done_steps(&view)
            facilitator=view.facilitator.clone()
            last_event=view.last_event_id
            required=view.required.clone()
        />
        {panels}
    }
}

fn step_content(step: Step, view: &PostmortemView, editing: Option<&str>) -> AnyView {
    let part = |part: Part, content: AnyView| {
        view! { <div {..Mark::Part.valued(part.as_str())}>{content}</div> }.into_any()
    };
    match step {
        Step::Summary | Step::Learnings => {
            let editable = editable(view);
            NarrativeField::of_step(step)
                .into_iter()
                .map(|field| {
                    let saved = view.field(field);
                    view! {
                        <field::NarrativeEditor
                            postmortem=view.id
                            field
                            body=saved.map(|f| f.body.clone()).unwrap_or_default()
                            version=saved.map(|f| f.version).unwrap_or_default()
                            html=saved.map(|f| f.html.clone()).unwrap_or_default()
                            editable
                        />
                    }
                })
                .collect_view()
                .into_any()
        }
        Step::Timeline => part(Part::Timeline, timeline::part(view, editing).into_any()),
        Step::Factors => part(Part::Factors, factors::part(view, editing).into_any()),
        Step::Actions => part(Part::Actions, actions::part(view, editing).into_any()),
        Step::Review => part(Part::Review, review::part(view, false).into_any()),
    }
}

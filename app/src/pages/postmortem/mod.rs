//! The postmortem meeting: one document in six guided steps, live for everyone who has it open.
//! The facilitator's step is shown to all, and followers move with it.

mod actions;
mod coach;
mod factors;
mod field;
mod items;
mod live;
mod review;
mod state;
mod timeline;

use leptos::prelude::*;

use crate::components::{JsonText, resource};
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use self::state::{Connection, Doc};
use crate::api::postmortems::{PostmortemView, facilitate, get_postmortem};
use crate::components::ErrorsView;
use crate::domain::postmortem::{NarrativeField, Step};

/// Loads the postmortem named in the address and opens the meeting.
#[component]
pub fn PostmortemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let postmortem = resource(id, get_postmortem);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>
                {move || Suspend::new(async move {
                    postmortem.await.map(|view| view! {
                        <Title text=format!("Postmortem #{}: {} · Postmortem", view.id, view.title) />
                        <Meeting view=JsonText(view) />
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The meeting itself: the one interactive part of the page, hydrated in the browser.
#[island]
fn Meeting(view: JsonText<PostmortemView>) -> impl IntoView {
    let JsonText(view) = view;
    let doc = Doc::new(view.clone());
    provide_context(doc);
    live::connect(doc);
    let follow = RwSignal::new(true);
    let lead = RwSignal::new(false);
    let mine = RwSignal::new(view.facilitator_step);
    // Followers go where the facilitator goes.
    Effect::new(move |_| {
        let (step, _) = doc.facilitator.get();
        if follow.get_untracked() && !lead.get_untracked() {
            mine.set(step);
        }
    });
    let go = move |step: Step| {
        mine.set(step);
        if lead.get_untracked() {
            spawn_local(async move {
                let _ = facilitate(doc.id, step.as_str().into()).await;
            });
        } else if doc.facilitator.get_untracked().0 != step {
            follow.set(false);
        }
    };
    let required = view.required.clone();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/postmortems">"Postmortems"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1><span class="muted">"Postmortem #" {view.id} " "</span>{view.title.clone()}</h1>
                <p class="badges">
                    <span class="badge" data-testid="pm-status-badge">{move || doc.meta.get().status.label()}</span>
                    " " <span class="badge">{view.severity.to_string()}</span>
                    " Incidents: "
                    {view.incidents.iter().map(|i| view! {
                        <a href=format!("/incidents/{}", i.id) data-testid="pm-incident">"#" {i.id} " " {i.title.clone()}</a>
                        " "
                    }).collect_view()}
                </p>
                {(!view.problems.is_empty()).then(|| view! {
                    <p class="small" data-testid="pm-problems">
                        "Problems: "
                        {view.problems.iter().map(|(id, title, state)| view! {
                            <a href=format!("/problems/{id}")>"#" {*id} " " {title.clone()}</a>
                            " " <span class="badge">{state.label()}</span> " "
                        }).collect_view()}
                    </p>
                })}
            </div>
        </div>
        <section class="meeting-bar" aria-label="Meeting">
            <span class="connection" data-testid="connection" data-state=move || format!("{:?}", doc.connection.get()).to_lowercase()>
                {move || match doc.connection.get() {
                    Connection::Connecting => "Connecting…",
                    Connection::Live => "● Live",
                    Connection::Reconnecting => "Reconnecting… (your saves still go through)",
                    Connection::SignedOut => "Signed out: nothing is saved until you sign in again (what you type here is kept)",
                }}
            </span>
            <Show when=move || doc.connection.get() == Connection::SignedOut>
                <a href=format!("/sign-in?next=/postmortems/{}", doc.id) data-testid="sign-in-again">"Sign in again"</a>
            </Show>
            <span data-testid="presence">
                "Here: " {move || doc.present.get().join(", ")}
            </span>
            <span data-testid="facilitator">
                {move || {
                    let (step, by) = doc.facilitator.get();
                    format!("{by} is facilitating: step {} — {}", step.number(), step.label())
                }}
            </span>
            <label><input type="checkbox" data-testid="follow" prop:checked=move || follow.get() on:change=move |ev| {
                let on = event_target_checked(&ev);
                follow.set(on);
                if on { mine.set(doc.facilitator.get_untracked().0); }
            } /> " Follow the facilitator"</label>
            {view.can_edit.then(|| view! {
                <label><input type="checkbox" data-testid="lead" prop:checked=move || lead.get() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    lead.set(on);
                    if on {
                        let step = mine.get_untracked();
                        spawn_local(async move { let _ = facilitate(doc.id, step.as_str().into()).await; });
                    }
                } /> " I'm facilitating"</label>
            })}
        </section>
        <nav class="steps" aria-label="Steps">
            <ol>
                {Step::ALL.iter().map(|step| {
                    let step = *step;
                    let needed = required.contains(&step);
                    view! {
                        <li>
                            <button
                                type="button"
                                class="step"
                                class:current=move || mine.get() == step
                                class:facilitated=move || doc.facilitator.get().0 == step
                                aria-current=move || (mine.get() == step).then_some("step")
                                data-testid=format!("step-{}", step.as_str())
                                on:click=move |_| go(step)
                            >
                                {step.number()} ". " {step.label()}
                                {needed.then_some(" *")}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
        {Step::ALL.iter().map(|step| {
            let step = *step;
            view! {
                <section class="step-panel" hidden=move || mine.get() != step data-testid=format!("panel-{}", step.as_str())>
                    <h2>{step.number()} ". " {step.label()}</h2>
                    <p class="help muted">{step.help()}</p>
                    {step_content(step)}
                </section>
            }
        }).collect_view()}
    }
}

fn step_content(step: Step) -> AnyView {
    match step {
        Step::Summary | Step::Learnings => NarrativeField::of_step(step)
            .into_iter()
            .map(|field| view! { <field::NarrativeEditor field /> })
            .collect_view()
            .into_any(),
        Step::Timeline => view! { <timeline::TimelineStep /> }.into_any(),
        Step::Factors => view! { <factors::FactorsStep /> }.into_any(),
        Step::Actions => view! { <actions::ActionsStep /> }.into_any(),
        Step::Review => view! { <review::ReviewStep /> }.into_any(),
    }
}

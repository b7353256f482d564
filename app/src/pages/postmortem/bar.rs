//! The meeting bar and the steps: the live connection's state, who is here, the facilitator's
//! step with "follow" (on by default) and "I'm facilitating". An island; the steps' panels are
//! rendered on the server and shown or hidden from here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::postmortems::facilitate;
use shared::domain::postmortem::{PostmortemStatus, Step};

/// Whether the live connection is up.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
    /// The server refused the connection because the session ended: saves fail until the person
    /// signs in again (the page keeps trying, and what they type is kept in the browser).
    SignedOut,
}

/// The meeting as this page takes part in it.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy)]
pub struct Room {
    pub id: i64,
    /// The status the page was rendered with: when a change of status makes the document
    /// read-only or editable again, the page is rendered anew.
    pub rendered_as: PostmortemStatus,
    pub connection: RwSignal<Connection>,
    pub present: RwSignal<Vec<String>>,
    pub facilitator: RwSignal<(Step, String)>,
    /// The newest live event this page has, so a new connection asks for what came after.
    pub last_event: RwSignal<i64>,
    /// The step this person looks at.
    pub mine: RwSignal<Step>,
}

#[island]
pub fn MeetingBar(
    postmortem: i64,
    can_edit: bool,
    status: PostmortemStatus,
    /// The facilitator's step.
    step: Step,
    /// The step the page shows (the facilitator's, unless another was asked for).
    shown: Step,
    /// The steps whose content is there, marked done on their tabs.
    done: Vec<Step>,
    /// Who leads the steps; empty until someone ticks "I'm facilitating".
    facilitator: String,
    last_event: i64,
    required: Vec<Step>,
) -> impl IntoView {
    let room = Room {
        id: postmortem,
        rendered_as: status,
        connection: RwSignal::new(Connection::Connecting),
        present: RwSignal::new(Vec::new()),
        facilitator: RwSignal::new((step, facilitator)),
        last_event: RwSignal::new(last_event),
        mine: RwSignal::new(shown),
    };
    super::live::connect(room);
    super::client::listen(room);
    // Following the facilitator unless the page was opened on another step (a link to a step,
    // an item's editor), which would otherwise be taken away at once.
    let follow = RwSignal::new(shown == step);
    let lead = RwSignal::new(false);
    let mine = room.mine;
    // Followers go where the facilitator goes.
    Effect::new(move |_| {
        let (step, _) = room.facilitator.get();
        if follow.get_untracked() && !lead.get_untracked() {
            mine.set(step);
        }
    });
    Effect::new(move |_| super::client::show_step(room, mine.get()));
    // The facilitator's steps are sent one at a time, the newest last: two requests in flight
    // could otherwise land in the wrong order and leave the followers on an earlier step.
    let wanted = StoredValue::new(None::<Step>);
    let sending = StoredValue::new(false);
    let tell = move |step: Step| {
        wanted.set_value(Some(step));
        if sending.get_value() {
            return;
        }
        sending.set_value(true);
        spawn_local(async move {
            while let Some(step) = wanted.try_update_value(Option::take).flatten() {
                let _ = facilitate(postmortem, step).await;
            }
            sending.set_value(false);
        });
    };
    let go = move |step: Step| {
        mine.set(step);
        // After the panel is shown (by the effect above), not while it is still hidden.
        set_timeout(
            move || super::client::reveal_step(step),
            std::time::Duration::ZERO,
        );
        if lead.get_untracked() {
            tell(step);
        } else if room.facilitator.get_untracked().0 != step {
            follow.set(false);
        }
    };
    view! {
        <section class="meeting-bar" aria-label="Meeting">
            <span class="connection" data-testid="connection" data-state=move || format!("{:?}", room.connection.get()).to_lowercase()>
                {move || match room.connection.get() {
                    Connection::Connecting => "Connecting…",
                    Connection::Live => "● Live",
                    Connection::Reconnecting => "Reconnecting… (your saves still go through)",
                    Connection::SignedOut => "Signed out: nothing is saved until you sign in again (what you type here is kept)",
                }}
            </span>
            <Show when=move || room.connection.get() == Connection::SignedOut>
                <a href=format!("/sign-in?next=/postmortems/{postmortem}") data-testid="sign-in-again">"Sign in again"</a>
            </Show>
            <span data-testid="presence">"Here: " {move || room.present.get().join(", ")}</span>
            <span data-testid="facilitator">
                {move || {
                    let (step, by) = room.facilitator.get();
                    if status == PostmortemStatus::Published {
                        "Published: the meeting is over, and the document is read-only.".to_owned()
                    } else if by.trim().is_empty() {
                        "Nobody is facilitating yet: whoever ticks “I'm facilitating” leads the steps.".to_owned()
                    } else {
                        format!("{by} is facilitating: step {} — {} (ringed below)", step.number(), step.label())
                    }
                }}
            </span>
            <label><input type="checkbox" data-testid="follow" prop:checked=move || follow.get() on:change=move |ev| {
                let on = event_target_checked(&ev);
                follow.set(on);
                if on { mine.set(room.facilitator.get_untracked().0); }
            } /> " Follow the facilitator"</label>
            {(can_edit && status != PostmortemStatus::Published).then(|| view! {
                <label><input type="checkbox" data-testid="lead" prop:checked=move || lead.get() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    lead.set(on);
                    if on { tell(mine.get_untracked()); }
                } /> " I'm facilitating"</label>
            })}
        </section>
        <nav class="steps" aria-label="Steps">
            <ol>
                {Step::ALL.iter().map(|step| {
                    let step = *step;
                    let needed = required.contains(&step);
                    let finished = done.contains(&step);
                    let led = move || {
                        let (at, by) = room.facilitator.get();
                        at == step && !by.trim().is_empty() && status != PostmortemStatus::Published
                    };
                    view! {
                        <li>
                            <button
                                type="button"
                                class="step"
                                class:current=move || mine.get() == step
                                class:facilitated=led
                                class:done=finished
                                title=move || led().then_some("The facilitator's step")
                                aria-current=move || (mine.get() == step).then_some("step")
                                data-testid=format!("step-{}", step.as_str())
                                data-done=finished.then_some("true")
                                on:click=move |_| go(step)
                            >
                                {finished.then(|| view! { <span aria-label="done">"✓ "</span> })}
                                {step.number()} ". " {step.label()}
                                {needed.then_some(" *")}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <p class="small muted steps-legend">"* required before review · ✓ done · ringed: the facilitator's step"</p>
        </nav>
    }
}

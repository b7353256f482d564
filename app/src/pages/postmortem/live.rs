//! The browser's live connection: an `EventSource` on `/live/postmortems/{id}` that passes a
//! field someone saved to its editor, has the parts showing a changed item rendered anew, follows
//! the facilitator and keeps the participant list.
//!
//! After a dropped connection the browser reconnects by itself and sends the last event id, so the
//! server replays what was missed. An error *answer* (a proxy's 502 while the app restarts, a
//! sign-in that ended) closes an `EventSource` for good, so then the page opens a new one itself,
//! after a growing pause, asking for the changes after the last one it has. It also asks whether
//! the person is still signed in, and says so when they are not.

use std::time::Duration;

use super::bar::Room;

/// Opens the live connection once the page has hydrated; closes it when the page goes away.
pub fn connect(room: Room) {
    #[cfg(feature = "hydrate")]
    browser::connect(room);
    #[cfg(not(feature = "hydrate"))]
    let _ = room;
}

/// The pause before the `attempt`-th new connection (counted from 0) after the stream closed:
/// 1 s, doubling to at most 30 s, so a restarting server is not met by every page at once.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn retry_delay(attempt: u32) -> Duration {
    Duration::from_secs(2_u64.saturating_pow(attempt).min(30))
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::rc::{Rc, Weak};

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use serde::Deserialize;
    use serde::de::IgnoredAny;

    use super::super::bar::{Connection, Room};
    use super::super::parts::Changed;
    use super::retry_delay;
    use crate::api::auth::current_user;
    use crate::api::postmortems::FieldView;
    use shared::domain::postmortem::{PostmortemStatus, Step};

    /// A `LiveMessage` as the page reads it: a field's new text, the facilitator's step and a
    /// new status in full; of any other change only what it was about (the part is rendered
    /// anew on the server).
    #[derive(Deserialize)]
    struct Change {
        id: i64,
        event: Event,
    }

    #[derive(Deserialize)]
    enum Event {
        Field(FieldView),
        Timeline(IgnoredAny),
        TimelineRemoved(IgnoredAny),
        Factor(IgnoredAny),
        FactorRemoved(IgnoredAny),
        Action(IgnoredAny),
        ActionRemoved(IgnoredAny),
        Meta(Status),
        Facilitator { step: Step, by: String },
    }

    #[derive(Deserialize)]
    pub struct Status {
        pub status: PostmortemStatus,
    }

    fn receive(room: Room, change: Change) {
        room.last_event
            .update(|last| *last = (*last).max(change.id));
        let client = super::super::client::changed;
        match change.event {
            Event::Field(view) => {
                super::super::field::remote_save(view);
                client(room, Changed::Field);
            }
            Event::Timeline(_) | Event::TimelineRemoved(_) => client(room, Changed::Timeline),
            Event::Factor(_) | Event::FactorRemoved(_) => client(room, Changed::Factor),
            Event::Action(_) | Event::ActionRemoved(_) => client(room, Changed::Action),
            Event::Meta(meta) => super::super::client::status(room, meta.status),
            Event::Facilitator { step, by } => room.facilitator.set((step, by)),
        }
    }

    type OnMessage = Closure<dyn FnMut(MessageEvent)>;
    type OnState = Closure<dyn FnMut()>;

    /// One open `EventSource` with the listeners it calls (dropped together when it is replaced).
    struct Stream {
        source: EventSource,
        _listeners: [OnMessage; 2],
        _state: [OnState; 2],
    }

    /// The page's connection across reconnects.
    struct Live {
        room: Room,
        stream: RefCell<Option<Stream>>,
        /// New connections made since the last one that opened.
        attempt: Cell<u32>,
        /// The page has gone: no more connections.
        ended: Cell<bool>,
    }

    pub fn connect(room: Room) {
        Effect::new(move |_| {
            let live = Rc::new(Live {
                room,
                stream: RefCell::new(None),
                attempt: Cell::new(0),
                ended: Cell::new(false),
            });
            open(&live);
            let live = send_wrapper::SendWrapper::new(live);
            on_cleanup(move || {
                live.ended.set(true);
                if let Some(stream) = live.stream.borrow_mut().take() {
                    stream.source.close();
                }
            });
        });
    }

    fn open(live: &Rc<Live>) {
        if live.ended.get() {
            return;
        }
        let room = live.room;
        let after = room.last_event.get_untracked();
        let url = format!("/live/postmortems/{}?after={after}", room.id);
        let Ok(source) = EventSource::new(&url) else {
            room.connection.set(Connection::Reconnecting);
            retry_later(live);
            return;
        };
        // Read from bytes, as server functions and resources do: one JSON reader per type in the
        // bundle (see `components::resource`).
        let on_change = OnMessage::new(move |event: MessageEvent| {
            if let Some(data) = event.data().as_string()
                && let Ok(change) = serde_json::from_slice::<Change>(data.as_bytes())
            {
                receive(room, change);
            }
        });
        let on_presence = OnMessage::new(move |event: MessageEvent| {
            if let Some(data) = event.data().as_string()
                && let Ok(people) = serde_json::from_slice::<Vec<String>>(data.as_bytes())
            {
                room.present.set(people);
            }
        });
        let weak = Rc::downgrade(live);
        let on_open = OnState::new(move || {
            room.connection.set(Connection::Live);
            if let Some(live) = weak.upgrade() {
                live.attempt.set(0);
            }
        });
        let weak = Rc::downgrade(live);
        let failed = source.clone();
        let on_error = OnState::new(move || {
            // A dropped connection is retried by the browser; a closed one is ours to reopen.
            if failed.ready_state() != EventSource::CLOSED {
                room.connection.set(Connection::Reconnecting);
            } else if let Some(live) = weak.upgrade() {
                retry_later(&live);
            }
        });
        let _ =
            source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        let _ = source
            .add_event_listener_with_callback("presence", on_presence.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let stream = Stream {
            source,
            _listeners: [on_change, on_presence],
            _state: [on_open, on_error],
        };
        if let Some(old) = live.stream.borrow_mut().replace(stream) {
            old.source.close();
        }
    }

    /// Says why the stream closed and opens a new connection after the pause for this attempt. The
    /// old stream (whose listener may be the caller) stays in place until then.
    fn retry_later(live: &Rc<Live>) {
        let room = live.room;
        room.connection.update(|state| {
            if *state != Connection::SignedOut {
                *state = Connection::Reconnecting;
            }
        });
        // An error answer may mean the session ended: then saves fail too, which the page says.
        spawn_local(async move {
            let next = match current_user().await {
                Ok(None) => Connection::SignedOut,
                _ => Connection::Reconnecting,
            };
            room.connection.update(|state| {
                if *state != Connection::Live {
                    *state = next;
                }
            });
        });
        let attempt = live.attempt.get();
        live.attempt.set(attempt.saturating_add(1));
        let weak: Weak<Live> = Rc::downgrade(live);
        set_timeout(
            move || {
                if let Some(live) = weak.upgrade() {
                    open(&live);
                }
            },
            retry_delay(attempt),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_stream_is_reopened_after_a_pause_that_grows_to_half_a_minute() {
        let delays: Vec<u64> = (0..8).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(retry_delay(u32::MAX), Duration::from_secs(30));
    }
}

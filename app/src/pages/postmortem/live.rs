//! The browser's live connection: an `EventSource` on `/live/postmortems/{id}` that feeds every
//! change into the document and keeps the participant list. The browser reconnects by itself
//! and sends the last event id, so the server replays what was missed.

use super::state::Doc;

/// Opens the live connection once the page has hydrated; closes it when the page goes away.
pub fn connect(doc: Doc) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        use web_sys::{EventSource, MessageEvent};

        use super::state::Connection;
        use crate::api::postmortems::LiveMessage;

        Effect::new(move |_| {
            let after = doc.last_event.get_untracked();
            let url = format!("/live/postmortems/{}?after={after}", doc.id);
            let Ok(source) = EventSource::new(&url) else {
                doc.connection.set(Connection::Reconnecting);
                return;
            };
            // Read from bytes, as server functions and resources do: one JSON reader per type in
            // the bundle (see `components::resource`).
            let on_change = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(data) = event.data().as_string()
                    && let Ok(message) = serde_json::from_slice::<LiveMessage>(data.as_bytes())
                {
                    doc.receive(message);
                }
            });
            let on_presence =
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    if let Some(data) = event.data().as_string()
                        && let Ok(people) = serde_json::from_slice::<Vec<String>>(data.as_bytes())
                    {
                        doc.present.set(people);
                    }
                });
            let on_open = Closure::<dyn FnMut()>::new(move || doc.connection.set(Connection::Live));
            let on_error =
                Closure::<dyn FnMut()>::new(move || doc.connection.set(Connection::Reconnecting));
            let _ = source
                .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            let _ = source
                .add_event_listener_with_callback("presence", on_presence.as_ref().unchecked_ref());
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            // The closures live as long as the page; the source is closed on cleanup.
            on_change.forget();
            on_presence.forget();
            on_open.forget();
            on_error.forget();
            let source = send_wrapper::SendWrapper::new(source);
            on_cleanup(move || source.close());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = doc;
}

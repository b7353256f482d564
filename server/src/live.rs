//! Live postmortem updates over server-sent events (`GET /live/postmortems/{id}`), and the
//! Markdown export (`GET /postmortems/{id}/export.md`).
//!
//! A connection first replays what it missed (after `Last-Event-ID`, which browsers send when
//! they reconnect), then passes on new events and who is present (only when that list changed for
//! this participant). A comment every 15 seconds keeps proxies from closing it and marks the
//! participant as still present.

use crate::Site;
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use backend::auth::CurrentUser;
use backend::live::{self, Signal};
use backend::postmortems::{self, export};
use backend::{AppError, AppState};
use shared::domain::Permission;

use crate::auth::{Credential, Recheck};
use crate::http_error::{HttpError, permitted};
use crate::sessions;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, mpsc};

/// How often a connection says it is still there.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// The most signals one connection takes in a row before it looks at its heartbeat again.
const BATCH: usize = 64;

pub fn routes(sessions: sessions::Store) -> Router<Site> {
    Router::new()
        .route("/live/postmortems/{id}", get(connect))
        .route("/postmortems/{id}/export.md", get(export_markdown))
        .layer(Extension(sessions))
}

#[derive(Deserialize)]
struct LiveQuery {
    /// The last event the page already has (its first connection; reconnects send the header).
    #[serde(default)]
    after: Option<i64>,
}

async fn connect(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
    user: Option<Extension<CurrentUser>>,
    credential: Option<Extension<Credential>>,
    Extension(sessions): Extension<sessions::Store>,
) -> Response {
    let (user, Some(Extension(credential))) =
        (permitted(user, Permission::ViewRecords), credential)
    else {
        return HttpError::from(AppError::Unauthorized).into_response();
    };
    let user = match user {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    if let Err(error) = postmortems::find(&state.db, id).await {
        return HttpError::from(error).into_response();
    }
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or(query.after)
        .unwrap_or(0);
    let (sender, receiver) = mpsc::channel(256);
    // Subscribe before reading the log, so nothing falls between the replay and the live feed.
    let signals = state.live.subscribe();
    let recheck = Recheck {
        sessions,
        credential,
    };
    tokio::spawn(serve_connection(
        state, user, recheck, id, after, signals, sender,
    ));
    let mut response = Sse::new(into_stream(receiver)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // nginx would otherwise buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn into_stream(receiver: mpsc::Receiver<Event>) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    })
}

/// One participant's connection, until the browser goes away or the person is no longer signed
/// in (signed out, disabled, password changed, session expired, token revoked): that is checked
/// at every heartbeat and before anything new is sent.
async fn serve_connection(
    state: AppState,
    user: CurrentUser,
    recheck: Recheck,
    postmortem_id: i64,
    after: i64,
    mut signals: broadcast::Receiver<Signal>,
    sender: mpsc::Sender<Event>,
) {
    let name = postmortems::display_name(&user);
    let connection = match live::join(&state.db, &state.live, postmortem_id, user.id, &name).await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "could not register a live connection");
            return;
        }
    };
    let mut feed = Feed {
        state: &state,
        recheck: &recheck,
        checked: false,
        postmortem_id,
        sender: &sender,
        sent: HashSet::new(),
        last: after,
        people: None,
    };
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut open = feed
        .send(
            Event::default()
                .retry(Duration::from_secs(1))
                .comment("connected"),
        )
        .await
        && feed.presence().await
        && feed.catch_up().await;
    while open {
        open = tokio::select! {
            signal = signals.recv() => feed.pass_on(signal, &mut signals).await,
            _ = heartbeat.tick() => {
                if !recheck.holds(&state).await {
                    break;
                }
                if let Err(error) = live::touch(&state.db, &state.live, postmortem_id, &connection).await {
                    tracing::warn!(%error, "could not refresh presence");
                }
                feed.send(Event::default().comment("heartbeat")).await
            }
            () = sender.closed() => false,
        };
    }
    if let Err(error) = live::leave(&state.db, &state.live, postmortem_id, &connection).await {
        tracing::warn!(%error, "could not remove a live connection");
    }
}

/// What one connection has sent so far.
struct Feed<'a> {
    state: &'a AppState,
    recheck: &'a Recheck,
    /// Whether the sign-in was checked again for the changes being sent now.
    checked: bool,
    postmortem_id: i64,
    sender: &'a mpsc::Sender<Event>,
    /// Events already sent (ids can commit out of order on PostgreSQL, so a high-water mark alone
    /// could skip one).
    sent: HashSet<i64>,
    last: i64,
    /// The list of who is present that this participant has now.
    people: Option<Arc<str>>,
}

impl Feed<'_> {
    async fn send(&self, event: Event) -> bool {
        self.sender.send(event).await.is_ok()
    }

    async fn event(&mut self, id: i64, message: &str) -> bool {
        if self.sent.contains(&id) {
            return true;
        }
        if !self.checked {
            if !self.recheck.holds(self.state).await {
                return false;
            }
            self.checked = true;
        }
        self.sent.insert(id);
        self.last = self.last.max(id);
        self.send(
            Event::default()
                .event("change")
                .id(id.to_string())
                .data(message),
        )
        .await
    }

    /// Replays the log after the last event sent (a little before, to catch late commits).
    async fn catch_up(&mut self) -> bool {
        self.checked = false;
        let from = if self.sent.is_empty() {
            self.last
        } else {
            self.last - 50
        };
        match live::events_after(&self.state.db, self.postmortem_id, from.max(0)).await {
            Ok(events) => {
                for (id, message) in events {
                    if !self.event(id, &message).await {
                        return false;
                    }
                }
                true
            }
            Err(error) => {
                tracing::warn!(%error, "could not replay live events");
                true
            }
        }
    }

    /// Passes on a signal and whatever else is already waiting (up to [`BATCH`]): changes in
    /// order, then only the newest list of who is present. When many people join at once, each
    /// participant gets one list instead of one per arrival.
    async fn pass_on(
        &mut self,
        first: Result<Signal, RecvError>,
        signals: &mut broadcast::Receiver<Signal>,
    ) -> bool {
        self.checked = false;
        let mut people = None;
        let mut lagged = false;
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(signal) = next {
            let open = match signal {
                Ok(Signal::Event {
                    postmortem_id,
                    id,
                    message,
                }) if postmortem_id == self.postmortem_id => self.event(id, &message).await,
                Ok(Signal::Presence {
                    postmortem_id,
                    people: now,
                }) if postmortem_id == self.postmortem_id => {
                    people = Some(now);
                    true
                }
                Ok(_) => true,
                Err(RecvError::Lagged(_)) => {
                    // Presence changes were dropped too: read the list again below.
                    lagged = true;
                    self.catch_up().await
                }
                Err(RecvError::Closed) => false,
            };
            if !open {
                return false;
            }
            taken += 1;
            next = match signals.try_recv() {
                _ if taken == BATCH => None,
                Ok(signal) => Some(Ok(signal)),
                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                Err(TryRecvError::Empty) => None,
            };
        }
        match people {
            _ if lagged => self.presence().await,
            Some(people) => self.send_people(people).await,
            None => true,
        }
    }

    /// Reads who is present and sends it.
    async fn presence(&mut self) -> bool {
        match live::present(&self.state.db, self.postmortem_id).await {
            Ok(people) => {
                let data = serde_json::to_string(&people).unwrap_or_default();
                self.send_people(data.into()).await
            }
            Err(error) => {
                tracing::warn!(%error, "could not read presence");
                true
            }
        }
    }

    /// Sends the list of who is present, unless this participant already has that list (e.g.
    /// someone opened a second tab).
    async fn send_people(&mut self, people: Arc<str>) -> bool {
        if self.people.as_deref() == Some(&*people) {
            return true;
        }
        let open = self
            .send(Event::default().event("presence").data(&*people))
            .await;
        self.people = Some(people);
        open
    }
}

async fn export_markdown(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    if let Err(refused) = permitted(user, Permission::ViewRecords) {
        return refused.into_response();
    }
    match postmortems::view(&state, id).await {
        Ok(view) => {
            let disposition = format!("attachment; filename=\"{}\"", export::file_name(&view));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "text/markdown; charset=utf-8".to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                export::to_markdown(&view),
            )
                .into_response()
        }
        Err(error) => HttpError::from(error).into_response(),
    }
}

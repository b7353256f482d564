//! Live updates of open postmortems: every change is appended to an event log in the same
//! transaction, then announced on an in-process channel and, on PostgreSQL, with NOTIFY so that
//! every app instance on the database hears it. Presence is a table of open connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::AppError;
use super::entities::postmortem_event::{self, Entity as PostmortemEvent};
use super::entities::postmortem_presence::{self, Entity as Presence};
use shared::wire::postmortems::{LiveEvent, LiveMessage};

/// The PostgreSQL channel instances announce changes on.
pub const CHANNEL: &str = "postmortem_live";
/// The NOTIFY payload (after the instance) of a write that is not a postmortem event.
const WRITTEN: &str = "0:written";
/// A connection not seen for this long no longer counts as present.
pub const PRESENCE_TIMEOUT: Duration = Duration::from_secs(45);

/// Something a live connection should pass on.
#[derive(Clone, Debug)]
pub enum Signal {
    /// A logged change, already serialised as a [`LiveMessage`].
    Event {
        postmortem_id: i64,
        id: i64,
        message: Arc<str>,
    },
    /// Someone joined or left: who is present now, as a JSON list of names (read once per change,
    /// not once per connection).
    Presence {
        postmortem_id: i64,
        people: Arc<str>,
    },
}

/// The in-process side of live updates: one channel every live connection of this instance
/// listens to, and a count of the writes this instance has heard of.
pub struct LiveBus {
    sender: broadcast::Sender<Signal>,
    /// Tells this instance's own NOTIFYs apart from other instances'.
    instance: String,
    /// Grows after every committed write this instance makes or (on PostgreSQL) hears of from
    /// another instance: a page rendered while it stayed the same shows current data.
    writes: AtomicU64,
}

impl Default for LiveBus {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self {
            sender,
            instance: format!("{:016x}", rand::random::<u64>()),
            writes: AtomicU64::new(0),
        }
    }
}

impl LiveBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    /// Announces recorded events to this instance's connections (call after the commit).
    pub fn published(&self, recorded: Vec<Recorded>) {
        for r in recorded {
            let _ = self.sender.send(Signal::Event {
                postmortem_id: r.postmortem_id,
                id: r.id,
                message: r.message.into(),
            });
        }
    }

    /// The count of writes heard of so far. Read it before reading the data a page shows: the
    /// page is current for as long as the count has not moved.
    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Notes a committed write (call after the commit), here and, on PostgreSQL, on every other
    /// instance of the database.
    pub async fn wrote(&self, db: &impl ConnectionTrait) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if let Err(error) = notify(db, self, WRITTEN).await {
            tracing::warn!(%error, "could not tell other instances of a write");
        }
    }

    /// Notes a write this instance cannot see the details of (another instance's, or any while
    /// the listener was reconnecting).
    fn wrote_elsewhere(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    fn presence_changed(&self, postmortem_id: i64, people: &[String]) {
        let people = serde_json::to_string(people).unwrap_or_default();
        let _ = self.sender.send(Signal::Presence {
            postmortem_id,
            people: people.into(),
        });
    }
}

/// The stored form of an event: who and what (the id is the row's).
#[derive(Serialize, Deserialize)]
struct Stored {
    by: String,
    event: LiveEvent,
}

/// An event written to the log, to announce once its transaction has committed.
#[derive(Debug)]
#[must_use = "announce it with LiveBus::published after the commit"]
pub struct Recorded {
    postmortem_id: i64,
    id: i64,
    message: String,
}

/// Appends an event to the postmortem's log inside the caller's transaction. On PostgreSQL the
/// NOTIFY is queued in the same transaction, so other instances hear of it only if it commits.
pub async fn record(
    txn: &impl ConnectionTrait,
    bus: &LiveBus,
    postmortem_id: i64,
    by: &str,
    event: LiveEvent,
) -> Result<Recorded, AppError> {
    let stored = Stored {
        by: by.to_owned(),
        event,
    };
    let payload =
        serde_json::to_string(&stored).map_err(|e| sea_orm::DbErr::Json(e.to_string()))?;
    let row = postmortem_event::ActiveModel {
        postmortem_id: Set(postmortem_id),
        payload: Set(payload),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    notify(txn, bus, &format!("{postmortem_id}:{}", row.id)).await?;
    let message = to_message(row.id, stored);
    Ok(Recorded {
        postmortem_id,
        id: row.id,
        message,
    })
}

fn to_message(id: i64, stored: Stored) -> String {
    serde_json::to_string(&LiveMessage {
        id,
        by: stored.by,
        event: stored.event,
    })
    .unwrap_or_default()
}

async fn notify(db: &impl ConnectionTrait, bus: &LiveBus, what: &str) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), format!("{}:{what}", bus.instance).into()],
        ))
        .await?;
    }
    Ok(())
}

/// The postmortem's events after `after`, oldest first, as serialised [`LiveMessage`]s.
pub async fn events_after(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
    after: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let rows = PostmortemEvent::find()
        .filter(postmortem_event::Column::PostmortemId.eq(postmortem_id))
        .filter(postmortem_event::Column::Id.gt(after))
        .order_by_asc(postmortem_event::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let stored: Stored = serde_json::from_str(&row.payload).ok()?;
            Some((row.id, to_message(row.id, stored)))
        })
        .collect())
}

/// The id of the postmortem's newest event (0 when it has none).
pub async fn last_event_id(db: &impl ConnectionTrait, postmortem_id: i64) -> Result<i64, AppError> {
    Ok(PostmortemEvent::find()
        .select_only()
        .column_as(postmortem_event::Column::Id.max(), "max")
        .filter(postmortem_event::Column::PostmortemId.eq(postmortem_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Registers a live connection; returns its id.
pub async fn join(
    db: &DatabaseConnection,
    bus: &LiveBus,
    postmortem_id: i64,
    user_id: i64,
    label: &str,
) -> Result<String, AppError> {
    let connection_id = format!("{}-{:016x}", bus.instance, rand::random::<u64>());
    postmortem_presence::ActiveModel {
        connection_id: Set(connection_id.clone()),
        postmortem_id: Set(postmortem_id),
        user_id: Set(Some(user_id)),
        user_label: Set(label.to_owned()),
        seen_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    presence_changed(db, bus, postmortem_id).await?;
    Ok(connection_id)
}

/// Marks a connection as still there, and forgets connections that went quiet (e.g. an instance
/// that stopped without saying goodbye).
pub async fn touch(
    db: &DatabaseConnection,
    bus: &LiveBus,
    postmortem_id: i64,
    connection_id: &str,
) -> Result<(), AppError> {
    Presence::update_many()
        .col_expr(postmortem_presence::Column::SeenAt, Expr::value(Utc::now()))
        .filter(postmortem_presence::Column::ConnectionId.eq(connection_id))
        .exec(db)
        .await?;
    let stale = Utc::now() - chrono::Duration::from_std(PRESENCE_TIMEOUT).unwrap_or_default();
    let gone = Presence::delete_many()
        .filter(postmortem_presence::Column::PostmortemId.eq(postmortem_id))
        .filter(postmortem_presence::Column::SeenAt.lt(stale))
        .exec(db)
        .await?;
    if gone.rows_affected > 0 {
        presence_changed(db, bus, postmortem_id).await?;
    }
    Ok(())
}

/// Removes a connection that closed.
pub async fn leave(
    db: &DatabaseConnection,
    bus: &LiveBus,
    postmortem_id: i64,
    connection_id: &str,
) -> Result<(), AppError> {
    Presence::delete_by_id(connection_id.to_owned())
        .exec(db)
        .await?;
    presence_changed(db, bus, postmortem_id).await
}

async fn presence_changed(
    db: &DatabaseConnection,
    bus: &LiveBus,
    postmortem_id: i64,
) -> Result<(), AppError> {
    bus.presence_changed(postmortem_id, &present(db, postmortem_id).await?);
    notify(db, bus, &format!("{postmortem_id}:presence")).await
}

/// The people who have the postmortem open, each named once, sorted.
pub async fn present(db: &DatabaseConnection, postmortem_id: i64) -> Result<Vec<String>, AppError> {
    let since = Utc::now() - chrono::Duration::from_std(PRESENCE_TIMEOUT).unwrap_or_default();
    let mut labels: Vec<String> = Presence::find()
        .select_only()
        .column(postmortem_presence::Column::UserLabel)
        .filter(postmortem_presence::Column::PostmortemId.eq(postmortem_id))
        .filter(postmortem_presence::Column::SeenAt.gte(since))
        .into_tuple::<String>()
        .all(db)
        .await?;
    labels.sort();
    labels.dedup();
    Ok(labels)
}

/// On PostgreSQL, listens for other instances' NOTIFYs and passes them to this instance's
/// connections; reconnects after a failure. Does nothing on SQLite (one instance per file).
pub fn spawn_listener(
    db: &DatabaseConnection,
    bus: Arc<LiveBus>,
) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool().clone();
    let db = db.clone();
    Some(tokio::spawn(async move {
        loop {
            if let Err(error) = listen(&pool, &db, &bus).await {
                tracing::warn!(%error, "live listener lost its connection; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }))
}

async fn listen(
    pool: &sea_orm::sqlx::PgPool,
    db: &DatabaseConnection,
    bus: &LiveBus,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Whatever other instances wrote while this one was not listening is unknown.
    bus.wrote_elsewhere();
    loop {
        let notification = listener.recv().await?;
        let mut parts = notification.payload().splitn(3, ':');
        let (Some(instance), Some(postmortem_id), Some(what)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(postmortem_id) = postmortem_id.parse::<i64>() else {
            continue;
        };
        if instance == bus.instance {
            continue;
        }
        bus.wrote_elsewhere();
        if what == "presence" {
            bus.presence_changed(postmortem_id, &present(db, postmortem_id).await?);
        } else if let Ok(id) = what.parse::<i64>() {
            for (id, message) in events_after(db, postmortem_id, id - 1)
                .await?
                .into_iter()
                .take(1)
            {
                let _ = bus.sender.send(Signal::Event {
                    postmortem_id,
                    id,
                    message: message.into(),
                });
            }
        }
    }
}

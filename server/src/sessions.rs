//! The session layer: tower-sessions with its SQLite or PostgreSQL store, chosen by `DATABASE_URL`.

use async_trait::async_trait;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::sqlx::postgres::PgPoolOptions;
use tower_sessions_sqlx_store::sqlx::sqlite::SqlitePoolOptions;
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use backend::Settings;

/// The name of the session cookie.
pub const COOKIE_NAME: &str = "postmortem_session";

/// The store of whichever database the app runs on.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// Connects to the database of `url` and creates the session table if needed.
    /// Like the app's own pool, it waits at most `CONNECTION_WAIT` for a connection.
    pub async fn connect(url: &str) -> Result<Self, tower_sessions_sqlx_store::sqlx::Error> {
        let wait = backend::db::CONNECTION_WAIT;
        if url.starts_with("sqlite:") {
            let pool = SqlitePoolOptions::new()
                .acquire_timeout(wait)
                .connect(url)
                .await?;
            let store = SqliteStore::new(pool);
            store.migrate().await?;
            Ok(Store::Sqlite(store))
        } else {
            let pool = PgPoolOptions::new()
                .acquire_timeout(wait)
                .connect(url)
                .await?;
            let store = PostgresStore::new(pool);
            store.migrate().await?;
            Ok(Store::Postgres(store))
        }
    }
}

impl Store {
    /// Deletes the sessions whose expiry has passed (they are already refused; this frees the rows).
    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.delete_expired().await,
            Store::Postgres(s) => s.delete_expired().await,
        }
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.create(record).await,
            Store::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.save(record).await,
            Store::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Store::Sqlite(s) => s.load(id).await,
            Store::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.delete(id).await,
            Store::Postgres(s) => s.delete(id).await,
        }
    }
}

/// The session middleware: an HttpOnly, SameSite=Lax cookie (Secure behind https) that expires
/// after `SESSION_IDLE_SECONDS` without use.
pub fn layer(store: Store, settings: &Settings) -> SessionManagerLayer<Store> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::seconds(
            settings.session_idle_seconds,
        )))
}

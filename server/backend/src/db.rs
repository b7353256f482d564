//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the database folder {folder}: {source}")]
    Folder {
        folder: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The longest a request waits for a database connection, in this pool and the session store's:
/// when the database is down (a restart, a failover) the request is answered 503 with a retry
/// hint soon, instead of hanging.
pub const CONNECTION_WAIT: Duration = Duration::from_secs(3);

/// Opens a connection pool for `url`, creating the SQLite file's folder if needed, and migrates it.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, ConnectError> {
    if let Some(folder) = sqlite_folder(url) {
        std::fs::create_dir_all(&folder)
            .map_err(|source| ConnectError::Folder { folder, source })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    // Every pooled SQLite connection gets the same settings: write-ahead log, `synchronous=NORMAL`
    // (safe with WAL: a crash never corrupts the file, and commits skip an fsync each), foreign
    // keys, a wait instead of an error when another connection holds the write lock, and reads
    // through memory-mapped pages.
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Reads of a large history go through memory-mapped pages (shared by every
            // connection through the OS) and an 8 MB page cache per connection, instead of a
            // read call per page.
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-8000")
    });
    options
        .max_connections(16)
        .acquire_timeout(CONNECTION_WAIT)
        .sqlx_logging(false);
    if url.contains(":memory:") || url.contains("mode=memory") {
        // An in-memory SQLite database lives as long as one of its connections does.
        options
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that reads first and writes
/// later fails with "database is locked" when another connection wrote in between, because in WAL
/// mode such an upgrade is refused rather than waited for. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// Checks that the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// The folder of a SQLite file URL such as `sqlite://data/app.db?mode=rwc`.
fn sqlite_folder(url: &str) -> Option<String> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    let folder = std::path::Path::new(path).parent()?.to_str()?.to_owned();
    (!folder.is_empty()).then_some(folder)
}

#[cfg(test)]
mod tests {
    use super::sqlite_folder;

    #[test]
    fn the_folder_of_a_sqlite_file_is_found() {
        assert_eq!(
            sqlite_folder("sqlite://data/app.db?mode=rwc").as_deref(),
            Some("data")
        );
        assert_eq!(
            sqlite_folder("sqlite:///var/lib/pm/app.db").as_deref(),
            Some("/var/lib/pm")
        );
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
        assert_eq!(sqlite_folder("postgres://localhost/pm"), None);
        assert_eq!(sqlite_folder("sqlite://app.db"), None);
    }
}

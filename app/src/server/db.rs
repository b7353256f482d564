//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

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

/// Opens a connection pool for `url`, creating the SQLite file's folder if needed, and migrates it.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, ConnectError> {
    if let Some(folder) = sqlite_folder(url) {
        std::fs::create_dir_all(&folder)
            .map_err(|source| ConnectError::Folder { folder, source })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
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
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
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

//! What can go wrong in the back end; the app turns it into the `ApiError` that crosses the wire.

use sea_orm::DbErr;

use shared::domain::FieldErrors;

/// Anything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("too many attempts")]
    TooManyRequests(String),
    #[error("application state was not provided to the request")]
    MissingState,
}

impl AppError {
    /// A validation error on one field.
    pub fn field(field: &str, message: &str) -> Self {
        AppError::Validation(FieldErrors(vec![shared::domain::FieldError::new(
            field, message,
        )]))
    }
}

/// A database that cannot take the request now, through no fault of the request: trying again
/// later may work, and nothing was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// SQLite's SQLITE_FULL, or PostgreSQL out of space.
    DiskFull,
    /// No connection within the pool's wait, or the database went away.
    Unreachable,
}

impl AppError {
    /// The outage behind a database error, if that is what it is.
    pub fn outage(&self) -> Option<Outage> {
        let AppError::Db(error) = self else {
            return None;
        };
        if disk_full(error) {
            Some(Outage::DiskFull)
        } else if unreachable(error) {
            Some(Outage::Unreachable)
        } else {
            None
        }
    }
}

fn disk_full(error: &DbErr) -> bool {
    let text = error.to_string();
    text.contains("database or disk is full")
        || text.contains("No space left on device")
        || text.contains("could not extend file")
}

fn unreachable(error: &DbErr) -> bool {
    matches!(error, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
        || error.to_string().contains("Connection refused")
}

//! Browser sessions (tower-sessions, stored in the database): starting one at sign-in with a fresh
//! id, ending it at sign-out.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::use_context;
use tower_sessions::Session;

use super::AppError;
use super::auth::{
    SESSION_PASSWORD_EPOCH, SESSION_RENEWED_AT, SESSION_SIGNED_IN_AT, SESSION_USER_ID,
};
use super::entities::user;

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer on this request");
        AppError::MissingState
    })
}

/// Signs `user` in: a new session id (so a planted id is useless), then who and when.
pub async fn start(user: &user::Model) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER_ID, user.id)
        .await
        .map_err(session_error)?;
    let now = chrono::Utc::now().timestamp();
    session
        .insert(SESSION_SIGNED_IN_AT, now)
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_RENEWED_AT, now)
        .await
        .map_err(session_error)?;
    session
        .insert(
            SESSION_PASSWORD_EPOCH,
            user.password_changed_at.timestamp_micros(),
        )
        .await
        .map_err(session_error)?;
    tracing::info!(user_id = user.id, "signed in");
    Ok(())
}

/// Records the new password generation in the current session, so it survives a password change
/// while every other session of the account ends.
pub async fn renew_password_epoch(user: &user::Model) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(
            SESSION_PASSWORD_EPOCH,
            user.password_changed_at.timestamp_micros(),
        )
        .await
        .map_err(session_error)
}

/// Signs out: the session is deleted from the store and the cookie cleared.
pub async fn end() -> Result<(), AppError> {
    let session = session().await?;
    session.flush().await.map_err(session_error)
}

/// The address of the client making this request.
pub fn client_ip() -> Option<IpAddr> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::MissingState
}

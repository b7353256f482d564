//! Browser sessions (tower-sessions, stored in the database): starting one at sign-in with a fresh
//! id, ending it at sign-out.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::use_context;
use tower_sessions::Session;

use backend::AppError;
use backend::auth::{
    SESSION_PASSWORD_EPOCH, SESSION_RENEWED_AT, SESSION_SIGNED_IN_AT, SESSION_USER_ID,
};
use backend::entities::user;

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

/// The address of the client making this request: the connection's, or, when that is one of
/// `trusted_proxies`, the nearest address in `X-Forwarded-For` that is not a trusted proxy
/// (earlier entries are the client's own word and can be forged).
pub fn client_ip(trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(forwarded_client(peer, &forwarded, trusted_proxies))
}

/// The client behind `peer`, given an `X-Forwarded-For` value and the trusted proxies.
pub fn forwarded_client(peer: IpAddr, forwarded_for: &str, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(address) if trusted_proxies.contains(&address) => client = address,
            Ok(address) => return address,
            Err(_) => return client,
        }
    }
    client
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::MissingState
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_direct_client_is_its_connection_whatever_it_claims() {
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), "1.2.3.4", &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let proxies = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            forwarded_client(ip("10.0.0.2"), "6.6.6.6, 198.51.100.7, 10.0.0.3", &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.2"), "", &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.2"), "garbage", &proxies),
            ip("10.0.0.2")
        );
    }
}

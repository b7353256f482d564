//! Server functions for one's own account: password and personal API tokens.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

/// A personal API token as listed (the secret itself is never shown again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A token just created: the secret is in here once, and only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

/// Changes one's password; other sessions of the account end.
#[server(endpoint = "account/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(ChangePassword)?;
    // Trying current passwords here is guessing them: they are limited like sign-ins.
    if !state.sign_in_limiter.allow_password_change(user.id) {
        return Err(crate::server::AppError::TooManyRequests(
            "Too many attempts. Wait a minute, then try again.".into(),
        )
        .into());
    }
    let saved = crate::server::auth::users::change_password(
        &state.db,
        user.id,
        &current_password,
        &new_password,
        &new_password_confirmation,
    )
    .await?;
    crate::server::session::renew_password_epoch(&saved).await?;
    crate::server::shown_once::notice(
        "Password changed. Your other sessions have been signed out.",
    )
    .await?;
    Ok(())
}

/// One's own API tokens, newest first.
#[server(endpoint = "account/tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(ListTokens)?;
    let tokens = crate::server::auth::tokens::list_for_user(&state.db, user.id).await?;
    Ok(tokens.into_iter().map(to_view).collect())
}

/// Creates a named token acting with one's own role; the secret is returned once.
#[server(endpoint = "account/tokens/create")]
pub async fn create_token(name: String) -> Result<CreatedToken, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(CreateToken)?;
    let (row, secret) =
        crate::server::auth::tokens::issue(&state.db, &user.actor(), user.id, &name).await?;
    let created = CreatedToken {
        token: to_view(row),
        secret,
    };
    crate::server::shown_once::keep(NEW_TOKEN, &created).await?;
    Ok(created)
}

/// A token just created by a form whose browser sees only the next page: that page shows it, once.
#[server(endpoint = "account/tokens/shown-once")]
pub async fn take_new_token() -> Result<Option<CreatedToken>, ApiError> {
    crate::authorize!(TakeNewToken)?;
    Ok(crate::server::shown_once::take(NEW_TOKEN).await?)
}

/// The session key of a new token kept for the next page.
#[cfg(feature = "ssr")]
const NEW_TOKEN: &str = "account_token_shown_once";

/// Revokes one of one's own tokens.
#[server(endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(RevokeToken)?;
    crate::server::auth::tokens::revoke(&state.db, &user.actor(), user.id, id).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn to_view(row: crate::server::entities::api_token::Model) -> TokenView {
    TokenView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked: row.revoked_at.is_some(),
    }
}

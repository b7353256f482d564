//! Server functions for one's own account: password and personal API tokens.

pub use shared::wire::account::*;

use super::ApiError;
use leptos::prelude::*;

/// Changes one's password; other sessions of the account end.
#[server(endpoint = "account/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(ChangePassword)?;
    // Trying current passwords here is guessing them: they are limited like sign-ins.
    if !state.sign_in_limiter.allow_password_change(user.id) {
        return Err(backend::AppError::TooManyRequests(
            "Too many attempts. Wait a minute, then try again.".into(),
        )
        .into());
    }
    let saved = backend::auth::users::change_password(
        &state.db,
        user.id,
        &current_password,
        &new_password,
        &new_password_confirmation,
    )
    .await?;
    crate::ssr::session::renew_password_epoch(&saved).await?;
    crate::ssr::shown_once::notice("Password changed. Your other sessions have been signed out.")
        .await?;
    Ok(())
}

/// One's own API tokens, newest first.
#[server(endpoint = "account/tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(ListTokens)?;
    let tokens = backend::auth::tokens::list_for_user(&state.db, user.id).await?;
    let services =
        backend::services::by_id(&state.db, tokens.iter().filter_map(|t| t.service_id)).await?;
    Ok(tokens
        .into_iter()
        .map(|row| {
            let service = row
                .service_id
                .and_then(|id| services.get(&id).map(|s| s.name.clone()));
            to_view(row, service)
        })
        .collect())
}

/// Creates a named token: acting with one's own role, or (scope `Pipeline`) only reporting
/// changes and deployments, for one service (its slug) or all. The secret is returned once.
#[server(endpoint = "account/tokens/create")]
pub async fn create_token(
    name: String,
    #[server(default)] scope: Option<shared::domain::TokenScope>,
    #[server(default)] service: String,
) -> Result<CreatedToken, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(CreateToken)?;
    let scope = scope.unwrap_or(shared::domain::TokenScope::Full);
    let service = match service.trim() {
        "" => None,
        slug => match backend::services::find_by_slug(&state.db, slug).await {
            Ok(found) => Some(found),
            Err(backend::AppError::NotFound(_)) => {
                return Err(backend::AppError::field(
                    "service",
                    "Choose one of the services, or all of them.",
                )
                .into());
            }
            Err(error) => return Err(error.into()),
        },
    };
    let grant = backend::auth::tokens::Grant {
        scope,
        service_id: service.as_ref().map(|s| s.id),
    };
    let (row, secret) =
        backend::auth::tokens::issue(&state.db, &user.actor(), user.id, &name, grant).await?;
    let service = row.service_id.and(service.map(|s| s.name));
    let created = CreatedToken {
        token: to_view(row, service),
        secret,
    };
    crate::ssr::shown_once::keep(NEW_TOKEN, &created).await?;
    Ok(created)
}

/// A token just created by a form whose browser sees only the next page: that page shows it, once.
#[server(endpoint = "account/tokens/shown-once")]
pub async fn take_new_token() -> Result<Option<CreatedToken>, ApiError> {
    crate::authorize!(TakeNewToken)?;
    Ok(crate::ssr::shown_once::take(NEW_TOKEN).await?)
}

/// The session key of a new token kept for the next page.
#[cfg(feature = "ssr")]
const NEW_TOKEN: &str = "account_token_shown_once";

/// Revokes one of one's own tokens.
#[server(endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(RevokeToken)?;
    backend::auth::tokens::revoke(&state.db, &user.actor(), user.id, id).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn to_view(row: backend::entities::api_token::Model, service: Option<String>) -> TokenView {
    TokenView {
        scope: row.scope,
        service,
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked: row.revoked_at.is_some(),
    }
}

//! Server functions for monitoring integrations (alert webhooks): list, create, disable, new token.

pub use shared::wire::integrations::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::integration::IntegrationForm;

/// Every integration, by name, with its latest flagged deliveries.
#[server(endpoint = "integrations/list")]
pub async fn list_integrations() -> Result<Vec<IntegrationView>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListIntegrations)?;
    let integrations = backend::integrations::list(&state.db).await?;
    Ok(
        backend::integrations::to_views(&state.db, &state.settings.public_base_url, integrations)
            .await?,
    )
}

/// Adds an integration; its token is returned once.
#[server(endpoint = "integrations/create")]
pub async fn create_integration(
    integration: IntegrationForm,
) -> Result<CreatedIntegration, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(CreateIntegration)?;
    let draft = integration.parse().map_err(backend::AppError::Validation)?;
    let (created, token) = backend::integrations::create(&state.db, &admin.actor(), &draft).await?;
    shown_once(&state, created, token).await
}

/// Disables (`true`) or re-enables an integration; a disabled integration's deliveries are refused.
#[server(endpoint = "integrations/set-disabled")]
pub async fn set_integration_disabled(
    id: i64,
    disabled: bool,
) -> Result<IntegrationView, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(SetIntegrationDisabled)?;
    let saved =
        backend::integrations::set_disabled(&state.db, &admin.actor(), id, disabled).await?;
    Ok(
        backend::integrations::to_view_one(&state.db, &state.settings.public_base_url, saved)
            .await?,
    )
}

/// Sets or (empty) clears an integration's signing secret.
#[server(endpoint = "integrations/set-secret")]
pub async fn set_integration_secret(
    id: i64,
    #[server(default)] signing_secret: String,
) -> Result<IntegrationView, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(SetIntegrationSecret)?;
    let secret = shared::domain::integration::parse_signing_secret(&signing_secret)
        .map_err(|message| backend::AppError::field("signing_secret", &message))?;
    let saved =
        backend::integrations::set_signing_secret(&state.db, &admin.actor(), id, secret).await?;
    Ok(
        backend::integrations::to_view_one(&state.db, &state.settings.public_base_url, saved)
            .await?,
    )
}

/// Replaces an integration's token (the old one stops working at once); the new one is returned once.
#[server(endpoint = "integrations/rotate-token")]
pub async fn rotate_integration_token(id: i64) -> Result<CreatedIntegration, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(RotateIntegrationToken)?;
    let (saved, token) = backend::integrations::rotate_token(&state.db, &admin.actor(), id).await?;
    shown_once(&state, saved, token).await
}

/// A token just created by a form posted without JavaScript, which the browser could not see in
/// the answer: the page it is sent back to shows it, once.
#[server(endpoint = "integrations/shown-once")]
pub async fn take_shown_once_token() -> Result<Option<CreatedIntegration>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(TakeShownOnceToken)?;
    let Some((id, token)) =
        crate::ssr::shown_once::take::<(i64, String)>(SESSION_SHOWN_ONCE).await?
    else {
        return Ok(None);
    };
    let public_base_url = &state.settings.public_base_url;
    Ok(backend::integrations::created_if_current(&state.db, public_base_url, id, token).await?)
}

/// Where a new token waits in the session for the page a form without JavaScript leads to.
#[cfg(feature = "ssr")]
const SESSION_SHOWN_ONCE: &str = "integration_token_shown_once";

/// The answer carrying a new token; a form that shows only the next page finds it there instead.
#[cfg(feature = "ssr")]
async fn shown_once(
    state: &backend::AppState,
    model: backend::entities::integration::Model,
    token: String,
) -> Result<CreatedIntegration, ApiError> {
    crate::ssr::shown_once::keep(SESSION_SHOWN_ONCE, &(model.id, &token)).await?;
    let integration =
        backend::integrations::to_view_one(&state.db, &state.settings.public_base_url, model)
            .await?;
    Ok(CreatedIntegration { integration, token })
}

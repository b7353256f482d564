//! Server functions for monitoring integrations (alert webhooks): list, create, disable, new token.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::integration::IntegrationForm;

/// A delivery that was valid but not understood, kept for a person to look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedDelivery {
    pub received_at: DateTime<Utc>,
    /// What we did not understand.
    pub detail: String,
    /// The start of the payload as received (at most 2,000 characters).
    pub payload_excerpt: String,
}

/// An integration as administrators see it: never its token or signing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationView {
    pub id: i64,
    pub name: String,
    /// `alertmanager`, `grafana` or `pagerduty`.
    pub source: String,
    /// The source's product name, e.g. "Prometheus Alertmanager".
    pub source_label: String,
    /// The address the source posts its alerts to.
    pub webhook_url: String,
    /// The token's first characters, to tell tokens apart.
    pub token_prefix: String,
    /// True when deliveries must carry a valid signature.
    pub signs: bool,
    /// Grafana: the header carrying the signature.
    pub signature_header: Option<String>,
    /// The slug of the service every alert goes to, when fixed.
    pub service: Option<String>,
    pub service_label: String,
    pub severity_label: String,
    pub resolve_with_alert: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_delivery_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    /// The newest flagged deliveries, newest first.
    pub flagged: Vec<FlaggedDelivery>,
}

/// An integration with its token, just created or replaced: the token is in here once, and only here.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedIntegration {
    pub integration: IntegrationView,
    pub token: String,
}

impl std::fmt::Debug for CreatedIntegration {
    /// Leaves the token out, so it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedIntegration")
            .field("integration", &self.integration)
            .field("token", &"…")
            .finish()
    }
}

/// Every integration, by name, with its latest flagged deliveries.
#[server(endpoint = "integrations/list")]
pub async fn list_integrations() -> Result<Vec<IntegrationView>, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(ListIntegrations)?;
    let integrations = crate::server::integrations::list(&state.db).await?;
    Ok(crate::server::integrations::to_views(
        &state.db,
        &state.settings.public_base_url,
        integrations,
    )
    .await?)
}

/// Adds an integration; its token is returned once.
#[server(endpoint = "integrations/create")]
pub async fn create_integration(
    integration: IntegrationForm,
) -> Result<CreatedIntegration, ApiError> {
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(CreateIntegration)?;
    let draft = integration
        .parse()
        .map_err(crate::server::AppError::Validation)?;
    let (created, token) =
        crate::server::integrations::create(&state.db, &admin.actor(), &draft).await?;
    shown_once(&state, created, token).await
}

/// Disables (`true`) or re-enables an integration; a disabled integration's deliveries are refused.
#[server(endpoint = "integrations/set-disabled")]
pub async fn set_integration_disabled(
    id: i64,
    disabled: bool,
) -> Result<IntegrationView, ApiError> {
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(SetIntegrationDisabled)?;
    let saved =
        crate::server::integrations::set_disabled(&state.db, &admin.actor(), id, disabled).await?;
    Ok(
        crate::server::integrations::to_view_one(&state.db, &state.settings.public_base_url, saved)
            .await?,
    )
}

/// Sets or (empty) clears an integration's signing secret.
#[server(endpoint = "integrations/set-secret")]
pub async fn set_integration_secret(
    id: i64,
    #[server(default)] signing_secret: String,
) -> Result<IntegrationView, ApiError> {
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(SetIntegrationSecret)?;
    let secret = crate::domain::integration::parse_signing_secret(&signing_secret)
        .map_err(|message| crate::server::AppError::field("signing_secret", &message))?;
    let saved =
        crate::server::integrations::set_signing_secret(&state.db, &admin.actor(), id, secret)
            .await?;
    Ok(
        crate::server::integrations::to_view_one(&state.db, &state.settings.public_base_url, saved)
            .await?,
    )
}

/// Replaces an integration's token (the old one stops working at once); the new one is returned once.
#[server(endpoint = "integrations/rotate-token")]
pub async fn rotate_integration_token(id: i64) -> Result<CreatedIntegration, ApiError> {
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(RotateIntegrationToken)?;
    let (saved, token) =
        crate::server::integrations::rotate_token(&state.db, &admin.actor(), id).await?;
    shown_once(&state, saved, token).await
}

/// A token just created by a form posted without JavaScript, which the browser could not see in
/// the answer: the page it is sent back to shows it, once.
#[server(endpoint = "integrations/shown-once")]
pub async fn take_shown_once_token() -> Result<Option<CreatedIntegration>, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(TakeShownOnceToken)?;
    Ok(crate::server::integrations::take_kept(&state.db, &state.settings.public_base_url).await?)
}

/// The answer carrying a new token; a form that shows only the next page finds it there instead.
#[cfg(feature = "ssr")]
async fn shown_once(
    state: &crate::server::AppState,
    model: crate::server::entities::integration::Model,
    token: String,
) -> Result<CreatedIntegration, ApiError> {
    crate::server::integrations::keep_for_next_page(model.id, &token).await?;
    let integration =
        crate::server::integrations::to_view_one(&state.db, &state.settings.public_base_url, model)
            .await?;
    Ok(CreatedIntegration { integration, token })
}

//! Server functions for the service catalog: list, read, create, edit, archive and restore.

pub use shared::wire::services::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::ServiceForm;

/// Lists the catalog, alphabetically; archived services only when asked for.
#[server(endpoint = "services/list")]
pub async fn list_services(include_archived: bool) -> Result<Vec<ServiceSummary>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListServices)?;
    let services = backend::services::list(&state.db, include_archived).await?;
    Ok(services.into_iter().map(Into::into).collect())
}

/// Reads one service by its slug.
#[server(endpoint = "services/get")]
pub async fn get_service(slug: String) -> Result<ServiceView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GetService)?;
    let service = backend::services::find_by_slug(&state.db, &slug).await?;
    Ok(backend::services::to_view(service))
}

/// Adds a service to the catalog and goes to its page.
#[server(endpoint = "services/create")]
pub async fn create_service(service: ServiceForm) -> Result<ServiceView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(CreateService)?;
    let draft = service.parse().map_err(backend::AppError::Validation)?;
    let created = backend::services::create(&state.db, &user.actor(), &draft).await?;
    leptos_axum::redirect(&format!("/services/{}", created.slug));
    Ok(backend::services::to_view(created))
}

/// Saves changes to a service, refusing them if someone else saved since `version` was read.
#[server(endpoint = "services/update")]
pub async fn update_service(
    slug: String,
    version: i32,
    service: ServiceForm,
) -> Result<ServiceView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(UpdateService)?;
    let draft = service.parse().map_err(backend::AppError::Validation)?;
    let updated =
        backend::services::update(&state.db, &user.actor(), &slug, version, &draft).await?;
    leptos_axum::redirect(&format!("/services/{}", updated.slug));
    Ok(backend::services::to_view(updated))
}

/// Archives a service: it leaves the catalog's default view but keeps its history.
#[server(endpoint = "services/archive")]
pub async fn archive_service(slug: String) -> Result<ServiceView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(ArchiveService)?;
    let archived = backend::services::set_archived(&state.db, &user.actor(), &slug, true).await?;
    Ok(backend::services::to_view(archived))
}

/// Brings an archived service back into the catalog.
#[server(endpoint = "services/restore")]
pub async fn restore_service(slug: String) -> Result<ServiceView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(RestoreService)?;
    let restored = backend::services::set_archived(&state.db, &user.actor(), &slug, false).await?;
    Ok(backend::services::to_view(restored))
}

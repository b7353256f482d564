//! Server functions for incidents: the list, one incident, declaring, editing, status changes and
//! the timeline.

pub use shared::wire::incidents::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::{IncidentForm, TimelineForm};

/// The incident list, filtered and paged by cursor.
#[server(endpoint = "incidents/list")]
pub async fn list_incidents(
    #[server(default)] query: IncidentQuery,
) -> Result<IncidentPage, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListIncidents)?;
    Ok(backend::incidents::list::page(&state.db, &query).await?)
}

/// One incident with its timeline and alerts.
#[server(endpoint = "incidents/get")]
pub async fn get_incident(id: i64) -> Result<IncidentView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GetIncident)?;
    Ok(backend::incidents::view(&state.db, id).await?)
}

/// Declares an incident and goes to its page.
#[server(endpoint = "incidents/declare")]
pub async fn declare_incident(incident: IncidentForm) -> Result<IncidentView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DeclareIncident)?;
    let draft = incident.parse().map_err(backend::AppError::Validation)?;
    let id = backend::incidents::declare(&state, &user.actor(), &draft).await?;
    leptos_axum::redirect(&format!("/incidents/{id}"));
    Ok(backend::incidents::view(&state.db, id).await?)
}

/// Saves an edit made from `version`; refused if someone saved in between.
#[server(endpoint = "incidents/update")]
pub async fn update_incident(
    id: i64,
    version: i32,
    incident: IncidentForm,
) -> Result<IncidentView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(UpdateIncident)?;
    let draft = incident.parse().map_err(backend::AppError::Validation)?;
    backend::incidents::update(&state, &user.actor(), id, version, &draft).await?;
    leptos_axum::redirect(&format!("/incidents/{id}"));
    Ok(backend::incidents::view(&state.db, id).await?)
}

/// Moves an incident to another status, with an optional note for the timeline.
#[server(endpoint = "incidents/set-status")]
pub async fn set_incident_status(
    id: i64,
    version: i32,
    status: String,
    #[server(default)] note: String,
) -> Result<IncidentView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SetIncidentStatus)?;
    let status = shared::domain::IncidentStatus::parse(&status)
        .ok_or_else(|| backend::AppError::field("status", "Choose a status."))?;
    backend::incidents::set_status(&state.db, &user.actor(), id, version, status, &note).await?;
    Ok(backend::incidents::view(&state.db, id).await?)
}

/// Adds an entry to an incident's timeline.
#[server(endpoint = "incidents/timeline/add")]
pub async fn add_timeline_entry(
    incident_id: i64,
    entry: TimelineForm,
) -> Result<TimelineEntryView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(AddTimelineEntry)?;
    let draft = entry.parse().map_err(backend::AppError::Validation)?;
    Ok(backend::incidents::timeline::add(&state, &user.actor(), incident_id, &draft).await?)
}

/// Changes a timeline entry; refused if someone changed it since `version`.
#[server(endpoint = "incidents/timeline/update")]
pub async fn update_timeline_entry(
    id: i64,
    version: i32,
    entry: TimelineForm,
) -> Result<TimelineEntryView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(UpdateTimelineEntry)?;
    let draft = entry.parse().map_err(backend::AppError::Validation)?;
    Ok(backend::incidents::timeline::update(&state, &user.actor(), id, version, &draft).await?)
}

/// Removes a timeline entry.
#[server(endpoint = "incidents/timeline/delete")]
pub async fn delete_timeline_entry(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DeleteTimelineEntry)?;
    Ok(backend::incidents::timeline::delete(&state, &user.actor(), id).await?)
}

/// The postmortem rule in force, in words.
#[server(endpoint = "incidents/policy")]
pub async fn postmortem_policy() -> Result<String, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(PostmortemPolicy)?;
    Ok(state.settings.postmortem_policy.describe())
}

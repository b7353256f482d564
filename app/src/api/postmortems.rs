//! Server functions for postmortems: starting one, reading it, saving each field and item with a
//! version check, the review workflow, the facilitator's step and the templates per severity.

pub use shared::wire::postmortems::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::postmortem::{ActionForm, FactorForm, PmTimelineForm};

/// Postmortems, newest first.
#[server(endpoint = "postmortems/list")]
pub async fn list_postmortems() -> Result<Vec<PostmortemRow>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListPostmortems)?;
    Ok(backend::postmortems::list(&state.db).await?)
}

/// One postmortem with all its content.
#[server(endpoint = "postmortems/get")]
pub async fn get_postmortem(id: i64) -> Result<PostmortemView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(GetPostmortem)?;
    let mut view = backend::postmortems::view(&state, id).await?;
    view.can_edit = user.can(shared::domain::Permission::EditPostmortems);
    view.can_promote = user.can(shared::domain::Permission::TriageProblems);
    view.can_guard = user.can(shared::domain::Permission::ManageGuardrails);
    view.reading_author = view.author_id == Some(user.id);
    Ok(view)
}

/// Starts a postmortem for one or more incidents (ids separated by commas) and goes to it.
/// An incident that already has a postmortem leads to that one.
#[server(endpoint = "postmortems/start")]
pub async fn start_postmortem(
    #[server(default)] incidents: shared::domain::ListField,
) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(StartPostmortem)?;
    let ids = backend::postmortems::parse_ids(incidents.as_str())?;
    let id =
        backend::postmortems::start(&state.db, state.settings.review_due_days, &user, &ids).await?;
    leptos_axum::redirect(&format!("/postmortems/{id}"));
    Ok(id)
}

/// Saves one narrative field edited from `version`.
#[server(endpoint = "postmortems/field")]
pub async fn save_field(
    postmortem_id: i64,
    field: String,
    version: i32,
    body: String,
) -> Result<Saved<FieldView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveField)?;
    let field = shared::domain::postmortem::NarrativeField::parse(&field)
        .ok_or_else(|| backend::AppError::field("field", "Unknown field."))?;
    let body = field.check(&body).map_err(backend::AppError::Validation)?;
    Ok(crate::ssr::error::answered(
        backend::postmortems::document::save_field(
            &state,
            &user,
            postmortem_id,
            field,
            version,
            &body,
        )
        .await?,
    ))
}

/// Adds (`id` 0) or changes a curated timeline entry.
#[server(endpoint = "postmortems/timeline/save")]
pub async fn save_pm_timeline_entry(
    postmortem_id: i64,
    id: i64,
    version: i32,
    entry: PmTimelineForm,
) -> Result<Saved<PmTimelineView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SavePmTimelineEntry)?;
    Ok(crate::ssr::error::answered(
        backend::postmortems::document::save_timeline_entry(
            &state,
            &user,
            postmortem_id,
            id,
            version,
            &entry,
        )
        .await?,
    ))
}

/// Hides a curated timeline entry from the document, or shows it again.
#[server(endpoint = "postmortems/timeline/hide")]
pub async fn set_pm_timeline_hidden(
    id: i64,
    version: i32,
    hidden: bool,
) -> Result<Saved<PmTimelineView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SetPmTimelineHidden)?;
    Ok(crate::ssr::error::answered(
        backend::postmortems::document::set_timeline_hidden(&state, &user, id, version, hidden)
            .await?,
    ))
}

/// Removes a curated timeline entry added in the meeting (imported ones are hidden instead).
#[server(endpoint = "postmortems/timeline/delete")]
pub async fn delete_pm_timeline_entry(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DeletePmTimelineEntry)?;
    Ok(backend::postmortems::document::delete_timeline_entry(&state, &user, id).await?)
}

/// Adds (`id` 0) or changes a contributing factor.
#[server(endpoint = "postmortems/factors/save")]
pub async fn save_factor(
    postmortem_id: i64,
    id: i64,
    version: i32,
    factor: FactorForm,
) -> Result<Saved<FactorView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveFactor)?;
    let draft = factor.parse().map_err(backend::AppError::Validation)?;
    Ok(crate::ssr::error::answered(
        backend::postmortems::document::save_factor(
            &state,
            &user,
            postmortem_id,
            id,
            version,
            &draft,
        )
        .await?,
    ))
}

/// Removes a contributing factor (action items addressing it keep their text).
#[server(endpoint = "postmortems/factors/delete")]
pub async fn delete_factor(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DeleteFactor)?;
    Ok(backend::postmortems::document::delete_factor(&state, &user, id).await?)
}

/// Adds (`id` 0) or changes an action item.
#[server(endpoint = "postmortems/actions/save")]
pub async fn save_action(
    postmortem_id: i64,
    id: i64,
    version: i32,
    action: ActionForm,
) -> Result<Saved<ActionView>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveAction)?;
    Ok(crate::ssr::error::answered(
        backend::postmortems::document::save_action(
            &state,
            &user,
            postmortem_id,
            id,
            version,
            &action,
        )
        .await?,
    ))
}

/// Removes an action item.
#[server(endpoint = "postmortems/actions/delete")]
pub async fn delete_action(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DeleteAction)?;
    Ok(backend::postmortems::document::delete_action(&state, &user, id).await?)
}

/// Moves the postmortem through its review: `send_to_review`, `approve`, `request_changes`,
/// `publish` or `reopen`, with a comment (required to ask for changes or to reopen).
#[server(endpoint = "postmortems/workflow")]
pub async fn postmortem_workflow(
    postmortem_id: i64,
    action: String,
    #[server(default)] comment: String,
) -> Result<PostmortemMeta, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(PostmortemWorkflow)?;
    let action = shared::domain::postmortem::WorkflowAction::parse(&action)
        .ok_or_else(|| backend::AppError::field("action", "Unknown action."))?;
    Ok(
        backend::postmortems::workflow::apply(&state, &user, postmortem_id, action, &comment)
            .await?,
    )
}

/// The facilitator moves the meeting to another step; followers go with them.
#[server(endpoint = "postmortems/facilitate")]
pub async fn facilitate(
    postmortem_id: i64,
    step: shared::domain::postmortem::Step,
) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(Facilitate)?;
    Ok(backend::postmortems::document::facilitate(&state, &user, postmortem_id, step).await?)
}

/// Markdown as sanitised HTML, for the live preview.
#[server(endpoint = "postmortems/preview")]
pub async fn preview_markdown(text: String) -> Result<String, ApiError> {
    crate::authorize!(PreviewMarkdown)?;
    if text.chars().count() > shared::domain::postmortem::NARRATIVE_MAX {
        return Err(backend::AppError::field("text", "Too long to preview.").into());
    }
    Ok(backend::markdown::render_markdown(&text))
}

/// The required sections per severity.
#[server(endpoint = "postmortems/templates")]
pub async fn list_templates() -> Result<Vec<TemplateRow>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListTemplates)?;
    Ok(backend::postmortems::templates::list(&state.db).await?)
}

/// Sets the required sections (keys separated by commas) for one severity.
#[server(endpoint = "postmortems/templates/save")]
pub async fn save_template(
    severity: String,
    #[server(default)] required: shared::domain::ListField,
) -> Result<TemplateRow, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveTemplate)?;
    let severity = shared::domain::Severity::parse(&severity)
        .ok_or_else(|| backend::AppError::field("severity", "Choose a severity."))?;
    let template = shared::domain::postmortem::Template::parse(required.as_str())
        .map_err(|m| backend::AppError::field("required", &m))?;
    Ok(
        backend::postmortems::templates::save(&state.db, &user.actor(), severity, &template)
            .await?,
    )
}

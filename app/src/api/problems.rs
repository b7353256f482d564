//! Problem management over the wire: the triage queue, problem records, their lifecycle, root
//! causes, known errors and links; thin server functions over `server::problems`.

pub use shared::wire::problems::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::problem::{KnownErrorForm, ProblemForm, RootCauseForm};

/// The triage queue: filtered problems, suggested problems, counts per state.
#[server(endpoint = "problems/queue")]
pub async fn triage_queue(#[server(default)] filter: QueueFilter) -> Result<QueueView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(TriageQueue)?;
    let mut queue = backend::problems::triage::queue(&state, &filter).await?;
    queue.can_triage = user.can(shared::domain::Permission::TriageProblems);
    Ok(queue)
}

/// The choices for a new problem (services, coordinators, the priority matrix).
#[server(endpoint = "problems/choices")]
pub async fn problem_choices() -> Result<ChoicesView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ProblemChoices)?;
    Ok(backend::problems::choices(&state).await?)
}

/// One problem with everything linked to it.
#[server(endpoint = "problems/get")]
pub async fn get_problem(id: i64) -> Result<ProblemView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(GetProblem)?;
    let mut view = backend::problems::view(&state, id).await?;
    view.can_triage = user.can(shared::domain::Permission::TriageProblems);
    view.can_manage_known_errors = user.can(shared::domain::Permission::ManageKnownErrors);
    Ok(view)
}

/// Records a new problem, optionally with incidents (ids separated by commas), and goes to it.
#[server(endpoint = "problems/create")]
pub async fn create_problem(
    problem: ProblemForm,
    #[server(default)] incidents: String,
) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(CreateProblem)?;
    let draft = problem.parse().map_err(backend::AppError::Validation)?;
    let incidents = shared::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| backend::AppError::field("incidents", &e))?;
    let id =
        backend::problems::create(&state, &user, &draft, &incidents, "Problem recorded.").await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// Turns a suggested group of incidents into a problem and goes to it.
#[server(endpoint = "problems/accept-suggestion")]
pub async fn accept_suggestion(incidents: String) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(AcceptSuggestion)?;
    let incidents = shared::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| backend::AppError::field("incidents", &e))?;
    let id = backend::problems::triage::accept(&state, &user, &incidents).await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// Dismisses a suggested group (its incidents, separated by commas): not a recurring problem.
#[server(endpoint = "problems/dismiss-suggestion")]
pub async fn dismiss_suggestion(
    incidents: String,
    #[server(default)] reason: String,
) -> Result<usize, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DismissSuggestion)?;
    let incidents = shared::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| backend::AppError::field("incidents", &e))?;
    Ok(backend::problems::triage::dismiss(&state.db, &user, &incidents, &reason).await?)
}

/// Saves an edit of the problem record made from `version`.
#[server(endpoint = "problems/update")]
pub async fn update_problem(id: i64, version: i32, problem: ProblemForm) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(UpdateProblem)?;
    let draft = problem.parse().map_err(backend::AppError::Validation)?;
    Ok(backend::problems::update(&state, &user, id, version, &draft).await?)
}

/// Moves the problem through its lifecycle. `duplicate_of` names the problem it duplicates;
/// `guardrail_reason` resolves it although pipeline tests are open.
#[server(endpoint = "problems/transition")]
pub async fn transition_problem(
    id: i64,
    action: String,
    #[server(default)] reason: String,
    #[server(default)] duplicate_of: String,
    #[server(default)] guardrail_reason: String,
) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(TransitionProblem)?;
    let action = shared::domain::problem::ProblemAction::parse(&action)
        .ok_or_else(|| backend::AppError::field("action", "Unknown move."))?;
    Ok(backend::problems::lifecycle::apply(
        &state.db,
        &user,
        id,
        action,
        &reason,
        &duplicate_of,
        &guardrail_reason,
    )
    .await?)
}

/// Links incidents (ids separated by commas) to the problem.
#[server(endpoint = "problems/link-incidents")]
pub async fn link_incidents(id: i64, incidents: String) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(LinkIncidents)?;
    let incidents = shared::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| backend::AppError::field("incidents", &e))?;
    Ok(backend::problems::links::link_incidents(&state.db, &user, id, &incidents).await?)
}

/// Removes one incident from the problem.
#[server(endpoint = "problems/unlink-incident")]
pub async fn unlink_incident(id: i64, incident: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(UnlinkIncident)?;
    Ok(backend::problems::links::unlink_incident(&state.db, &user, id, incident).await?)
}

/// Links an action item (by id) as part of the problem's fix.
#[server(endpoint = "problems/link-action")]
pub async fn link_action(id: i64, action_item: String) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(LinkAction)?;
    let item = action_item
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| backend::AppError::field("action_item", "Give the action item's number."))?;
    Ok(backend::problems::links::link_action(&state.db, &user, id, item).await?)
}

/// Records a root cause found for the problem.
#[server(endpoint = "problems/root-cause")]
pub async fn add_root_cause(id: i64, cause: RootCauseForm) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(AddRootCause)?;
    let draft = cause.parse().map_err(backend::AppError::Validation)?;
    Ok(backend::problems::add_root_cause(&state.db, &user, id, &draft).await?)
}

/// Saves the workaround and the fix (Markdown).
#[server(endpoint = "problems/workaround")]
pub async fn save_workaround(
    id: i64,
    #[server(default)] workaround: String,
    #[server(default)] fix: String,
) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveWorkaround)?;
    Ok(backend::problems::save_workaround(&state.db, &user, id, &workaround, &fix).await?)
}

/// Publishes (or republishes) the problem's known-error article.
#[server(endpoint = "problems/known-error")]
pub async fn publish_known_error(id: i64, article: KnownErrorForm) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(PublishKnownError)?;
    let draft = article
        .parse(chrono::Utc::now().date_naive())
        .map_err(backend::AppError::Validation)?;
    Ok(backend::problems::known_errors::publish(&state.db, &user, id, &draft).await?)
}

/// Retires the problem's known-error article (it no longer matches new incidents).
#[server(endpoint = "problems/known-error/retire")]
pub async fn retire_known_error(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(RetireKnownError)?;
    Ok(backend::problems::known_errors::retire(&state.db, &user, id).await?)
}

/// One move applied to several problems from the queue (ids separated by commas): `link`
/// (incidents), `levels` (impact and urgency), `assign` (coordinator) or `duplicate`.
#[server(endpoint = "problems/bulk")]
pub async fn bulk_update(
    #[server(default)] problems: shared::domain::ListField,
    operation: String,
    #[server(default)] incidents: String,
    #[server(default)] impact: String,
    #[server(default)] urgency: String,
    #[server(default)] coordinator: String,
    #[server(default)] duplicate_of: String,
) -> Result<usize, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(BulkUpdate)?;
    let ids = shared::domain::problem::parse_ids(problems.as_str(), "problem")
        .map_err(|e| backend::AppError::field("problems", &e))?;
    let op = backend::problems::triage::BulkOperation::parse(
        &operation,
        &incidents,
        &impact,
        &urgency,
        &coordinator,
        &duplicate_of,
    )?;
    Ok(backend::problems::triage::bulk(&state, &user, &ids, &op).await?)
}

/// Promotes a postmortem's contributing factor to a problem in one step and goes to it.
#[server(endpoint = "problems/promote-factor")]
pub async fn promote_factor(factor: i64) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(PromoteFactor)?;
    let id = backend::problems::links::promote_factor(&state, &user, factor).await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// The problems an incident is linked to and the known errors that match it.
#[server(endpoint = "problems/for-incident")]
pub async fn incident_problems(incident: i64) -> Result<IncidentLinks, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(IncidentProblems)?;
    Ok(backend::problems::known_errors::for_incident(&state.db, incident).await?)
}

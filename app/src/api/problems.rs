//! Problem management over the wire: the triage queue, problem records, their lifecycle, root
//! causes, known errors and links; thin server functions over `server::problems`.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::incident::{IncidentStatus, Severity};
use crate::domain::postmortem::{ActionKind, ActionStatus};
use crate::domain::problem::{
    KnownErrorForm, Level, Priority, PriorityMatrix, ProblemAction, ProblemCategory, ProblemForm,
    ProblemState, RootCauseForm,
};
use crate::domain::recurrence::GroupReason;

/// A record named by id, e.g. a service or a person, for links and choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// One problem in the triage queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemRow {
    pub id: i64,
    pub title: String,
    pub state: ProblemState,
    pub priority: Priority,
    pub impact: Level,
    pub urgency: Level,
    pub services: Vec<Named>,
    pub coordinator: Option<Named>,
    pub incidents: usize,
    pub created_at: DateTime<Utc>,
    pub age_days: i64,
    pub known_error: bool,
    /// Incidents that matched after the problem was resolved: it may need re-analysis.
    pub recurred_after_resolution: usize,
}

/// Incidents that look alike and that no problem covers yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The incident ids, oldest first, separated by commas: what "accept" sends back.
    pub key: String,
    pub service: Option<Named>,
    pub incidents: Vec<Named>,
    pub reason: GroupReason,
    pub span_days: i64,
    pub last_at: DateTime<Utc>,
}

impl Suggestion {
    /// "4 incidents on payments-api in 30 days look alike".
    pub fn headline(&self) -> String {
        let place = self
            .service
            .as_ref()
            .map(|s| format!(" on {}", s.name))
            .unwrap_or_default();
        let what = match self.reason {
            GroupReason::SameAlert => "came from the same alert",
            GroupReason::SimilarText => "look alike",
        };
        format!(
            "{} incidents{place} in {} day{} {what}",
            self.incidents.len(),
            self.span_days,
            if self.span_days == 1 { "" } else { "s" }
        )
    }
}

/// What the triage queue filters by; empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub coordinator: String,
    #[serde(default)]
    pub priority: String,
}

/// The problem manager's working screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub problems: Vec<ProblemRow>,
    pub suggestions: Vec<Suggestion>,
    /// Problems per state, over all problems (not only the filtered ones).
    pub counts: Vec<(ProblemState, usize)>,
    pub services: Vec<Named>,
    pub coordinators: Vec<Named>,
    pub matrix: PriorityMatrix,
    pub can_triage: bool,
}

/// An incident linked to a problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedIncident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub opened_at: DateTime<Utc>,
    pub recurrence: bool,
}

/// A root cause with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RootCauseView {
    pub id: i64,
    pub description: String,
    pub description_html: String,
    pub category: ProblemCategory,
    pub evidence: Vec<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// A postmortem's contributing factor linked to a problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedFactor {
    pub id: i64,
    pub title: String,
    pub postmortem_id: i64,
    pub postmortem_title: String,
}

/// An action item that implements the fix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedAction {
    pub id: i64,
    pub title: String,
    pub kind: ActionKind,
    pub status: ActionStatus,
    pub postmortem_id: i64,
}

/// A published known-error article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownErrorView {
    pub problem_id: i64,
    pub problem_title: String,
    pub symptoms: String,
    pub symptoms_html: String,
    pub workaround_html: String,
    pub runbook_url: Option<String>,
    pub valid_until: Option<NaiveDate>,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    /// Still within its validity date.
    pub valid: bool,
}

/// A known error that a new incident matched, shown on the incident's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownErrorMatch {
    pub article: KnownErrorView,
    /// Why it matched: the same alert, or similar text.
    pub reason: String,
}

/// One entry of a problem's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub from_state: Option<ProblemState>,
    pub to_state: Option<ProblemState>,
    pub note: String,
}

/// One problem with everything linked to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemView {
    pub id: i64,
    pub title: String,
    pub statement: String,
    pub statement_html: String,
    pub category: ProblemCategory,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub state: ProblemState,
    pub coordinator: Option<Named>,
    pub duplicate_of: Option<Named>,
    pub duplicates: Vec<Named>,
    pub services: Vec<Named>,
    pub incidents: Vec<LinkedIncident>,
    pub root_causes: Vec<RootCauseView>,
    pub factors: Vec<LinkedFactor>,
    pub actions: Vec<LinkedAction>,
    pub workaround: String,
    pub workaround_html: String,
    pub fix: String,
    pub fix_html: String,
    pub resolution: String,
    pub known_error: Option<KnownErrorView>,
    pub history: Vec<HistoryEntry>,
    pub possible_actions: Vec<ProblemAction>,
    pub open_pipeline_tests: usize,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub matrix: PriorityMatrix,
    pub all_services: Vec<Named>,
    pub coordinators: Vec<Named>,
    /// Action items that could join the fix (labelled with their postmortem).
    #[serde(default)]
    pub action_candidates: Vec<Named>,
    /// Problems this one could be marked a duplicate of.
    #[serde(default)]
    pub duplicate_candidates: Vec<Named>,
    pub can_triage: bool,
    pub can_manage_known_errors: bool,
}

impl ProblemView {
    /// The record as its form, for editing.
    pub fn to_form(&self) -> ProblemForm {
        ProblemForm {
            title: self.title.clone(),
            statement: self.statement.clone(),
            category: self.category.as_str().to_owned(),
            impact: self.impact.as_str().to_owned(),
            urgency: self.urgency.as_str().to_owned(),
            services: crate::domain::ListField(
                self.services
                    .iter()
                    .map(|s| s.id.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            coordinator: self
                .coordinator
                .as_ref()
                .map(|c| c.id.to_string())
                .unwrap_or_default(),
        }
    }
}

/// What the new-problem form offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoicesView {
    pub services: Vec<Named>,
    pub coordinators: Vec<Named>,
    pub matrix: PriorityMatrix,
}

/// The problems an incident is linked to, and the known errors that match it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentLinks {
    pub problems: Vec<(i64, String, ProblemState)>,
    pub known_errors: Vec<KnownErrorMatch>,
}

/// The triage queue: filtered problems, suggested problems, counts per state.
#[server(endpoint = "problems/queue")]
pub async fn triage_queue(#[server(default)] filter: QueueFilter) -> Result<QueueView, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(TriageQueue)?;
    let mut queue = crate::server::problems::triage::queue(&state, &filter).await?;
    queue.can_triage = user.can(crate::domain::Permission::TriageProblems);
    Ok(queue)
}

/// The choices for a new problem (services, coordinators, the priority matrix).
#[server(endpoint = "problems/choices")]
pub async fn problem_choices() -> Result<ChoicesView, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(ProblemChoices)?;
    Ok(crate::server::problems::choices(&state).await?)
}

/// One problem with everything linked to it.
#[server(endpoint = "problems/get")]
pub async fn get_problem(id: i64) -> Result<ProblemView, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(GetProblem)?;
    let mut view = crate::server::problems::view(&state, id).await?;
    view.can_triage = user.can(crate::domain::Permission::TriageProblems);
    view.can_manage_known_errors = user.can(crate::domain::Permission::ManageKnownErrors);
    Ok(view)
}

/// Records a new problem, optionally with incidents (ids separated by commas), and goes to it.
#[server(endpoint = "problems/create")]
pub async fn create_problem(
    problem: ProblemForm,
    #[server(default)] incidents: String,
) -> Result<i64, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(CreateProblem)?;
    let draft = problem
        .parse()
        .map_err(crate::server::AppError::Validation)?;
    let incidents = crate::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| crate::server::AppError::field("incidents", &e))?;
    let id =
        crate::server::problems::create(&state, &user, &draft, &incidents, "Problem recorded.")
            .await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// Turns a suggested group of incidents into a problem and goes to it.
#[server(endpoint = "problems/accept-suggestion")]
pub async fn accept_suggestion(incidents: String) -> Result<i64, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(AcceptSuggestion)?;
    let incidents = crate::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| crate::server::AppError::field("incidents", &e))?;
    let id = crate::server::problems::triage::accept(&state, &user, &incidents).await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// Dismisses a suggested group (its incidents, separated by commas): not a recurring problem.
#[server(endpoint = "problems/dismiss-suggestion")]
pub async fn dismiss_suggestion(
    incidents: String,
    #[server(default)] reason: String,
) -> Result<usize, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(DismissSuggestion)?;
    let incidents = crate::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| crate::server::AppError::field("incidents", &e))?;
    Ok(crate::server::problems::triage::dismiss(&state.db, &user, &incidents, &reason).await?)
}

/// Saves an edit of the problem record made from `version`.
#[server(endpoint = "problems/update")]
pub async fn update_problem(id: i64, version: i32, problem: ProblemForm) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(UpdateProblem)?;
    let draft = problem
        .parse()
        .map_err(crate::server::AppError::Validation)?;
    Ok(crate::server::problems::update(&state, &user, id, version, &draft).await?)
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
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(TransitionProblem)?;
    let action = ProblemAction::parse(&action)
        .ok_or_else(|| crate::server::AppError::field("action", "Unknown move."))?;
    Ok(crate::server::problems::lifecycle::apply(
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
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(LinkIncidents)?;
    let incidents = crate::domain::problem::parse_ids(&incidents, "incident")
        .map_err(|e| crate::server::AppError::field("incidents", &e))?;
    Ok(crate::server::problems::links::link_incidents(&state.db, &user, id, &incidents).await?)
}

/// Removes one incident from the problem.
#[server(endpoint = "problems/unlink-incident")]
pub async fn unlink_incident(id: i64, incident: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(UnlinkIncident)?;
    Ok(crate::server::problems::links::unlink_incident(&state.db, &user, id, incident).await?)
}

/// Links an action item (by id) as part of the problem's fix.
#[server(endpoint = "problems/link-action")]
pub async fn link_action(id: i64, action_item: String) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(LinkAction)?;
    let item = action_item
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| {
            crate::server::AppError::field("action_item", "Give the action item's number.")
        })?;
    Ok(crate::server::problems::links::link_action(&state.db, &user, id, item).await?)
}

/// Records a root cause found for the problem.
#[server(endpoint = "problems/root-cause")]
pub async fn add_root_cause(id: i64, cause: RootCauseForm) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(AddRootCause)?;
    let draft = cause.parse().map_err(crate::server::AppError::Validation)?;
    Ok(crate::server::problems::add_root_cause(&state.db, &user, id, &draft).await?)
}

/// Saves the workaround and the fix (Markdown).
#[server(endpoint = "problems/workaround")]
pub async fn save_workaround(
    id: i64,
    #[server(default)] workaround: String,
    #[server(default)] fix: String,
) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveWorkaround)?;
    Ok(crate::server::problems::save_workaround(&state.db, &user, id, &workaround, &fix).await?)
}

/// Publishes (or republishes) the problem's known-error article.
#[server(endpoint = "problems/known-error")]
pub async fn publish_known_error(id: i64, article: KnownErrorForm) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(PublishKnownError)?;
    let draft = article
        .parse(Utc::now().date_naive())
        .map_err(crate::server::AppError::Validation)?;
    Ok(crate::server::problems::known_errors::publish(&state.db, &user, id, &draft).await?)
}

/// Retires the problem's known-error article (it no longer matches new incidents).
#[server(endpoint = "problems/known-error/retire")]
pub async fn retire_known_error(id: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(RetireKnownError)?;
    Ok(crate::server::problems::known_errors::retire(&state.db, &user, id).await?)
}

/// One move applied to several problems from the queue (ids separated by commas): `link`
/// (incidents), `levels` (impact and urgency), `assign` (coordinator) or `duplicate`.
#[server(endpoint = "problems/bulk")]
pub async fn bulk_update(
    #[server(default)] problems: crate::domain::ListField,
    operation: String,
    #[server(default)] incidents: String,
    #[server(default)] impact: String,
    #[server(default)] urgency: String,
    #[server(default)] coordinator: String,
    #[server(default)] duplicate_of: String,
) -> Result<usize, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(BulkUpdate)?;
    let ids = crate::domain::problem::parse_ids(problems.as_str(), "problem")
        .map_err(|e| crate::server::AppError::field("problems", &e))?;
    let op = crate::server::problems::triage::BulkOperation::parse(
        &operation,
        &incidents,
        &impact,
        &urgency,
        &coordinator,
        &duplicate_of,
    )?;
    Ok(crate::server::problems::triage::bulk(&state, &user, &ids, &op).await?)
}

/// Promotes a postmortem's contributing factor to a problem in one step and goes to it.
#[server(endpoint = "problems/promote-factor")]
pub async fn promote_factor(factor: i64) -> Result<i64, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(PromoteFactor)?;
    let id = crate::server::problems::links::promote_factor(&state, &user, factor).await?;
    leptos_axum::redirect(&format!("/problems/{id}"));
    Ok(id)
}

/// The problems an incident is linked to and the known errors that match it.
#[server(endpoint = "problems/for-incident")]
pub async fn incident_problems(incident: i64) -> Result<IncidentLinks, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(IncidentProblems)?;
    Ok(crate::server::problems::known_errors::for_incident(&state.db, incident).await?)
}

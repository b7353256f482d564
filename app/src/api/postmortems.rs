//! Server functions for postmortems: starting one, reading it, saving each field and item with a
//! version check, the review workflow, the facilitator's step and the templates per severity.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::postmortem::{
    ActionForm, ActionKind, ActionPriority, ActionStatus, Evidence, FactorCategory, FactorForm,
    IncidentWindow, Moment, NarrativeField, PmTimelineForm, PostmortemStatus, Step,
};
use crate::domain::{IncidentStatus, Severity};

/// The outcome of a versioned save: stored, or refused because someone else saved first (with
/// what they saved, so the person can choose).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Saved<T> {
    Saved(T),
    Conflict(T),
}

/// An incident a postmortem reviews.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentLink {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
}

/// A person who can own an action item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

/// One narrative field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldView {
    pub field: NarrativeField,
    pub body: String,
    /// The body as sanitised HTML.
    pub html: String,
    /// 0 until first saved.
    pub version: i32,
    pub updated_by: String,
}

/// One curated timeline entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PmTimelineView {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: crate::domain::incident::TimelineKind,
    pub body: String,
    /// The body's Markdown as sanitised HTML.
    pub html: String,
    pub moment: Moment,
    pub hidden: bool,
    /// Imported from an incident's timeline rather than added in the meeting.
    pub imported: bool,
    pub version: i32,
    pub updated_by: String,
}

impl PmTimelineView {
    pub fn to_form(&self) -> PmTimelineForm {
        PmTimelineForm {
            occurred_at: crate::domain::incident::to_input_value(Some(self.occurred_at)),
            kind: self.kind.as_str().to_owned(),
            body: self.body.clone(),
            moment: self.moment.as_str().to_owned(),
        }
    }
}

/// One contributing factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorView {
    pub id: i64,
    pub title: String,
    pub category: FactorCategory,
    pub description: String,
    pub whys: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub version: i32,
    pub updated_by: String,
}

impl FactorView {
    pub fn to_form(&self) -> FactorForm {
        FactorForm {
            title: self.title.clone(),
            category: self.category.as_str().to_owned(),
            description: self.description.clone(),
            whys: self.whys.join("\n"),
            evidence: self
                .evidence
                .iter()
                .map(Evidence::to_line)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// One action item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub owner_id: Option<i64>,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub priority: ActionPriority,
    pub factor_id: Option<i64>,
    pub status: ActionStatus,
    pub version: i32,
    pub updated_by: String,
    /// The service it belongs to (its issue goes to that service's repository).
    #[serde(default)]
    pub service_id: Option<i64>,
    /// Where the item stands with GitHub, once it was queued for a sync.
    #[serde(default)]
    pub sync: Option<crate::api::github::SyncBadge>,
}

impl ActionView {
    pub fn to_form(&self) -> ActionForm {
        ActionForm {
            title: self.title.clone(),
            description: self.description.clone(),
            kind: self.kind.as_str().to_owned(),
            owner: self.owner_id.map(|i| i.to_string()).unwrap_or_default(),
            due_on: self.due_on.map(|d| d.to_string()).unwrap_or_default(),
            priority: self.priority.as_str().to_owned(),
            factor: self.factor_id.map(|i| i.to_string()).unwrap_or_default(),
            status: self.status.as_str().to_owned(),
            service: self.service_id.map(|i| i.to_string()).unwrap_or_default(),
        }
    }
}

/// One entry of the review history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityView {
    pub actor: String,
    /// `started`, or a workflow action key.
    pub action: String,
    pub comment: String,
    pub review_round: i32,
    pub at: DateTime<Utc>,
}

/// Everything about a postmortem except its content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostmortemMeta {
    pub status: PostmortemStatus,
    pub version: i32,
    pub review_round: i32,
    pub review_due_on: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    /// Distinct reviewers who approved in this round.
    pub approvers: Vec<String>,
    /// True when this round's approvals allow publishing.
    pub can_publish: bool,
    pub activity: Vec<ActivityView>,
}

/// A whole postmortem, as the meeting page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostmortemView {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub required: Vec<Step>,
    pub author_id: Option<i64>,
    pub author: String,
    pub facilitator_step: Step,
    pub facilitator: String,
    pub meta: PostmortemMeta,
    pub approvals_required: usize,
    pub incidents: Vec<IncidentLink>,
    /// Problems linked to its incidents or promoted from its factors.
    pub problems: Vec<(i64, String, crate::domain::problem::ProblemState)>,
    pub window: IncidentWindow,
    /// The incidents' own impact start, used when no entry is marked "impact started".
    pub impact_started_at: Option<DateTime<Utc>>,
    pub fields: Vec<FieldView>,
    pub timeline: Vec<PmTimelineView>,
    pub factors: Vec<FactorView>,
    pub actions: Vec<ActionView>,
    /// Every active service, the incidents' own first (see [`crate::domain::action_service`]).
    #[serde(default)]
    pub services: Vec<crate::domain::action_service::ServiceChoice>,
    pub users: Vec<UserRef>,
    /// The newest live event, so the page's live connection starts after it.
    pub last_event_id: i64,
    /// Whether the person reading may edit (the server checks again on every save).
    pub can_edit: bool,
    /// Whether the person reading may promote a contributing factor to a problem.
    pub can_promote: bool,
    /// Whether the person reading started this postmortem (an author does not approve it).
    #[serde(default)]
    pub reading_author: bool,
}

impl PostmortemView {
    pub fn field(&self, field: NarrativeField) -> Option<&FieldView> {
        self.fields.iter().find(|f| f.field == field)
    }

    /// The durations the curated timeline's marks imply.
    pub fn durations(&self) -> crate::domain::postmortem::MomentDurations {
        let marks: Vec<_> = self
            .timeline
            .iter()
            .map(|e| (e.moment, e.occurred_at, e.hidden))
            .collect();
        crate::domain::postmortem::moment_durations(&marks, self.impact_started_at)
    }
}

/// One row of the postmortem list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostmortemRow {
    pub id: i64,
    pub title: String,
    pub status: PostmortemStatus,
    pub severity: Severity,
    pub author: String,
    pub review_due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub incident_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

/// A change to a postmortem, sent live to everyone who has it open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LiveEvent {
    Field(FieldView),
    Timeline(PmTimelineView),
    TimelineRemoved(i64),
    Factor(FactorView),
    FactorRemoved(i64),
    Action(ActionView),
    ActionRemoved(i64),
    Meta(PostmortemMeta),
    Facilitator { step: Step, by: String },
}

/// One live event with its position in the postmortem's log and who caused it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveMessage {
    pub id: i64,
    pub by: String,
    pub event: LiveEvent,
}

/// The required sections per severity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateRow {
    pub severity: Severity,
    pub required: Vec<Step>,
}

/// Postmortems, newest first.
#[server(endpoint = "postmortems/list")]
pub async fn list_postmortems() -> Result<Vec<PostmortemRow>, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(ListPostmortems)?;
    Ok(crate::server::postmortems::list(&state.db).await?)
}

/// One postmortem with all its content.
#[server(endpoint = "postmortems/get")]
pub async fn get_postmortem(id: i64) -> Result<PostmortemView, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(GetPostmortem)?;
    let mut view = crate::server::postmortems::view(&state, id).await?;
    view.can_edit = user.can(crate::domain::Permission::EditPostmortems);
    view.can_promote = user.can(crate::domain::Permission::TriageProblems);
    view.reading_author = view.author_id == Some(user.id);
    Ok(view)
}

/// One part of the meeting page (`timeline`, `factors`, `actions` or `review`) rendered anew as
/// HTML, for the page to swap in when someone changed it. A GET: every open page asks for it after
/// each change, and reading must not count as a write (which would end remembered pages and, on
/// PostgreSQL, notify every instance).
#[server(endpoint = "postmortems/part", input = server_fn::codec::GetUrl)]
pub async fn postmortem_part(postmortem_id: i64, part: String) -> Result<String, ApiError> {
    let part = crate::pages::postmortem::Part::parse(&part)
        .ok_or_else(|| crate::server::AppError::field("part", "Unknown part."))?;
    let view = get_postmortem(postmortem_id).await?;
    Ok(crate::pages::postmortem::render_part(part, &view))
}

/// One item's editor (`item` as `timeline-12`, `factor-3` or `action-5`), opened, as HTML. The
/// meeting fetches it when someone clicks "Edit", so the page need not carry every item's form.
#[server(endpoint = "postmortems/editor", input = server_fn::codec::GetUrl)]
pub async fn postmortem_editor(postmortem_id: i64, item: String) -> Result<String, ApiError> {
    let view = get_postmortem(postmortem_id).await?;
    crate::pages::postmortem::render_editor(&item, &view)
        .ok_or_else(|| crate::server::AppError::NotFound("Item").into())
}

/// Starts a postmortem for one or more incidents (ids separated by commas) and goes to it.
/// An incident that already has a postmortem leads to that one.
#[server(endpoint = "postmortems/start")]
pub async fn start_postmortem(
    #[server(default)] incidents: crate::domain::ListField,
) -> Result<i64, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(StartPostmortem)?;
    let ids = crate::server::postmortems::parse_ids(incidents.as_str())?;
    let id =
        crate::server::postmortems::start(&state.db, state.settings.review_due_days, &user, &ids)
            .await?;
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
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveField)?;
    let field = NarrativeField::parse(&field)
        .ok_or_else(|| crate::server::AppError::field("field", "Unknown field."))?;
    let body = field
        .check(&body)
        .map_err(crate::server::AppError::Validation)?;
    Ok(crate::server::postmortems::document::save_field(
        &state,
        &user,
        postmortem_id,
        field,
        version,
        &body,
    )
    .await?)
}

/// Adds (`id` 0) or changes a curated timeline entry.
#[server(endpoint = "postmortems/timeline/save")]
pub async fn save_pm_timeline_entry(
    postmortem_id: i64,
    id: i64,
    version: i32,
    entry: PmTimelineForm,
) -> Result<Saved<PmTimelineView>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SavePmTimelineEntry)?;
    Ok(crate::server::postmortems::document::save_timeline_entry(
        &state,
        &user,
        postmortem_id,
        id,
        version,
        &entry,
    )
    .await?)
}

/// Hides a curated timeline entry from the document, or shows it again.
#[server(endpoint = "postmortems/timeline/hide")]
pub async fn set_pm_timeline_hidden(
    id: i64,
    version: i32,
    hidden: bool,
) -> Result<Saved<PmTimelineView>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SetPmTimelineHidden)?;
    Ok(crate::server::postmortems::document::set_timeline_hidden(
        &state, &user, id, version, hidden,
    )
    .await?)
}

/// Removes a curated timeline entry added in the meeting (imported ones are hidden instead).
#[server(endpoint = "postmortems/timeline/delete")]
pub async fn delete_pm_timeline_entry(id: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(DeletePmTimelineEntry)?;
    Ok(crate::server::postmortems::document::delete_timeline_entry(&state, &user, id).await?)
}

/// Adds (`id` 0) or changes a contributing factor.
#[server(endpoint = "postmortems/factors/save")]
pub async fn save_factor(
    postmortem_id: i64,
    id: i64,
    version: i32,
    factor: FactorForm,
) -> Result<Saved<FactorView>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveFactor)?;
    let draft = factor
        .parse()
        .map_err(crate::server::AppError::Validation)?;
    Ok(crate::server::postmortems::document::save_factor(
        &state,
        &user,
        postmortem_id,
        id,
        version,
        &draft,
    )
    .await?)
}

/// Removes a contributing factor (action items addressing it keep their text).
#[server(endpoint = "postmortems/factors/delete")]
pub async fn delete_factor(id: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(DeleteFactor)?;
    Ok(crate::server::postmortems::document::delete_factor(&state, &user, id).await?)
}

/// Adds (`id` 0) or changes an action item.
#[server(endpoint = "postmortems/actions/save")]
pub async fn save_action(
    postmortem_id: i64,
    id: i64,
    version: i32,
    action: ActionForm,
) -> Result<Saved<ActionView>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveAction)?;
    Ok(crate::server::postmortems::document::save_action(
        &state,
        &user,
        postmortem_id,
        id,
        version,
        &action,
    )
    .await?)
}

/// Removes an action item.
#[server(endpoint = "postmortems/actions/delete")]
pub async fn delete_action(id: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(DeleteAction)?;
    Ok(crate::server::postmortems::document::delete_action(&state, &user, id).await?)
}

/// Moves the postmortem through its review: `send_to_review`, `approve`, `request_changes`,
/// `publish` or `reopen`, with a comment (required to ask for changes or to reopen).
#[server(endpoint = "postmortems/workflow")]
pub async fn postmortem_workflow(
    postmortem_id: i64,
    action: String,
    #[server(default)] comment: String,
) -> Result<PostmortemMeta, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(PostmortemWorkflow)?;
    let action = crate::domain::postmortem::WorkflowAction::parse(&action)
        .ok_or_else(|| crate::server::AppError::field("action", "Unknown action."))?;
    Ok(
        crate::server::postmortems::workflow::apply(&state, &user, postmortem_id, action, &comment)
            .await?,
    )
}

/// The facilitator moves the meeting to another step; followers go with them.
#[server(endpoint = "postmortems/facilitate")]
pub async fn facilitate(postmortem_id: i64, step: String) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(Facilitate)?;
    let step = Step::parse(&step)
        .ok_or_else(|| crate::server::AppError::field("step", "Unknown step."))?;
    Ok(
        crate::server::postmortems::document::facilitate(&state, &user, postmortem_id, step)
            .await?,
    )
}

/// Markdown as sanitised HTML, for the live preview.
#[server(endpoint = "postmortems/preview")]
pub async fn preview_markdown(text: String) -> Result<String, ApiError> {
    crate::authorize!(PreviewMarkdown)?;
    if text.chars().count() > crate::domain::postmortem::NARRATIVE_MAX {
        return Err(crate::server::AppError::field("text", "Too long to preview.").into());
    }
    Ok(crate::server::markdown::render_markdown(&text))
}

/// The required sections per severity.
#[server(endpoint = "postmortems/templates")]
pub async fn list_templates() -> Result<Vec<TemplateRow>, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(ListTemplates)?;
    Ok(crate::server::postmortems::templates::list(&state.db).await?)
}

/// Sets the required sections (keys separated by commas) for one severity.
#[server(endpoint = "postmortems/templates/save")]
pub async fn save_template(
    severity: String,
    #[server(default)] required: crate::domain::ListField,
) -> Result<TemplateRow, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveTemplate)?;
    let severity = Severity::parse(&severity)
        .ok_or_else(|| crate::server::AppError::field("severity", "Choose a severity."))?;
    let template = crate::domain::postmortem::Template::parse(required.as_str())
        .map_err(|m| crate::server::AppError::field("required", &m))?;
    Ok(
        crate::server::postmortems::templates::save(&state.db, &user.actor(), severity, &template)
            .await?,
    )
}

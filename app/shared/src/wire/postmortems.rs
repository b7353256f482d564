//! What the postmortems server functions carry over the wire.
use crate::domain::postmortem::{
    ActionForm, ActionKind, ActionPriority, ActionStatus, Evidence, FactorCategory, FactorForm,
    IncidentWindow, Moment, NarrativeField, PmTimelineForm, PostmortemStatus, Step,
};
use crate::domain::{IncidentStatus, Severity};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The outcome of a versioned save: stored, or refused because someone else saved first (with
/// what they saved, so the person can choose).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Saved<T> {
    Saved(T),
    Conflict(T),
}

impl<T> Saved<T> {
    /// The same outcome, carrying what `f` makes of its value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Saved<U> {
        match self {
            Saved::Saved(value) => Saved::Saved(f(value)),
            Saved::Conflict(value) => Saved::Conflict(f(value)),
        }
    }
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
    pub sync: Option<crate::wire::github::SyncBadge>,
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
    /// Whether the person reading may add a guardrail from a factor or pipeline test.
    #[serde(default)]
    pub can_guard: bool,
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

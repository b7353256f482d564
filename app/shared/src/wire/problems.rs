//! What the problems server functions carry over the wire.
use crate::domain::incident::{IncidentStatus, Severity};
use crate::domain::postmortem::{ActionKind, ActionStatus};
use crate::domain::problem::{
    Level, Priority, PriorityMatrix, ProblemAction, ProblemCategory, ProblemForm, ProblemState,
};
use crate::domain::recurrence::GroupReason;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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

//! What the metrics server functions carry over the wire.
use crate::domain::metrics::{DashboardQuery, Measure, Summary};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One point of a weekly series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// The Monday the week starts on.
    pub week: NaiveDate,
    /// How many records the value stands on.
    pub count: u64,
    /// The value; `None` for a week without data.
    pub value: Option<f64>,
}

/// One of MTTD, MTTA, MTTM, MTTR: the period's figure and its weekly means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecoveryFigure {
    pub measure: Measure,
    pub summary: Summary,
    pub weekly: Vec<WeekPoint>,
    /// The incidents behind the figure.
    pub href: String,
}

/// A labelled count, linking to its records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub href: String,
}

/// Open, done and overdue action items of one kind or owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionRow {
    pub label: String,
    pub open: u64,
    pub done: u64,
    pub overdue: u64,
    pub href: String,
}

/// A service's pipeline tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacklogRow {
    pub service: String,
    pub open: u64,
    pub unverified: u64,
    pub verified: u64,
    pub href: String,
}

/// A known error and how many incidents matched it after it was known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownErrorRow {
    pub title: String,
    pub recurrences: u64,
    pub href: String,
}

/// Incidents in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentFigures {
    pub total: u64,
    /// Not resolved yet (left out of MTTR).
    pub open: u64,
    pub href: String,
    pub open_href: String,
    pub by_severity: Vec<Bar>,
    pub by_service: Vec<Bar>,
    pub recovery: Vec<RecoveryFigure>,
}

/// Postmortems of the period's incidents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostmortemFigures {
    /// Incidents that need a postmortem.
    pub required: u64,
    /// …of which a postmortem has been started.
    pub started: u64,
    /// …of which the postmortem is published.
    pub published: u64,
    /// Median days from the incident's resolution to its postmortem's publication.
    pub median_days_to_publish: Option<f64>,
    pub publish_count: u64,
    /// Postmortems past their review due date and not published.
    pub overdue: u64,
    pub required_href: String,
    pub waiting_href: String,
    pub list_href: String,
}

/// Action items made in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionFigures {
    pub by_kind: Vec<ActionRow>,
    pub by_owner: Vec<ActionRow>,
    /// Pipeline tests per service, whenever made.
    pub backlog: Vec<BacklogRow>,
    /// Open pipeline tests at the end of each week.
    pub burndown: Vec<WeekPoint>,
    pub backlog_href: String,
}

/// Problems now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemFigures {
    pub open: u64,
    pub by_state: Vec<Bar>,
    pub by_priority: Vec<Bar>,
    pub median_age_days: Option<f64>,
    pub oldest_age_days: Option<f64>,
    pub known_errors: Vec<KnownErrorRow>,
    pub href: String,
}

/// Deployments in the period and how many an incident was linked to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeFigures {
    pub deployments: u64,
    pub failed: u64,
    pub failure_rate: Option<f64>,
    pub per_week: f64,
    /// Deployments per week.
    pub weekly: Vec<WeekPoint>,
    /// Failed deployments with the incident each caused.
    pub failures: Vec<FailedDeployment>,
    /// The deployments behind the figures, and the failed ones.
    pub href: String,
    pub failed_href: String,
}

/// A deployment an incident was linked to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedDeployment {
    pub service: String,
    pub version: String,
    pub deployed_at: String,
    pub incident: String,
    pub href: String,
    /// `auto` (a change entry in the incident's timeline) or who linked it.
    pub linked_by: String,
    /// The change it shipped and how that change went through the gate: (id, route), when the
    /// deployment named it or its commit matched one.
    #[serde(default)]
    pub change: Option<(i64, String)>,
}

/// A choice in a filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOption {
    pub value: String,
    pub label: String,
}

/// The whole dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The query as understood (the default range filled in).
    pub query: DashboardQuery,
    /// The first and last day shown, in the reporting time zone.
    pub from_day: NaiveDate,
    pub to_day: NaiveDate,
    /// The reporting time zone's offset, e.g. `+00:00`.
    pub offset: String,
    pub services: Vec<FilterOption>,
    pub teams: Vec<FilterOption>,
    pub incidents: IncidentFigures,
    pub postmortems: PostmortemFigures,
    pub actions: ActionFigures,
    pub problems: ProblemFigures,
    pub changes: ChangeFigures,
    /// The change gate's KPIs over the changes reported in the period.
    #[serde(default)]
    pub gate: crate::domain::change_kpis::GateFigures,
}

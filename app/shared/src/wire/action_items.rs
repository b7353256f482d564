//! What the action items server functions carry over the wire.
use super::problems::Named;
use crate::domain::postmortem::{ActionKind, ActionStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The list's filters, as they appear in its query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionQuery {
    /// An action kind, e.g. `pipeline_test`.
    #[serde(default)]
    pub kind: String,
    /// An owner's user id, or `none` for items nobody owns.
    #[serde(default)]
    pub owner: String,
    /// `open`, `done` or `overdue` (open past its due date).
    #[serde(default)]
    pub status: String,
    /// Made at or after (a date or time, UTC).
    #[serde(default)]
    pub from: String,
    /// Made before.
    #[serde(default)]
    pub to: String,
    /// Items of postmortems covering an incident on this service (slug)…
    #[serde(default)]
    pub service: String,
    /// …of this team…
    #[serde(default)]
    pub team: String,
    /// …or of this severity.
    #[serde(default)]
    pub severity: String,
}

/// One action item in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionListRow {
    pub id: i64,
    pub title: String,
    pub kind: ActionKind,
    pub status: ActionStatus,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub postmortem: Named,
    pub created_at: DateTime<Utc>,
}

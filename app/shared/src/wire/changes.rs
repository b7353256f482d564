//! What the change server functions carry over the wire: the list's filters, a change in the
//! list, and one change with its evidence, decision, review and what followed it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::change::{ChangeKind, Check, Decision, Reason, ReviewOutcome};

/// The change list's filters, as they appear in its query string (keys as stored: `allow`,
/// `emergency`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeQuery {
    /// A service slug.
    #[serde(default)]
    pub service: String,
    /// `allow`, `review` or `deny`: what a pipeline was told last (a review's outcome counts).
    #[serde(default)]
    pub decision: String,
    /// `standard`, `normal` or `emergency`.
    #[serde(default)]
    pub kind: String,
    /// `7d`, `30d` or `90d`; empty for all time.
    #[serde(default)]
    pub period: String,
    /// `pending`: only changes awaiting a person's review (the review queue).
    #[serde(default)]
    pub review: String,
}

/// The periods the list offers, by their key and label.
pub const PERIODS: [(&str, &str, i64); 3] = [
    ("7d", "Last 7 days", 7),
    ("30d", "Last 30 days", 30),
    ("90d", "Last 90 days", 90),
];

/// One change in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub id: i64,
    pub service: String,
    pub service_slug: String,
    pub environment: String,
    pub kind: ChangeKind,
    pub commit: String,
    pub title: String,
    pub author: String,
    /// What a pipeline acts on now.
    pub decision: Decision,
    pub awaiting_review: bool,
    pub review_outcome: Option<ReviewOutcome>,
    /// How many reasons the gate gave, and the first of them.
    pub reasons: usize,
    pub first_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A person's review of a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub outcome: ReviewOutcome,
    pub by: String,
    pub at: DateTime<Utc>,
    pub comment: String,
}

/// A deployment of a change's commit, with the incidents linked to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeDeployment {
    pub id: i64,
    pub version: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
    /// (id, title) of each incident it caused.
    pub incidents: Vec<(i64, String)>,
}

/// One change, as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: i64,
    pub service: String,
    pub service_slug: String,
    /// The team that owns the service.
    #[serde(default)]
    pub team: String,
    pub environment: String,
    pub kind: ChangeKind,
    pub commit: String,
    pub branch: String,
    pub pull_request: Option<i64>,
    pub pull_request_url: Option<String>,
    pub author: String,
    pub title: String,
    pub paths: Vec<String>,
    pub labels: Vec<String>,
    pub checks: Vec<Check>,
    /// What the policy decided.
    pub gate_decision: Decision,
    /// What a pipeline acts on now (a review's outcome counts).
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub awaiting_review: bool,
    pub review: Option<ReviewView>,
    pub reported_by: String,
    /// The policy version that decided it (None: the built-in default).
    #[serde(default)]
    pub policy_version: Option<i64>,
    /// Whether the person reading may review it (the server checks again).
    #[serde(default)]
    pub can_review: bool,
    pub created_at: DateTime<Utc>,
    pub deployments: Vec<ChangeDeployment>,
}

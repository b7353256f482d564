//! What the github server functions carry over the wire.
use super::problems::Named;
use crate::domain::github::{SyncState, Verification};
use crate::domain::github_connection::ConnectionMode;
use crate::domain::postmortem::{ActionKind, ActionStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The issue an item became.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueRef {
    pub repository: String,
    pub number: i64,
    pub url: String,
}

impl IssueRef {
    /// `acme/checkout#12`.
    pub fn name(&self) -> String {
        format!("{}#{}", self.repository, self.number)
    }
}

/// An action item's standing with GitHub, as every list of items shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SyncBadge {
    pub state: SyncState,
    pub issue: Option<IssueRef>,
    /// Why the last attempt failed, for failed and stopped items.
    pub error: Option<String>,
    pub verification: Option<Verification>,
    /// When this state was reached, so an older copy never replaces a newer one.
    pub at: DateTime<Utc>,
}

/// How a repository answered the connection check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoCheck {
    pub service: String,
    pub repository: String,
    pub ok: bool,
    pub outcome: String,
}

/// What the credentials can reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionReport {
    pub ok: bool,
    pub login: Option<String>,
    pub error: Option<String>,
    pub repositories: Vec<RepoCheck>,
    pub checked_at: DateTime<Utc>,
}

/// The connection as the admin page shows it; secrets are never sent back, only whether they
/// are set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub connected: bool,
    pub mode: ConnectionMode,
    pub has_token: bool,
    pub app_id: Option<i64>,
    pub installation_id: Option<i64>,
    pub has_private_key: bool,
    pub api_url: Option<String>,
    pub has_webhook_secret: bool,
    pub write_pace_ms: i64,
    pub webhook_url: String,
    pub last_check: Option<ConnectionReport>,
}

/// Where the action items stand with GitHub; each item is in one of these at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// Queued, not tried yet or trying again without an error so far.
    pub pending: u64,
    /// Queued after a failed attempt, to be tried again.
    pub failed: u64,
    /// Stopped after too many failures, until someone retries.
    pub parked: u64,
    /// Has an issue and nothing queued.
    pub synced: u64,
}

/// An item whose sync stopped or failed, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TroubledItem {
    pub item: Named,
    pub postmortem: Named,
    pub state: SyncState,
    pub attempts: i32,
    pub error: String,
    pub next_try: Option<DateTime<Utc>>,
}

/// One line of the sync history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub at: DateTime<Utc>,
    pub item: Option<i64>,
    pub repository: Option<String>,
    pub error: bool,
    pub message: String,
}

/// A webhook delivery the app kept because it did not understand it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptDelivery {
    pub delivery_id: String,
    pub received_at: DateTime<Utc>,
    pub event: String,
    pub action: Option<String>,
    pub detail: String,
    pub payload_excerpt: String,
}

/// The sync at a glance, for the admin page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncOverview {
    pub progress: SyncProgress,
    pub troubled: Vec<TroubledItem>,
    pub activity: Vec<ActivityRow>,
    pub kept_deliveries: Vec<KeptDelivery>,
}

/// One pipeline test in the backlog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacklogItem {
    pub id: i64,
    pub title: String,
    pub kind: ActionKind,
    pub status: ActionStatus,
    pub owner: String,
    pub age_days: i64,
    pub postmortem: Named,
    /// The incidents the test protects against.
    pub incidents: Vec<Named>,
    pub problem: Option<Named>,
    pub sync: Option<SyncBadge>,
}

/// One service's pipeline tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacklogService {
    pub service: Named,
    pub repository: Option<String>,
    pub open: usize,
    pub closed_unverified: usize,
    pub verified: usize,
    pub items: Vec<BacklogItem>,
}

/// The pipeline-test backlog, per service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacklogView {
    pub connected: bool,
    pub can_sync: bool,
    pub services: Vec<BacklogService>,
}

//! GitHub backlog sync over the wire: the connection and its check, sync state and "sync now",
//! retrying a stopped item, the pipeline-test backlog and people's GitHub logins; thin server
//! functions over `server::github`.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::problems::Named;
use crate::domain::github::{SyncState, Verification};
use crate::domain::github_connection::{ConnectionForm, ConnectionMode};
use crate::domain::postmortem::{ActionKind, ActionStatus};

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

/// The GitHub connection.
#[server(endpoint = "github/connection")]
pub async fn github_connection() -> Result<ConnectionView, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(GithubConnection)?;
    Ok(crate::server::github::connection::view(&state).await?)
}

/// Saves the connection; blank secrets keep the stored ones.
#[server(endpoint = "github/connection/save")]
pub async fn save_github_connection(form: ConnectionForm) -> Result<ConnectionView, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveGithubConnection)?;
    crate::server::github::connection::save(&state, &user.actor(), &form).await?;
    crate::server::shown_once::notice("Connection saved.").await?;
    Ok(crate::server::github::connection::view(&state).await?)
}

/// Forgets the connection: nothing more is sent to GitHub until it is connected again.
#[server(endpoint = "github/connection/delete")]
pub async fn disconnect_github() -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(DisconnectGithub)?;
    crate::server::github::connection::disconnect(&state, &user.actor()).await?;
    crate::server::shown_once::notice(
        "GitHub disconnected. Queued items wait until it is connected again.",
    )
    .await?;
    Ok(())
}

/// Asks GitHub who the credentials are and what each service's repository allows.
#[server(endpoint = "github/connection/check")]
pub async fn check_github_connection() -> Result<ConnectionReport, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(CheckGithubConnection)?;
    Ok(crate::server::github::connection::check(&state).await?)
}

/// The sync at a glance: counts, stopped items, history, kept webhook deliveries.
#[server(endpoint = "github/overview")]
pub async fn github_overview() -> Result<SyncOverview, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(GithubOverview)?;
    Ok(crate::server::github::outbox::overview(&state.db).await?)
}

/// How many items are pending, failed, stopped and synced (for a progress bar).
#[server(endpoint = "github/progress")]
pub async fn github_progress() -> Result<SyncProgress, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(GithubProgress)?;
    Ok(crate::server::github::outbox::progress(&state.db).await?)
}

/// Queues every action item (of one service, if given) whose issue is missing or out of date.
#[server(endpoint = "github/sync-now")]
pub async fn sync_now(#[server(default)] service: Option<i64>) -> Result<u64, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SyncNow)?;
    Ok(crate::server::github::outbox::sync_now(&state, &user.actor(), service).await?)
}

/// Tries a failed or stopped item again, now.
#[server(endpoint = "github/retry")]
pub async fn retry_sync(item: i64) -> Result<(), ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(RetrySync)?;
    Ok(crate::server::github::outbox::retry(&state, &user.actor(), item).await?)
}

/// The pipeline-test backlog per service.
#[server(endpoint = "github/backlog")]
pub async fn pipeline_backlog() -> Result<BacklogView, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(PipelineBacklog)?;
    let mut view = crate::server::github::backlog::view(&state.db).await?;
    view.can_sync = user.can(crate::domain::Permission::EditPostmortems);
    Ok(view)
}

/// The signed-in person's GitHub login.
#[server(endpoint = "github/login")]
pub async fn my_github_login() -> Result<Option<String>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(MyGithubLogin)?;
    Ok(crate::server::github::connection::login_of(&state.db, user.id).await?)
}

/// Maps the signed-in person's account to a GitHub login (blank removes it), so the issues of
/// their action items are assigned to them.
#[server(endpoint = "github/login/save")]
pub async fn save_github_login(github_login: String) -> Result<Option<String>, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::authorize!(SaveGithubLogin)?;
    let login = crate::domain::github_connection::check_login(&github_login)
        .map_err(|e| crate::server::AppError::field("github_login", &e))?;
    crate::server::github::connection::set_login(&state, &user, login.as_deref()).await?;
    crate::server::shown_once::notice("GitHub login saved.").await?;
    Ok(login)
}

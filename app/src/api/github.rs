//! GitHub backlog sync over the wire: the connection and its check, sync state and "sync now",
//! retrying a stopped item, the pipeline-test backlog and people's GitHub logins; thin server
//! functions over `server::github`.

pub use shared::wire::github::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::github_connection::ConnectionForm;

/// The GitHub connection.
#[server(endpoint = "github/connection")]
pub async fn github_connection() -> Result<ConnectionView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GithubConnection)?;
    Ok(backend::github::connection::view(&state).await?)
}

/// Saves the connection; blank secrets keep the stored ones.
#[server(endpoint = "github/connection/save")]
pub async fn save_github_connection(form: ConnectionForm) -> Result<ConnectionView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveGithubConnection)?;
    backend::github::connection::save(&state, &user.actor(), &form).await?;
    crate::ssr::shown_once::notice("Connection saved.").await?;
    Ok(backend::github::connection::view(&state).await?)
}

/// Forgets the connection: nothing more is sent to GitHub until it is connected again.
#[server(endpoint = "github/connection/delete")]
pub async fn disconnect_github() -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(DisconnectGithub)?;
    backend::github::connection::disconnect(&state, &user.actor()).await?;
    crate::ssr::shown_once::notice(
        "GitHub disconnected. Queued items wait until it is connected again.",
    )
    .await?;
    Ok(())
}

/// Asks GitHub who the credentials are and what each service's repository allows.
#[server(endpoint = "github/connection/check")]
pub async fn check_github_connection() -> Result<ConnectionReport, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(CheckGithubConnection)?;
    Ok(backend::github::connection::check(&state).await?)
}

/// The sync at a glance: counts, stopped items, history, kept webhook deliveries.
#[server(endpoint = "github/overview")]
pub async fn github_overview() -> Result<SyncOverview, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GithubOverview)?;
    Ok(backend::github::outbox::overview(&state.db).await?)
}

/// How many items are pending, failed, stopped and synced (for a progress bar).
#[server(endpoint = "github/progress")]
pub async fn github_progress() -> Result<SyncProgress, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GithubProgress)?;
    Ok(backend::github::outbox::progress(&state.db).await?)
}

/// Queues every action item (of one service, if given) whose issue is missing or out of date.
#[server(endpoint = "github/sync-now")]
pub async fn sync_now(#[server(default)] service: Option<i64>) -> Result<u64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SyncNow)?;
    Ok(backend::github::outbox::sync_now(&state, &user.actor(), service).await?)
}

/// Tries a failed or stopped item again, now.
#[server(endpoint = "github/retry")]
pub async fn retry_sync(item: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(RetrySync)?;
    Ok(backend::github::outbox::retry(&state, &user.actor(), item).await?)
}

/// The pipeline-test backlog per service.
#[server(endpoint = "github/backlog")]
pub async fn pipeline_backlog() -> Result<BacklogView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(PipelineBacklog)?;
    let mut view = backend::github::backlog::view(&state.db).await?;
    view.can_sync = user.can(shared::domain::Permission::EditPostmortems);
    Ok(view)
}

/// The signed-in person's GitHub login.
#[server(endpoint = "github/login")]
pub async fn my_github_login() -> Result<Option<String>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(MyGithubLogin)?;
    Ok(backend::github::connection::login_of(&state.db, user.id).await?)
}

/// Maps the signed-in person's account to a GitHub login (blank removes it), so the issues of
/// their action items are assigned to them.
#[server(endpoint = "github/login/save")]
pub async fn save_github_login(github_login: String) -> Result<Option<String>, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SaveGithubLogin)?;
    let login = shared::domain::github_connection::check_login(&github_login)
        .map_err(|e| backend::AppError::field("github_login", &e))?;
    backend::github::connection::set_login(&state, &user, login.as_deref()).await?;
    crate::ssr::shown_once::notice("GitHub login saved.").await?;
    Ok(login)
}

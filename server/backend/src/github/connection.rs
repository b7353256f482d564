//! The GitHub connection: stored settings, the client they build, the connection check, and
//! people's GitHub logins.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::client::{GitHubApi, GitHubError, Repo};
use super::octocrab_client::{Credentials, OctocrabClient};
use crate::audit::{self, Actor, Subject};
use crate::auth::CurrentUser;
use crate::entities::github_connection::{self, Entity as Connection};
use crate::entities::service::{self, Entity as Service};
use crate::entities::user::{self, Entity as User};
use crate::{AppError, AppState};
use shared::domain::audit::AuditAction;
use shared::domain::github_connection::{ConnectionForm, ConnectionMode, Stored};
use shared::wire::github::{ConnectionReport, ConnectionView, RepoCheck};

/// The id of the one connection row.
const ROW: i64 = 1;

/// The stored connection, if GitHub is connected.
pub async fn load(db: &impl ConnectionTrait) -> Result<Option<github_connection::Model>, AppError> {
    Ok(Connection::find_by_id(ROW).one(db).await?)
}

/// A client for the stored connection.
pub fn client_for(
    connection: &github_connection::Model,
    timeout: std::time::Duration,
) -> Result<Arc<dyn GitHubApi>, GitHubError> {
    let credentials = match Some(connection.mode) {
        Some(ConnectionMode::App) => Credentials::App {
            app_id: connection.app_id.unwrap_or_default() as u64,
            private_key: connection.private_key.clone().unwrap_or_default(),
            installation_id: connection.installation_id.unwrap_or_default() as u64,
        },
        _ => Credentials::Token(connection.token.clone().unwrap_or_default()),
    };
    Ok(Arc::new(OctocrabClient::new(
        &credentials,
        connection.api_url.as_deref(),
        timeout,
    )?))
}

/// The connection as the admin page shows it.
pub async fn view(state: &AppState) -> Result<ConnectionView, AppError> {
    let stored = load(&state.db).await?;
    let webhook_url = format!(
        "{}/hooks/github",
        state
            .settings
            .public_base_url
            .as_str()
            .trim_end_matches('/')
    );
    Ok(match stored {
        Some(c) => ConnectionView {
            connected: true,
            mode: c.mode,
            has_token: c.token.is_some(),
            app_id: c.app_id,
            installation_id: c.installation_id,
            has_private_key: c.private_key.is_some(),
            api_url: c.api_url.clone(),
            has_webhook_secret: c.webhook_secret.is_some(),
            write_pace_ms: c.write_pace_ms,
            webhook_url,
            last_check: c
                .last_check
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok()),
        },
        None => ConnectionView {
            connected: false,
            mode: ConnectionMode::Token,
            has_token: false,
            app_id: None,
            installation_id: None,
            has_private_key: false,
            api_url: None,
            has_webhook_secret: false,
            write_pace_ms: shared::domain::github_connection::DEFAULT_WRITE_PACE_MS,
            webhook_url,
            last_check: None,
        },
    })
}

/// What the audit trail keeps of a connection: never its secrets.
#[derive(serde::Serialize)]
struct Snapshot<'a> {
    mode: &'a str,
    app_id: Option<i64>,
    installation_id: Option<i64>,
    api_url: Option<&'a str>,
    write_pace_ms: i64,
    has_webhook_secret: bool,
}

fn snapshot(c: &github_connection::Model) -> Snapshot<'_> {
    Snapshot {
        mode: c.mode.as_str(),
        app_id: c.app_id,
        installation_id: c.installation_id,
        api_url: c.api_url.as_deref(),
        write_pace_ms: c.write_pace_ms,
        has_webhook_secret: c.webhook_secret.is_some(),
    }
}

/// Saves the connection from the admin form; blank secrets keep the stored ones.
pub async fn save(state: &AppState, actor: &Actor, form: &ConnectionForm) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let current = load(&txn).await?;
    let stored = Stored {
        token: current.as_ref().is_some_and(|c| c.token.is_some()),
        private_key: current.as_ref().is_some_and(|c| c.private_key.is_some()),
        webhook_secret: current.as_ref().is_some_and(|c| c.webhook_secret.is_some()),
    };
    let draft = form.parse(stored).map_err(AppError::Validation)?;
    let keep = |new: Option<String>, old: Option<String>| new.or(old);
    let now = Utc::now();
    let model = github_connection::ActiveModel {
        id: Set(ROW),
        mode: Set(draft.mode),
        token: Set(match draft.mode {
            ConnectionMode::Token => {
                keep(draft.token, current.as_ref().and_then(|c| c.token.clone()))
            }
            ConnectionMode::App => None,
        }),
        app_id: Set(draft.app_id),
        private_key: Set(match draft.mode {
            ConnectionMode::App => keep(
                draft.private_key,
                current.as_ref().and_then(|c| c.private_key.clone()),
            ),
            ConnectionMode::Token => None,
        }),
        installation_id: Set(draft.installation_id),
        api_url: Set(draft.api_url),
        webhook_secret: Set(keep(
            draft.webhook_secret,
            current.as_ref().and_then(|c| c.webhook_secret.clone()),
        )),
        write_pace_ms: Set(draft.write_pace_ms),
        bot_login: Set(None),
        last_checked_at: Set(None),
        last_check: Set(None),
        updated_by: Set(actor.label.clone()),
        updated_at: Set(now),
    };
    let saved = if current.is_some() {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    audit::record(
        &txn,
        actor,
        if current.is_some() {
            AuditAction::GithubConnectionChanged
        } else {
            AuditAction::GithubConnected
        },
        Subject {
            entity_type: "github_connection",
            entity_id: ROW.to_string(),
            label: "GitHub",
        },
        current.as_ref().map(snapshot).as_ref(),
        Some(&snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    state.github.wake.notify_one();
    Ok(())
}

/// Forgets the connection (credentials and webhook secret): nothing more is sent to GitHub, and
/// webhook deliveries are refused. Queued items wait; issues already filed stay linked, so
/// connecting again carries on where it stopped.
pub async fn disconnect(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let Some(current) = load(&txn).await? else {
        return Err(AppError::Conflict("GitHub is not connected.".into()));
    };
    github_connection::Entity::delete_by_id(ROW)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::GithubDisconnected,
        Subject {
            entity_type: "github_connection",
            entity_id: ROW.to_string(),
            label: "GitHub",
        },
        Some(&snapshot(&current)),
        None::<&Snapshot<'_>>,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Asks GitHub who the credentials act as and what each service's repository allows; keeps the
/// report (and the login, whose webhook echoes are then ignored).
pub async fn check(state: &AppState) -> Result<ConnectionReport, AppError> {
    let connection = load(&state.db)
        .await?
        .ok_or_else(|| AppError::field("mode", "Connect GitHub first."))?;
    let report = run_check(state, &connection).await?;
    let mut model: github_connection::ActiveModel = connection.into();
    model.bot_login = Set(report.login.clone());
    model.last_checked_at = Set(Some(report.checked_at));
    model.last_check = Set(serde_json::to_string(&report).ok());
    model.update(&state.db).await?;
    Ok(report)
}

async fn run_check(
    state: &AppState,
    connection: &github_connection::Model,
) -> Result<ConnectionReport, AppError> {
    let failed = |error: String| ConnectionReport {
        ok: false,
        login: None,
        error: Some(error),
        repositories: Vec::new(),
        checked_at: Utc::now(),
    };
    let client = match client_for(connection, state.github.timeout) {
        Ok(client) => client,
        Err(error) => return Ok(failed(error.to_string())),
    };
    let login = match client.current_login().await {
        Ok(login) => login,
        Err(error) => return Ok(failed(error.to_string())),
    };
    let services = Service::find()
        .filter(service::Column::ArchivedAt.is_null())
        .filter(service::Column::Repository.is_not_null())
        .all(&state.db)
        .await?;
    let mut repositories = Vec::new();
    for service in services {
        let repository = service.repository.clone().unwrap_or_default();
        let (ok, outcome) = match Repo::parse(&repository) {
            None => (false, "Not a repository name (owner/name).".to_owned()),
            Some(repo) => match client.repository_access(&repo).await {
                Ok(access) if access.can_write => (true, "Can create and edit issues.".to_owned()),
                Ok(_) => (
                    false,
                    "Readable, but the credentials cannot write issues here.".to_owned(),
                ),
                Err(GitHubError::NotFound(_)) => (
                    false,
                    "Not found: the repository does not exist or the credentials cannot see it."
                        .to_owned(),
                ),
                Err(error) => (false, error.to_string()),
            },
        };
        repositories.push(RepoCheck {
            service: service.name,
            repository,
            ok,
            outcome,
        });
    }
    Ok(ConnectionReport {
        ok: repositories.iter().all(|r| r.ok),
        login: Some(login),
        error: None,
        repositories,
        checked_at: Utc::now(),
    })
}

/// A person's GitHub login.
pub async fn login_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<String>, AppError> {
    Ok(User::find_by_id(user_id)
        .one(db)
        .await?
        .and_then(|u| u.github_login))
}

/// Maps a person to a GitHub login (`None` removes it); no two people share one.
pub async fn set_login(
    state: &AppState,
    user: &CurrentUser,
    login: Option<&str>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(login) = login {
        let taken = User::find()
            .filter(user::Column::GithubLogin.eq(login))
            .filter(user::Column::Id.ne(user.id))
            .one(&txn)
            .await?
            .is_some();
        if taken {
            return Err(AppError::field(
                "github_login",
                "Someone else here has already mapped that GitHub login.",
            ));
        }
    }
    let account = User::find_by_id(user.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("User"))?;
    let before = account.github_login.clone();
    let mut model: user::ActiveModel = account.into();
    model.github_login = Set(login.map(str::to_owned));
    model.update(&txn).await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::UserGithubLoginChanged,
        Subject {
            entity_type: "user",
            entity_id: user.id.to_string(),
            label: &user.email,
        },
        Some(&before),
        Some(&login.map(str::to_owned)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

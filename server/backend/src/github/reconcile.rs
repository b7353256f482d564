//! The periodic reconcile: GitHub does not redeliver missed webhooks, so every few minutes the
//! issues changed since the last look are read (a conditional request: an unchanged listing
//! costs a 304) and any drift is repaired as a webhook would have.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, QuerySelect, Set};

use super::client::{Listing, Repo};
use super::inbound::{IssueReport, apply_report};
use crate::entities::github_issue::{self, Entity as GithubIssue};
use crate::entities::github_repository::{self, Entity as GithubRepository};
use crate::{AppError, AppState};
use shared::domain::github::ACTION_LABEL;

/// Reconciles every few minutes, until the task is dropped.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(state.github.reconcile_every);
    every.tick().await;
    loop {
        every.tick().await;
        let outcome = reconcile(&state).await;
        if let Err(error) = &outcome {
            tracing::warn!(%error, "the GitHub reconcile failed");
        }
        if !matches!(outcome, Ok(0)) {
            // Repaired items show a new state on their pages.
            state.live.wrote(&state.db).await;
        }
    }
}

/// Reads issues changed on GitHub since the last reconcile and repairs drift. Returns how many
/// items changed.
pub async fn reconcile(state: &AppState) -> Result<usize, AppError> {
    let Some(connection) = super::connection::load(&state.db).await? else {
        return Ok(0);
    };
    let client = match super::connection::client_for(&connection, state.github.timeout) {
        Ok(client) => client,
        Err(error) => {
            super::outbox::log(&state.db, None, None, true, &format!("Reconcile: {error}")).await?;
            return Ok(0);
        }
    };
    let repositories: Vec<String> = GithubIssue::find()
        .select_only()
        .column(github_issue::Column::Repository)
        .distinct()
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut changed = 0;
    for repository in repositories {
        let Some(repo) = Repo::parse(&repository) else {
            continue;
        };
        let row = match GithubRepository::find_by_id(repository.clone())
            .one(&state.db)
            .await?
        {
            Some(row) => row,
            None => {
                github_repository::ActiveModel {
                    repository: Set(repository.clone()),
                    tracking_number: Set(None),
                    tracking_id: Set(None),
                    labels_ready: Set(false),
                    etag: Set(None),
                    reconciled_at: Set(None),
                }
                .insert(&state.db)
                .await?
            }
        };
        let listing = client
            .issues_changed(&repo, ACTION_LABEL, row.reconciled_at, row.etag.as_deref())
            .await;
        let (issues, etag) = match listing {
            Ok(Listing::NotModified) => continue,
            Ok(Listing::Changed { issues, etag }) => (issues, etag),
            Err(error) => {
                super::outbox::log(
                    &state.db,
                    None,
                    Some(&repository),
                    true,
                    &format!("Reconcile: {error}"),
                )
                .await?;
                continue;
            }
        };
        // Keep the same `since` while nothing changes, so the next listing can answer 304.
        let watermark = issues.iter().map(|i| i.updated_at).max();
        for issue in issues {
            let report = IssueReport {
                repository: repository.clone(),
                number: issue.number,
                title: issue.title,
                body: issue.body,
                closed: issue.closed,
                state_reason: issue.state_reason,
                assignees: issue.assignees,
                closed_at: issue.closed_at,
            };
            if apply_report(state, &report, None).await?.is_some() {
                changed += 1;
            }
        }
        let mut model: github_repository::ActiveModel = row.clone().into();
        if watermark.is_some_and(|w| Some(w) != row.reconciled_at) {
            model.reconciled_at = Set(watermark);
            model.etag = Set(None);
        } else {
            model.etag = Set(etag);
        }
        model.update(&state.db).await?;
    }
    if changed > 0 {
        super::outbox::log(
            &state.db,
            None,
            None,
            false,
            &format!(
                "Reconcile repaired {changed} item(s) at {}.",
                Utc::now().format("%H:%M")
            ),
        )
        .await?;
    }
    Ok(changed)
}

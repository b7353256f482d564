//! The change gate on GitHub: a pull request opened, pushed to or reopened becomes the change of
//! its head commit (its paths read from the pull request's files), and the decision goes back as
//! the commit status `postmortem/change-gate` (pending while under review, then success or
//! failure, linking to the change's page), so branch protection can require it. The status is
//! owed on the change row and posted by the GitHub worker until GitHub has it, so a failed post is
//! tried again and a review made on any app instance reaches GitHub.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use super::gate::{self, reasons_of};
use crate::audit::Actor;
use crate::entities::change::{self, Entity as Change};
use crate::entities::service::{self, Entity as Service};
use crate::github::client::{CommitStatus, GitHubApi, GitHubError, Repo};
use crate::{AppError, AppState};
use shared::domain::change::{
    ChangeReport, Decision, PullRequestRef, awaits_review, effective_decision,
};

/// The commit status's name, for branch protection rules.
pub const CONTEXT: &str = "postmortem/change-gate";
/// Actions of the `pull_request` event that make or update a change.
const DECIDED_ON: &[&str] = &["opened", "synchronize", "reopened"];
/// Most statuses posted in one pass of the worker.
const PASS: u64 = 5;

/// The status a change owes its pull request: state and description (at most 140 characters).
pub fn status_of(row: &change::Model) -> (&'static str, String) {
    let first = reasons_of(row)
        .into_iter()
        .next()
        .map(|r| r.message)
        .unwrap_or_default();
    let (state, text) = match effective_decision(row.decision, row.review_outcome) {
        Decision::Allow if awaits_review(row.kind, row.decision, row.review_outcome) => (
            "success",
            "Allowed as an emergency change; reviewed after the fact".to_owned(),
        ),
        Decision::Allow => match &row.reviewed_by {
            Some(by) => ("success", format!("Approved by {by}")),
            None if first.is_empty() => ("success", "Allowed: no rule objected".to_owned()),
            None => ("success", format!("Allowed: {first}")),
        },
        Decision::Review => ("pending", format!("Waiting for a review: {first}")),
        Decision::Deny => match (&row.reviewed_by, &row.review_comment) {
            (Some(by), Some(comment)) => ("failure", format!("Rejected by {by}: {comment}")),
            (Some(by), None) => ("failure", format!("Rejected by {by}")),
            _ => ("failure", format!("Denied: {first}")),
        },
    };
    (state, text.chars().take(140).collect())
}

/// Notes the status a change from a pull request now owes, if it changed; the worker posts it.
pub async fn owe_status(
    db: &impl ConnectionTrait,
    row: &change::Model,
    wake: &tokio::sync::Notify,
) -> Result<(), AppError> {
    if row.repository.is_none() {
        return Ok(());
    }
    let (state, _) = status_of(row);
    if row.status_wanted.as_deref() == Some(state) && !row.status_due {
        return Ok(());
    }
    Change::update_many()
        .col_expr(change::Column::StatusWanted, state.into())
        .col_expr(change::Column::StatusDue, true.into())
        .filter(change::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    wake.notify_one();
    Ok(())
}

/// A `pull_request` delivery: the change of the head commit, decided and owing its status.
/// Answers the delivery's outcome and message.
pub async fn pull_request_event(
    state: &AppState,
    client: &dyn GitHubApi,
    payload: &Value,
) -> Result<(&'static str, String), AppError> {
    let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
    let action = text("/action").unwrap_or_default();
    if !DECIDED_ON.contains(&action) {
        return Ok(("ignored", format!("pull_request.{action} makes no change.")));
    }
    let (Some(repository), Some(number), Some(sha)) = (
        text("/repository/full_name"),
        payload
            .pointer("/pull_request/number")
            .and_then(Value::as_i64),
        text("/pull_request/head/sha"),
    ) else {
        return Ok((
            "ignored",
            "No repository, number or head commit in the payload.".into(),
        ));
    };
    let Some(service) = Service::find()
        .filter(service::Column::Repository.eq(repository))
        .filter(service::Column::ArchivedAt.is_null())
        .one(&state.db)
        .await?
    else {
        return Ok((
            "ignored",
            format!("No service in the catalog has the repository {repository}."),
        ));
    };
    let Some(repo) = Repo::parse(repository) else {
        return Ok(("ignored", format!("{repository} is not owner/name.")));
    };
    let paths = match client.pull_request_files(&repo, number).await {
        Ok(paths) => paths,
        Err(error) => {
            // Recorded, not decided: a guess at the paths could let a risky change through.
            // The next push to the pull request decides it.
            return Ok((
                "failed",
                format!("The files of pull request #{number} could not be read: {error}"),
            ));
        }
    };
    let labels: Vec<String> = payload
        .pointer("/pull_request/labels")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|l| l.get("name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let kind = if labels.iter().any(|l| l.eq_ignore_ascii_case("emergency")) {
        "emergency"
    } else if labels
        .iter()
        .any(|l| l.eq_ignore_ascii_case("standard-change"))
    {
        "standard"
    } else {
        "normal"
    };
    let report = ChangeReport {
        service: service.slug.clone(),
        commit: sha.to_owned(),
        kind: Some(kind.to_owned()),
        branch: text("/pull_request/head/ref").map(str::to_owned),
        pull_request: Some(PullRequestRef {
            number: number.unsigned_abs(),
            url: text("/pull_request/html_url").map(str::to_owned),
        }),
        author: text("/pull_request/user/login").map(str::to_owned),
        title: text("/pull_request/title").map(|t| t.chars().take(300).collect()),
        paths: paths
            .into_iter()
            .take(shared::domain::change::PATHS_MAX)
            .collect(),
        labels: labels
            .into_iter()
            .take(shared::domain::change::ITEMS_MAX)
            .collect(),
        ..Default::default()
    };
    let draft = match report.check() {
        Ok(draft) => draft,
        Err(errors) => {
            return Ok((
                "ignored",
                format!("The pull request is not a change: {errors:?}"),
            ));
        }
    };
    let actor = Actor::system(&format!("GitHub ({repository}#{number})"));
    let (row, _) = gate::decide_and_store(
        &state.db,
        &draft,
        &actor,
        state.settings.gate_on_policy_error,
    )
    .await?;
    let row = if row.repository.as_deref() == Some(repository) {
        row
    } else {
        let mut active: change::ActiveModel = row.into();
        active.repository = Set(Some(repository.to_owned()));
        active.update(&state.db).await?
    };
    owe_status(&state.db, &row, &state.github.wake).await?;
    Ok((
        "applied",
        format!(
            "Change #{} for pull request #{number}: {}.",
            row.id,
            effective_decision(row.decision, row.review_outcome).label()
        ),
    ))
}

/// Whether any change owes its pull request a status.
pub async fn any_due(db: &DatabaseConnection) -> Result<bool, AppError> {
    Ok(Change::find()
        .filter(change::Column::StatusDue.eq(true))
        .one(db)
        .await?
        .is_some())
}

/// Posts the statuses owed (a few per pass, `pace` apart, as the other GitHub writes are paced);
/// answers how many were posted. A status whose post failed for an unknown reason stays owed and
/// is tried again on a later pass; a rate limit ends the pass.
pub async fn post_due(
    db: &DatabaseConnection,
    client: &dyn GitHubApi,
    base_url: &str,
    pace: std::time::Duration,
) -> Result<usize, AppError> {
    let due = Change::find()
        .filter(change::Column::StatusDue.eq(true))
        .order_by_asc(change::Column::UpdatedAt)
        .limit(PASS)
        .all(db)
        .await?;
    let mut posted = 0;
    for (i, row) in due.into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(pace).await;
        }
        let (Some(repository), Some(wanted)) = (row.repository.clone(), row.status_wanted.clone())
        else {
            continue;
        };
        let Some(repo) = Repo::parse(&repository) else {
            continue;
        };
        let (state, description) = status_of(&row);
        let status = CommitStatus {
            state,
            target_url: format!("{}/changes/{}", base_url.trim_end_matches('/'), row.id),
            description,
            context: CONTEXT,
        };
        match client
            .create_commit_status(&repo, &row.commit_sha, &status)
            .await
        {
            Ok(()) => {
                // Done only if nothing newer became owed meanwhile.
                Change::update_many()
                    .col_expr(change::Column::StatusPosted, state.into())
                    .col_expr(change::Column::StatusDue, false.into())
                    .filter(change::Column::Id.eq(row.id))
                    .filter(change::Column::StatusWanted.eq(wanted))
                    .exec(db)
                    .await?;
                posted += 1;
            }
            Err(error @ GitHubError::RateLimited(..)) => {
                tracing::warn!(%error, change = row.id, "commit status postponed");
                break;
            }
            Err(error) if error.outcome_unknown() => {
                tracing::warn!(%error, change = row.id, "commit status not posted; will retry");
            }
            Err(error) => {
                // Refused (no access, no such commit): trying again would be refused again.
                tracing::warn!(%error, change = row.id, "commit status refused by GitHub");
                Change::update_many()
                    .col_expr(change::Column::StatusDue, false.into())
                    .filter(change::Column::Id.eq(row.id))
                    .filter(change::Column::StatusWanted.eq(wanted))
                    .exec(db)
                    .await?;
            }
        }
    }
    Ok(posted)
}

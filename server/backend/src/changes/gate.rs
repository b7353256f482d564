//! The gate: a pipeline reports a change, the app gathers what it knows about the service (the
//! input document), the active policy decides, and the change is stored with its decision and
//! the input it was decided on. A repeat of the same service, environment and commit answers the
//! change already decided.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::policy::{Policy, PolicyError};
use crate::audit::Actor;
use crate::entities::change::{self, Entity as Change};
use crate::{AppError, AppState};
use shared::domain::audit::AuditAction;
use shared::domain::change::{
    ChangeDraft, ChangeKind, Decided, Decision, Reason, ReviewOutcome, awaits_review, decide,
    effective_decision,
};

/// What the gate answers a pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GateAnswer {
    pub id: i64,
    /// `allow`, `review` or `deny`, as pipelines read it: for a change sent to review, the
    /// reviewer's decision once there is one.
    #[serde(serialize_with = "crate::entities::as_key")]
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    /// Whether the change waits for a person (an emergency change is reviewed after the fact).
    pub awaiting_review: bool,
    /// The review, once someone gave it.
    pub review: Option<ReviewAnswer>,
    /// The change's page.
    pub url: String,
    /// False for a repeat of a change already decided.
    #[serde(skip)]
    pub created: bool,
}

/// A person's review, as the pipeline reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewAnswer {
    #[serde(serialize_with = "crate::entities::as_key")]
    pub outcome: ReviewOutcome,
    pub by: String,
    pub comment: Option<String>,
}

/// Decides and stores a reported change, or answers the one already stored for its service,
/// environment and commit.
pub async fn report(
    state: &AppState,
    draft: &ChangeDraft,
    reported_by: &Actor,
) -> Result<GateAnswer, AppError> {
    let (row, created) = decide_and_store(
        &state.db,
        draft,
        reported_by,
        state.settings.gate_on_policy_error,
    )
    .await?;
    Ok(answer(state, row, created))
}

/// Decides and stores a reported change; with whether it is new (false: the change already
/// stored for its service, environment and commit).
pub async fn decide_and_store(
    db: &sea_orm::DatabaseConnection,
    draft: &ChangeDraft,
    reported_by: &Actor,
    on_error: Decision,
) -> Result<(change::Model, bool), AppError> {
    let service = crate::services::find_reported(db, &draft.service).await?;
    if let Some(found) = existing(db, service.id, draft).await? {
        return Ok((found, false));
    }
    let input = super::input::document(db, &service, draft)
        .await?
        .to_string();
    let (version, policy) = super::policies::active(db).await?;
    let decided = evaluate(policy, &input, draft, on_error);
    let now = Utc::now();
    let row = change::ActiveModel {
        service_id: Set(service.id),
        environment: Set(draft.environment.clone()),
        kind: Set(draft.kind),
        commit_sha: Set(draft.commit.clone()),
        branch: Set(draft.branch.clone()),
        pull_request: Set(draft
            .pull_request
            .as_ref()
            .map(|pr| i64::try_from(pr.number).unwrap_or(i64::MAX))),
        pull_request_url: Set(draft.pull_request.as_ref().and_then(|pr| pr.url.clone())),
        author: Set(draft.author.clone()),
        title: Set(draft.title.clone()),
        paths: Set(to_json(&draft.paths)),
        labels: Set(to_json(&draft.labels)),
        checks: Set(to_json(&draft.checks)),
        decision: Set(decided.decision),
        reasons: Set(to_json(&decided.reasons)),
        reported_by: Set(reported_by.label.clone()),
        input: Set(Some(input)),
        policy_version: Set(version),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match store(db, row, reported_by).await {
        Ok(stored) => Ok((stored, true)),
        // The same change reported twice at once: the other request stored it first.
        Err(error) => match existing(db, service.id, draft).await? {
            Some(found) => Ok((found, false)),
            None => Err(error),
        },
    }
}

/// Stores a decided change with its audit event.
async fn store(
    db: &sea_orm::DatabaseConnection,
    row: change::ActiveModel,
    reported_by: &Actor,
) -> Result<change::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let stored = row.insert(&txn).await?;
    crate::audit::record(
        &txn,
        reported_by,
        AuditAction::ChangeDecided,
        super::records::subject(&stored),
        None,
        Some(&stored),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

/// A change's reasons as stored.
pub fn reasons_of(row: &change::Model) -> Vec<Reason> {
    serde_json::from_str(&row.reasons).unwrap_or_default()
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub fn answer(state: &AppState, row: change::Model, created: bool) -> GateAnswer {
    let base = state
        .settings
        .public_base_url
        .as_str()
        .trim_end_matches('/');
    let review = match (row.review_outcome, &row.reviewed_by) {
        (Some(outcome), Some(by)) => Some(ReviewAnswer {
            outcome,
            by: by.clone(),
            comment: row.review_comment.clone(),
        }),
        _ => None,
    };
    GateAnswer {
        id: row.id,
        decision: effective_decision(row.decision, row.review_outcome),
        reasons: reasons_of(&row),
        awaiting_review: awaits_review(row.kind, row.decision, row.review_outcome),
        review,
        url: format!("{base}/changes/{}", row.id),
        created,
    }
}

async fn existing(
    db: &impl ConnectionTrait,
    service_id: i64,
    draft: &ChangeDraft,
) -> Result<Option<change::Model>, AppError> {
    Ok(Change::find()
        .filter(change::Column::ServiceId.eq(service_id))
        .filter(change::Column::Environment.eq(&draft.environment))
        .filter(change::Column::CommitSha.eq(&draft.commit))
        .one(db)
        .await?)
}

/// Runs the policy; a policy that cannot be used, fails or runs too long gives `on_error`
/// (review unless configured to deny), naming the failure.
fn evaluate(
    policy: Result<Policy, PolicyError>,
    input: &str,
    draft: &ChangeDraft,
    on_error: Decision,
) -> Decided {
    match policy.and_then(|mut policy| policy.findings_in(input)) {
        Ok(findings) => decide(draft.kind, findings),
        Err(error) => {
            tracing::error!(%error, "the change policy failed");
            let message = match error {
                PolicyError::Invalid(m) | PolicyError::Failed(m) => m,
            };
            let reason = Reason {
                rule: "policy_error".into(),
                message: format!("The policy could not decide: {message}"),
                links: vec!["/policy".into()],
            };
            // An emergency change is never denied.
            let on_error = if draft.kind == ChangeKind::Emergency {
                Decision::Allow
            } else {
                on_error
            };
            Decided {
                decision: on_error,
                reasons: vec![reason],
            }
        }
    }
}

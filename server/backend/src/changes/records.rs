//! Change records as people meet them: the list with its filters and review queue, one change
//! with its evidence and what followed it (deployments of its commit and their incidents), and a
//! person's review, which decides a change the gate sent to review.

use chrono::{Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use super::gate::reasons_of;
use crate::AppError;
use crate::audit::{self, Actor, Subject};
use crate::entities::change::{self, Entity as Change};
use crate::entities::deployment::{self, Entity as Deployment};
use crate::entities::service::Entity as Service;
use shared::domain::audit::AuditAction;
use shared::domain::change::{
    ChangeKind, Decision, ReviewOutcome, awaits_review, effective_decision,
};
use shared::wire::changes::{
    ChangeDeployment, ChangeQuery, ChangeRow, ChangeView, PERIODS, ReviewView,
};

/// Most changes the list shows.
pub const LIST_LIMIT: u64 = 500;
/// Longest review comment.
pub const COMMENT_MAX: usize = 5_000;

/// The newest changes matching `query`.
pub async fn list(
    db: &DatabaseConnection,
    query: &ChangeQuery,
) -> Result<Vec<ChangeRow>, AppError> {
    let mut select = Change::find();
    if !query.service.trim().is_empty() {
        let found = crate::services::named(db, query.service.trim()).await?;
        select = select.filter(change::Column::ServiceId.eq(found.id));
    }
    if !query.kind.is_empty() {
        let kind = ChangeKind::parse(&query.kind)
            .ok_or_else(|| AppError::field("kind", "A change is standard, normal or emergency."))?;
        select = select.filter(change::Column::Kind.eq(kind));
    }
    if !query.decision.is_empty() {
        let decision = Decision::parse(&query.decision)
            .ok_or_else(|| AppError::field("decision", "A decision is allow, review or deny."))?;
        select = select.filter(decided_as(decision));
    }
    if !query.period.is_empty() {
        let days = PERIODS
            .iter()
            .find(|(key, _, _)| *key == query.period)
            .map(|(_, _, days)| *days)
            .ok_or_else(|| AppError::field("period", "A period is 7d, 30d or 90d."))?;
        select = select.filter(change::Column::CreatedAt.gte(Utc::now() - Duration::days(days)));
    }
    match query.review.as_str() {
        "" => {}
        "pending" => select = select.filter(pending()),
        _ => {
            return Err(AppError::field(
                "review",
                "Filter the review queue with pending.",
            ));
        }
    }
    let rows = select
        .order_by_desc(change::Column::CreatedAt)
        .order_by_desc(change::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let services = crate::services::by_id(db, rows.iter().map(|r| r.service_id)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let reasons = reasons_of(&row);
            let (name, slug) = services
                .get(&row.service_id)
                .map(|s| (s.name.clone(), s.slug.clone()))
                .unwrap_or_default();
            ChangeRow {
                id: row.id,
                service: name,
                service_slug: slug,
                environment: row.environment,
                kind: row.kind,
                commit: row.commit_sha,
                title: row.title,
                author: row.author,
                decision: effective_decision(row.decision, row.review_outcome),
                awaiting_review: awaits_review(row.kind, row.decision, row.review_outcome),
                review_outcome: row.review_outcome,
                reasons: reasons.len(),
                first_reason: reasons.into_iter().next().map(|r| r.message),
                created_at: row.created_at,
            }
        })
        .collect())
}

/// Changes still awaiting a person: sent to review, or emergency changes, not yet reviewed.
fn pending() -> Condition {
    Condition::all()
        .add(change::Column::ReviewOutcome.is_null())
        .add(
            Condition::any()
                .add(change::Column::Decision.eq(Decision::Review))
                .add(change::Column::Kind.eq(ChangeKind::Emergency)),
        )
}

/// Changes whose decision for a pipeline is now `decision` (see `effective_decision`).
fn decided_as(decision: Decision) -> Condition {
    let reviewed_to = |outcome: ReviewOutcome| {
        Condition::all()
            .add(change::Column::Decision.eq(Decision::Review))
            .add(change::Column::ReviewOutcome.eq(outcome))
    };
    match decision {
        Decision::Review => Condition::all()
            .add(change::Column::Decision.eq(Decision::Review))
            .add(change::Column::ReviewOutcome.is_null()),
        Decision::Allow => Condition::any()
            .add(change::Column::Decision.eq(Decision::Allow))
            .add(reviewed_to(ReviewOutcome::Approved)),
        Decision::Deny => Condition::any()
            .add(change::Column::Decision.eq(Decision::Deny))
            .add(reviewed_to(ReviewOutcome::Rejected)),
    }
}

/// One change as its page shows it.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<ChangeView, AppError> {
    let row = Change::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Change"))?;
    let service = Service::find_by_id(row.service_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Service"))?;
    let deployments = deployments_of(db, &row).await?;
    let list = |text: &str| serde_json::from_str::<Vec<String>>(text).unwrap_or_default();
    let review = match (row.review_outcome, &row.reviewed_by, row.reviewed_at) {
        (Some(outcome), Some(by), Some(at)) => Some(ReviewView {
            outcome,
            by: by.clone(),
            at,
            comment: row.review_comment.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(ChangeView {
        id: row.id,
        service: service.name,
        service_slug: service.slug,
        team: service.team,
        environment: row.environment.clone(),
        kind: row.kind,
        commit: row.commit_sha.clone(),
        branch: row.branch.clone(),
        pull_request: row.pull_request,
        pull_request_url: row.pull_request_url.clone(),
        author: row.author.clone(),
        title: row.title.clone(),
        paths: list(&row.paths),
        labels: list(&row.labels),
        checks: serde_json::from_str(&row.checks).unwrap_or_default(),
        gate_decision: row.decision,
        decision: effective_decision(row.decision, row.review_outcome),
        reasons: reasons_of(&row),
        awaiting_review: awaits_review(row.kind, row.decision, row.review_outcome),
        review,
        reported_by: row.reported_by.clone(),
        policy_version: row.policy_version,
        can_review: false,
        created_at: row.created_at,
        deployments,
    })
}

/// Deployments of the change to its service and environment (those that named it, or named no
/// change and whose version is the commit or a short form of it of 7 digits or more), with the
/// incidents each caused.
async fn deployments_of(
    db: &DatabaseConnection,
    row: &change::Model,
) -> Result<Vec<ChangeDeployment>, AppError> {
    let mut versions: Vec<String> = (7..=row.commit_sha.len())
        .map(|n| row.commit_sha[..n].to_owned())
        .collect();
    versions.dedup();
    // The rule of `shared::domain::deployment::ships`, in SQL.
    let found = Deployment::find()
        .filter(deployment::Column::ServiceId.eq(row.service_id))
        .filter(deployment::Column::Environment.eq(&row.environment))
        .filter(
            Condition::any()
                .add(deployment::Column::ChangeId.eq(row.id))
                .add(
                    Condition::all()
                        .add(deployment::Column::ChangeId.is_null())
                        .add(deployment::Column::Version.is_in(versions)),
                ),
        )
        .order_by_asc(deployment::Column::DeployedAt)
        .limit(20)
        .all(db)
        .await?;
    let mut caused = crate::deployments::incidents_caused(db, found.iter().map(|d| d.id)).await?;
    Ok(found
        .into_iter()
        .map(|d| ChangeDeployment {
            incidents: caused.remove(&d.id).unwrap_or_default(),
            id: d.id,
            version: d.version,
            status: d.status,
            deployed_at: d.deployed_at,
        })
        .collect())
}

/// A person's review of a change awaiting one: approving lets a change sent to review go ahead,
/// rejecting stops it (a reason is required); an emergency change is reviewed after the fact.
/// Audited; a change already reviewed, or one that needs no review, is refused.
pub async fn review(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    outcome: ReviewOutcome,
    comment: &str,
) -> Result<change::Model, AppError> {
    let comment = comment.trim();
    if outcome == ReviewOutcome::Rejected && comment.is_empty() {
        return Err(AppError::field(
            "comment",
            "Say why the change is rejected, so its author knows what to change.",
        ));
    }
    if comment.chars().count() > COMMENT_MAX {
        return Err(AppError::field(
            "comment",
            &format!("A comment is at most {COMMENT_MAX} characters."),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = Change::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Change"))?;
    if !awaits_review(row.kind, row.decision, row.review_outcome) {
        let message = match &row.reviewed_by {
            Some(by) => format!("{by} reviewed this change already."),
            None => "This change needs no review: the gate decided it.".to_owned(),
        };
        return Err(AppError::Conflict(message));
    }
    let before = row.clone();
    let now = Utc::now();
    let mut active: change::ActiveModel = row.into();
    active.review_outcome = Set(Some(outcome));
    active.reviewed_by = Set(Some(actor.label.clone()));
    active.reviewed_at = Set(Some(now));
    active.review_comment = Set((!comment.is_empty()).then(|| comment.to_owned()));
    active.updated_at = Set(now);
    // Only a change still unreviewed is updated: of two reviewers at once, one wins.
    let updated = Change::update_many()
        .set(active)
        .filter(change::Column::Id.eq(id))
        .filter(change::Column::ReviewOutcome.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict(
            "Someone else reviewed this change a moment ago.".into(),
        ));
    }
    let after = Change::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Change"))?;
    let action = match outcome {
        ReviewOutcome::Approved => AuditAction::ChangeApproved,
        ReviewOutcome::Rejected => AuditAction::ChangeRejected,
    };
    audit::record(
        &txn,
        actor,
        action,
        subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Refuses (403) a person who may not review change `id`: only problem managers, administrators
/// and the approvers `CHANGE_APPROVERS` lists for the service's team review changes.
pub async fn may_review(
    state: &crate::AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    let row = Change::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Change"))?;
    let team = Service::find_by_id(row.service_id)
        .one(&state.db)
        .await?
        .map(|s| s.team)
        .unwrap_or_default();
    if state
        .settings
        .change_approvers
        .may_review(user.role, &user.email, &team)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// [`review`], then the commit status a change from a pull request now owes GitHub.
pub async fn review_and_report(
    state: &crate::AppState,
    actor: &Actor,
    id: i64,
    outcome: ReviewOutcome,
    comment: &str,
) -> Result<change::Model, AppError> {
    let row = review(&state.db, actor, id, outcome, comment).await?;
    super::github::owe_status(&state.db, &row, &state.github.wake).await?;
    Ok(row)
}

/// The audit trail's name for a change.
pub fn subject(row: &change::Model) -> Subject<'_> {
    Subject {
        entity_type: "change",
        entity_id: row.id.to_string(),
        label: if row.title.is_empty() {
            &row.commit_sha
        } else {
            &row.title
        },
    }
}

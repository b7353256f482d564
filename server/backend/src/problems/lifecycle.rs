//! Problem lifecycle moves: checked by the domain state machine, recorded in the history with who
//! and why, audited; a duplicate hands its incidents to the problem it duplicates, and resolving
//! past open pipeline tests needs a recorded reason.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};

use super::{find, open_pipeline_tests, record, state_of, subject};
use crate::AppError;
use crate::audit;
use crate::auth::CurrentUser;
use crate::entities::problem::{self, Entity as Problem};
use crate::entities::problem_incident::{self, Entity as ProblemIncident};
use crate::entities::root_cause::{self, Entity as RootCause};
use shared::domain::audit::AuditAction;
use shared::domain::problem::{
    ProblemAction, ProblemState, TransitionFacts, check_duplicate_of, check_reason, transition,
};

/// Applies one move to the problem.
pub async fn apply(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    action: ProblemAction,
    reason: &str,
    duplicate_of: &str,
    guardrail_reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if !reason.is_empty() || action.needs_reason() {
        check_reason(reason).map_err(|e| AppError::field("reason", &e))?;
    }
    let guardrail_reason = guardrail_reason.trim();
    if !guardrail_reason.is_empty() {
        check_reason(guardrail_reason).map_err(|e| AppError::field("guardrail_reason", &e))?;
    }
    let txn = crate::db::begin_write(db).await?;
    apply_in(
        &txn,
        user,
        id,
        action,
        reason,
        duplicate_of,
        guardrail_reason,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Applies one move inside the caller's transaction (bulk moves share one).
pub async fn apply_in(
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    id: i64,
    action: ProblemAction,
    reason: &str,
    duplicate_of: &str,
    guardrail_reason: &str,
) -> Result<(), AppError> {
    let (reason, guardrail_reason) = (reason.trim(), guardrail_reason.trim());
    let before = find(txn, id).await?;
    let from = state_of(&before);
    let facts = TransitionFacts {
        has_root_cause: RootCause::find()
            .filter(root_cause::Column::ProblemId.eq(id))
            .one(txn)
            .await?
            .is_some(),
        open_pipeline_tests: if action == ProblemAction::Resolve {
            open_pipeline_tests(txn, id).await?
        } else {
            0
        },
        guardrail_override: !guardrail_reason.is_empty(),
        has_reason: !reason.is_empty(),
    };
    let to = transition(from, action, facts).map_err(|message| {
        if facts.open_pipeline_tests > 0 && action == ProblemAction::Resolve {
            AppError::field("guardrail_reason", &message)
        } else {
            AppError::Conflict(message)
        }
    })?;
    let mut row: problem::ActiveModel = before.clone().into();
    let mut note = reason.to_owned();
    if action == ProblemAction::MarkDuplicate {
        let target = duplicate_target(txn, id, duplicate_of).await?;
        row.duplicate_of_id = Set(Some(target.id));
        let moved = move_incidents(txn, id, target.id).await?;
        let summary = format!(
            "Duplicate of #{} {}; {moved} incident{} moved there.",
            target.id,
            target.title,
            if moved == 1 { "" } else { "s" }
        );
        super::record(
            txn,
            target.id,
            &user.actor(),
            "duplicate",
            None,
            &format!(
                "#{id} {} was marked a duplicate of this problem; {moved} incident{} moved here.",
                before.title,
                if moved == 1 { "" } else { "s" }
            ),
        )
        .await?;
        super::touch(txn, target.id).await?;
        note = if note.is_empty() {
            summary
        } else {
            format!("{summary} {note}")
        };
    }
    if matches!(action, ProblemAction::AcceptRisk | ProblemAction::Cancel) {
        row.resolution = Set(reason.to_owned());
    }
    match to {
        ProblemState::Resolved => row.resolved_at = Set(Some(Utc::now())),
        ProblemState::Analysis => row.resolved_at = Set(None),
        _ => {}
    }
    row.state = Set(to);
    row.version = Set(before.version + 1);
    row.updated_at = Set(Utc::now());
    let after = row.update(txn).await?;
    record(
        txn,
        id,
        &user.actor(),
        "transition",
        Some((from, to)),
        &note,
    )
    .await?;
    if facts.guardrail_override && facts.open_pipeline_tests > 0 {
        let override_note = format!(
            "Resolved with {} open pipeline-test action item{}: {guardrail_reason}",
            facts.open_pipeline_tests,
            if facts.open_pipeline_tests == 1 {
                ""
            } else {
                "s"
            }
        );
        record(
            txn,
            id,
            &user.actor(),
            "guardrail_override",
            None,
            &override_note,
        )
        .await?;
        audit::record(
            txn,
            &user.actor(),
            AuditAction::ProblemGuardrailOverridden,
            subject(&after),
            None,
            Some(&override_note),
        )
        .await?;
    }
    audit::record(
        txn,
        &user.actor(),
        AuditAction::from(action),
        subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    tracing::info!(id, from = from.as_str(), to = to.as_str(), "problem moved");
    Ok(())
}

/// The problem named in `input` that `id` may be marked a duplicate of.
pub async fn duplicate_target(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
    input: &str,
) -> Result<problem::Model, AppError> {
    let target_id = input
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| {
            AppError::field(
                "duplicate_of",
                "Give the number of the problem this one duplicates.",
            )
        })?;
    let chains: HashMap<i64, i64> = Problem::find()
        .filter(problem::Column::DuplicateOfId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| p.duplicate_of_id.map(|d| (p.id, d)))
        .collect();
    check_duplicate_of(id, target_id, &chains).map_err(|e| AppError::field("duplicate_of", &e))?;
    let target = Problem::find_by_id(target_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "duplicate_of",
                &format!("There is no problem #{target_id}."),
            )
        })?;
    if matches!(
        state_of(&target),
        ProblemState::Duplicate | ProblemState::Cancelled
    ) {
        return Err(AppError::field(
            "duplicate_of",
            &format!(
                "Problem #{target_id} is {}; choose the problem that carries the work.",
                state_of(&target).label().to_lowercase()
            ),
        ));
    }
    Ok(target)
}

/// Moves every incident of `from` to `to` (keeping those `to` already has); returns how many.
async fn move_incidents(
    db: &impl sea_orm::ConnectionTrait,
    from: i64,
    to: i64,
) -> Result<usize, AppError> {
    let existing: Vec<i64> = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.eq(to))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    let links = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.eq(from))
        .all(db)
        .await?;
    let mut moved = 0;
    for link in &links {
        if !existing.contains(&link.incident_id) {
            problem_incident::ActiveModel {
                problem_id: Set(to),
                incident_id: Set(link.incident_id),
                recurrence: Set(link.recurrence),
                linked_at: Set(Utc::now()),
            }
            .insert(db)
            .await?;
            moved += 1;
        }
    }
    ProblemIncident::delete_many()
        .filter(problem_incident::Column::ProblemId.eq(from))
        .exec(db)
        .await?;
    Ok(moved)
}

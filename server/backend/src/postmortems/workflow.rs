//! The review workflow: send to review (only when the required sections are complete), approve,
//! request changes, publish (with enough approvals) and reopen with a reason. Every move is
//! recorded in the postmortem's activity and the audit trail, and sent live.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{completeness, display_name, find, meta, status_of, subject, template_of};
use crate::audit;
use crate::auth::CurrentUser;
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::postmortem_activity;
use crate::{AppError, AppState, live};
use shared::domain::audit::AuditAction;
use shared::domain::postmortem::{
    PostmortemStatus, WorkflowAction, check_approver, check_reopen_reason, check_review_comment,
    missing_sections, transition,
};
use shared::wire::postmortems::{LiveEvent, PostmortemMeta};

/// Applies one workflow move and returns the postmortem's new status and history.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    action: WorkflowAction,
    comment: &str,
) -> Result<PostmortemMeta, AppError> {
    let comment = match action {
        WorkflowAction::Reopen => check_reopen_reason(comment),
        _ => check_review_comment(action, comment),
    }
    .map_err(AppError::Validation)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let pm = find(&txn, postmortem_id).await?;
    let to = transition(status_of(&pm), action).map_err(AppError::Conflict)?;
    let mut round = pm.review_round;
    match action {
        WorkflowAction::SendToReview => {
            let missing = missing_sections(&template_of(&pm), &completeness(&txn, pm.id).await?);
            if !missing.is_empty() {
                // The document's state refuses it, not a field of this form: said as one notice.
                return Err(AppError::Conflict(format!(
                    "Not sent to review: complete the required sections first. {}",
                    missing.join(" ")
                )));
            }
            round += 1;
        }
        WorkflowAction::Approve => {
            check_approver(user.id, pm.author_id).map_err(AppError::Conflict)?;
        }
        WorkflowAction::Publish => {
            let current = meta(&txn, &pm, state.settings.review_approvals).await?;
            if !current.can_publish {
                return Err(AppError::Conflict(format!(
                    "Publishing needs {} approval(s) in this review round from reviewers other \
                     than the author; it has {}.",
                    state.settings.review_approvals,
                    current.approvers.len()
                )));
            }
        }
        _ => {}
    }
    let now = Utc::now();
    let published_at = match to {
        PostmortemStatus::Published => Some(now),
        _ => None,
    };
    let updated = Postmortem::update_many()
        .col_expr(postmortem::Column::Status, Expr::value(to.as_str()))
        .col_expr(postmortem::Column::ReviewRound, Expr::value(round))
        .col_expr(postmortem::Column::PublishedAt, Expr::value(published_at))
        .col_expr(postmortem::Column::Version, Expr::value(pm.version + 1))
        .col_expr(postmortem::Column::UpdatedAt, Expr::value(now))
        .filter(postmortem::Column::Id.eq(pm.id))
        .filter(postmortem::Column::Version.eq(pm.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict(
            "Someone else moved this postmortem at the same moment. Look again, then retry.".into(),
        ));
    }
    log_activity(&txn, pm.id, user, action.as_str(), &comment, round).await?;
    let saved = find(&txn, pm.id).await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::from(action),
        subject(&saved),
        Some(&pm),
        Some(&saved),
    )
    .await?;
    let meta = meta(&txn, &saved, state.settings.review_approvals).await?;
    let name = display_name(user);
    let recorded = live::record(
        &txn,
        &state.live,
        pm.id,
        &name,
        LiveEvent::Meta(meta.clone()),
    )
    .await?;
    txn.commit().await?;
    state.live.published(vec![recorded]);
    Ok(meta)
}

/// Appends one entry to the postmortem's review history.
pub async fn log_activity(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
    user: &CurrentUser,
    action: &str,
    comment: &str,
    review_round: i32,
) -> Result<(), AppError> {
    postmortem_activity::ActiveModel {
        postmortem_id: Set(postmortem_id),
        actor_id: Set(Some(user.id)),
        actor_label: Set(display_name(user)),
        action: Set(action.to_owned()),
        comment: Set(comment.to_owned()),
        review_round: Set(review_round),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

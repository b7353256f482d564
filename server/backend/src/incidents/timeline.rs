//! An incident's timeline: entries people add, edit and remove, and those the app writes itself.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{find, to_second};
use crate::audit::{self, Actor, Subject};
use crate::entities::timeline_entry::{self, Entity as TimelineEntry};
use crate::markdown::render_markdown;
use crate::{AppError, AppState};
use shared::domain::audit::AuditAction;
use shared::domain::{TimelineDraft, TimelineKind};
use shared::wire::incidents::TimelineEntryView;

/// Recomputes which deployments the incident's change entries blame.
async fn relink(
    txn: &impl ConnectionTrait,
    state: &AppState,
    incident_id: i64,
) -> Result<(), AppError> {
    crate::deployments::relink(txn, incident_id, state.settings.deployment_link_minutes).await?;
    Ok(())
}

/// Writes an entry on behalf of `actor` (a person's action or the app itself).
pub async fn system_entry(
    db: &impl ConnectionTrait,
    incident_id: i64,
    kind: TimelineKind,
    occurred_at: DateTime<Utc>,
    body: &str,
    actor: &Actor,
) -> Result<timeline_entry::Model, AppError> {
    let now = Utc::now();
    Ok(timeline_entry::ActiveModel {
        incident_id: Set(incident_id),
        kind: Set(kind),
        occurred_at: Set(to_second(occurred_at)),
        body: Set(body.to_owned()),
        author_id: Set(actor.id),
        author_label: Set(actor.label.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A person adds an entry; without a time it happened now.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    incident_id: i64,
    draft: &TimelineDraft,
) -> Result<TimelineEntryView, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    find(&txn, incident_id).await?;
    let occurred_at = draft.occurred_at.unwrap_or_else(Utc::now);
    let entry = system_entry(
        &txn,
        incident_id,
        draft.kind,
        occurred_at,
        &draft.body,
        actor,
    )
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::TimelineAdded,
        subject(&entry),
        None,
        Some(&entry),
    )
    .await?;
    if draft.kind == TimelineKind::Change {
        relink(&txn, state, incident_id).await?;
    }
    txn.commit().await?;
    Ok(to_view(entry))
}

/// A person corrects an entry made from `version`.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i32,
    draft: &TimelineDraft,
) -> Result<TimelineEntryView, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let current = find_entry(&txn, id).await?;
    if current.version != version {
        return Err(AppError::Conflict(
            "Someone else changed this entry after you opened it. Reload to see their change."
                .into(),
        ));
    }
    let mut model: timeline_entry::ActiveModel = current.clone().into();
    model.kind = Set(draft.kind);
    if let Some(at) = draft.occurred_at {
        model.occurred_at = Set(to_second(at));
    }
    model.body = Set(draft.body.clone());
    model.version = Set(version + 1);
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::TimelineUpdated,
        subject(&saved),
        Some(&current),
        Some(&saved),
    )
    .await?;
    if draft.kind == TimelineKind::Change || current.kind == TimelineKind::Change {
        relink(&txn, state, saved.incident_id).await?;
    }
    txn.commit().await?;
    Ok(to_view(saved))
}

/// A person removes an entry (the audit trail keeps what it said).
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let current = find_entry(&txn, id).await?;
    TimelineEntry::delete_by_id(id).exec(&txn).await?;
    if current.kind == TimelineKind::Change {
        relink(&txn, state, current.incident_id).await?;
    }
    audit::record(
        &txn,
        actor,
        AuditAction::TimelineDeleted,
        subject(&current),
        Some(&current),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn find_entry(db: &impl ConnectionTrait, id: i64) -> Result<timeline_entry::Model, AppError> {
    TimelineEntry::find()
        .filter(timeline_entry::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Timeline entry"))
}

/// The entry as shown, its text rendered to safe HTML.
pub fn to_view(entry: timeline_entry::Model) -> TimelineEntryView {
    TimelineEntryView {
        id: entry.id,
        kind: entry.kind,
        occurred_at: entry.occurred_at,
        body_html: render_markdown(&entry.body),
        body: entry.body,
        author: entry.author_label,
        version: entry.version,
        edited: entry.version > 1,
    }
}

fn subject(entry: &timeline_entry::Model) -> Subject<'static> {
    Subject {
        entity_type: "incident",
        entity_id: entry.incident_id.to_string(),
        label: "timeline entry",
    }
}

//! The audit trail: every change stores who, when and the record before and after, in the
//! same transaction as the change itself.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use shared::domain::audit::AuditAction;

use super::entities::audit_event::{self, Entity as AuditEvent};

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user, or `None` for the system itself (start-up seeding, workers).
    pub id: Option<i64>,
    /// What to show: the user's email, or a description of the system process.
    pub label: String,
}

impl Actor {
    /// A change made by the application itself.
    pub fn system(label: &str) -> Self {
        Self {
            id: None,
            label: label.to_owned(),
        }
    }
}

/// The record a change was made to.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// The kind of record, e.g. `service`.
    pub entity_type: &'a str,
    pub entity_id: String,
    /// How people name it, e.g. the service's name.
    pub label: &'a str,
}

/// Appends one audit event. Call it with the transaction that makes the change.
pub async fn record<T: Serialize>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    subject: Subject<'_>,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), DbErr> {
    let to_json = |value: Option<&T>| {
        value
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DbErr::Json(e.to_string()))
    };
    audit_event::ActiveModel {
        occurred_at: Set(Utc::now()),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.clone()),
        action: Set(action.as_str().to_owned()),
        entity_type: Set(subject.entity_type.to_owned()),
        entity_id: Set(subject.entity_id),
        entity_label: Set(subject.label.chars().take(200).collect()),
        before: Set(to_json(before)?),
        after: Set(to_json(after)?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What the audit page filters by; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Only events older than this id (the next page).
    pub before_id: Option<i64>,
}

/// The newest events matching `filter`, at most `limit`, newest first (keyset pagination).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    let mut query = AuditEvent::find();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_event::Column::EntityType.eq(entity_type.as_str()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_event::Column::Action.eq(action.as_str()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_event::Column::ActorLabel.contains(actor.trim().to_lowercase()));
    }
    if let Some(before_id) = filter.before_id {
        query = query.filter(audit_event::Column::Id.lt(before_id));
    }
    query
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Every event of one record, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<audit_event::Model>, DbErr> {
    AuditEvent::find()
        .filter(audit_event::Column::EntityType.eq(entity_type))
        .filter(audit_event::Column::EntityId.eq(entity_id))
        .order_by_desc(audit_event::Column::Id)
        .limit(200)
        .all(db)
        .await
}

//! The `timeline_entries` table: what happened during an incident, and when.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::incident::TimelineKind;

/// One entry of an incident's timeline.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "timeline_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: i64,
    #[serde(serialize_with = "super::as_key")]
    pub kind: TimelineKind,
    /// When it happened (may be long before it was written down).
    pub occurred_at: DateTime<Utc>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub author_id: Option<i64>,
    pub author_label: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

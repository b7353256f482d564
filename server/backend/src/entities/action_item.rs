//! The `action_items` table: follow-ups a postmortem commits to.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::postmortem::{ActionKind, ActionPriority, ActionStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "action_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub postmortem_id: i64,
    pub factor_id: Option<i64>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[serde(serialize_with = "super::as_key")]
    pub kind: ActionKind,
    pub owner_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    #[serde(serialize_with = "super::as_key")]
    pub priority: ActionPriority,
    #[serde(serialize_with = "super::as_key")]
    pub status: ActionStatus,
    pub version: i32,
    pub updated_by_label: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// The problem whose fix this item implements, if any.
    pub problem_id: Option<i64>,
    /// The service the item belongs to: its issue goes to this service's repository.
    pub service_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `problems` table: one row per problem (a cause of one or more incidents).

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::problem::{Level, ProblemCategory, ProblemState};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    #[serde(serialize_with = "super::as_key")]
    pub category: ProblemCategory,
    #[serde(serialize_with = "super::as_key")]
    pub impact: Level,
    #[serde(serialize_with = "super::as_key")]
    pub urgency: Level,
    /// 1 (P1) to 5, from impact and urgency by the configured matrix.
    pub priority: i16,
    #[serde(serialize_with = "super::as_key")]
    pub state: ProblemState,
    pub coordinator_id: Option<i64>,
    pub duplicate_of_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub workaround: String,
    #[sea_orm(column_type = "Text")]
    pub fix: String,
    /// Why it ended as risk accepted or cancelled.
    #[sea_orm(column_type = "Text")]
    pub resolution: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

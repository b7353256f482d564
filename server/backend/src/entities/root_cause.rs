//! The `root_causes` table: the causes found for a problem, with their evidence.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::problem::ProblemCategory;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "root_causes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub problem_id: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[serde(serialize_with = "super::as_key")]
    pub category: ProblemCategory,
    /// One link or note per line.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub actor_label: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

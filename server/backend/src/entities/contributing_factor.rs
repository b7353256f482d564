//! The `contributing_factors` table: the causal board of a postmortem.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::postmortem::FactorCategory;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contributing_factors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub postmortem_id: i64,
    pub title: String,
    pub category: FactorCategory,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The "5 whys" chain, one per line.
    #[sea_orm(column_type = "Text")]
    pub whys: String,
    /// Evidence lines: links or `#N` timeline entries.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub version: i32,
    pub updated_by_label: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

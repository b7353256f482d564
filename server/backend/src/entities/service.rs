//! The `services` table: the service catalog.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One service in the catalog.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub team: String,
    pub repository: Option<String>,
    pub runbook_url: Option<String>,
    pub on_call: String,
    pub slo_target: Option<f64>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

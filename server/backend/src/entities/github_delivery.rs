//! The `github_deliveries` table: GitHub webhook deliveries by id (repeats are ignored), with the
//! raw payload kept when it was not understood.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One delivery.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "github_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: String,
    pub received_at: DateTime<Utc>,
    pub event: String,
    pub action: Option<String>,
    /// `applied`, `ignored`, `echo` or `unknown` (kept for a person).
    pub outcome: String,
    pub detail: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

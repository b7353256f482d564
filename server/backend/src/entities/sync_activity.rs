//! The `sync_activity` table: what the GitHub sync did, item by item, for the activity history.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One line of the history.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action_item_id: Option<i64>,
    pub repository: Option<String>,
    /// `info` or `error`.
    pub level: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

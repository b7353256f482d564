//! The `postmortem_fields` table: each narrative field of a postmortem, versioned on its own.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postmortem_fields")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub postmortem_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub field: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub version: i32,
    pub updated_by_label: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

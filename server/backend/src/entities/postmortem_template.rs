//! The `postmortem_templates` table: the required sections per severity, as set by administrators.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postmortem_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub severity: i16,
    pub required_sections: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

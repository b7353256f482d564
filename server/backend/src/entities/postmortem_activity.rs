//! The `postmortem_activity` table: the review history (sent, approved, changes asked, published,
//! reopened with a reason).

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postmortem_activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub postmortem_id: i64,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    /// A workflow action key, or `started`.
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub review_round: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

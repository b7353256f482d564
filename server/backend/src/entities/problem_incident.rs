//! The `problem_incidents` table: incidents a problem caused; recurrences are those matched after it was known.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "problem_incidents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub problem_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: i64,
    /// Linked because it matched the problem's known error (or its pattern) when it came in.
    pub recurrence: bool,
    pub linked_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `postmortems` table: one postmortem document's status, template and facilitator.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::postmortem::{PostmortemStatus, Step};

/// One postmortem.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "postmortems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    #[serde(serialize_with = "super::as_key")]
    pub status: PostmortemStatus,
    /// The most severe linked incident's severity rank, which chose the template.
    pub severity: i16,
    /// The sections that must be complete before review (stored template).
    pub required_sections: String,
    pub author_id: Option<i64>,
    pub author_label: String,
    #[serde(serialize_with = "super::as_key")]
    pub facilitator_step: Step,
    pub facilitator_label: String,
    pub review_due_on: Option<NaiveDate>,
    /// Incremented at each "send to review"; approvals count within one round.
    pub review_round: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `pm_timeline_entries` table: a postmortem's curated timeline.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::incident::TimelineKind;
use shared::domain::postmortem::Moment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pm_timeline_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub postmortem_id: i64,
    /// The incident timeline entry it was imported from, if any.
    pub source_entry_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    /// A [`shared::domain::incident::TimelineKind`] by name: the source entry's, or chosen in the meeting.
    pub kind: TimelineKind,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub moment: Moment,
    pub hidden: bool,
    pub version: i32,
    pub updated_by_label: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `incident_alerts` table: each distinct alert (by fingerprint) attached to an incident.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One alert of one incident; repeats of it only bump the counters.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: i64,
    pub integration_id: i64,
    pub fingerprint: String,
    pub group_key: Option<String>,
    /// `firing`, `acknowledged` or `resolved`.
    pub state: String,
    pub title: String,
    /// The alert's labels as a JSON object.
    #[sea_orm(column_type = "Text")]
    pub labels: String,
    pub source_url: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub first_received_at: DateTime<Utc>,
    pub last_received_at: DateTime<Utc>,
    pub receive_count: i32,
    /// Mirrors whether the incident is open, so a repeat finds its incident with one index lookup.
    pub incident_open: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

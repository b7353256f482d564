//! The `incidents` table: one row per incident, with its milestones and postmortem flags.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::incident::IncidentStatus;

/// One incident.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "incidents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    /// 1 (SEV1) to 4 (SEV4).
    pub severity: i16,
    #[serde(serialize_with = "super::as_key")]
    pub status: IncidentStatus,
    pub commander: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// `person` or the monitoring source that opened it.
    pub source: String,
    pub integration_id: Option<i64>,
    /// The fingerprint of the alert that opened it.
    pub fingerprint: Option<String>,
    /// The runbook the opening alert pointed to.
    pub runbook_url: Option<String>,
    pub service_unknown: bool,
    pub data_loss: bool,
    pub escalated: bool,
    pub postmortem_required: bool,
    pub postmortem_started_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
    pub impact_started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

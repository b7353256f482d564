//! The `incident_services` table: which services an incident affected, with a copy of the
//! incident's opening, status, severity and impact times (kept by triggers) so a service's open
//! and recent incidents are read from its own rows (the list, the change gate).

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One affected service of one incident.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_id: i64,
    pub opened_at: DateTime<Utc>,
    /// The incident's; written only by the database's triggers.
    pub status: shared::domain::IncidentStatus,
    pub severity: i16,
    pub impact_started_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `incident_deployments` table: deployments an incident was caused by, linked by a person
//! or automatically from a change entry in the incident's timeline.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "incident_deployments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deployment_id: i64,
    pub linked_by: String,
    pub automatic: bool,
    /// Who unlinked an automatic link: it stays unlinked however the timeline changes.
    pub dismissed_by: Option<String>,
    pub linked_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `deployments` table: a service's version reaching an environment, from the deployment
//! webhook or a GitHub `deployment_status` event.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "deployments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub service_id: i64,
    pub environment: String,
    pub version: String,
    /// `success` or `failure` (a failed rollout, not a change that caused an incident).
    pub status: String,
    /// `webhook` or `github`.
    pub source: String,
    /// The sender's id for the deployment; a repeat with the same id updates the row.
    pub external_id: String,
    pub url: Option<String>,
    pub deployed_at: DateTime<Utc>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    /// The change it shipped: named by the report, or the change of its commit.
    pub change_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `webhook_deliveries` table: deliveries kept for de-duplication (by id) and payloads flagged for a person.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One delivery worth remembering.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub integration_id: i64,
    /// The sender's id for the delivery (PagerDuty's event id), unique per integration.
    pub delivery_id: Option<String>,
    pub received_at: DateTime<Utc>,
    /// `processed` or `flagged` (valid but not understood: kept for a person to look at).
    pub outcome: String,
    pub detail: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

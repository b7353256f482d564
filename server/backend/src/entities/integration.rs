//! The `integrations` table: a monitoring system allowed to post alerts, with its credentials and mapping.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::alerts::AlertSource;

/// One configured alert source.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "integrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// `alertmanager`, `grafana` or `pagerduty`.
    pub source: AlertSource,
    /// SHA-256 of the bearer token (or basic-auth password); the token itself is shown once.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub token_prefix: String,
    /// The HMAC secret for signed deliveries (Grafana, PagerDuty); when set, a valid signature is required.
    pub signing_secret: Option<String>,
    /// The header carrying the signature, when the source lets it be configured (Grafana).
    pub signature_header: Option<String>,
    /// Every alert goes to this service, whatever its labels say.
    pub service_id: Option<i64>,
    /// The label naming the service.
    pub service_label: String,
    /// The label naming the severity.
    pub severity_label: String,
    /// Resolve the incident when all its alerts resolve (else just note it on the timeline).
    pub resolve_with_alert: bool,
    pub created_at: DateTime<Utc>,
    pub last_delivery_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

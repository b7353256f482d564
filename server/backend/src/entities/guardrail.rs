//! The `guardrails` table: rules learned from a contributing factor, a problem or a pipeline
//! test, enforced by the change gate on one service until retired.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::guardrail::GuardrailTemplate;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "guardrails")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub service_id: i64,
    #[serde(serialize_with = "super::as_key")]
    pub template: GuardrailTemplate,
    pub parameter: String,
    /// The rule in words.
    pub title: String,
    /// The postmortem behind it (a factor's or a pipeline test's).
    pub postmortem_id: Option<i64>,
    pub factor_id: Option<i64>,
    pub problem_id: Option<i64>,
    /// The pipeline test it came from.
    pub action_item_id: Option<i64>,
    /// Retire when that pipeline test is verified.
    pub until_verified: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub retired_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

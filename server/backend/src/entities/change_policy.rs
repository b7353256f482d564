//! The `change_policies` table: every version of the change policy (Rego), with its own tests'
//! results; one version is active.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "change_policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// What the author said the version changes.
    pub note: String,
    /// The `test_*` rules' results, as a JSON list of `[name, passed]`.
    #[sea_orm(column_type = "Text")]
    pub tests: String,
    pub tests_passed: bool,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

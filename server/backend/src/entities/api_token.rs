//! The `api_tokens` table: personal tokens for automation, stored only as hashes.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::TokenScope;

/// One personal API token.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// SHA-256 of the token, hex-encoded; the token itself is shown once and never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The first characters of the token, so people can tell their tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Everything the owner's role allows, or only a pipeline's reports.
    pub scope: TokenScope,
    /// A pipeline token limited to one service's reports.
    pub service_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

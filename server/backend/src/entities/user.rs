//! The `users` table: people who can sign in.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::auth::Role;

/// One account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    /// A [`shared::domain::Role`] stored by name.
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The person's GitHub login, so the issues of their action items are assigned to them.
    pub github_login: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

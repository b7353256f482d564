//! The `github_connection` table: the one GitHub connection (token or GitHub App), its webhook
//! secret and the last connection check.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::github_connection::ConnectionMode;

/// The connection; there is at most one row, with id 1.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "github_connection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// `token` or `app`.
    pub mode: ConnectionMode,
    pub token: Option<String>,
    pub app_id: Option<i64>,
    pub private_key: Option<String>,
    pub installation_id: Option<i64>,
    /// The API's base URL for GitHub Enterprise (or a test server); `None` means api.github.com.
    pub api_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// The least time between two writes to GitHub, in milliseconds.
    pub write_pace_ms: i64,
    /// The login the app acts as, learnt by the connection check; its webhook echoes are ignored.
    pub bot_login: Option<String>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// The last check's report, as JSON.
    pub last_check: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

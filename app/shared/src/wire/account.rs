//! What the account server functions carry over the wire.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::TokenScope;

/// A personal API token as listed (the secret itself is never shown again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// Everything the owner's role allows, or a pipeline's reports only.
    pub scope: TokenScope,
    /// The one service a pipeline token reports for (none: every service).
    pub service: Option<String>,
}

/// A token just created: the secret is in here once, and only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

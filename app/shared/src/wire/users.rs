//! What the users server functions carry over the wire.
use crate::domain::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An account as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

//! What the audit server functions carry over the wire.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One audited change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_label: String,
    /// The record before the change, as pretty-printed JSON.
    pub before: Option<String>,
    /// The record after the change, as pretty-printed JSON.
    pub after: Option<String>,
}

/// How many entries one page of the audit list holds.
pub const AUDIT_PAGE_SIZE: u64 = 50;

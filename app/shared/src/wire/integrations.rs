//! What the integrations server functions carry over the wire.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::alerts::AlertSource;

/// A delivery that was valid but not understood, kept for a person to look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedDelivery {
    pub received_at: DateTime<Utc>,
    /// What we did not understand.
    pub detail: String,
    /// The start of the payload as received (at most 2,000 characters).
    pub payload_excerpt: String,
}

/// An integration as administrators see it: never its token or signing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationView {
    pub id: i64,
    pub name: String,
    pub source: AlertSource,
    /// The address the source posts its alerts to.
    pub webhook_url: String,
    /// The token's first characters, to tell tokens apart.
    pub token_prefix: String,
    /// True when deliveries must carry a valid signature.
    pub signs: bool,
    /// Grafana: the header carrying the signature.
    pub signature_header: Option<String>,
    /// The slug of the service every alert goes to, when fixed.
    pub service: Option<String>,
    pub service_label: String,
    pub severity_label: String,
    pub resolve_with_alert: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_delivery_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    /// The newest flagged deliveries, newest first.
    pub flagged: Vec<FlaggedDelivery>,
}

/// An integration with its token, just created or replaced: the token is in here once, and only here.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedIntegration {
    pub integration: IntegrationView,
    pub token: String,
}

impl std::fmt::Debug for CreatedIntegration {
    /// Leaves the token out, so it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedIntegration")
            .field("integration", &self.integration)
            .field("token", &"…")
            .finish()
    }
}

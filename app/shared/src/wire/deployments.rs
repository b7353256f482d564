//! What the deployments server functions carry over the wire.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One deployment, as the incident page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
    pub url: Option<String>,
    /// Who linked it to the incident (when it is linked).
    pub linked_by: Option<String>,
    /// Linked from a change entry in the incident's timeline.
    pub automatic: bool,
}

/// An incident's deployments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentLinks {
    /// Deployments the incident was caused by: each counts as a failed change.
    pub linked: Vec<DeploymentRow>,
    /// Deployments of its services around its impact that could be linked.
    pub candidates: Vec<DeploymentRow>,
}

/// The deployment list's filters, as they appear in its query string (the dashboard links here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentQuery {
    /// Deployed at or after (a date or time, UTC).
    #[serde(default)]
    pub from: String,
    /// Deployed before.
    #[serde(default)]
    pub to: String,
    /// A service slug.
    #[serde(default)]
    pub service: String,
    /// A team, as the service catalog names it.
    #[serde(default)]
    pub team: String,
    /// `true`: only deployments linked to an incident (failed changes).
    #[serde(default)]
    pub failed: String,
}

/// One deployment in the list, with the incidents it caused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentListRow {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
    pub url: Option<String>,
    /// (id, title) of each incident linked to it.
    pub incidents: Vec<(i64, String)>,
}

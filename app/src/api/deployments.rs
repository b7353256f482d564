//! Deployments over the wire: those linked to an incident and those it may be linked to, and
//! linking or unlinking one by hand; thin server functions over `server::deployments`.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;

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

/// An incident's linked and nearby deployments.
#[server(endpoint = "incidents/deployments")]
pub async fn incident_deployments(incident: i64) -> Result<DeploymentLinks, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::server::auth::require(crate::domain::Permission::ViewRecords)?;
    Ok(crate::server::deployments::for_incident(&state.db, incident).await?)
}

/// Links a deployment to an incident (it then counts as a failed change), or unlinks it.
#[server(endpoint = "incidents/deployments/link")]
pub async fn link_deployment(
    incident: i64,
    deployment: i64,
    linked: bool,
) -> Result<DeploymentLinks, ApiError> {
    let state = crate::server::state::app_state()?;
    let user = crate::server::auth::require(crate::domain::Permission::EditIncidents)?;
    Ok(
        crate::server::deployments::set_link(&state, &user.actor(), incident, deployment, linked)
            .await?,
    )
}

//! Deployments over the wire: those linked to an incident and those it may be linked to, and
//! linking or unlinking one by hand; thin server functions over `server::deployments`.

pub use shared::wire::deployments::*;

use super::ApiError;
use leptos::prelude::*;

/// An incident's linked and nearby deployments.
#[server(endpoint = "incidents/deployments")]
pub async fn incident_deployments(incident: i64) -> Result<DeploymentLinks, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(IncidentDeployments)?;
    Ok(backend::deployments::for_incident(&state.db, incident).await?)
}

/// Links a deployment to an incident (it then counts as a failed change), or unlinks it.
#[server(endpoint = "incidents/deployments/link")]
pub async fn link_deployment(
    incident: i64,
    deployment: i64,
    linked: bool,
) -> Result<DeploymentLinks, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(LinkDeployment)?;
    Ok(backend::deployments::set_link(&state, &user.actor(), incident, deployment, linked).await?)
}

/// The newest deployments (at most 500) matching `query`: those the dashboard counts are the
/// successful production ones.
#[server(endpoint = "deployments/list")]
pub async fn list_deployments(
    #[server(default)] query: DeploymentQuery,
) -> Result<Vec<DeploymentListRow>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListDeployments)?;
    Ok(backend::deployments::list(&state.db, &query).await?)
}

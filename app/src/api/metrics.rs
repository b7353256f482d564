//! The scoreboard over the wire: every figure of the dashboard for one period and filter, with
//! the address of the records behind it; a thin server function over `server::metrics`.

pub use shared::wire::metrics::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::metrics::DashboardQuery;

/// The dashboard for a period and filter.
#[server(endpoint = "metrics/dashboard")]
pub async fn get_dashboard(
    #[server(default)] query: DashboardQuery,
) -> Result<DashboardView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GetDashboard)?;
    Ok(backend::metrics::dashboard(&state, &query, chrono::Utc::now()).await?)
}

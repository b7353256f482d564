//! Action items across postmortems over the wire: the list the dashboard's action-item figures
//! link to; a thin server function over `server::action_items`.

pub use shared::wire::action_items::*;

use super::ApiError;
use leptos::prelude::*;

/// The newest action items (at most 500) matching `query`.
#[server(endpoint = "action-items/list")]
pub async fn list_action_items(
    #[server(default)] query: ActionQuery,
) -> Result<Vec<ActionListRow>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListActionItems)?;
    Ok(backend::action_items::list(&state.db, &query, chrono::Utc::now().date_naive()).await?)
}

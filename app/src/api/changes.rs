//! Change records over the wire: the list (and review queue), one change, and a person's review;
//! thin server functions over `backend::changes::records`.

pub use shared::wire::changes::*;

use super::ApiError;
use leptos::prelude::*;
use shared::domain::change::ReviewOutcome;

/// The newest changes (at most 500) matching `query`.
#[server(endpoint = "changes/list")]
pub async fn list_changes(
    #[server(default)] query: ChangeQuery,
) -> Result<Vec<ChangeRow>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListChanges)?;
    Ok(backend::changes::records::list(&state.db, &query).await?)
}

/// One change with its evidence, decision, review and deployments.
#[server(endpoint = "changes/get")]
pub async fn get_change(id: i64) -> Result<ChangeView, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(GetChange)?;
    let mut view = backend::changes::records::get(&state.db, id).await?;
    view.can_review =
        state
            .settings
            .change_approvers
            .may_review(user.role, &user.email, &view.team);
    Ok(view)
}

/// Approves or rejects a change awaiting review (rejecting needs a comment saying why): problem
/// managers, administrators and the approvers listed for the service's team.
#[server(endpoint = "changes/review")]
pub async fn review_change(
    id: i64,
    outcome: ReviewOutcome,
    #[server(default)] comment: String,
) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(ReviewChange)?;
    backend::changes::records::may_review(&state, &user, id).await?;
    backend::changes::records::review_and_report(&state, &user.actor(), id, outcome, &comment)
        .await?;
    Ok(())
}

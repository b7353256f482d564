//! What server functions need from the request they serve (server builds only): the back end's
//! state, the signed-in person and their permission, the session, the answer's status, and the
//! CSP nonce. The work itself is the back end's (`backend`); a server function reads its
//! arguments, asks here who is calling, and calls the back end.

pub mod args;
pub mod auth;
pub mod csp;
pub mod error;
pub mod session;
pub mod shown_once;

use backend::{AppError, AppState};
use leptos::prelude::use_context;

/// The application state, as provided to server functions by the router.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::MissingState)
}

//! The state shared by every request: the database pool, settings and Leptos options.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use super::auth::limiter::SignInLimiter;
use super::{AppError, Settings};

/// Everything a request handler or server function needs from the running application.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
    /// Sign-in attempts per account and per client address.
    pub sign_in_limiter: Arc<SignInLimiter>,
    /// Alert deliveries are applied one at a time per instance (SQLite has a single writer;
    /// PostgreSQL additionally takes an advisory lock, so instances agree too).
    pub intake_lock: Arc<tokio::sync::Mutex<()>>,
    /// Announces postmortem changes to live connections (and, on PostgreSQL, other instances).
    pub live: Arc<super::live::LiveBus>,
    /// The GitHub sync's wake-up signal and timings.
    pub github: Arc<super::github::SyncRuntime>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The application state, as provided to server functions by the router.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::MissingState)
}

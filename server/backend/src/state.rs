//! The state shared by every request: the database pool, settings and the running workers.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::Settings;
use super::auth::limiter::SignInLimiter;

/// Everything a request handler or server function needs from the running application.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
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

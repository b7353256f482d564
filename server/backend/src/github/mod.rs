//! GitHub backlog sync: action items become issues in their service's repository through an
//! outbox and a worker, pipeline tests form a tracked backlog, and issue changes flow back by
//! webhook and by a periodic reconcile.

pub mod backlog;
pub mod client;
pub mod connection;
pub mod facts;
pub mod inbound;
pub mod octocrab_client;
pub mod outbox;
pub mod reconcile;
pub mod worker;

use std::time::Duration;

use super::Settings;

/// What the sync needs at run time, shared by requests and the worker.
#[derive(Debug)]
pub struct SyncRuntime {
    /// Woken when a job is written, so the worker does not wait for its next poll.
    pub wake: tokio::sync::Notify,
    pub timeout: Duration,
    pub retry_base: chrono::Duration,
    pub reconcile_every: Duration,
    /// Run the worker and the reconcile in this instance.
    pub enabled: bool,
}

impl SyncRuntime {
    /// The runtime the settings describe.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            wake: tokio::sync::Notify::new(),
            timeout: Duration::from_secs(settings.github_timeout_seconds),
            retry_base: chrono::Duration::milliseconds(
                (settings.github_retry_base_seconds * 1000.0) as i64,
            ),
            reconcile_every: Duration::from_secs(settings.github_reconcile_seconds),
            enabled: settings.github_sync,
        }
    }
}

//! The back end (native only, no Leptos): settings and state, the sea-orm entities and storage,
//! the workflows of incidents, postmortems and problems, alert intake, the GitHub sync, metrics,
//! the audit trail, authentication and the demo data. Server functions and HTTP handlers call it.

pub mod action_items;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod clean_text;
pub mod config;
pub mod db;
pub mod deployments;
pub mod entities;
pub mod error;
pub mod github;
pub mod incidents;
pub mod integrations;
pub mod live;
pub mod markdown;
pub mod metrics;
pub mod postmortems;
pub mod problems;
pub mod seed;
pub mod seed_changes;
pub mod seed_deployments;
pub mod seed_incidents;
pub mod seed_postmortems;
pub mod seed_problems;
pub mod services;
pub mod state;
pub mod webhook_auth;

pub use config::Settings;
pub use error::AppError;
pub use state::AppState;

//! The types server functions carry over the wire (view models, queries and forms), one file per
//! aggregate, named as the `api` module of the app that serves them.

/// The header an enhanced form's request carries: like a plain form, it shows only the page it goes
/// to next, never the server function's answer (a token shown once must be kept for that page).
pub const ENHANCED_FORM_HEADER: &str = "x-enhanced-form";

pub mod account;
pub mod action_items;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod deployments;
pub mod github;
pub mod incidents;
pub mod integrations;
pub mod metrics;
pub mod policies;
pub mod postmortems;
pub mod problems;
pub mod services;
pub mod users;

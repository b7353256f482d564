//! Thin server functions, one file per aggregate, and the error type that crosses the wire.

pub mod account;
pub mod action_items;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod deployments;
pub mod error;
pub mod github;
pub mod incidents;
pub mod integrations;
pub mod metrics;
pub mod policies;
pub mod postmortems;
pub mod problems;
pub mod registry;
pub mod services;
pub mod users;

pub use error::ApiError;

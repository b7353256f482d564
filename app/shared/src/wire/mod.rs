//! The types server functions carry over the wire (view models, queries and forms), one file per
//! aggregate, named as the `api` module of the app that serves them.

pub mod account;
pub mod action_items;
pub mod audit;
pub mod auth;
pub mod deployments;
pub mod github;
pub mod incidents;
pub mod integrations;
pub mod metrics;
pub mod postmortems;
pub mod problems;
pub mod services;
pub mod users;

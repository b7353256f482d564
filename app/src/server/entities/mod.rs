//! sea-orm entities: one file per table, mirroring the migrations.

pub mod api_token;
pub mod audit_event;
pub mod incident;
pub mod incident_alert;
pub mod incident_service;
pub mod integration;
pub mod service;
pub mod timeline_entry;
pub mod user;
pub mod webhook_delivery;

//! sea-orm entities: one file per table, mirroring the migrations.

pub mod action_item;
pub mod api_token;
pub mod audit_event;
pub mod contributing_factor;
pub mod incident;
pub mod incident_alert;
pub mod incident_service;
pub mod integration;
pub mod pm_timeline_entry;
pub mod postmortem;
pub mod postmortem_activity;
pub mod postmortem_event;
pub mod postmortem_field;
pub mod postmortem_incident;
pub mod postmortem_presence;
pub mod postmortem_template;
pub mod service;
pub mod timeline_entry;
pub mod user;
pub mod webhook_delivery;

//! sea-orm entities: one file per table, mirroring the migrations.

pub mod api_token;
pub mod audit_event;
pub mod service;
pub mod user;

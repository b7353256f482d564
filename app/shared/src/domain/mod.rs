//! Pure domain rules: parsing and validation with no I/O, compiled for the server and the browser.

#[macro_use]
mod choice;

pub mod action_service;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod change;
pub mod change_kpis;
pub mod coach;
pub mod deployment;
pub mod github;
pub mod github_connection;
pub mod guardrail;
pub mod histogram;
pub mod incident;
pub mod integration;
pub mod list_field;
pub mod metrics;
pub mod postmortem;
pub mod problem;
pub mod recurrence;
pub mod service;
pub mod time_text;
pub mod validation;

pub use auth::{Email, NewPassword, Permission, Role, TokenScope};
pub use incident::{
    IncidentDraft, IncidentForm, IncidentStatus, Milestones, PostmortemPolicy, Severity,
    TimelineDraft, TimelineForm, TimelineKind,
};
pub use list_field::ListField;
pub use service::{
    Repository, RunbookUrl, ServiceDraft, ServiceForm, ServiceName, SloTarget, Slug,
};
pub use validation::{FieldError, FieldErrors};

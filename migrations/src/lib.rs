//! Database schema migrations, applied in order at start-up on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_services;
mod m20261127_000002_create_accounts;
mod m20261127_000003_create_incidents;
mod m20261127_000004_incident_severity_order;
mod m20261127_000005_create_postmortems;
mod m20261127_000006_create_problems;
mod m20261127_000007_dismissed_suggestions;
mod m20261127_000008_github_sync;
mod m20261128_000009_deployments;
mod m20261128_000010_dashboard_rollup;
mod m20261207_000011_sync_job_finished_by;
mod m20261207_000012_pm_timeline_kind;
mod m20261207_000013_action_item_service;
mod m20261207_000014_changes;
mod m20261207_000015_change_reviews;
mod m20261207_000016_change_github_status;
mod m20261207_000017_open_incidents_by_severity;
mod m20261207_000018_policies_and_guardrails;
mod m20261208_000019_incident_service_state;

/// Every migration of the product, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_services::Migration),
            Box::new(m20261127_000002_create_accounts::Migration),
            Box::new(m20261127_000003_create_incidents::Migration),
            Box::new(m20261127_000004_incident_severity_order::Migration),
            Box::new(m20261127_000005_create_postmortems::Migration),
            Box::new(m20261127_000006_create_problems::Migration),
            Box::new(m20261127_000007_dismissed_suggestions::Migration),
            Box::new(m20261127_000008_github_sync::Migration),
            Box::new(m20261128_000009_deployments::Migration),
            Box::new(m20261128_000010_dashboard_rollup::Migration),
            Box::new(m20261207_000011_sync_job_finished_by::Migration),
            Box::new(m20261207_000012_pm_timeline_kind::Migration),
            Box::new(m20261207_000013_action_item_service::Migration),
            Box::new(m20261207_000014_changes::Migration),
            Box::new(m20261207_000015_change_reviews::Migration),
            Box::new(m20261207_000016_change_github_status::Migration),
            Box::new(m20261207_000017_open_incidents_by_severity::Migration),
            Box::new(m20261207_000018_policies_and_guardrails::Migration),
            Box::new(m20261208_000019_incident_service_state::Migration),
        ]
    }
}

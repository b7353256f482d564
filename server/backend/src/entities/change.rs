//! The `changes` table: a proposed deploy of one service, the gate's decision and its review.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use shared::domain::change::{ChangeKind, Decision, ReviewOutcome};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub service_id: i64,
    pub environment: String,
    #[serde(serialize_with = "super::as_key")]
    pub kind: ChangeKind,
    pub commit_sha: String,
    pub branch: String,
    pub pull_request: Option<i64>,
    pub pull_request_url: Option<String>,
    pub author: String,
    pub title: String,
    /// The paths it touches, as a JSON list.
    #[sea_orm(column_type = "Text")]
    pub paths: String,
    /// Its labels, as a JSON list.
    #[sea_orm(column_type = "Text")]
    pub labels: String,
    /// The pipeline's checks, as a JSON list of `Check`.
    #[sea_orm(column_type = "Text")]
    pub checks: String,
    #[serde(serialize_with = "super::as_key")]
    pub decision: Decision,
    /// Why, as a JSON list of `Reason`.
    #[sea_orm(column_type = "Text")]
    pub reasons: String,
    pub reported_by: String,
    /// What the reviewer made of it, once reviewed.
    #[serde(serialize_with = "super::as_key_opt")]
    pub review_outcome: Option<ReviewOutcome>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The GitHub repository (`owner/name`) of a change from a pull request.
    pub repository: Option<String>,
    /// The commit status the gate owes that repository: `pending`, `success` or `failure`.
    pub status_wanted: Option<String>,
    /// The last status posted.
    pub status_posted: Option<String>,
    /// True until `status_wanted` has been posted.
    pub status_due: bool,
    /// The input document the policy decided on, as JSON (for backtests of later versions);
    /// left out of the audit trail's copies.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip)]
    pub input: Option<String>,
    /// The policy version that decided it (None: the built-in default).
    pub policy_version: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `github_issues` table: the GitHub issue an action item became, and its state there.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One item's issue.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "github_issues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub action_item_id: i64,
    pub repository: String,
    pub number: i64,
    /// GitHub's id of the issue (not its number), used to attach sub-issues.
    pub issue_id: i64,
    pub url: String,
    /// `open` or `closed`.
    pub state: String,
    pub state_reason: Option<String>,
    pub merged_pr: bool,
    /// A [`shared::domain::github::Verification`] stored by name.
    pub verification: String,
    /// A hash of the issue last sent, so an unchanged item is not sent again.
    pub sent_hash: String,
    /// Attached to the repository's pipeline-test tracking issue.
    pub in_tracking: bool,
    pub synced_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// `owner/name#number` of the issue this one replaced when its item moved to another
    /// repository, until that issue has been closed with a pointer here.
    pub moved_from: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

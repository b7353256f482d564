//! The `github_repositories` table: per repository, its pipeline-test tracking issue, whether the
//! labels exist, and where the last reconcile left off.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One repository the app writes to.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "github_repositories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository: String,
    pub tracking_number: Option<i64>,
    pub tracking_id: Option<i64>,
    pub labels_ready: bool,
    /// The ETag of the last issues listing, for a conditional request.
    pub etag: Option<String>,
    pub reconciled_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

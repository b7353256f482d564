//! The `sync_jobs` table: the outbox of action items to send to GitHub, written in the same
//! transaction as the change, taken by one worker at a time under a lease.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One item waiting to be synced (at most one open job per item).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_item_id: i64,
    /// Bumped by every change of the item, so a worker that read an older version does not
    /// mark the newer change done.
    pub generation: i32,
    /// Failed attempts so far.
    pub attempts: i32,
    pub run_after: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// A write may have reached GitHub without an answer: look for the marker before creating.
    pub uncertain: bool,
    pub last_error: Option<String>,
    pub parked_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub first_tried_at: Option<DateTime<Utc>>,
    /// The worker (`worker-…`, one per instance) that finished the job last.
    pub finished_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

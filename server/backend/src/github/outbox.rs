//! The outbox: a sync job is written in the same transaction as the change to an action item, at
//! most one open job per item. Also the sync state every list shows, "sync now", retries, and the
//! admin overview.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::audit::Actor;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::github_delivery::{self, Entity as Delivery};
use crate::entities::github_issue::{self, Entity as GithubIssue};
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::sync_activity::{self, Entity as Activity};
use crate::entities::sync_job::{self, Entity as SyncJob};
use crate::{AppError, AppState};
use shared::domain::github::{SyncState, Verification};
use shared::wire::github::{
    ActivityRow, IssueRef, KeptDelivery, SyncBadge, SyncOverview, SyncProgress, TroubledItem,
};
use shared::wire::problems::Named;

/// The error kept on a finished job whose item has no repository to go to.
pub const NO_REPOSITORY: &str = "No service of this item names a GitHub repository.";
/// How many history lines and kept deliveries the overview shows.
const SHOWN: u64 = 50;

/// Writes (or renews) the item's sync job, if GitHub is connected; call it inside the
/// transaction that changes the item. Returns whether a job is waiting.
pub async fn enqueue(db: &impl ConnectionTrait, item_id: i64) -> Result<bool, AppError> {
    if super::connection::load(db).await?.is_none() {
        return Ok(false);
    }
    let now = Utc::now();
    let open = SyncJob::find()
        .filter(sync_job::Column::ActionItemId.eq(item_id))
        .filter(sync_job::Column::DoneAt.is_null())
        .one(db)
        .await?;
    match open {
        Some(job) => {
            let parked = job.parked_at.is_some();
            let mut model: sync_job::ActiveModel = job.clone().into();
            model.generation = Set(job.generation + 1);
            model.run_after = Set(now);
            model.updated_at = Set(now);
            if parked {
                // A person changed the item: give it a fresh start.
                model.parked_at = Set(None);
                model.attempts = Set(0);
            }
            model.update(db).await?;
        }
        None => {
            sync_job::ActiveModel {
                action_item_id: Set(item_id),
                generation: Set(1),
                attempts: Set(0),
                run_after: Set(now),
                lease_owner: Set(None),
                lease_until: Set(None),
                uncertain: Set(false),
                last_error: Set(None),
                parked_at: Set(None),
                done_at: Set(None),
                first_tried_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(true)
}

/// Appends a line to the sync history.
pub async fn log(
    db: &impl ConnectionTrait,
    item: Option<i64>,
    repository: Option<&str>,
    error: bool,
    message: &str,
) -> Result<(), AppError> {
    sync_activity::ActiveModel {
        at: Set(Utc::now()),
        action_item_id: Set(item),
        repository: Set(repository.map(str::to_owned)),
        level: Set(if error { "error" } else { "info" }.to_owned()),
        message: Set(message.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The sync state of each item that has one (items never queued have none).
pub async fn badges(
    db: &impl ConnectionTrait,
    item_ids: &[i64],
) -> Result<HashMap<i64, SyncBadge>, AppError> {
    if item_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let links: HashMap<i64, github_issue::Model> = GithubIssue::find()
        .filter(github_issue::Column::ActionItemId.is_in(item_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.action_item_id, l))
        .collect();
    let mut latest: HashMap<i64, sync_job::Model> = HashMap::new();
    for job in SyncJob::find()
        .filter(sync_job::Column::ActionItemId.is_in(item_ids.iter().copied()))
        .order_by_asc(sync_job::Column::Id)
        .all(db)
        .await?
    {
        latest.insert(job.action_item_id, job);
    }
    let mut badges = HashMap::new();
    for &id in item_ids {
        let link = links.get(&id);
        let job = latest.get(&id);
        let state = match job {
            Some(j) if j.done_at.is_none() && j.parked_at.is_some() => SyncState::Parked,
            Some(j) if j.done_at.is_none() && j.last_error.is_some() => SyncState::Failed,
            Some(j) if j.done_at.is_none() => SyncState::Pending,
            Some(j) if link.is_none() && j.last_error.as_deref() == Some(NO_REPOSITORY) => {
                SyncState::NoRepository
            }
            _ if link.is_some() => SyncState::Synced,
            _ => continue,
        };
        badges.insert(
            id,
            SyncBadge {
                state,
                issue: link.map(|l| IssueRef {
                    repository: l.repository.clone(),
                    number: l.number,
                    url: l.url.clone(),
                }),
                error: job
                    .filter(|_| {
                        matches!(
                            state,
                            SyncState::Failed | SyncState::Parked | SyncState::NoRepository
                        )
                    })
                    .and_then(|j| j.last_error.clone()),
                verification: link.and_then(|l| Verification::parse(&l.verification)),
                at: job
                    .map(|j| j.updated_at)
                    .into_iter()
                    .chain(link.map(|l| l.synced_at))
                    .max()
                    .unwrap_or_default(),
            },
        );
    }
    Ok(badges)
}

/// How many items stand where.
pub async fn progress(db: &impl ConnectionTrait) -> Result<SyncProgress, AppError> {
    let open = || SyncJob::find().filter(sync_job::Column::DoneAt.is_null());
    let parked = open()
        .filter(sync_job::Column::ParkedAt.is_not_null())
        .count(db)
        .await?;
    let failed = open()
        .filter(sync_job::Column::ParkedAt.is_null())
        .filter(sync_job::Column::LastError.is_not_null())
        .count(db)
        .await?;
    let pending = open()
        .filter(sync_job::Column::ParkedAt.is_null())
        .filter(sync_job::Column::LastError.is_null())
        .count(db)
        .await?;
    // Each item counts once: an item with an issue that is queued again is waiting, not synced.
    let synced = GithubIssue::find()
        .filter(
            github_issue::Column::ActionItemId.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(sync_job::Column::ActionItemId)
                    .from(sync_job::Entity)
                    .and_where(sync_job::Column::DoneAt.is_null())
                    .to_owned(),
            ),
        )
        .count(db)
        .await?;
    Ok(SyncProgress {
        pending,
        failed,
        parked,
        synced,
    })
}

/// Queues every action item (of one service, when given) for a sync; an item whose issue is up
/// to date costs no write. Returns how many were queued.
pub async fn sync_now(
    state: &AppState,
    actor: &Actor,
    service: Option<i64>,
) -> Result<u64, AppError> {
    if super::connection::load(&state.db).await?.is_none() {
        return Err(AppError::Conflict(
            "Connect GitHub first (Admin → GitHub).".into(),
        ));
    }
    let repository = match service {
        Some(id) => Some(
            crate::entities::service::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or(AppError::NotFound("Service"))?
                .repository
                .ok_or_else(|| {
                    AppError::Conflict("This service names no GitHub repository.".into())
                })?,
        ),
        None => None,
    };
    let mut items = ActionItem::find()
        .select_only()
        .column(action_item::Column::Id);
    if let Some(id) = service {
        items = items.filter(action_item::Column::ServiceId.eq(id));
    }
    let items = items.into_tuple::<i64>().all(&state.db).await?;
    let mut queued = 0;
    let txn = crate::db::begin_write(&state.db).await?;
    for id in items {
        if enqueue(&txn, id).await? {
            queued += 1;
        }
    }
    log(
        &txn,
        None,
        repository.as_deref(),
        false,
        &format!("{} asked to sync {queued} action items now.", actor.label),
    )
    .await?;
    txn.commit().await?;
    state.github.wake.notify_one();
    Ok(queued)
}

/// Tries an item again now, whether it failed, stopped, or was never queued.
pub async fn retry(state: &AppState, actor: &Actor, item_id: i64) -> Result<(), AppError> {
    ActionItem::find_by_id(item_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Action item"))?;
    let txn = crate::db::begin_write(&state.db).await?;
    let open = SyncJob::find()
        .filter(sync_job::Column::ActionItemId.eq(item_id))
        .filter(sync_job::Column::DoneAt.is_null())
        .one(&txn)
        .await?;
    match open {
        Some(job) => {
            // A new generation: an attempt still running when this was asked does not put its
            // back-off over it (see `worker::fail`).
            let generation = job.generation + 1;
            let mut model: sync_job::ActiveModel = job.into();
            model.generation = Set(generation);
            model.parked_at = Set(None);
            model.attempts = Set(0);
            model.run_after = Set(Utc::now());
            model.updated_at = Set(Utc::now());
            model.update(&txn).await?;
        }
        None => {
            if !enqueue(&txn, item_id).await? {
                return Err(AppError::Conflict(
                    "Connect GitHub first (Admin → GitHub).".into(),
                ));
            }
        }
    }
    log(
        &txn,
        Some(item_id),
        None,
        false,
        &format!("{} asked to retry the sync.", actor.label),
    )
    .await?;
    txn.commit().await?;
    state.github.wake.notify_one();
    Ok(())
}

/// The sync at a glance.
pub async fn overview(db: &impl ConnectionTrait) -> Result<SyncOverview, AppError> {
    let troubled_jobs = SyncJob::find()
        .filter(sync_job::Column::DoneAt.is_null())
        .filter(sync_job::Column::LastError.is_not_null())
        .order_by_asc(sync_job::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?;
    let item_ids: Vec<i64> = troubled_jobs.iter().map(|j| j.action_item_id).collect();
    let items: HashMap<i64, action_item::Model> = ActionItem::find()
        .filter(action_item::Column::Id.is_in(item_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let postmortems: HashMap<i64, String> = Postmortem::find()
        .filter(postmortem::Column::Id.is_in(items.values().map(|i| i.postmortem_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let troubled = troubled_jobs
        .into_iter()
        .filter_map(|job| {
            let item = items.get(&job.action_item_id)?;
            Some(TroubledItem {
                item: Named {
                    id: item.id,
                    name: item.title.clone(),
                },
                postmortem: Named {
                    id: item.postmortem_id,
                    name: postmortems
                        .get(&item.postmortem_id)
                        .cloned()
                        .unwrap_or_default(),
                },
                state: if job.parked_at.is_some() {
                    SyncState::Parked
                } else {
                    SyncState::Failed
                },
                attempts: job.attempts,
                error: job.last_error.clone().unwrap_or_default(),
                next_try: job.parked_at.is_none().then_some(job.run_after),
            })
        })
        .collect();
    let activity = Activity::find()
        .order_by_desc(sync_activity::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|a| ActivityRow {
            at: a.at,
            item: a.action_item_id,
            repository: a.repository,
            error: a.level == "error",
            message: a.message,
        })
        .collect();
    let kept_deliveries = Delivery::find()
        .filter(github_delivery::Column::Outcome.is_in(["unknown", "malformed"]))
        .order_by_desc(github_delivery::Column::ReceivedAt)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|d| KeptDelivery {
            delivery_id: d.delivery_id,
            received_at: d.received_at,
            event: d.event,
            action: d.action,
            detail: d.detail,
            payload_excerpt: d
                .payload
                .unwrap_or_default()
                .chars()
                .take(crate::integrations::PAYLOAD_EXCERPT_CHARS)
                .collect(),
        })
        .collect();
    Ok(SyncOverview {
        progress: progress(db).await?,
        troubled,
        activity,
        kept_deliveries,
    })
}

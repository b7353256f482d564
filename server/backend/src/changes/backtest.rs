//! Backtests: a policy version decides again every change of the last days, from the input
//! document each was decided on, and the report says what it would have decided differently and
//! how many of the changes it would have held (or let through) went on to cause incidents, so a
//! team sees whether a rule is worth its friction before activating it.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::policy::Policy;
use crate::AppError;
use crate::entities::change::{self, Entity as Change};
use crate::entities::deployment::{self, Entity as Deployment};
use shared::domain::change::{ChangeKind, Decision, decide};
use shared::domain::deployment::ships;
use shared::wire::policies::{BacktestDifference, BacktestReport};

/// How far back a backtest looks.
pub const DAYS: i64 = 90;
/// Most differences a report lists.
const DIFFERENCES_LISTED: usize = 100;
/// Changes read per page.
const PAGE: u64 = 1_000;

/// A change as the backtest reads it.
struct Decided {
    id: i64,
    service_id: i64,
    environment: String,
    kind: ChangeKind,
    commit: String,
    title: String,
    created_at: chrono::DateTime<Utc>,
    decision: Decision,
    input: Option<String>,
}

/// Runs version `id` against the last [`DAYS`] days of changes.
pub async fn run(db: &DatabaseConnection, id: i64) -> Result<BacktestReport, AppError> {
    let started = Instant::now();
    let source = super::policies::source_of(db, id).await?;
    let policy = Policy::compile(&source)
        .map_err(|e| AppError::Conflict(format!("Version {id} cannot decide anything: {e}")))?;
    let since = Utc::now() - Duration::days(DAYS);
    let failed = failed_deployments(db, since).await?;
    let mut report = BacktestReport {
        version: id,
        days: DAYS,
        evaluated: 0,
        without_input: 0,
        unchanged: 0,
        would_hold: 0,
        would_hold_that_failed: 0,
        would_allow: 0,
        would_allow_that_failed: 0,
        other_changes: 0,
        errors: 0,
        elapsed_ms: 0,
        differences: Vec::new(),
    };
    let mut differences = Vec::new();
    let mut pages = Change::find()
        .select_only()
        .columns([
            change::Column::Id,
            change::Column::ServiceId,
            change::Column::Environment,
            change::Column::Kind,
            change::Column::CommitSha,
            change::Column::Title,
            change::Column::CreatedAt,
            change::Column::Decision,
            change::Column::Input,
        ])
        .filter(change::Column::CreatedAt.gte(since))
        .order_by_desc(change::Column::CreatedAt)
        .order_by_desc(change::Column::Id)
        .into_tuple::<(
            i64,
            i64,
            String,
            ChangeKind,
            String,
            String,
            chrono::DateTime<Utc>,
            Decision,
            Option<String>,
        )>()
        .paginate(db, PAGE);
    let mut in_flight = std::collections::VecDeque::new();
    while let Some(rows) = pages.fetch_and_next().await? {
        let rows: Vec<Decided> = rows
            .into_iter()
            .map(
                |(
                    id,
                    service_id,
                    environment,
                    kind,
                    commit,
                    title,
                    created_at,
                    decision,
                    input,
                )| {
                    Decided {
                        id,
                        service_id,
                        environment,
                        kind,
                        commit,
                        title,
                        created_at,
                        decision,
                        input,
                    }
                },
            )
            .collect();
        // Pages are decided on the blocking pool while the next is read; at most two wait.
        in_flight.push_back(decide_again(&policy, rows));
        if in_flight.len() > 2
            && let Some(tasks) = in_flight.pop_front()
        {
            for (row, again) in finish(tasks).await? {
                tally(&mut report, &mut differences, &failed, row, again);
            }
        }
    }
    while let Some(tasks) = in_flight.pop_front() {
        for (row, again) in finish(tasks).await? {
            tally(&mut report, &mut differences, &failed, row, again);
        }
    }
    let services =
        crate::services::by_id(db, differences.iter().map(|(row, _, _)| row.service_id)).await?;
    report.differences = differences
        .into_iter()
        .map(|(row, again, incidents)| BacktestDifference {
            change_id: row.id,
            service: services
                .get(&row.service_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            title: if row.title.is_empty() {
                row.commit.chars().take(10).collect()
            } else {
                row.title
            },
            created_at: row.created_at,
            was: row.decision,
            would_be: again.decision,
            rules: again.reasons.into_iter().map(|r| r.rule).collect(),
            incidents,
        })
        .collect();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// A change decided again: None when it has no input kept, Some(None) when the version could not
/// decide it.
type Again = Option<Option<shared::domain::change::Decided>>;
type Tasks = Vec<tokio::task::JoinHandle<Vec<(Decided, Again)>>>;

/// Starts deciding `rows` again from their input documents, on every core; each row keeps no
/// input once decided.
fn decide_again(policy: &Policy, rows: Vec<Decided>) -> Tasks {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = rows.len().div_ceil(threads).max(1);
    let mut rows = rows.into_iter();
    let mut tasks = Vec::new();
    loop {
        let chunk: Vec<Decided> = rows.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        let mut policy = policy.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|mut row| {
                    let again = row.input.take().map(|input| {
                        policy
                            .findings_in(&input)
                            .ok()
                            .map(|found| decide(row.kind, found))
                    });
                    (row, again)
                })
                .collect::<Vec<_>>()
        }));
    }
    tasks
}

async fn finish(tasks: Tasks) -> Result<Vec<(Decided, Again)>, AppError> {
    let mut decided = Vec::new();
    for task in tasks {
        decided.extend(
            task.await
                .map_err(|e| AppError::Conflict(format!("The backtest stopped: {e}")))?,
        );
    }
    Ok(decided)
}

/// Counts one change decided again into the report, keeping the first differences.
fn tally(
    report: &mut BacktestReport,
    differences: &mut Vec<(Decided, shared::domain::change::Decided, usize)>,
    failed: &HashMap<(i64, String), Vec<Failed>>,
    row: Decided,
    again: Again,
) {
    let Some(again) = again else {
        report.without_input += 1;
        return;
    };
    let Some(again) = again else {
        report.errors += 1;
        return;
    };
    report.evaluated += 1;
    if again.decision == row.decision {
        report.unchanged += 1;
        return;
    }
    let incidents = failed
        .get(&(row.service_id, row.environment.clone()))
        .into_iter()
        .flatten()
        .filter(|d| ships(row.id, &row.commit, d.change, &d.version))
        .map(|d| d.incidents)
        .sum::<usize>();
    match (row.decision, again.decision) {
        (Decision::Allow, _) => {
            report.would_hold += 1;
            report.would_hold_that_failed += usize::from(incidents > 0);
        }
        (_, Decision::Allow) => {
            report.would_allow += 1;
            report.would_allow_that_failed += usize::from(incidents > 0);
        }
        _ => report.other_changes += 1,
    }
    if differences.len() < DIFFERENCES_LISTED {
        differences.push((row, again, incidents));
    }
}

/// A deployment incidents were linked to: the change it named, its version, and how many
/// incidents.
struct Failed {
    change: Option<i64>,
    version: String,
    incidents: usize,
}

/// Deployments since `since` that incidents were linked to, by service and environment.
async fn failed_deployments(
    db: &DatabaseConnection,
    since: chrono::DateTime<Utc>,
) -> Result<HashMap<(i64, String), Vec<Failed>>, AppError> {
    let caused = crate::deployments::incidents_linked_since(db, None, since).await?;
    let rows: Vec<(i64, Option<i64>, i64, String, String)> = Deployment::find()
        .select_only()
        .columns([
            deployment::Column::Id,
            deployment::Column::ChangeId,
            deployment::Column::ServiceId,
            deployment::Column::Environment,
            deployment::Column::Version,
        ])
        .filter(deployment::Column::Id.is_in(caused.keys().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut map: HashMap<(i64, String), Vec<Failed>> = HashMap::new();
    for (id, change, service_id, environment, version) in rows {
        map.entry((service_id, environment))
            .or_default()
            .push(Failed {
                change,
                version,
                incidents: caused.get(&id).copied().unwrap_or(0),
            });
    }
    Ok(map)
}

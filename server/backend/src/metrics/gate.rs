//! The change gate's figures of the dashboard: the period's reported changes (in scope), each
//! matched to its first deployment to the same service and environment (see
//! `shared::domain::deployment::ships`) and whether an incident was linked to it; the figures
//! themselves are `shared::domain::change_kpis`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::sql::Scope;
use crate::AppError;
use crate::entities::change::{self, Entity as Change};
use crate::entities::deployment::{self, Entity as Deployment};
use shared::domain::change::{ChangeKind, Decision, ReviewOutcome};
use shared::domain::change_kpis::{GateFigures, GatedChange, gate_figures};
use shared::domain::deployment::ships;
use shared::domain::metrics::Period;

type Row = (
    i64,
    i64,
    String,
    ChangeKind,
    Decision,
    Option<ReviewOutcome>,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The gate's KPIs over the changes reported in `period` to services of `scope`.
pub async fn figures(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
) -> Result<GateFigures, AppError> {
    let mut select = Change::find()
        .select_only()
        .columns([
            change::Column::Id,
            change::Column::ServiceId,
            change::Column::Environment,
            change::Column::Kind,
            change::Column::Decision,
            change::Column::ReviewOutcome,
            change::Column::CommitSha,
            change::Column::Checks,
            change::Column::CreatedAt,
            change::Column::ReviewedAt,
        ])
        .filter(change::Column::CreatedAt.gte(period.from))
        .filter(change::Column::CreatedAt.lt(period.to));
    if let Some(ids) = &scope.service_ids {
        select = select.filter(change::Column::ServiceId.is_in(ids.clone()));
    }
    let rows: Vec<Row> = select.into_tuple().all(db).await?;
    let services: HashSet<i64> = rows.iter().map(|r| r.1).collect();
    let deployed = deployments(db, &services, period.from).await?;
    let changes: Vec<GatedChange> = rows
        .into_iter()
        .map(
            |(
                id,
                service,
                environment,
                kind,
                decision,
                review,
                commit,
                checks,
                created_at,
                reviewed_at,
            )| {
                let first = deployed
                    .get(&(service, environment))
                    .into_iter()
                    .flatten()
                    .filter(|d| ships(id, &commit, d.change, &d.version))
                    .min_by_key(|d| d.at);
                GatedChange {
                    kind,
                    decision,
                    review,
                    checks: serde_json::from_str(&checks).unwrap_or_default(),
                    created_at,
                    reviewed_at,
                    deployed_at: first.map(|d| d.at),
                    failed: first.is_some_and(|d| d.failed),
                }
            },
        )
        .collect();
    Ok(gate_figures(&changes))
}

/// A deployment's id, change, service, environment, version and time.
type DeploymentRow = (i64, Option<i64>, i64, String, String, DateTime<Utc>);

struct Deployed {
    /// The change the deployment named or was matched to when it was recorded.
    change: Option<i64>,
    version: String,
    at: DateTime<Utc>,
    failed: bool,
}

/// Successful deployments of `services` since `from`, by service and environment, with whether
/// an incident was linked to each.
async fn deployments(
    db: &impl ConnectionTrait,
    services: &HashSet<i64>,
    from: DateTime<Utc>,
) -> Result<HashMap<(i64, String), Vec<Deployed>>, AppError> {
    if services.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = services.iter().copied().collect();
    let rows: Vec<DeploymentRow> = Deployment::find()
        .select_only()
        .columns([
            deployment::Column::Id,
            deployment::Column::ChangeId,
            deployment::Column::ServiceId,
            deployment::Column::Environment,
            deployment::Column::Version,
            deployment::Column::DeployedAt,
        ])
        .filter(deployment::Column::ServiceId.is_in(ids.iter().copied()))
        .filter(deployment::Column::DeployedAt.gte(from))
        .filter(deployment::Column::Status.eq("success"))
        .into_tuple()
        .all(db)
        .await?;
    let failed = crate::deployments::incidents_linked_since(db, Some(&ids), from).await?;
    let mut map: HashMap<(i64, String), Vec<Deployed>> = HashMap::new();
    for (id, change, service, environment, version, at) in rows {
        map.entry((service, environment))
            .or_default()
            .push(Deployed {
                change,
                version,
                at,
                failed: failed.contains_key(&id),
            });
    }
    Ok(map)
}

//! Change figures of the dashboard: successful production deployments in the period, per week,
//! and the share an incident was linked to (change failure rate), aggregated by the database.

use sea_orm::ConnectionTrait;

use super::links::Links;
use super::sql::{Scope, Sql, count};
use crate::AppError;
use shared::domain::change::{ChangeKind, Decision, ReviewOutcome};
use shared::domain::change_kpis::Route;
use shared::domain::metrics::{Period, change_failure_rate, per_week, week_start};
use shared::wire::metrics::{ChangeFigures, FailedDeployment, WeekPoint};

/// Keeps successful production deployments (aliased `d`, with its service `s`) of the period and
/// scope.
fn counted(sql: &mut Sql, period: &Period, scope: &Scope) {
    sql.push(
        " d.status = 'success' AND d.environment IN ('production', 'prod') AND d.deployed_at >= ",
    )
    .bind(period.from)
    .push(" AND d.deployed_at < ")
    .bind(period.to)
    .service_scope("s", scope);
}

/// Keeps links (aliased `l`) to incidents (aliased `i`) of the scope's severity.
fn failing(sql: &mut Sql, scope: &Scope) {
    sql.push(
        "EXISTS (SELECT 1 FROM incident_deployments l JOIN incidents i ON i.id = l.incident_id \
         WHERE l.deployment_id = d.id AND l.dismissed_by IS NULL",
    );
    if let Some(severity) = scope.severity {
        sql.push(" AND i.severity = ").bind(severity);
    }
    sql.push(")");
}

pub async fn figures(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    links: &Links,
) -> Result<ChangeFigures, AppError> {
    let backend = db.get_database_backend();
    let mut totals = Sql::new(backend);
    totals.push("SELECT COUNT(*) AS n, SUM(CASE WHEN ");
    failing(&mut totals, scope);
    totals.push(" THEN 1 ELSE 0 END) AS failed FROM deployments d JOIN services s ON s.id = d.service_id WHERE");
    counted(&mut totals, period, scope);
    let row = totals.one(db).await?;
    let (deployments, failed) = (count(&row, "n")?, count(&row, "failed")?);

    let mut weekly = Sql::new(backend);
    let week = weekly.week("d.deployed_at", period);
    weekly.push(&format!(
        "SELECT {week} AS g, COUNT(*) AS n FROM deployments d JOIN services s ON s.id = d.service_id WHERE"
    ));
    counted(&mut weekly, period, scope);
    weekly.push(" GROUP BY g");
    let rows: Vec<(i64, u64)> = weekly
        .all(db)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "g")?, count(row, "n")?)))
        .collect::<Result<_, AppError>>()?;
    let weekly = period
        .weeks()
        .map(|w| {
            let n = rows
                .iter()
                .find(|(g, _)| *g == w)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            WeekPoint {
                week: week_start(w),
                count: n,
                value: Some(n as f64),
            }
        })
        .collect();

    let mut recent = Sql::new(backend);
    recent.push(
        "SELECT s.name AS service, d.version AS version, d.deployed_at AS deployed_at, \
         i.id AS incident_id, i.title AS title, l.linked_by AS linked_by, l.automatic AS automatic, \
         c.id AS change_id, c.kind AS change_kind, c.decision AS change_decision, \
         c.review_outcome AS change_review \
         FROM deployments d JOIN services s ON s.id = d.service_id \
         LEFT JOIN changes c ON c.id = d.change_id \
         JOIN incident_deployments l ON l.deployment_id = d.id AND l.dismissed_by IS NULL \
         JOIN incidents i ON i.id = l.incident_id WHERE",
    );
    counted(&mut recent, period, scope);
    if let Some(severity) = scope.severity {
        recent.push(" AND i.severity = ").bind(severity);
    }
    recent.push(" ORDER BY d.deployed_at DESC, i.id LIMIT 10");
    let failures = recent
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let incident: i64 = row.try_get("", "incident_id")?;
            let title: String = row.try_get("", "title")?;
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "deployed_at")?;
            let automatic: bool = row.try_get("", "automatic")?;
            let change: Option<i64> = row.try_get("", "change_id")?;
            let route = |id: i64| -> Result<(i64, String), AppError> {
                let text = |column: &str| -> Result<Option<String>, AppError> {
                    Ok(row.try_get::<Option<String>>("", column)?)
                };
                let kind = text("change_kind")?.and_then(|k| ChangeKind::parse(&k));
                let decision = text("change_decision")?.and_then(|d| Decision::parse(&d));
                let review = text("change_review")?.and_then(|r| ReviewOutcome::parse(&r));
                let label = match (kind, decision) {
                    (Some(kind), Some(decision)) => Route::taken(kind, decision, review).label(),
                    _ => "unknown",
                };
                Ok((id, label.to_owned()))
            };
            Ok(FailedDeployment {
                change: change.map(route).transpose()?,
                service: row.try_get("", "service")?,
                version: row.try_get("", "version")?,
                deployed_at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
                incident: format!("#{incident} {title}"),
                href: format!("/incidents/{incident}"),
                linked_by: if automatic {
                    "auto".to_owned()
                } else {
                    row.try_get("", "linked_by")?
                },
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;

    Ok(ChangeFigures {
        deployments,
        failed,
        failure_rate: change_failure_rate(deployments, failed),
        per_week: per_week(deployments, period.days()),
        weekly,
        failures,
        href: links.deployments(false),
        failed_href: links.deployments(true),
    })
}

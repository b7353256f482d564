//! Incident figures of the dashboard: how many, open, by severity and service, and the four
//! recovery measures (MTTD, MTTA, MTTM, MTTR) for the period and per week, aggregated by the
//! database.

use sea_orm::{ConnectionTrait, DbBackend};

use super::links::Links;
use super::sql::{self, Scope, Sql, count};
use crate::api::metrics::{Bar, IncidentFigures, RecoveryFigure, WeekPoint};
use crate::domain::Severity;
use crate::domain::metrics::{Measure, Period, Summary, week_start};
use crate::server::AppError;

pub async fn figures(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    links: &Links,
) -> Result<IncidentFigures, AppError> {
    let backend = db.get_database_backend();
    let mut totals = Sql::new(backend);
    totals
        .push("SELECT COUNT(*) AS n, SUM(CASE WHEN i.status <> 'resolved' THEN 1 ELSE 0 END) AS open FROM incidents i WHERE")
        .incidents_in(period, scope);
    let row = totals.one(db).await?;

    let mut by_severity = Sql::new(backend);
    by_severity
        .push("SELECT i.severity AS severity, COUNT(*) AS n FROM incidents i WHERE")
        .incidents_in(period, scope)
        .push(" GROUP BY i.severity ORDER BY i.severity");
    let by_severity = by_severity
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let severity = Severity::from_rank(row.try_get("", "severity")?);
            Ok(Bar {
                label: severity.as_str().to_owned(),
                value: count(row, "n")? as f64,
                href: links.incidents(&[("severity", severity.as_str())]),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;

    let mut by_service = Sql::new(backend);
    by_service
        .push(
            "SELECT s.name AS name, s.slug AS slug, COUNT(*) AS n FROM incidents i \
             JOIN incident_services x ON x.incident_id = i.id JOIN services s ON s.id = x.service_id WHERE",
        )
        .incidents_in(period, scope)
        .service_scope("s", scope)
        .push(" GROUP BY s.name, s.slug ORDER BY n DESC, s.name LIMIT 12");
    let by_service = by_service
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let slug: String = row.try_get("", "slug")?;
            Ok(Bar {
                label: row.try_get("", "name")?,
                value: count(row, "n")? as f64,
                href: links.incidents(&[("service", &slug)]),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;

    let mut recovery = Vec::new();
    for measure in Measure::ALL {
        recovery.push(RecoveryFigure {
            measure,
            summary: summary(db, period, scope, measure).await?,
            weekly: weekly_means(db, backend, period, scope, measure).await?,
            href: links.incidents(&[]),
        });
    }
    Ok(IncidentFigures {
        total: count(&row, "n")?,
        open: count(&row, "open")?,
        href: links.incidents(&[]),
        open_href: links.incidents(&[("status", "open")]),
        by_severity,
        by_service,
        recovery,
    })
}

/// The measure's durations in the period: `SELECT <group> AS g, <seconds> AS s FROM …`.
fn durations(sql: &mut Sql, period: &Period, scope: &Scope, measure: Measure, group: &str) {
    let (from, to) = measure.columns();
    let (start, end) = (
        sql.epoch(&format!("i.{from}")),
        sql.epoch(&format!("i.{to}")),
    );
    sql.push(&format!(
        "SELECT {group} AS g, {end} - {start} AS s FROM incidents i WHERE i.{from} IS NOT NULL \
         AND i.{to} IS NOT NULL AND i.{to} >= i.{from} AND"
    ))
    .incidents_in(period, scope);
}

/// The measure's weekly means and counts, every week of the period (a plain aggregate: the
/// charts show means, so no week needs its median).
async fn weekly_means(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    period: &Period,
    scope: &Scope,
    measure: Measure,
) -> Result<Vec<WeekPoint>, AppError> {
    let mut sql = Sql::new(backend);
    let week = sql.week("i.opened_at", period);
    let mean = sql.float("AVG(s)");
    sql.push(&format!("SELECT g, COUNT(*) AS n, {mean} AS mean FROM ("));
    durations(&mut sql, period, scope, measure, &week);
    sql.push(") d GROUP BY g");
    let rows: Vec<(i64, Summary)> = sql
        .all(db)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("", "g")?,
                Summary {
                    count: count(row, "n")?,
                    mean: row.try_get("", "mean")?,
                    median: None,
                },
            ))
        })
        .collect::<Result<_, AppError>>()?;
    Ok(weekly(period, rows))
}

/// The measure's mean and median over the whole period.
async fn summary(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    measure: Measure,
) -> Result<Summary, AppError> {
    sql::summary(db, |sql| durations(sql, period, scope, measure, "0")).await
}

/// Every week of the period, with the mean of the weeks that have data.
fn weekly(period: &Period, rows: Vec<(i64, Summary)>) -> Vec<WeekPoint> {
    period
        .weeks()
        .map(|week| {
            let found = rows.iter().find(|(g, _)| *g == week).map(|(_, s)| *s);
            WeekPoint {
                week: week_start(week),
                count: found.map(|s| s.count).unwrap_or(0),
                value: found.and_then(|s| s.mean),
            }
        })
        .collect()
}

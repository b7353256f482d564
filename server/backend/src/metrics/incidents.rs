//! Incident figures of the dashboard: how many, open, by severity and service, and the four
//! recovery measures (MTTD, MTTA, MTTM, MTTR) for the period and per week, read from the
//! roll-up (`rollup`): per-day counts, sums and duration histograms.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::links::Links;
use super::rolled::Rolled;
use super::rollup::service_key;
use super::sql::{Scope, Sql, count};
use crate::AppError;
use crate::entities::service;
use shared::domain::Severity;
use shared::domain::metrics::{Measure, Period, week_start};
use shared::wire::metrics::{Bar, IncidentFigures, RecoveryFigure, WeekPoint};

pub async fn figures(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    rolled: &Rolled,
    services: &[service::Model],
    links: &Links,
) -> Result<IncidentFigures, AppError> {
    let by_severity = rolled
        .by_severity
        .iter()
        .filter(|(_, c)| c.incidents > 0)
        .map(|(rank, c)| {
            let severity = Severity::from_rank(*rank);
            Bar {
                label: severity.as_str().to_owned(),
                value: c.incidents as f64,
                href: links.incidents(&[("severity", severity.as_str())]),
            }
        })
        .collect();
    let recovery = Measure::ALL
        .into_iter()
        .map(|measure| RecoveryFigure {
            measure,
            summary: rolled.histogram(measure.key()).summary(),
            weekly: period
                .weeks()
                .map(|week| {
                    let (n, total) = rolled.week(measure.key(), week).unwrap_or_default();
                    WeekPoint {
                        week: week_start(week),
                        count: n,
                        value: (n > 0).then(|| total as f64 / n as f64),
                    }
                })
                .collect(),
            href: links.incidents(&[]),
        })
        .collect();
    let total = rolled.total();
    Ok(IncidentFigures {
        total: total.incidents as u64,
        open: total.open as u64,
        href: links.incidents(&[]),
        open_href: links.incidents(&[("status", "open")]),
        by_severity,
        by_service: by_service(db, period, scope, services, links).await?,
        recovery,
    })
}

/// The twelve services of the scope with the most incidents in the period.
async fn by_service(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    services: &[service::Model],
    links: &Links,
) -> Result<Vec<Bar>, AppError> {
    let in_scope: HashMap<String, &service::Model> = services
        .iter()
        .filter(|s| {
            scope
                .service_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&s.id))
        })
        .map(|s| (service_key(s.id), s))
        .collect();
    if in_scope.is_empty() {
        return Ok(Vec::new());
    }
    let (first, end) = period.day_numbers();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT scope, CAST(SUM(incidents) AS BIGINT) AS n FROM rollup_cells WHERE day >= ")
        .bind(first)
        .push(" AND day < ")
        .bind(end);
    if let Some(severity) = scope.severity {
        sql.push(" AND severity = ").bind(severity);
    }
    sql.push(" AND scope IN (");
    for (n, key) in in_scope.keys().enumerate() {
        sql.push(if n == 0 { "" } else { ", " }).bind(key.clone());
    }
    sql.push(") GROUP BY scope");
    let mut bars = Vec::new();
    for row in sql.all(db).await? {
        let key: String = row.try_get("", "scope")?;
        let (Some(service), n) = (in_scope.get(&key), count(&row, "n")?) else {
            continue;
        };
        if n > 0 {
            bars.push(Bar {
                label: service.name.clone(),
                value: n as f64,
                href: links.incidents(&[("service", &service.slug)]),
            });
        }
    }
    bars.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.label.cmp(&b.label))
    });
    bars.truncate(12);
    Ok(bars)
}

//! Reading the dashboard's roll-up (see `rollup`) for a period, scope and severity: counts per
//! severity, and per measure the period's merged histogram and each week's count and sum.

use std::collections::{BTreeMap, HashMap};

use sea_orm::ConnectionTrait;

use super::rollup::CellCounts;
use super::sql::{Sql, count};
use crate::AppError;
use shared::domain::histogram::Histogram;
use shared::domain::metrics::week_of_day;

/// What the dashboard reads of the roll-up for a period, scope key and severity.
#[derive(Debug, Default)]
pub struct Rolled {
    /// Counts per severity.
    pub by_severity: BTreeMap<i16, CellCounts>,
    /// Per measure key.
    pub measures: HashMap<String, MeasureRollup>,
}

/// One measure over the period: its merged histogram, and per week the count and sum of seconds.
#[derive(Debug, Default)]
pub struct MeasureRollup {
    pub period: Histogram,
    pub weeks: BTreeMap<i64, (u64, i64)>,
}

impl Rolled {
    /// The counts over every severity read.
    pub fn total(&self) -> CellCounts {
        self.by_severity
            .values()
            .fold(CellCounts::default(), |t, c| CellCounts {
                incidents: t.incidents + c.incidents,
                open: t.open + c.open,
                required: t.required + c.required,
                started: t.started + c.started,
                published: t.published + c.published,
            })
    }

    /// A measure's histogram over the period (empty when nothing was measured).
    pub fn histogram(&self, measure: &str) -> Histogram {
        self.measures
            .get(measure)
            .map(|m| m.period.clone())
            .unwrap_or_default()
    }

    /// A measure's count and sum of seconds in a week.
    pub fn week(&self, measure: &str, week: i64) -> Option<(u64, i64)> {
        self.measures.get(measure)?.weeks.get(&week).copied()
    }
}

/// Reads the period's roll-up rows for `key` (see [`ALL`], [`service_key`], [`team_key`]) and
/// the severity, if one is asked for.
pub async fn read(
    db: &impl ConnectionTrait,
    first_day: i64,
    end_day: i64,
    key: &str,
    severity: Option<i16>,
) -> Result<Rolled, AppError> {
    let backend = db.get_database_backend();
    let mut rolled = Rolled::default();
    let mut cells = Sql::new(backend);
    cells
        .push(
            "SELECT severity, CAST(SUM(incidents) AS BIGINT) AS incidents, CAST(SUM(open) AS BIGINT) AS open, CAST(SUM(required) AS BIGINT) AS required, \
             CAST(SUM(started) AS BIGINT) AS started, CAST(SUM(published) AS BIGINT) AS published FROM rollup_cells WHERE scope = ",
        )
        .bind(key.to_owned())
        .push(" AND day >= ")
        .bind(first_day)
        .push(" AND day < ")
        .bind(end_day);
    if let Some(severity) = severity {
        cells.push(" AND severity = ").bind(severity);
    }
    cells.push(" GROUP BY severity");
    for row in cells.all(db).await? {
        let number = |column| count(&row, column).map(|n| n as i64);
        rolled.by_severity.insert(
            row.try_get("", "severity")?,
            CellCounts {
                incidents: number("incidents")?,
                open: number("open")?,
                required: number("required")?,
                started: number("started")?,
                published: number("published")?,
            },
        );
    }
    let mut measures = Sql::new(backend);
    measures
        .push("SELECT measure, day, n, total, histogram FROM rollup_measures WHERE scope = ")
        .bind(key.to_owned())
        .push(" AND severity = ")
        .bind(severity.unwrap_or(0))
        .push(" AND day >= ")
        .bind(first_day)
        .push(" AND day < ")
        .bind(end_day);
    for row in measures.all(db).await? {
        let measure: String = row.try_get("", "measure")?;
        let day: i64 = row.try_get("", "day")?;
        let (n, total): (i64, i64) = (row.try_get("", "n")?, row.try_get("", "total")?);
        let histogram: String = row.try_get("", "histogram")?;
        let rollup = rolled.measures.entry(measure).or_default();
        rollup
            .period
            .merge_encoded(&histogram)
            .map_err(|e| AppError::Db(sea_orm::DbErr::Custom(format!("dashboard roll-up: {e}"))))?;
        let week = rollup.weeks.entry(week_of_day(day)).or_default();
        week.0 += n.max(0) as u64;
        week.1 += total;
    }
    Ok(rolled)
}

//! The dashboard's roll-up, kept up to date: database triggers note each change in
//! `rollup_dirty` (an incident's opening time, or "the pipeline tests"), and `settle` counts the
//! noted days again from their incidents, and the pipeline tests from scratch, before the
//! dashboard reads. A roll-up built for another reporting offset (or none) is built again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
};

use super::sql::Sql;
use crate::AppError;
use crate::db::begin_write;
use crate::entities::incident::{self, Entity as Incident};
use crate::incidents::milestones_of;
use shared::domain::Milestones;
use shared::domain::histogram::Histogram;
use shared::domain::metrics::{Measure, day_number, day_start};

/// The measure of days from an incident's resolution to its postmortem's publication.
pub const PUBLISH: &str = "publish";
/// Consecutive days counted again together.
const DAYS_PER_PASS: usize = 14;
/// So many notes at once are a bulk load, after which PostgreSQL gets a `VACUUM`.
const BULK: usize = 10_000;
/// Rows per multi-row `INSERT`.
const ROWS_PER_INSERT: usize = 200;

/// The scope key of everything, of a service and of a team.
pub const ALL: &str = "";
pub fn service_key(id: i64) -> String {
    format!("s{id}")
}
pub fn team_key(team: &str) -> String {
    format!("t{}", team.trim())
}

/// Brings the roll-up up to date with everything committed so far. Cheap when nothing changed
/// (one small read); several callers at once take turns.
pub async fn settle(db: &DatabaseConnection, offset: FixedOffset) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let offset_seconds = i64::from(offset.local_minus_utc());
    if !needs_work(db, backend, offset_seconds).await? {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    if backend == DbBackend::Postgres {
        // One settler at a time; the others wait, then find nothing left to do.
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7270001)")
            .await?;
    }
    let mut days = BTreeSet::new();
    let mut tests = false;
    if built_for(&txn, backend).await? != Some(offset_seconds) {
        tracing::info!(offset_seconds, "building the dashboard roll-up");
        for table in [
            "rollup_cells",
            "rollup_measures",
            "rollup_tests",
            "rollup_backlog",
            "rollup_state",
        ] {
            txn.execute_unprepared(&format!("DELETE FROM {table}"))
                .await?;
        }
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO rollup_state (id, offset_seconds) VALUES (1, ")
            .bind(offset_seconds)
            .push(")");
        txn.execute_raw(sql.statement()).await?;
        let mut all = Sql::new(backend);
        let day = day_expression(&all, "opened_at", offset_seconds);
        all.push(&format!("SELECT DISTINCT {day} AS day FROM incidents"));
        days.extend(day_column(&all.all(&txn).await?)?);
        tests = true;
    }
    // Take the notes visible now; ones committed meanwhile stay for the next settle.
    let mut taken = Sql::new(backend);
    let day = day_expression(&taken, "at", offset_seconds);
    taken.push(&format!("DELETE FROM rollup_dirty RETURNING {day} AS day"));
    let notes = taken.all(&txn).await?;
    for row in &notes {
        match row.try_get::<Option<i64>>("", "day")? {
            Some(day) => {
                days.insert(day);
            }
            None => tests = true,
        }
    }
    for pass in passes(&days) {
        recount_days(&txn, backend, offset, &pass).await?;
    }
    if tests {
        recount_tests(&txn, backend, offset_seconds).await?;
    }
    txn.commit().await?;
    if backend == DbBackend::Postgres && (notes.len() >= BULK || days.len() >= BULK / 100) {
        // After a bulk load PostgreSQL's index on the notes is full of dead entries that every
        // "anything to do?" check would walk (13 ms at 2M) until autovacuum came by; and the
        // planner should know the roll-up's new size.
        db.execute_unprepared("VACUUM (ANALYZE) rollup_dirty, rollup_cells, rollup_measures")
            .await?;
    }
    Ok(())
}

async fn needs_work(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    offset_seconds: i64,
) -> Result<bool, AppError> {
    let mut check = Sql::new(backend);
    check.push(
        "SELECT (SELECT MAX(id) FROM rollup_dirty) AS last, \
         (SELECT offset_seconds FROM rollup_state WHERE id = 1) AS built",
    );
    let row = check.one(db).await?;
    let last: Option<i64> = row.try_get("", "last")?;
    let built: Option<i64> = row.try_get("", "built")?;
    Ok(last.is_some() || built != Some(offset_seconds))
}

async fn built_for(db: &impl ConnectionTrait, backend: DbBackend) -> Result<Option<i64>, AppError> {
    let mut sql = Sql::new(backend);
    sql.push("SELECT offset_seconds FROM rollup_state WHERE id = 1");
    Ok(match sql.all(db).await?.first() {
        Some(row) => row.try_get("", "offset_seconds")?,
        None => None,
    })
}

/// The reporting day of the timestamp `column`, in SQL.
fn day_expression(sql: &Sql, column: &str, offset_seconds: i64) -> String {
    format!("(({} + {offset_seconds}) / 86400)", sql.epoch(column))
}

fn day_column(rows: &[sea_orm::QueryResult]) -> Result<Vec<i64>, AppError> {
    rows.iter().map(|row| Ok(row.try_get("", "day")?)).collect()
}

/// The days split into runs of consecutive days, each at most `DAYS_PER_PASS` long.
fn passes(days: &BTreeSet<i64>) -> Vec<Vec<i64>> {
    let mut passes: Vec<Vec<i64>> = Vec::new();
    for &day in days {
        match passes.last_mut() {
            Some(pass)
                if pass.len() < DAYS_PER_PASS && pass.last().is_some_and(|l| *l + 1 == day) =>
            {
                pass.push(day)
            }
            _ => passes.push(vec![day]),
        }
    }
    passes
}

/// One of an incident's postmortems: whether it is published, and when.
pub type Review = (bool, Option<DateTime<Utc>>);

/// What the roll-up needs to know of one incident.
#[derive(Clone, Debug, Default)]
pub struct IncidentFacts {
    pub day: i64,
    pub severity: i16,
    pub open: bool,
    pub required: bool,
    pub milestones: Milestones,
    /// Its services' scope keys and its teams' (each once).
    pub scopes: Vec<String>,
    pub postmortems: Vec<Review>,
}

/// Counts of one cell: incidents, open, needing a postmortem, with one started, with one
/// published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellCounts {
    pub incidents: i64,
    pub open: i64,
    pub required: i64,
    pub started: i64,
    pub published: i64,
}

/// Cells keyed by (day, scope, severity); measures by (day, scope, severity or 0, measure).
pub type Cells = BTreeMap<(i64, String, i16), CellCounts>;
pub type Measures = BTreeMap<(i64, String, i16, &'static str), Histogram>;

/// The roll-up rows of a set of incidents: each counts in the scope of everything, of each of
/// its services and of each of its teams, under its severity (and, for durations, under 0 too).
pub fn roll_up(incidents: &[IncidentFacts]) -> (Cells, Measures) {
    let (mut cells, mut measures) = (Cells::new(), Measures::new());
    for facts in incidents {
        let started = facts.required && !facts.postmortems.is_empty();
        let published = facts.required && facts.postmortems.iter().any(|(p, _)| *p);
        let mut durations: Vec<(&'static str, i64)> = Measure::ALL
            .iter()
            .filter_map(|m| m.seconds(&facts.milestones).map(|s| (m.key(), s)))
            .collect();
        if let Some(resolved) = facts.milestones.resolved_at {
            durations.extend(
                facts
                    .postmortems
                    .iter()
                    .filter_map(|(published, at)| at.filter(|at| *published && *at >= resolved))
                    .map(|at| (PUBLISH, at.timestamp() - resolved.timestamp())),
            );
        }
        let scopes = std::iter::once(ALL.to_owned()).chain(facts.scopes.iter().cloned());
        for scope in scopes {
            let cell = cells
                .entry((facts.day, scope.clone(), facts.severity))
                .or_default();
            cell.incidents += 1;
            cell.open += i64::from(facts.open);
            cell.required += i64::from(facts.required);
            cell.started += i64::from(started);
            cell.published += i64::from(published);
            for severity in [facts.severity, 0] {
                for (measure, seconds) in &durations {
                    measures
                        .entry((facts.day, scope.clone(), severity, measure))
                        .or_default()
                        .add(*seconds);
                }
            }
        }
    }
    (cells, measures)
}

/// Counts the given consecutive days again from their incidents.
async fn recount_days(
    txn: &impl ConnectionTrait,
    backend: DbBackend,
    offset: FixedOffset,
    days: &[i64],
) -> Result<(), AppError> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(());
    };
    let (from, to) = (day_start(*first, offset), day_start(last + 1, offset));
    for table in ["rollup_cells", "rollup_measures"] {
        let mut clear = Sql::new(backend);
        clear
            .push(&format!("DELETE FROM {table} WHERE day >= "))
            .bind(*first)
            .push(" AND day <= ")
            .bind(*last);
        txn.execute_raw(clear.statement()).await?;
    }
    let incidents = Incident::find()
        .filter(incident::Column::OpenedAt.gte(from))
        .filter(incident::Column::OpenedAt.lt(to))
        .all(txn)
        .await?;
    let opened_in = |sql: &mut Sql| {
        sql.push(" WHERE i.opened_at >= ")
            .bind(from)
            .push(" AND i.opened_at < ")
            .bind(to);
    };
    let mut services = Sql::new(backend);
    services.push(
        "SELECT x.incident_id AS incident, s.id AS service, s.team AS team FROM incident_services x \
         JOIN services s ON s.id = x.service_id JOIN incidents i ON i.id = x.incident_id",
    );
    opened_in(&mut services);
    let mut scopes: HashMap<i64, Vec<String>> = HashMap::new();
    for row in services.all(txn).await? {
        let keys = scopes.entry(row.try_get("", "incident")?).or_default();
        keys.push(service_key(row.try_get("", "service")?));
        let team: String = row.try_get("", "team")?;
        let team = team_key(&team);
        if team.len() > 1 && !keys.contains(&team) {
            keys.push(team);
        }
    }
    let mut postmortems = Sql::new(backend);
    postmortems.push(
        "SELECT pi.incident_id AS incident, p.status AS status, p.published_at AS published_at \
         FROM postmortem_incidents pi JOIN postmortems p ON p.id = pi.postmortem_id \
         JOIN incidents i ON i.id = pi.incident_id",
    );
    opened_in(&mut postmortems);
    let mut reviews: HashMap<i64, Vec<Review>> = HashMap::new();
    for row in postmortems.all(txn).await? {
        let status: String = row.try_get("", "status")?;
        reviews
            .entry(row.try_get("", "incident")?)
            .or_default()
            .push((status == "published", row.try_get("", "published_at")?));
    }
    let facts: Vec<IncidentFacts> = incidents
        .into_iter()
        .map(|i| IncidentFacts {
            day: day_number(i.opened_at, offset),
            severity: i.severity,
            open: i.status != shared::domain::IncidentStatus::Resolved,
            required: i.postmortem_required,
            scopes: scopes.remove(&i.id).unwrap_or_default(),
            postmortems: reviews.remove(&i.id).unwrap_or_default(),
            milestones: milestones_of(&i),
        })
        .collect();
    let (cells, measures) = roll_up(&facts);
    let cells: Vec<_> = cells.into_iter().collect();
    for chunk in cells.chunks(ROWS_PER_INSERT) {
        let mut insert = Sql::new(backend);
        insert.push(
            "INSERT INTO rollup_cells (day, scope, severity, incidents, open, required, started, published) VALUES ",
        );
        for (n, ((day, scope, severity), c)) in chunk.iter().enumerate() {
            insert.push(if n == 0 { "(" } else { ", (" });
            insert.bind(*day).push(", ").bind(scope.clone()).push(", ");
            insert
                .bind(*severity)
                .push(", ")
                .bind(c.incidents)
                .push(", ");
            insert.bind(c.open).push(", ").bind(c.required).push(", ");
            insert
                .bind(c.started)
                .push(", ")
                .bind(c.published)
                .push(")");
        }
        txn.execute_raw(insert.statement()).await?;
    }
    let measures: Vec<_> = measures.into_iter().collect();
    for chunk in measures.chunks(ROWS_PER_INSERT) {
        let mut insert = Sql::new(backend);
        insert.push(
            "INSERT INTO rollup_measures (day, scope, severity, measure, n, total, histogram) VALUES ",
        );
        for (n, ((day, scope, severity, measure), h)) in chunk.iter().enumerate() {
            insert.push(if n == 0 { "(" } else { ", (" });
            insert.bind(*day).push(", ").bind(scope.clone()).push(", ");
            insert.bind(*severity).push(", ").bind(*measure).push(", ");
            insert
                .bind(h.count() as i64)
                .push(", ")
                .bind(h.sum())
                .push(", ");
            insert.bind(h.encode()).push(")");
        }
        txn.execute_raw(insert.statement()).await?;
    }
    Ok(())
}

/// Counts the pipeline tests again: the backlog per service, and how many were made and done
/// each day per service, each item counted under its own service.
async fn recount_tests(
    txn: &impl ConnectionTrait,
    backend: DbBackend,
    offset_seconds: i64,
) -> Result<(), AppError> {
    for table in ["rollup_tests", "rollup_backlog"] {
        txn.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
    }
    let scratch = Sql::new(backend);
    let (made, done) = (
        day_expression(&scratch, "a.created_at", offset_seconds),
        day_expression(&scratch, "a.done_at", offset_seconds),
    );
    let tests = format!(
        "WITH t AS (SELECT COALESCE(sv.name, '') AS svc, {made} AS made, \
         CASE WHEN a.done_at IS NULL THEN NULL ELSE {done} END AS done, \
         COALESCE(g.verification, CASE WHEN a.status = 'done' THEN 'closed_unverified' ELSE 'open' END) AS v \
         FROM action_items a LEFT JOIN github_issues g ON g.action_item_id = a.id \
         LEFT JOIN services sv ON sv.id = a.service_id \
         WHERE a.kind = 'pipeline_test') "
    );
    txn.execute_unprepared(&format!(
        "{tests} INSERT INTO rollup_backlog (service, open, unverified, verified) \
         SELECT svc, SUM(CASE WHEN v = 'open' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN v = 'closed_unverified' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN v = 'verified' THEN 1 ELSE 0 END) FROM t GROUP BY svc"
    ))
    .await?;
    txn.execute_unprepared(&format!(
        "{tests} INSERT INTO rollup_tests (service, day, made, done) \
         SELECT svc, day, SUM(made), SUM(done) FROM (\
         SELECT svc, made AS day, 1 AS made, 0 AS done FROM t \
         UNION ALL SELECT svc, done AS day, 0 AS made, 1 AS done FROM t WHERE done IS NOT NULL) u \
         GROUP BY svc, day"
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn incident(day: i64, severity: i16, scopes: &[&str]) -> IncidentFacts {
        IncidentFacts {
            day,
            severity,
            open: false,
            required: true,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            milestones: Milestones {
                impact_started_at: Some(at("2026-11-01T10:00:00Z")),
                detected_at: Some(at("2026-11-01T10:05:00Z")),
                acknowledged_at: None,
                mitigated_at: Some(at("2026-11-01T10:30:00Z")),
                resolved_at: Some(at("2026-11-01T11:00:00Z")),
            },
            postmortems: Vec::new(),
        }
    }

    #[test]
    fn an_incident_counts_once_in_each_of_its_scopes() {
        let mut a = incident(10, 1, &["s1", "s2", "tpayments"]);
        a.postmortems = vec![(false, None), (true, Some(at("2026-11-02T11:00:00Z")))];
        let mut b = incident(10, 3, &["s1", "tpayments"]);
        b.open = true;
        b.required = false;
        b.milestones.resolved_at = None;
        let (cells, measures) = roll_up(&[a, b]);
        let cell = |scope: &str, severity| cells[&(10, scope.to_owned(), severity)];
        assert_eq!(
            cell("", 1),
            CellCounts {
                incidents: 1,
                open: 0,
                required: 1,
                started: 1,
                published: 1
            }
        );
        assert_eq!(cell("s2", 1).incidents, 1);
        assert_eq!(cell("tpayments", 3).open, 1);
        assert_eq!(cells.len(), 4 + 3);
        let measure = |scope: &str, severity, m| {
            measures
                .get(&(10, scope.to_owned(), severity, m))
                .map(|h| (h.count(), h.sum()))
        };
        assert_eq!(measure("", 0, "detect"), Some((2, 600)));
        assert_eq!(measure("", 3, "detect"), Some((1, 300)));
        assert_eq!(measure("s1", 0, "resolve"), Some((1, 3600)));
        assert_eq!(measure("", 0, "acknowledge"), None);
        assert_eq!(measure("", 0, PUBLISH), Some((1, 86_400)));
        assert_eq!(measure("s2", 1, PUBLISH), Some((1, 86_400)));
    }

    #[test]
    fn days_are_recounted_in_runs_of_consecutive_days() {
        let days: BTreeSet<i64> = [1, 2, 3, 7, 9, 10].into_iter().collect();
        assert_eq!(passes(&days), vec![vec![1, 2, 3], vec![7], vec![9, 10]]);
        let long: BTreeSet<i64> = (0..30).collect();
        assert_eq!(
            passes(&long).iter().map(Vec::len).collect::<Vec<_>>(),
            [14, 14, 2]
        );
    }
}

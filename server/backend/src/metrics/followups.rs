//! Follow-through figures of the dashboard: postmortems of the period's incidents, action items
//! made in the period by kind and owner, the pipeline-test backlog per service with its weekly
//! burn-down, and the problems open now. All aggregated by the database.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use super::links::Links;
use super::rolled::Rolled;
use super::rollup::PUBLISH;
use super::sql::{self, Scope, Sql, count};
use crate::AppError;
use shared::domain::metrics::{FIRST_MONDAY_SECONDS, Period, week_start};
use shared::domain::postmortem::ActionKind;
use shared::domain::problem::ProblemState;
use shared::wire::metrics::{
    ActionFigures, ActionRow, BacklogRow, Bar, KnownErrorRow, PostmortemFigures, ProblemFigures,
    WeekPoint,
};

const DAY: f64 = 86_400.0;
/// The day number of the Monday 1970-01-05 weeks are counted from.
const FIRST_MONDAY_DAY: i64 = FIRST_MONDAY_SECONDS / 86_400;

pub async fn postmortems(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    rolled: &Rolled,
    today: NaiveDate,
    links: &Links,
) -> Result<PostmortemFigures, AppError> {
    let backend = db.get_database_backend();
    let counts = rolled.total();
    let to_publish = rolled.histogram(PUBLISH).summary();
    let mut overdue = Sql::new(backend);
    overdue
        .push(
            "SELECT COUNT(DISTINCT p.id) AS n FROM postmortems p \
             JOIN postmortem_incidents pi ON pi.postmortem_id = p.id \
             JOIN incidents i ON i.id = pi.incident_id \
             WHERE p.status <> 'published' AND p.review_due_on < ",
        )
        .bind(today)
        .push(" AND")
        .incidents_in(period, scope);
    let overdue = count(&overdue.one(db).await?, "n")?;

    Ok(PostmortemFigures {
        required: counts.required as u64,
        started: counts.started as u64,
        published: counts.published as u64,
        median_days_to_publish: to_publish.median.map(|s| s / DAY),
        publish_count: to_publish.count,
        overdue,
        required_href: links.incidents(&[("postmortem", "required")]),
        waiting_href: links.incidents(&[("postmortem", "waiting")]),
        list_href: "/postmortems".to_owned(),
    })
}

pub async fn actions(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
    today: NaiveDate,
    links: &Links,
) -> Result<ActionFigures, AppError> {
    let backend = db.get_database_backend();
    // `key` groups (and filters the linked list), `label` names the group.
    let grouped = |key: &str, label: &str, join: &str| {
        let group = key;
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT CAST({key} AS TEXT) AS k, MAX({label}) AS label, \
             SUM(CASE WHEN a.status = 'open' THEN 1 ELSE 0 END) AS open, \
             SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END) AS done, \
             SUM(CASE WHEN a.status = 'open' AND a.due_on < "
        ))
        .bind(today)
        .push(&format!(
            " THEN 1 ELSE 0 END) AS overdue FROM action_items a {join} WHERE a.created_at >= "
        ))
        .bind(period.from)
        .push(" AND a.created_at < ")
        .bind(period.to);
        sql.action_scope(scope, (Some(period.from), Some(period.to)));
        sql.push(&format!(
            " GROUP BY {group} ORDER BY open DESC, {group} LIMIT 12"
        ));
        sql
    };
    let rows = |rows: Vec<sea_orm::QueryResult>,
                label: &dyn Fn(String, String) -> (String, String)| {
        rows.iter()
            .map(|row| {
                let (text, href) = label(
                    row.try_get::<Option<String>>("", "k")?.unwrap_or_default(),
                    row.try_get::<Option<String>>("", "label")?
                        .unwrap_or_default(),
                );
                Ok(ActionRow {
                    label: text,
                    open: count(row, "open")?,
                    done: count(row, "done")?,
                    overdue: count(row, "overdue")?,
                    href,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()
    };
    let by_kind = rows(
        grouped("a.kind", "a.kind", "").all(db).await?,
        &|kind, _| {
            let href = links.actions(&[("kind", &kind)]);
            let label = ActionKind::parse(&kind)
                .map(|k| k.label().to_owned())
                .unwrap_or(kind);
            (label, href)
        },
    )?;
    let by_owner = rows(
        grouped(
            "a.owner_id",
            "u.display_name",
            "LEFT JOIN users u ON u.id = a.owner_id",
        )
        .all(db)
        .await?,
        &|owner, name| {
            if owner.is_empty() {
                ("No owner".to_owned(), links.actions(&[("owner", "none")]))
            } else {
                (name, links.actions(&[("owner", &owner)]))
            }
        },
    )?;
    Ok(ActionFigures {
        by_kind,
        by_owner,
        backlog: backlog(db, scope).await?,
        burndown: burndown(db, period, scope).await?,
        backlog_href: "/backlog".to_owned(),
    })
}

/// Keeps roll-up rows (their `service`) of the scope's service or team.
fn backlog_scope(sql: &mut Sql, scope: &Scope) {
    if scope.service.is_none() && scope.team.is_none() {
        return;
    }
    sql.push(" AND service IN (SELECT sv.name FROM services sv WHERE 1 = 1");
    sql.service_scope("sv", scope);
    sql.push(")");
}

/// The pipeline-test backlog per service, from the roll-up.
async fn backlog(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<BacklogRow>, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT service, open, unverified, verified FROM rollup_backlog WHERE 1 = 1");
    backlog_scope(&mut sql, scope);
    sql.push(" ORDER BY service");
    let mut rows = sql
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let service: String = row.try_get("", "service")?;
            Ok(BacklogRow {
                service: if service.is_empty() {
                    "No service".to_owned()
                } else {
                    service
                },
                open: count(row, "open")?,
                unverified: count(row, "unverified")?,
                verified: count(row, "verified")?,
                href: "/backlog".to_owned(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    // Tests without a service come last.
    rows.sort_by_key(|r| r.service == "No service");
    Ok(rows)
}

/// Open pipeline tests at the end of each week: those open when the period began, plus those
/// made, minus those done, week by week (from the roll-up's per-day counts). Reopened tests count
/// as open from when they were made.
async fn burndown(
    db: &impl ConnectionTrait,
    period: &Period,
    scope: &Scope,
) -> Result<Vec<WeekPoint>, AppError> {
    let backend = db.get_database_backend();
    let (first, end) = period.day_numbers();
    let mut before = Sql::new(backend);
    before
        .push("SELECT CAST(SUM(made) AS BIGINT) AS made, CAST(SUM(done) AS BIGINT) AS done FROM rollup_tests WHERE day < ")
        .bind(first);
    backlog_scope(&mut before, scope);
    let before = before.one(db).await?;
    let mut open = count(&before, "made")? as i64 - count(&before, "done")? as i64;
    let mut weekly = Sql::new(backend);
    weekly
        .push(&format!(
            "SELECT (day - {FIRST_MONDAY_DAY}) / 7 AS g, CAST(SUM(made) AS BIGINT) AS made, CAST(SUM(done) AS BIGINT) AS done \
             FROM rollup_tests WHERE day >= "
        ))
        .bind(first)
        .push(" AND day < ")
        .bind(end);
    backlog_scope(&mut weekly, scope);
    weekly.push(" GROUP BY g");
    let mut changes = HashMap::new();
    for row in weekly.all(db).await? {
        let week: i64 = row.try_get("", "g")?;
        changes.insert(
            week,
            count(&row, "made")? as i64 - count(&row, "done")? as i64,
        );
    }
    Ok(period
        .weeks()
        .map(|week| {
            open += changes.get(&week).copied().unwrap_or(0);
            WeekPoint {
                week: week_start(week),
                count: open.max(0) as u64,
                value: Some(open.max(0) as f64),
            }
        })
        .collect())
}

/// Keeps problems (aliased `p`) on a service of the scope.
fn problem_scope(sql: &mut Sql, scope: &Scope) {
    if scope.service.is_none() && scope.team.is_none() {
        return;
    }
    sql.push(
        " AND EXISTS (SELECT 1 FROM problem_services ps JOIN services sv ON sv.id = ps.service_id \
         WHERE ps.problem_id = p.id",
    )
    .service_scope("sv", scope)
    .push(")");
}

pub async fn problems(
    db: &impl ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
    links: &Links,
) -> Result<ProblemFigures, AppError> {
    let backend = db.get_database_backend();
    let open_states: Vec<&str> = ProblemState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .map(ProblemState::as_str)
        .collect();
    let in_open = |sql: &mut Sql| {
        sql.push(" p.state IN (");
        for (n, state) in open_states.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.bind(*state);
        }
        sql.push(")");
        problem_scope(sql, scope);
    };
    let grouped = |column: &str| {
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT p.{column} AS k, COUNT(*) AS n FROM problems p WHERE"
        ));
        in_open(&mut sql);
        sql.push(&format!(" GROUP BY p.{column} ORDER BY p.{column}"));
        sql
    };
    let mut by_state = Vec::new();
    let mut open = 0;
    for row in grouped("state").all(db).await? {
        let key: String = row.try_get("", "k")?;
        let n = count(&row, "n")?;
        open += n;
        by_state.push((key, n));
    }
    // In lifecycle order, not alphabetical.
    let by_state = open_states
        .iter()
        .filter_map(|state| {
            let (_, n) = by_state.iter().find(|(k, _)| k == state)?;
            Some(Bar {
                label: ProblemState::parse(state)
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                value: *n as f64,
                href: links.problems("state", state),
            })
        })
        .collect();
    let by_priority = grouped("priority")
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let priority: i16 = row.try_get("", "k")?;
            Ok(Bar {
                label: format!("P{priority}"),
                value: count(row, "n")? as f64,
                href: links.problems("priority", &priority.to_string()),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let age = sql::summary(db, |sql| {
        let created = sql.epoch("p.created_at");
        sql.push(&format!(
            "SELECT 0 AS g, {} - {created} AS s FROM problems p WHERE",
            now.timestamp()
        ));
        in_open(sql);
    })
    .await?;
    let mut oldest = Sql::new(backend);
    oldest.push("SELECT MIN(p.created_at) AS oldest FROM problems p WHERE");
    in_open(&mut oldest);
    let oldest: Option<DateTime<Utc>> = oldest.one(db).await?.try_get("", "oldest")?;

    let mut known = Sql::new(backend);
    known
        .push(
            "SELECT p.id AS id, p.title AS title, COUNT(pi.incident_id) AS n FROM known_errors k \
         JOIN problems p ON p.id = k.problem_id \
         LEFT JOIN problem_incidents pi ON pi.problem_id = p.id AND pi.recurrence = ",
        )
        .bind(true)
        .push(" WHERE k.retired_at IS NULL");
    problem_scope(&mut known, scope);
    known.push(" GROUP BY p.id, p.title ORDER BY n DESC, p.id LIMIT 10");
    let known_errors = known
        .all(db)
        .await?
        .iter()
        .map(|row| {
            let id: i64 = row.try_get("", "id")?;
            Ok(KnownErrorRow {
                title: row.try_get("", "title")?,
                recurrences: count(row, "n")?,
                href: format!("/problems/{id}"),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(ProblemFigures {
        open,
        by_state,
        by_priority,
        median_age_days: age.median.map(|s| s / DAY),
        oldest_age_days: oldest.map(|at| (now - at).num_seconds() as f64 / DAY),
        known_errors,
        href: links.problems("", ""),
    })
}

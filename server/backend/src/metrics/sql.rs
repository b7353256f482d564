//! SQL the dashboard's aggregates share, written once for SQLite and PostgreSQL: a statement
//! builder with `?` placeholders, epoch seconds and week numbers of a timestamp, the incident
//! filter, and mean-and-median of a set of durations computed by the database.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::AppError;
use shared::domain::Severity;
use shared::domain::metrics::{FIRST_MONDAY_SECONDS, Period, Summary, WEEK_SECONDS};

/// The service, team and severity the dashboard is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub service: Option<String>,
    pub team: Option<String>,
    pub severity: Option<i16>,
    /// The ids of the services the service or team filter stands for (`None`: no such filter).
    /// Queries over incidents test these ids rather than joining `services` by slug or team, so
    /// PostgreSQL estimates how many incidents a service has from the column's own statistics.
    pub service_ids: Option<Vec<i64>>,
}

impl Scope {
    /// The scope of a service slug and a team, their ids looked up in `services`.
    pub fn new(
        service: Option<String>,
        team: Option<String>,
        severity: Option<i16>,
        services: &[crate::entities::service::Model],
    ) -> Self {
        let service_ids = (service.is_some() || team.is_some()).then(|| {
            services
                .iter()
                .filter(|s| service.as_ref().is_none_or(|slug| s.slug == *slug))
                .filter(|s| team.as_ref().is_none_or(|team| s.team.trim() == team))
                .map(|s| s.id)
                .collect()
        });
        Self {
            service,
            team,
            severity,
            service_ids,
        }
    }

    /// The severity rank a filter names (`SEV1`…`SEV4`), if any.
    pub fn severity_rank(text: &str) -> Result<Option<i16>, AppError> {
        match text.trim() {
            "" => Ok(None),
            text => Severity::parse(text)
                .map(|s| Some(s.rank()))
                .ok_or_else(|| AppError::field("severity", "Choose SEV1 to SEV4.")),
        }
    }
}

/// A statement being written: SQL with `?` placeholders and their values.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (no placeholders).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// Whole seconds since the Unix epoch of the timestamp `column` (fractions dropped, so both
    /// engines give the same durations). On SQLite, `julianday` is several times cheaper than
    /// `strftime('%s')`; its float error (under 0.0001 s) is absorbed before truncating.
    pub fn epoch(&self, column: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"),
            _ => format!("CAST((julianday({column}) - 2440587.5) * 86400.0 + 0.001 AS INTEGER)"),
        }
    }

    /// The week `column` falls in (see `domain::metrics::week_index`), as an integer.
    pub fn week(&self, column: &str, period: &Period) -> String {
        let shifted = format!(
            "({} + {} - {FIRST_MONDAY_SECONDS})",
            self.epoch(column),
            period.offset_seconds()
        );
        // Integer division on both engines: every stored time is after the first Monday of
        // 1970, so truncation is the floor.
        format!("({shifted} / {WEEK_SECONDS})")
    }

    /// A float expression SQLite and PostgreSQL both hand back as a double.
    pub fn float(&self, expression: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("CAST({expression} AS DOUBLE PRECISION)"),
            _ => format!("CAST({expression} AS REAL)"),
        }
    }

    /// Appends ` AND …` conditions keeping incidents (aliased `i`) of the scope, opened in the
    /// period.
    pub fn incidents_in(&mut self, period: &Period, scope: &Scope) -> &mut Self {
        self.push(" i.opened_at >= ")
            .bind(period.from)
            .push(" AND i.opened_at < ")
            .bind(period.to);
        self.incident_scope(scope)
    }

    /// Appends ` AND …` conditions keeping incidents (aliased `i`) of the scope.
    pub fn incident_scope(&mut self, scope: &Scope) -> &mut Self {
        if let Some(severity) = scope.severity {
            self.push(" AND i.severity = ").bind(severity);
        }
        if let Some(ids) = &scope.service_ids {
            self.push(
                " AND EXISTS (SELECT 1 FROM incident_services xs WHERE xs.incident_id = i.id AND",
            )
            .service_in("xs", ids)
            .push(")");
        }
        self
    }

    /// Appends ` <alias>.service_id IN (…)` (never true for no ids).
    pub fn service_in(&mut self, alias: &str, ids: &[i64]) -> &mut Self {
        if ids.is_empty() {
            return self.push(" 1 = 0");
        }
        self.push(&format!(" {alias}.service_id IN ("));
        for (n, id) in ids.iter().enumerate() {
            self.push(if n == 0 { "" } else { ", " }).bind(*id);
        }
        self.push(")")
    }

    /// Appends ` AND …` conditions keeping action items (aliased `a`) of a service of the scope
    /// (the item's own service) and, with a severity, whose postmortem covers an incident of that
    /// severity; `made` is the window the items themselves are kept to (either end open). The
    /// postmortems with items in the window are listed first and each is then looked up by its
    /// own incidents: at 1M incidents that is a few thousand index lookups, where PostgreSQL's
    /// own choice for a join or `EXISTS` was to scan every incident (90–300 ms). `OFFSET 0`
    /// keeps PostgreSQL from turning the `EXISTS` into such a join.
    pub fn action_scope(
        &mut self,
        scope: &Scope,
        made: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    ) -> &mut Self {
        if let Some(ids) = &scope.service_ids {
            self.push(" AND").service_in("a", ids);
        }
        let Some(severity) = scope.severity else {
            return self;
        };
        self.push(
            " AND a.postmortem_id IN (SELECT m.postmortem_id FROM \
             (SELECT DISTINCT b.postmortem_id FROM action_items b WHERE 1 = 1",
        );
        if let Some(from) = made.0 {
            self.push(" AND b.created_at >= ").bind(from);
        }
        if let Some(to) = made.1 {
            self.push(" AND b.created_at < ").bind(to);
        }
        self.push(
            ") m WHERE EXISTS (SELECT 1 FROM postmortem_incidents pi \
             JOIN incidents i ON i.id = pi.incident_id WHERE pi.postmortem_id = m.postmortem_id",
        );
        self.push(" AND i.severity = ").bind(severity);
        if self.backend == DbBackend::Postgres {
            self.push(" OFFSET 0");
        }
        self.push("))")
    }

    /// Appends ` AND …` conditions keeping services (aliased `alias`) of the scope.
    pub fn service_scope(&mut self, alias: &str, scope: &Scope) -> &mut Self {
        if let Some(slug) = &scope.service {
            self.push(&format!(" AND {alias}.slug = "))
                .bind(slug.clone());
        }
        if let Some(team) = &scope.team {
            self.push(&format!(" AND {alias}.team = "))
                .bind(team.clone());
        }
        self
    }

    /// The finished statement, placeholders numbered for PostgreSQL.
    pub fn statement(&self) -> Statement {
        let text = match self.backend {
            DbBackend::Postgres => {
                let mut numbered = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for c in self.text.chars() {
                    if c == '?' {
                        n += 1;
                        numbered.push_str(&format!("${n}"));
                    } else {
                        numbered.push(c);
                    }
                }
                numbered
            }
            _ => self.text.clone(),
        };
        Statement::from_sql_and_values(self.backend, text, self.values.clone())
    }

    pub async fn all(&self, db: &impl ConnectionTrait) -> Result<Vec<QueryResult>, AppError> {
        Ok(db.query_all_raw(self.statement()).await?)
    }

    pub async fn one(&self, db: &impl ConnectionTrait) -> Result<QueryResult, AppError> {
        db.query_one_raw(self.statement())
            .await?
            .ok_or_else(|| AppError::Db(sea_orm::DbErr::RecordNotFound("an aggregate row".into())))
    }
}

/// How many values `s` the subquery `inner` selects, their mean and their median (the middle
/// value, or the mean of the two middle ones). PostgreSQL does it in one pass with
/// `percentile_cont(0.5)`; SQLite counts and averages, then reads just the middle rows with
/// `ORDER BY … LIMIT … OFFSET`, a bounded sort far cheaper than a window over every row.
pub async fn summary(
    db: &impl ConnectionTrait,
    inner: impl Fn(&mut Sql),
) -> Result<Summary, AppError> {
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let mut first = Sql::new(backend);
    let mean = first.float("AVG(s)");
    let median = if postgres {
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(s AS DOUBLE PRECISION))"
    } else {
        "NULL"
    };
    first.push(&format!(
        "SELECT COUNT(*) AS n, {mean} AS mean, {median} AS median FROM ("
    ));
    inner(&mut first);
    first.push(") d");
    let row = first.one(db).await?;
    let n = count(&row, "n")?;
    if n == 0 {
        return Ok(Summary::default());
    }
    let median = if postgres {
        row.try_get("", "median")?
    } else {
        let mut middle = Sql::new(backend);
        middle.push("SELECT s FROM (");
        inner(&mut middle);
        middle.push(&format!(
            ") d ORDER BY s LIMIT {} OFFSET {}",
            2 - n % 2,
            (n - 1) / 2
        ));
        let values: Vec<i64> = middle
            .all(db)
            .await?
            .iter()
            .map(|r| r.try_get("", "s"))
            .collect::<Result<_, _>>()?;
        (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
    };
    Ok(Summary {
        count: n,
        mean: row.try_get("", "mean")?,
        median,
    })
}

/// A count column (COUNT or SUM of 0/1, which is NULL over no rows).
pub fn count(row: &QueryResult, column: &str) -> Result<u64, AppError> {
    let value: Option<i64> = row.try_get("", column)?;
    Ok(value.unwrap_or(0).max(0) as u64)
}

/// The time as the dashboard's links write it (a `from`/`to` of the incident list).
pub fn link_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

//! The incident list: filters, text search and keyset pagination. Each page is one indexed range
//! read (`LIMIT` after a cursor, never `OFFSET`), so page 1 and page 10,000 cost the same.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

use super::{postmortem_state, service_refs};
use crate::AppError;
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_service;
use crate::entities::service::{self, Entity as Service};
use shared::domain::incident::parse_time;
use shared::domain::{IncidentStatus, Severity};
use shared::wire::incidents::{IncidentPage, IncidentQuery, IncidentRow, PAGE_SIZE};

/// How the list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    Newest,
    Oldest,
    Severity,
}

/// Where the previous page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cursor {
    severity: i16,
    opened_at: i64,
    id: i64,
}

impl Cursor {
    fn encode(self, sort: Sort) -> String {
        match sort {
            Sort::Severity => format!("{}.{}.{}", self.severity, self.opened_at, self.id),
            _ => format!("{}.{}", self.opened_at, self.id),
        }
    }

    fn decode(value: &str, sort: Sort) -> Option<Self> {
        let parts: Vec<i64> = value
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        match (sort, parts.as_slice()) {
            (Sort::Severity, [severity, opened_at, id]) => Some(Self {
                severity: i16::try_from(*severity).ok()?,
                opened_at: *opened_at,
                id: *id,
            }),
            (Sort::Newest | Sort::Oldest, [opened_at, id]) => Some(Self {
                severity: 0,
                opened_at: *opened_at,
                id: *id,
            }),
            _ => None,
        }
    }
}

/// One page of incidents matching `query`.
pub async fn page(
    db: &impl ConnectionTrait,
    query: &IncidentQuery,
) -> Result<IncidentPage, AppError> {
    let sort = match query.sort.as_str() {
        "" | "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        "severity" => Sort::Severity,
        _ => {
            return Err(AppError::field(
                "sort",
                "Sort by newest, oldest or severity.",
            ));
        }
    };
    let mut select = Incident::find();

    // With a service chosen, the page is read from that service's index of incidents.
    let (opened_col, id_col) = if query.service.trim().is_empty() {
        (
            Expr::col((incident::Entity, incident::Column::OpenedAt)),
            Expr::col((incident::Entity, incident::Column::Id)),
        )
    } else {
        let slug = query.service.trim().to_lowercase();
        let Some(service) = Service::find()
            .filter(service::Column::Slug.eq(&slug))
            .one(db)
            .await?
        else {
            return Err(AppError::field(
                "service",
                &format!("No service with the slug `{slug}`."),
            ));
        };
        select = select
            .join_rev(JoinType::InnerJoin, link_to_incident())
            .filter(incident_service::Column::ServiceId.eq(service.id));
        (
            Expr::col((incident_service::Entity, incident_service::Column::OpenedAt)),
            Expr::col((
                incident_service::Entity,
                incident_service::Column::IncidentId,
            )),
        )
    };

    if !query.severity.is_empty() {
        let severity = Severity::parse(&query.severity)
            .ok_or_else(|| AppError::field("severity", "Choose SEV1 to SEV4."))?;
        select = select.filter(incident::Column::Severity.eq(severity.rank()));
    }
    if !query.team.trim().is_empty() {
        let team_services = Service::find()
            .filter(service::Column::Team.eq(query.team.trim()))
            .all(db)
            .await?;
        if team_services.is_empty() {
            return Err(AppError::field(
                "team",
                &format!("No service belongs to the team `{}`.", query.team.trim()),
            ));
        }
        let on_team = incident_service::Entity::find()
            .select_only()
            .column(incident_service::Column::IncidentId)
            .filter(
                incident_service::Column::ServiceId.is_in(team_services.into_iter().map(|s| s.id)),
            )
            .into_query();
        select =
            select.filter(Expr::col((incident::Entity, incident::Column::Id)).in_subquery(on_team));
    }
    match query.status.as_str() {
        "" => {}
        "open" => {
            let open: Vec<&str> = IncidentStatus::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .map(IncidentStatus::as_str)
                .collect();
            select = select.filter(incident::Column::Status.is_in(open));
        }
        other => {
            let status = IncidentStatus::parse(other)
                .ok_or_else(|| AppError::field("status", "Choose a status."))?;
            select = select.filter(incident::Column::Status.eq(status.as_str()));
        }
    }
    if let Some(from) = time_bound("from", &query.from, false)? {
        select = select.filter(opened_col.clone().gte(from));
    }
    if let Some(to) = time_bound("to", &query.to, true)? {
        select = select.filter(opened_col.clone().lt(to));
    }
    match query.postmortem.as_str() {
        "" => {}
        "required" => {
            select = select.filter(incident::Column::PostmortemRequired.eq(true));
        }
        "waiting" => {
            select = select
                .filter(incident::Column::PostmortemRequired.eq(true))
                .filter(incident::Column::PostmortemStartedAt.is_null());
        }
        _ => return Err(AppError::field("postmortem", "Unknown postmortem filter.")),
    }
    if query.q.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::field(
            "q",
            "Keep the search to 500 characters (a few words find an incident).",
        ));
    }
    for word in query.q.split_whitespace().take(8) {
        let pattern =
            LikeExpr::new(format!("%{}%", escape_like(&word.to_lowercase()))).escape('\\');
        select = select.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        incident::Entity,
                        incident::Column::Title,
                    ))))
                    .like(pattern.clone()),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        incident::Entity,
                        incident::Column::Summary,
                    ))))
                    .like(pattern),
                ),
        );
    }

    let cursor = if query.after.is_empty() {
        None
    } else {
        let cursor = Cursor::decode(&query.after, sort).ok_or_else(|| {
            AppError::field(
                "after",
                "This page link is out of date. Start again from the first page.",
            )
        })?;
        let opened_at = Utc
            .timestamp_opt(cursor.opened_at, 0)
            .single()
            .ok_or_else(|| AppError::field("after", "This page link is out of date."))?;
        Some((cursor, opened_at))
    };
    let key = || Expr::tuple([opened_col.clone(), id_col.clone()]);
    let newest_first = |select: sea_orm::Select<Incident>| {
        select
            .order_by_desc(opened_col.clone())
            .order_by_desc(id_col.clone())
    };
    let wanted = PAGE_SIZE + 1;
    let mut rows = match (sort, cursor) {
        (Sort::Newest, None) => newest_first(select).limit(wanted).all(db).await?,
        (Sort::Newest, Some((c, at))) => {
            let after = Expr::tuple([Expr::value(at), Expr::value(c.id)]);
            newest_first(select.filter(key().lt(after)))
                .limit(wanted)
                .all(db)
                .await?
        }
        (Sort::Oldest, cursor) => {
            if let Some((c, at)) = cursor {
                let after = Expr::tuple([Expr::value(at), Expr::value(c.id)]);
                select = select.filter(key().gt(after));
            }
            select
                .order_by_asc(opened_col.clone())
                .order_by_asc(id_col.clone())
                .limit(wanted)
                .all(db)
                .await?
        }
        (Sort::Severity, None) => {
            newest_first(select.order_by_asc(incident::Column::Severity))
                .limit(wanted)
                .all(db)
                .await?
        }
        // Two index range reads instead of one OR: the rest of the cursor's severity, then the
        // milder severities from their start.
        (Sort::Severity, Some((c, at))) => {
            let after = Expr::tuple([Expr::value(at), Expr::value(c.id)]);
            let mut rows = newest_first(
                select
                    .clone()
                    .filter(incident::Column::Severity.eq(c.severity))
                    .filter(key().lt(after)),
            )
            .limit(wanted)
            .all(db)
            .await?;
            if (rows.len() as u64) < wanted {
                let rest = newest_first(
                    select
                        .filter(incident::Column::Severity.gt(c.severity))
                        .order_by_asc(incident::Column::Severity),
                )
                .limit(wanted - rows.len() as u64)
                .all(db)
                .await?;
                rows.extend(rest);
            }
            rows
        }
    };
    let next = (rows.len() as u64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|last| {
            Cursor {
                severity: last.severity,
                opened_at: last.opened_at.timestamp(),
                id: last.id,
            }
            .encode(sort)
        })
    });
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut services = service_refs(db, &ids).await?;
    let started: Vec<i64> = rows
        .iter()
        .filter(|r| r.postmortem_started_at.is_some())
        .map(|r| r.id)
        .collect();
    let statuses = crate::postmortems::furthest_status(db, &started).await?;
    let rows = rows
        .into_iter()
        .map(|r| IncidentRow {
            postmortem_status: statuses.get(&r.id).copied(),
            id: r.id,
            severity: Severity::from_rank(r.severity),
            status: r.status,
            services: services.remove(&r.id).unwrap_or_default(),
            postmortem: postmortem_state(&r),
            title: r.title,
            service_unknown: r.service_unknown,
            source: r.source,
            opened_at: r.opened_at,
            resolved_at: r.resolved_at,
        })
        .collect();
    Ok(IncidentPage {
        rows,
        next: next.flatten(),
    })
}

/// incident_services → incidents, for reading the list through a service's index.
fn link_to_incident() -> sea_orm::RelationDef {
    incident_service::Entity::belongs_to(incident::Entity)
        .from(incident_service::Column::IncidentId)
        .to(incident::Column::Id)
        .into()
}

/// A date (`2026-11-01`, the whole day) or a time, as a bound of the list's time range.
fn time_bound(field: &str, input: &str, end: bool) -> Result<Option<DateTime<Utc>>, AppError> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    if let Ok(date) = NaiveDate::parse_from_str(input, "%Y-%m-%d") {
        let date = if end {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        return Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
    }
    parse_time(input).map_err(|message| AppError::field(field, &message))
}

/// The longest search read: far below SQLite's limit on a LIKE pattern (50,000 bytes).
const MAX_SEARCH_CHARS: usize = 500;

fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_for_each_sort() {
        let cursor = Cursor {
            severity: 2,
            opened_at: 1_790_000_000,
            id: 42,
        };
        assert_eq!(
            Cursor::decode(&cursor.encode(Sort::Severity), Sort::Severity),
            Some(cursor)
        );
        let plain = Cursor {
            severity: 0,
            ..cursor
        };
        assert_eq!(
            Cursor::decode(&cursor.encode(Sort::Newest), Sort::Newest),
            Some(plain)
        );
        assert_eq!(Cursor::decode("garbage", Sort::Newest), None);
        assert_eq!(Cursor::decode("1.2.3", Sort::Newest), None);
    }

    #[test]
    fn like_wildcards_typed_by_people_are_literal() {
        assert_eq!(escape_like("100%_done\\"), "100\\%\\_done\\\\");
    }

    #[test]
    fn a_date_range_covers_whole_days() {
        let from = time_bound("from", "2026-11-01", false).unwrap().unwrap();
        let to = time_bound("to", "2026-11-01", true).unwrap().unwrap();
        assert_eq!((to - from).num_hours(), 24);
        assert!(time_bound("to", "soon", true).is_err());
    }
}

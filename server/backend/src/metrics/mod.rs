//! The scoreboard: reliability and follow-through figures for a period and filter, aggregated by
//! the database (`sql`), one file per area; the CSV export and the Prometheus `/metrics` text.

pub mod changes;
pub mod csv;
pub mod figures;
pub mod followups;
pub mod gate;
pub mod incidents;
pub mod links;
pub mod prometheus;
pub mod rolled;
pub mod rollup;
pub mod sql;

use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, QueryOrder};

use self::links::Links;
use self::sql::Scope;
use crate::entities::service::{self, Entity as Service};
use crate::{AppError, AppState};
use shared::domain::metrics::{DashboardQuery, Period};
use shared::wire::metrics::{DashboardView, FilterOption};

/// Every figure of the dashboard for `query`, as of `now`.
pub async fn dashboard(
    state: &AppState,
    query: &DashboardQuery,
    now: DateTime<Utc>,
) -> Result<DashboardView, AppError> {
    let db = &state.db;
    let offset = state.settings.report_offset;
    let period = Period::parse(query, now, offset).map_err(AppError::Validation)?;
    rollup::settle(db, offset).await?;
    let all_services = Service::find()
        .order_by_asc(service::Column::Name)
        .all(db)
        .await?;
    let services: Vec<&service::Model> = all_services
        .iter()
        .filter(|s| s.archived_at.is_none())
        .collect();
    let mut teams: Vec<String> = services
        .iter()
        .map(|s| s.team.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    teams.sort();
    teams.dedup();

    let scope = scope_of(query, &services, &teams, &all_services)?;
    let links = Links::new(&period, &scope);
    let (first_day, end_day) = period.day_numbers();
    let rolled = rolled::read(db, first_day, end_day, &rollup_key(&scope), scope.severity).await?;
    let today = now.with_timezone(&offset).date_naive();
    let mut normalised = query.clone();
    if normalised.range.trim().is_empty() {
        normalised.range = "30".into();
    }
    let last_instant = period.to - chrono::Duration::seconds(1);
    Ok(DashboardView {
        query: normalised,
        from_day: period.from.with_timezone(&offset).date_naive(),
        to_day: last_instant.with_timezone(&offset).date_naive(),
        offset: offset.to_string(),
        services: services
            .iter()
            .map(|s| FilterOption {
                value: s.slug.clone(),
                label: s.name.clone(),
            })
            .collect(),
        teams: teams
            .iter()
            .map(|t| FilterOption {
                value: t.clone(),
                label: t.clone(),
            })
            .collect(),
        incidents: incidents::figures(db, &period, &scope, &rolled, &all_services, &links).await?,
        postmortems: followups::postmortems(db, &period, &scope, &rolled, today, &links).await?,
        actions: followups::actions(db, &period, &scope, today, &links).await?,
        problems: followups::problems(db, &scope, now, &links).await?,
        changes: changes::figures(db, &period, &scope, &links).await?,
        gate: gate::figures(db, &period, &scope).await?,
    })
}

/// The service, team and severity asked for, each checked against what exists (a service and a
/// team together only when the service is the team's).
fn scope_of(
    query: &DashboardQuery,
    services: &[&service::Model],
    teams: &[String],
    all_services: &[service::Model],
) -> Result<Scope, AppError> {
    let service = match query.service.trim() {
        "" => None,
        slug => Some(services.iter().find(|s| s.slug == slug).ok_or_else(|| {
            AppError::field("service", &format!("No service with the slug `{slug}`."))
        })?),
    };
    let team = match query.team.trim() {
        "" => None,
        team if teams.iter().any(|t| t == team) => Some(team.to_owned()),
        team => {
            return Err(AppError::field(
                "team",
                &format!("No service belongs to the team `{team}`."),
            ));
        }
    };
    if let (Some(service), Some(team)) = (service, &team)
        && service.team.trim() != team
    {
        return Err(AppError::field(
            "team",
            &format!("{} is not a service of the team `{team}`.", service.name),
        ));
    }
    let service = service.map(|s| s.slug.clone());
    let severity = Scope::severity_rank(&query.severity)?;
    Ok(Scope::new(service, team, severity, all_services))
}

/// The roll-up scope the filters read: a service's, else a team's, else everything's.
fn rollup_key(scope: &Scope) -> String {
    if scope.service.is_some()
        && let Some([id]) = scope.service_ids.as_deref()
    {
        return rollup::service_key(*id);
    }
    match &scope.team {
        Some(team) => rollup::team_key(team),
        None => rollup::ALL.to_owned(),
    }
}

//! Deployments and the incidents they caused: recording a deployment (webhook or GitHub), the
//! automatic links from change entries in an incident's timeline, and links people make or
//! remove by hand. A deployment linked to any incident counts as failed.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::audit::{self, Actor};
use crate::entities::change::{self, Entity as ChangeEntity};
use crate::entities::deployment::{self, Entity as DeploymentEntity};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_deployment::{self, Entity as IncidentDeployment};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::service::{self, Entity as Service};
use crate::entities::timeline_entry::{self, Entity as TimelineEntry};
use crate::{AppError, AppState};
use shared::domain::TimelineKind;
use shared::domain::audit::AuditAction;
use shared::domain::deployment::{ChangeRef, Deployment, is_production};
use shared::domain::metrics::blamed_deployments;
use shared::wire::deployments::{
    DeploymentLinks, DeploymentListRow, DeploymentQuery, DeploymentRow,
};

/// The incidents each of these deployments caused (links not dismissed), as (id, title), by
/// deployment.
pub async fn incidents_caused(
    db: &impl ConnectionTrait,
    deployments: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Vec<(i64, String)>>, AppError> {
    let links = IncidentDeployment::find()
        .filter(incident_deployment::Column::DeploymentId.is_in(deployments))
        .filter(incident_deployment::Column::DismissedBy.is_null())
        .all(db)
        .await?;
    let titles: HashMap<i64, String> = Incident::find()
        .filter(incident::Column::Id.is_in(links.iter().map(|l| l.incident_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.title))
        .collect();
    let mut caused: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for link in links {
        if let Some(title) = titles.get(&link.incident_id) {
            caused
                .entry(link.deployment_id)
                .or_default()
                .push((link.incident_id, title.clone()));
        }
    }
    Ok(caused)
}

/// How far before impact started the incident page offers deployments to link by hand.
const CANDIDATE_HOURS: i64 = 48;

/// What recording a deployment did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    pub id: i64,
    /// False when the same deployment (source and id) was already known and was updated.
    pub created: bool,
    /// Incidents now linked to it automatically.
    pub linked_incidents: Vec<i64>,
}

/// Stores `report` (found by its source and id, so a repeat updates rather than duplicates) and
/// links the incidents whose timeline blames it.
pub async fn record(
    state: &AppState,
    report: &Deployment,
    source: &str,
    recorded_by: &str,
) -> Result<Recorded, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let service = crate::services::find_reported(&txn, &report.service).await?;
    let existing = DeploymentEntity::find()
        .filter(deployment::Column::Source.eq(source))
        .filter(deployment::Column::ExternalId.eq(&report.external_id))
        .one(&txn)
        .await?;
    let created = existing.is_none();
    let mut model: deployment::ActiveModel = match existing {
        Some(found) => found.into(),
        None => deployment::ActiveModel {
            source: Set(source.to_owned()),
            external_id: Set(report.external_id.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        },
    };
    model.service_id = Set(service.id);
    model.environment = Set(report.environment.clone());
    model.version = Set(report.version.clone());
    model.status = Set(report.status.clone());
    model.url = Set(report.url.clone());
    model.deployed_at = Set(report.deployed_at);
    model.recorded_by = Set(recorded_by.to_owned());
    model.change_id = Set(change_of(&txn, service.id, report).await?);
    let saved = model.save(&txn).await?;
    let id = saved.id.clone().unwrap();

    // Incidents on this service whose impact began within the window after it went out.
    let window = Duration::minutes(state.settings.deployment_link_minutes);
    let incident_ids: Vec<i64> = IncidentService::find()
        .filter(incident_service::Column::ServiceId.eq(service.id))
        .select_only()
        .column(incident_service::Column::IncidentId)
        .into_tuple()
        .all(&txn)
        .await?;
    let affected = Incident::find()
        .filter(incident::Column::Id.is_in(incident_ids))
        .filter(
            // Impact start, or when the incident was opened if nobody knows.
            sea_orm::Condition::any()
                .add(
                    incident::Column::ImpactStartedAt
                        .between(report.deployed_at, report.deployed_at + window),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(incident::Column::ImpactStartedAt.is_null())
                        .add(
                            incident::Column::OpenedAt
                                .between(report.deployed_at, report.deployed_at + window),
                        ),
                ),
        )
        .all(&txn)
        .await?;
    let mut linked_incidents = Vec::new();
    for incident in affected {
        if relink_in(&txn, &incident, window).await?.contains(&id) {
            linked_incidents.push(incident.id);
        }
    }
    txn.commit().await?;
    Ok(Recorded {
        id,
        created,
        linked_incidents,
    })
}

/// How many incidents were linked (links not dismissed) to each deployment since `since`, of
/// `services` or of every service; deployments no incident was linked to are left out.
pub async fn incidents_linked_since(
    db: &impl ConnectionTrait,
    services: Option<&[i64]>,
    since: DateTime<Utc>,
) -> Result<HashMap<i64, usize>, AppError> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut deployments = Query::select()
        .column(deployment::Column::Id)
        .from(DeploymentEntity)
        .and_where(Expr::col(deployment::Column::DeployedAt).gte(since))
        .to_owned();
    if let Some(ids) = services {
        deployments.and_where(Expr::col(deployment::Column::ServiceId).is_in(ids.to_vec()));
    }
    let links: Vec<i64> = IncidentDeployment::find()
        .select_only()
        .column(incident_deployment::Column::DeploymentId)
        .filter(incident_deployment::Column::DismissedBy.is_null())
        .filter(incident_deployment::Column::DeploymentId.in_subquery(deployments))
        .into_tuple()
        .all(db)
        .await?;
    let mut caused: HashMap<i64, usize> = HashMap::new();
    for deployment in links {
        *caused.entry(deployment).or_default() += 1;
    }
    Ok(caused)
}

/// The change a deployment ships: the one its report names (by id or commit; a change of another
/// service or unknown to the gate is a mistake in the `change` field), else the newest change of
/// the same service and environment whose commit the version is (the SHA or a prefix of 7 or
/// more digits).
async fn change_of(
    db: &impl ConnectionTrait,
    service_id: i64,
    report: &Deployment,
) -> Result<Option<i64>, AppError> {
    let of_service = || {
        ChangeEntity::find()
            .select_only()
            .column(change::Column::Id)
            .filter(change::Column::ServiceId.eq(service_id))
    };
    let unknown = |what: String| {
        AppError::field(
            "change",
            &format!("The change gate has no {what} of this service."),
        )
    };
    match &report.change {
        Some(ChangeRef::Id(id)) => of_service()
            .filter(change::Column::Id.eq(*id))
            .into_tuple::<i64>()
            .one(db)
            .await?
            .map(Some)
            .ok_or_else(|| unknown(format!("change #{id}"))),
        Some(ChangeRef::Commit(commit)) => of_service()
            .filter(change::Column::CommitSha.starts_with(commit.as_str()))
            .order_by_desc(change::Column::Id)
            .into_tuple::<i64>()
            .one(db)
            .await?
            .map(Some)
            .ok_or_else(|| unknown(format!("change of commit {commit}"))),
        None => {
            let version = report.version.to_ascii_lowercase();
            if !shared::domain::change::is_commit_sha(&version) {
                return Ok(None);
            }
            Ok(of_service()
                .filter(change::Column::Environment.eq(report.environment.as_str()))
                .filter(change::Column::CommitSha.starts_with(version.as_str()))
                .order_by_desc(change::Column::Id)
                .into_tuple::<i64>()
                .one(db)
                .await?)
        }
    }
}

/// Recomputes an incident's automatic links (its manual ones stay) inside the caller's
/// transaction; returns the deployments it now blames automatically.
pub async fn relink(
    db: &impl ConnectionTrait,
    incident_id: i64,
    window_minutes: i64,
) -> Result<Vec<i64>, AppError> {
    let incident = crate::incidents::find(db, incident_id).await?;
    relink_in(db, &incident, Duration::minutes(window_minutes)).await
}

async fn relink_in(
    db: &impl ConnectionTrait,
    incident: &incident::Model,
    window: Duration,
) -> Result<Vec<i64>, AppError> {
    let impact = incident.impact_started_at.unwrap_or(incident.opened_at);
    let earliest = impact - window;
    let changes: Vec<DateTime<Utc>> = TimelineEntry::find()
        .filter(timeline_entry::Column::IncidentId.eq(incident.id))
        .filter(timeline_entry::Column::Kind.eq(TimelineKind::Change.as_str()))
        .filter(timeline_entry::Column::OccurredAt.gte(earliest))
        .filter(timeline_entry::Column::OccurredAt.lte(impact))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.occurred_at)
        .collect();
    let service_ids: Vec<i64> = IncidentService::find()
        .filter(incident_service::Column::IncidentId.eq(incident.id))
        .select_only()
        .column(incident_service::Column::ServiceId)
        .into_tuple()
        .all(db)
        .await?;
    let candidates: Vec<(i64, DateTime<Utc>)> = DeploymentEntity::find()
        .filter(deployment::Column::ServiceId.is_in(service_ids))
        .filter(deployment::Column::DeployedAt.gte(earliest))
        .filter(deployment::Column::DeployedAt.lte(impact))
        .all(db)
        .await?
        .into_iter()
        .filter(|d| d.status == "success" && is_production(&d.environment))
        .map(|d| (d.id, d.deployed_at))
        .collect();
    let blamed = blamed_deployments(impact, &changes, &candidates, window);
    let current = IncidentDeployment::find()
        .filter(incident_deployment::Column::IncidentId.eq(incident.id))
        .all(db)
        .await?;
    for link in &current {
        if link.automatic && !blamed.contains(&link.deployment_id) {
            IncidentDeployment::delete_many()
                .filter(incident_deployment::Column::IncidentId.eq(incident.id))
                .filter(incident_deployment::Column::DeploymentId.eq(link.deployment_id))
                .exec(db)
                .await?;
        }
    }
    let dismissed: Vec<i64> = current
        .iter()
        .filter(|l| l.dismissed_by.is_some())
        .map(|l| l.deployment_id)
        .collect();
    for id in &blamed {
        if !current.iter().any(|l| l.deployment_id == *id) {
            incident_deployment::ActiveModel {
                incident_id: Set(incident.id),
                deployment_id: Set(*id),
                linked_by: Set("a change entry in the timeline".into()),
                automatic: Set(true),
                dismissed_by: Set(None),
                linked_at: Set(Utc::now()),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(blamed
        .into_iter()
        .filter(|id| !dismissed.contains(id))
        .collect())
}

/// The deployments linked to an incident, and those of its services people may link: from
/// two days before impact started until it was resolved (or now).
pub async fn for_incident(
    db: &impl ConnectionTrait,
    incident_id: i64,
) -> Result<DeploymentLinks, AppError> {
    let incident = crate::incidents::find(db, incident_id).await?;
    // A dismissed automatic link shows as unlinked.
    let links = IncidentDeployment::find()
        .filter(incident_deployment::Column::IncidentId.eq(incident_id))
        .filter(incident_deployment::Column::DismissedBy.is_null())
        .all(db)
        .await?;
    let service_ids: Vec<i64> = IncidentService::find()
        .filter(incident_service::Column::IncidentId.eq(incident_id))
        .select_only()
        .column(incident_service::Column::ServiceId)
        .into_tuple()
        .all(db)
        .await?;
    let impact = incident.impact_started_at.unwrap_or(incident.opened_at);
    let until = incident.resolved_at.unwrap_or_else(Utc::now);
    let nearby = DeploymentEntity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(deployment::Column::ServiceId.is_in(service_ids))
                        .add(
                            deployment::Column::DeployedAt
                                .gte(impact - Duration::hours(CANDIDATE_HOURS)),
                        )
                        .add(deployment::Column::DeployedAt.lte(until)),
                )
                .add(deployment::Column::Id.is_in(links.iter().map(|l| l.deployment_id))),
        )
        .order_by_desc(deployment::Column::DeployedAt)
        .limit(50)
        .all(db)
        .await?;
    let services = crate::services::by_id(db, nearby.iter().map(|d| d.service_id)).await?;
    let mut linked = Vec::new();
    let mut candidates = Vec::new();
    for d in nearby {
        let link = links.iter().find(|l| l.deployment_id == d.id);
        let row = DeploymentRow {
            id: d.id,
            service: services
                .get(&d.service_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            version: d.version,
            environment: d.environment,
            status: d.status,
            deployed_at: d.deployed_at,
            url: d.url,
            linked_by: link.map(|l| l.linked_by.clone()),
            automatic: link.is_some_and(|l| l.automatic),
        };
        if link.is_some() {
            linked.push(row);
        } else {
            candidates.push(row);
        }
    }
    Ok(DeploymentLinks { linked, candidates })
}

/// Service names by id.
/// A person links (or, with `linked` false, unlinks) a deployment and an incident; the history
/// and audit trail say so.
pub async fn set_link(
    state: &AppState,
    actor: &Actor,
    incident_id: i64,
    deployment_id: i64,
    linked: bool,
) -> Result<DeploymentLinks, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let incident = crate::incidents::find(&txn, incident_id).await?;
    let deployment = DeploymentEntity::find_by_id(deployment_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Deployment"))?;
    let existing = IncidentDeployment::find_by_id((incident_id, deployment_id))
        .one(&txn)
        .await?;
    let linked_note = || {
        format!(
            "Linked to deployment {} ({}) by {}.",
            deployment.version, deployment.environment, actor.label
        )
    };
    let unlinked_note = || {
        format!(
            "Unlinked from deployment {} by {}.",
            deployment.version, actor.label
        )
    };
    let note = match (linked, existing) {
        (true, Some(link)) if link.dismissed_by.is_some() => {
            let mut link: incident_deployment::ActiveModel = link.into();
            link.dismissed_by = Set(None);
            link.automatic = Set(false);
            link.linked_by = Set(actor.label.clone());
            link.linked_at = Set(Utc::now());
            link.update(&txn).await?;
            Some(linked_note())
        }
        (true, Some(_)) | (false, None) => None,
        (false, Some(link)) if link.dismissed_by.is_some() => None,
        (true, None) => {
            incident_deployment::ActiveModel {
                incident_id: Set(incident_id),
                deployment_id: Set(deployment_id),
                linked_by: Set(actor.label.clone()),
                automatic: Set(false),
                dismissed_by: Set(None),
                linked_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            Some(linked_note())
        }
        (false, Some(link)) if link.automatic => {
            // Kept as dismissed, so the timeline does not link it again.
            let mut link: incident_deployment::ActiveModel = link.into();
            link.dismissed_by = Set(Some(actor.label.clone()));
            link.update(&txn).await?;
            Some(unlinked_note())
        }
        (false, Some(_)) => {
            IncidentDeployment::delete_by_id((incident_id, deployment_id))
                .exec(&txn)
                .await?;
            Some(unlinked_note())
        }
    };
    if let Some(note) = note {
        crate::incidents::timeline::system_entry(
            &txn,
            incident_id,
            TimelineKind::Note,
            Utc::now(),
            &note,
            actor,
        )
        .await?;
        audit::record(
            &txn,
            actor,
            if linked {
                AuditAction::IncidentDeploymentLinked
            } else {
                AuditAction::IncidentDeploymentUnlinked
            },
            crate::incidents::subject(&incident),
            None,
            Some(&deployment),
        )
        .await?;
    }
    let view = for_incident(&txn, incident_id).await?;
    txn.commit().await?;
    Ok(view)
}

/// The deployment list: newest first, at most 500, narrowed by `query`.
pub async fn list(
    db: &impl ConnectionTrait,
    query: &DeploymentQuery,
) -> Result<Vec<DeploymentListRow>, AppError> {
    let mut select = DeploymentEntity::find();
    let bound = |field: &str, text: &str| {
        shared::domain::incident::parse_time(text)
            .map_err(|message| AppError::field(field, &message))
    };
    if let Some(from) = bound("from", &query.from)? {
        select = select.filter(deployment::Column::DeployedAt.gte(from));
    }
    if let Some(to) = bound("to", &query.to)? {
        select = select.filter(deployment::Column::DeployedAt.lt(to));
    }
    let mut services = Service::find();
    let mut narrowed = false;
    if !query.service.trim().is_empty() {
        services = services.filter(service::Column::Slug.eq(query.service.trim()));
        narrowed = true;
    }
    if !query.team.trim().is_empty() {
        services = services.filter(service::Column::Team.eq(query.team.trim()));
        narrowed = true;
    }
    if narrowed {
        let services = services.all(db).await?;
        if services.is_empty() {
            return Err(AppError::field(
                "service",
                "No service matches this filter.",
            ));
        }
        select = select.filter(deployment::Column::ServiceId.is_in(services.iter().map(|s| s.id)));
    }
    if query.failed == "true" {
        let failed = IncidentDeployment::find()
            .filter(incident_deployment::Column::DismissedBy.is_null())
            .select_only()
            .column(incident_deployment::Column::DeploymentId)
            .into_query();
        select = select.filter(deployment::Column::Id.in_subquery(failed));
    }
    let rows = select
        .order_by_desc(deployment::Column::DeployedAt)
        .order_by_desc(deployment::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let mut caused = incidents_caused(db, rows.iter().map(|d| d.id)).await?;
    let services = crate::services::by_id(db, rows.iter().map(|d| d.service_id)).await?;
    Ok(rows
        .into_iter()
        .map(|d| DeploymentListRow {
            id: d.id,
            service: services
                .get(&d.service_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            incidents: caused.remove(&d.id).unwrap_or_default(),
            version: d.version,
            environment: d.environment,
            status: d.status,
            deployed_at: d.deployed_at,
            url: d.url,
        })
        .collect())
}

//! Incident storage and workflows: declaring, editing, status changes and the postmortem flag,
//! each writing its timeline entry and audit event in the same transaction as the change.

pub mod list;
pub mod timeline;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::AppError;
use super::AppState;
use super::audit::{self, Actor, Subject};
use super::entities::incident::{self, Entity as Incident};
use super::entities::incident_alert::{self, Entity as IncidentAlert};
use super::entities::incident_service::{self, Entity as IncidentService};
use super::entities::service::{self, Entity as Service};
use super::entities::timeline_entry::{self, Entity as TimelineEntry};
use super::markdown::render_markdown;
use shared::domain::audit::AuditAction;
use shared::domain::{IncidentDraft, IncidentStatus, Milestones, Severity, TimelineKind};
use shared::wire::incidents::{AlertView, IncidentView, PostmortemState, ServiceRef};

/// Times are kept to the second: people and alerts don't need more, and cursors stay exact.
pub fn to_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(0)
}

/// Everything needed to open an incident, from a person or from an alert.
#[derive(Clone, Debug)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub commander: String,
    pub summary: String,
    pub source: String,
    pub integration_id: Option<i64>,
    pub fingerprint: Option<String>,
    pub runbook_url: Option<String>,
    pub service_unknown: bool,
    pub data_loss: bool,
    pub escalated: bool,
    pub postmortem_required: bool,
    pub opened_at: DateTime<Utc>,
    pub milestones: Milestones,
    pub created_by: Option<i64>,
}

/// Inserts an incident and its affected services, and links it to the known problems it recurs
/// (no timeline, no audit: the caller writes those).
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewIncident,
    services: &[service::Model],
) -> Result<incident::Model, AppError> {
    let opened_at = to_second(new.opened_at);
    let m = new.milestones;
    let created = incident::ActiveModel {
        title: Set(new.title),
        severity: Set(new.severity.rank()),
        status: Set(new.status),
        commander: Set(new.commander),
        summary: Set(new.summary),
        source: Set(new.source),
        integration_id: Set(new.integration_id),
        fingerprint: Set(new.fingerprint),
        runbook_url: Set(new.runbook_url),
        service_unknown: Set(new.service_unknown),
        data_loss: Set(new.data_loss),
        escalated: Set(new.escalated),
        postmortem_required: Set(new.postmortem_required),
        postmortem_started_at: Set(None),
        opened_at: Set(opened_at),
        impact_started_at: Set(m.impact_started_at.map(to_second)),
        detected_at: Set(m.detected_at.map(to_second)),
        acknowledged_at: Set(m.acknowledged_at.map(to_second)),
        mitigated_at: Set(m.mitigated_at.map(to_second)),
        resolved_at: Set(m.resolved_at.map(to_second)),
        created_by: Set(new.created_by),
        version: Set(1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    set_services(db, created.id, opened_at, services).await?;
    let service_ids: Vec<i64> = services.iter().map(|s| s.id).collect();
    super::problems::known_errors::match_new_incident(db, &created, &service_ids).await?;
    Ok(created)
}

/// A person declares an incident. Missing milestones default sensibly: detected now, impact
/// started when detected. The status follows the milestones given.
pub async fn declare(
    state: &AppState,
    actor: &Actor,
    draft: &IncidentDraft,
) -> Result<i64, AppError> {
    let now = to_second(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let services = resolve_services(&txn, &draft.services).await?;
    let mut milestones = draft.milestones;
    let detected = *milestones.detected_at.get_or_insert(now);
    milestones.impact_started_at.get_or_insert(detected);
    milestones.check_order().map_err(AppError::Validation)?;
    let status = status_from_milestones(&milestones);
    let new = NewIncident {
        title: draft.title.clone(),
        severity: draft.severity,
        status,
        commander: draft.commander.clone(),
        summary: draft.summary.clone(),
        source: "person".into(),
        integration_id: None,
        fingerprint: None,
        runbook_url: None,
        service_unknown: false,
        data_loss: draft.data_loss,
        escalated: draft.escalated,
        postmortem_required: state.settings.postmortem_policy.requires(
            draft.severity,
            draft.data_loss,
            draft.escalated,
        ),
        opened_at: now,
        milestones,
        created_by: actor.id,
    };
    let created = insert(&txn, new, &services).await?;
    timeline::system_entry(
        &txn,
        created.id,
        TimelineKind::StatusChange,
        now,
        &format!(
            "Incident declared by {} as {} ({}).",
            actor.label,
            draft.severity,
            status.label()
        ),
        actor,
    )
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::IncidentDeclared,
        subject(&created),
        None,
        Some(&created),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(id = created.id, severity = %draft.severity, "incident declared");
    Ok(created.id)
}

/// Saves an edit made from `version`, noting on the timeline what changed.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i32,
    draft: &IncidentDraft,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let current = find(&txn, id).await?;
    if current.version != version {
        return Err(stale_edit());
    }
    let services = resolve_services(&txn, &draft.services).await?;
    let old_services = service_refs(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let m = draft.milestones;
    let mut status = current.status;
    if m.resolved_at.is_some() && status.is_open() {
        status = IncidentStatus::Resolved;
    } else if m.resolved_at.is_none() && !status.is_open() {
        status = IncidentStatus::Monitoring;
    }
    let changes = describe_changes(&current, draft, status, &old_services, &services);
    if changes.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut model: incident::ActiveModel = current.clone().into();
    model.title = Set(draft.title.clone());
    model.severity = Set(draft.severity.rank());
    model.status = Set(status);
    model.commander = Set(draft.commander.clone());
    model.summary = Set(draft.summary.clone());
    model.data_loss = Set(draft.data_loss);
    model.escalated = Set(draft.escalated);
    model.postmortem_required = Set(state.settings.postmortem_policy.requires(
        draft.severity,
        draft.data_loss,
        draft.escalated,
    ));
    model.impact_started_at = Set(m.impact_started_at.map(to_second));
    model.detected_at = Set(m.detected_at.map(to_second));
    model.acknowledged_at = Set(m.acknowledged_at.map(to_second));
    model.mitigated_at = Set(m.mitigated_at.map(to_second));
    model.resolved_at = Set(m.resolved_at.map(to_second));
    if !services.is_empty() {
        model.service_unknown = Set(false);
    }
    model.version = Set(version + 1);
    model.updated_at = Set(now);
    let saved = save_versioned(&txn, model, id, version).await?;
    set_services(&txn, id, saved.opened_at, &services).await?;
    mark_alerts_open(&txn, id, status.is_open()).await?;
    // Impact start and services decide which deployments the timeline's change entries blame.
    crate::deployments::relink(&txn, id, state.settings.deployment_link_minutes).await?;
    timeline::system_entry(
        &txn,
        id,
        TimelineKind::Note,
        now,
        &format!("Edited by {}: {}.", actor.label, changes.join("; ")),
        actor,
    )
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::IncidentUpdated,
        subject(&saved),
        Some(&current),
        Some(&saved),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves an incident to `to`, filling the milestones the move implies and noting it.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    version: i32,
    to: IncidentStatus,
    note: &str,
) -> Result<(), AppError> {
    let note = note.trim();
    if note.chars().count() > shared::domain::incident::TEXT_MAX {
        return Err(AppError::field("note", "Keep the note shorter."));
    }
    let txn = crate::db::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.version != version {
        return Err(stale_edit());
    }
    let from = current.status;
    if from == to {
        return Ok(());
    }
    let mut body = format!(
        "Status changed from {} to {} by {}.",
        from.label(),
        to.label(),
        actor.label
    );
    if !note.is_empty() {
        body.push_str("\n\n");
        body.push_str(note);
    }
    let now = to_second(Utc::now());
    let saved = move_to(&txn, &current, to, now, &body, actor).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::IncidentStatusChanged,
        subject(&saved),
        Some(&current),
        Some(&saved),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        id,
        from = from.as_str(),
        to = to.as_str(),
        "incident status changed"
    );
    Ok(())
}

/// Moves `current` to `to` at `at`, for a person or for alert intake: fills the milestones the
/// move implies, saves it if nobody changed it since it was read, keeps the alerts' copy of "open"
/// in step, and writes `body` as the status-change entry.
pub async fn move_to(
    db: &impl ConnectionTrait,
    current: &incident::Model,
    to: IncidentStatus,
    at: DateTime<Utc>,
    body: &str,
    actor: &Actor,
) -> Result<incident::Model, AppError> {
    let from = current.status;
    let mut milestones = milestones_of(current);
    milestones.on_status_change(to, at);
    milestones.check_order().map_err(|errors| {
        AppError::Conflict(format!(
            "The incident's times would be out of order: {} Edit the times first.",
            errors
                .0
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ))
    })?;
    let mut model: incident::ActiveModel = current.clone().into();
    model.status = Set(to);
    model.acknowledged_at = Set(milestones.acknowledged_at);
    model.mitigated_at = Set(milestones.mitigated_at);
    model.resolved_at = Set(milestones.resolved_at);
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let saved = save_versioned(db, model, current.id, current.version).await?;
    if from.is_open() != to.is_open() {
        mark_alerts_open(db, current.id, to.is_open()).await?;
    }
    timeline::system_entry(db, current.id, TimelineKind::StatusChange, at, body, actor).await?;
    Ok(saved)
}

/// Records that the postmortem has started. Doing it twice changes nothing.
pub async fn mark_postmortem_started(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    postmortem_id: i64,
) -> Result<(), AppError> {
    let current = find(txn, id).await?;
    if current.postmortem_started_at.is_some() {
        return Ok(());
    }
    let now = to_second(Utc::now());
    let mut model: incident::ActiveModel = current.clone().into();
    model.postmortem_started_at = Set(Some(now));
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let saved = model.update(txn).await?;
    timeline::system_entry(
        txn,
        id,
        TimelineKind::Note,
        now,
        &format!("Postmortem #{postmortem_id} started by {}.", actor.label),
        actor,
    )
    .await?;
    audit::record(
        txn,
        actor,
        AuditAction::IncidentPostmortemStarted,
        subject(&saved),
        Some(&current),
        Some(&saved),
    )
    .await?;
    Ok(())
}

/// The incident with this id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<incident::Model, AppError> {
    Incident::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Incident"))
}

/// Everything the incident page shows.
pub async fn view(db: &DatabaseConnection, id: i64) -> Result<IncidentView, AppError> {
    let incident = find(db, id).await?;
    let services = service_refs(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let entries = TimelineEntry::find()
        .filter(timeline_entry::Column::IncidentId.eq(id))
        .order_by_asc(timeline_entry::Column::OccurredAt)
        .order_by_asc(timeline_entry::Column::Id)
        .all(db)
        .await?;
    let alerts = IncidentAlert::find()
        .filter(incident_alert::Column::IncidentId.eq(id))
        .order_by_asc(incident_alert::Column::Id)
        .all(db)
        .await?;
    let milestones = milestones_of(&incident);
    Ok(IncidentView {
        id,
        severity: Severity::from_rank(incident.severity),
        status: incident.status,
        summary_html: render_markdown(&incident.summary),
        postmortem: postmortem_state(&incident),
        title: incident.title,
        commander: incident.commander,
        summary: incident.summary,
        services,
        service_unknown: incident.service_unknown,
        source: incident.source,
        runbook_url: incident.runbook_url,
        data_loss: incident.data_loss,
        escalated: incident.escalated,
        postmortem_started_at: incident.postmortem_started_at,
        opened_at: incident.opened_at,
        durations: milestones.durations(),
        milestones,
        version: incident.version,
        timeline: entries.into_iter().map(timeline::to_view).collect(),
        alerts: alerts.into_iter().map(alert_view).collect(),
        postmortems: super::postmortems::for_incident(db, id).await?,
    })
}

/// Where the incident stands with its postmortem.
pub fn postmortem_state(incident: &incident::Model) -> PostmortemState {
    match (incident.postmortem_required, incident.postmortem_started_at) {
        (_, Some(_)) => PostmortemState::Started,
        (true, None) => PostmortemState::Waiting,
        (false, None) => PostmortemState::NotRequired,
    }
}

/// The stored milestones.
pub fn milestones_of(incident: &incident::Model) -> Milestones {
    Milestones {
        impact_started_at: incident.impact_started_at,
        detected_at: incident.detected_at,
        acknowledged_at: incident.acknowledged_at,
        mitigated_at: incident.mitigated_at,
        resolved_at: incident.resolved_at,
    }
}

/// The services named by `slugs` (or by their names), refusing unknown ones by name.
pub async fn resolve_services(
    db: &impl ConnectionTrait,
    slugs: &[String],
) -> Result<Vec<service::Model>, AppError> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let found = Service::find()
        .filter(service::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?;
    let missing: Vec<&str> = slugs
        .iter()
        .filter(|slug| !found.iter().any(|s| &s.slug == *slug))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(AppError::field(
            "services",
            &format!(
                "No service with the slug {} in the catalog. Use slugs from the service catalog, separated by commas.",
                missing
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut ordered = found;
    ordered.sort_by_key(|s| slugs.iter().position(|slug| slug == &s.slug));
    Ok(ordered)
}

/// The services of each incident in `ids`, in a map by incident id.
pub async fn service_refs(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<ServiceRef>>, AppError> {
    let mut map: std::collections::HashMap<i64, Vec<ServiceRef>> = Default::default();
    if ids.is_empty() {
        return Ok(map);
    }
    let links = IncidentService::find()
        .filter(incident_service::Column::IncidentId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let service_ids: Vec<i64> = links.iter().map(|l| l.service_id).collect();
    let services = Service::find()
        .filter(service::Column::Id.is_in(service_ids))
        .all(db)
        .await?;
    for link in links {
        if let Some(s) = services.iter().find(|s| s.id == link.service_id) {
            map.entry(link.incident_id).or_default().push(ServiceRef {
                slug: s.slug.clone(),
                name: s.name.clone(),
                runbook_url: s.runbook_url.clone(),
            });
        }
    }
    for refs in map.values_mut() {
        refs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(map)
}

/// Replaces the incident's affected services.
async fn set_services(
    db: &impl ConnectionTrait,
    incident_id: i64,
    opened_at: DateTime<Utc>,
    services: &[service::Model],
) -> Result<(), AppError> {
    IncidentService::delete_many()
        .filter(incident_service::Column::IncidentId.eq(incident_id))
        .exec(db)
        .await?;
    if services.is_empty() {
        return Ok(());
    }
    IncidentService::insert_many(services.iter().map(|s| incident_service::ActiveModel {
        incident_id: Set(incident_id),
        service_id: Set(s.id),
        opened_at: Set(opened_at),
        // The incident's status, severity and times are copied by the database's triggers.
        ..Default::default()
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Keeps the alerts' copy of "is the incident open" in step with the incident.
pub async fn mark_alerts_open(
    db: &impl ConnectionTrait,
    incident_id: i64,
    open: bool,
) -> Result<(), AppError> {
    IncidentAlert::update_many()
        .col_expr(incident_alert::Column::IncidentOpen, Expr::value(open))
        .filter(incident_alert::Column::IncidentId.eq(incident_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Updates the incident only if it is still at `version`.
pub async fn save_versioned(
    db: &impl ConnectionTrait,
    model: incident::ActiveModel,
    id: i64,
    version: i32,
) -> Result<incident::Model, AppError> {
    let result = Incident::update_many()
        .set(model)
        .filter(incident::Column::Id.eq(id))
        .filter(incident::Column::Version.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(stale_edit());
    }
    find(db, id).await
}

/// The status a set of milestones implies when an incident is first recorded.
fn status_from_milestones(m: &Milestones) -> IncidentStatus {
    if m.resolved_at.is_some() {
        IncidentStatus::Resolved
    } else if m.mitigated_at.is_some() {
        IncidentStatus::Monitoring
    } else if m.acknowledged_at.is_some() {
        IncidentStatus::Investigating
    } else {
        IncidentStatus::Triggered
    }
}

/// What an edit changes, in words for the timeline.
fn describe_changes(
    current: &incident::Model,
    draft: &IncidentDraft,
    status: IncidentStatus,
    old_services: &[ServiceRef],
    services: &[service::Model],
) -> Vec<String> {
    let mut changes = Vec::new();
    if current.title != draft.title {
        changes.push(format!("title changed to \"{}\"", draft.title));
    }
    let old_severity = Severity::from_rank(current.severity);
    if old_severity != draft.severity {
        changes.push(format!("severity {old_severity} → {}", draft.severity));
    }
    if current.status != status {
        changes.push(format!("status → {}", status.label()));
    }
    if current.commander != draft.commander {
        changes.push(match draft.commander.as_str() {
            "" => "commander cleared".into(),
            name => format!("commander {name}"),
        });
    }
    if current.summary != draft.summary {
        changes.push("impact summary".into());
    }
    let old: Vec<&str> = old_services.iter().map(|s| s.slug.as_str()).collect();
    let mut old_sorted = old.clone();
    old_sorted.sort_unstable();
    let mut new: Vec<&str> = services.iter().map(|s| s.slug.as_str()).collect();
    new.sort_unstable();
    if old_sorted != new {
        changes.push(format!(
            "services: {}",
            if new.is_empty() {
                "none".to_owned()
            } else {
                new.join(", ")
            }
        ));
    }
    if current.data_loss != draft.data_loss {
        changes.push(format!(
            "data loss {}",
            if draft.data_loss {
                "flagged"
            } else {
                "cleared"
            }
        ));
    }
    if current.escalated != draft.escalated {
        changes.push(format!(
            "escalation {}",
            if draft.escalated {
                "flagged"
            } else {
                "cleared"
            }
        ));
    }
    let before = milestones_of(current);
    for ((_, label, old), (_, _, new)) in before.fields().iter().zip(draft.milestones.fields()) {
        if old.map(to_second) != new.map(to_second) {
            changes.push(match new {
                Some(at) => format!(
                    "{} {}",
                    label.to_lowercase(),
                    at.format("%Y-%m-%d %H:%M UTC")
                ),
                None => format!("{} cleared", label.to_lowercase()),
            });
        }
    }
    changes
}

fn alert_view(alert: incident_alert::Model) -> AlertView {
    let labels: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&alert.labels).unwrap_or_default();
    AlertView {
        title: alert.title,
        state: alert.state,
        fingerprint: alert.fingerprint,
        source_url: alert.source_url,
        starts_at: alert.starts_at,
        ends_at: alert.ends_at,
        receive_count: alert.receive_count,
        labels: labels.into_iter().collect(),
    }
}

pub(crate) fn subject(incident: &incident::Model) -> Subject<'_> {
    Subject {
        entity_type: "incident",
        entity_id: incident.id.to_string(),
        label: &incident.title,
    }
}

fn stale_edit() -> AppError {
    AppError::Conflict(
        "Someone else changed this incident after you opened it. Reload to see their change, then make yours again."
            .into(),
    )
}

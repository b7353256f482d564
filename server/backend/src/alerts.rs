//! Alert intake: applies a parsed monitoring delivery to incidents. A new alert opens an incident
//! (or joins its group's open one), a repeat of an alert already on an open incident only bumps
//! its counters, a re-fire or a resolution appends to the timeline, and a resolution can resolve
//! the incident. An alert whose service is unknown still opens an incident, flagged for triage.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Set, Statement,
};
use serde::Serialize;

use super::AppError;
use super::AppState;
use super::audit::{self, Actor};
use super::entities::incident_alert::{self, Entity as IncidentAlert};
use super::entities::integration::{self, Entity as Integration};
use super::entities::service::{self, Entity as Service};
use super::entities::webhook_delivery::{self, Entity as WebhookDelivery};
use super::incidents::{self, NewIncident, timeline, to_second};
use shared::domain::alerts::{AlertBatch, AlertEvent, AlertSource, AlertState};
use shared::domain::audit::AuditAction;
use shared::domain::{IncidentStatus, Milestones, Severity, TimelineKind};

/// What one delivery did, returned to the sender as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IntakeOutcome {
    /// Incidents opened by this delivery.
    pub opened: Vec<i64>,
    /// Incidents this delivery added timeline entries to.
    pub updated: Vec<i64>,
    /// Incidents this delivery resolved.
    pub resolved: Vec<i64>,
    /// Alerts that only repeated what was already recorded.
    pub duplicates: u32,
    /// Alerts that matched nothing open (e.g. a resolution for an incident already closed).
    pub ignored: u32,
    /// The payload was valid but not understood; it was kept for a person to look at.
    pub flagged: Option<String>,
    /// The sender re-delivered an event already applied (same delivery id); nothing changed.
    pub replayed: bool,
}

/// Applies `batch`, received through `integration` with the raw `body`, in one transaction.
pub async fn ingest(
    state: &AppState,
    integration: &integration::Model,
    batch: AlertBatch,
    body: &[u8],
) -> Result<IntakeOutcome, AppError> {
    let _one_at_a_time = state.intake_lock.lock().await;
    let txn = crate::db::begin_write(&state.db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(7340, $1::int)",
            [i32::try_from(integration.id).unwrap_or(i32::MAX).into()],
        ))
        .await?;
    }
    let now = Utc::now();
    let mut outcome = IntakeOutcome {
        flagged: batch.unknown.clone(),
        ..Default::default()
    };
    if batch.delivery_id.is_some() || batch.unknown.is_some() {
        if let Some(id) = &batch.delivery_id {
            let seen = WebhookDelivery::find()
                .filter(webhook_delivery::Column::IntegrationId.eq(integration.id))
                .filter(webhook_delivery::Column::DeliveryId.eq(id))
                .one(&txn)
                .await?;
            if seen.is_some() {
                return Ok(IntakeOutcome {
                    replayed: true,
                    ..Default::default()
                });
            }
        }
        let flagged = batch.unknown.is_some();
        webhook_delivery::ActiveModel {
            integration_id: Set(integration.id),
            delivery_id: Set(batch.delivery_id.clone()),
            received_at: Set(now),
            outcome: Set(if flagged { "flagged" } else { "processed" }.into()),
            detail: Set(truncate(batch.unknown.as_deref().unwrap_or("applied"), 500)),
            payload: Set(flagged.then(|| String::from_utf8_lossy(body).into_owned())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let intake = Intake {
        state,
        integration,
        source: integration.source,
        actor: Actor::system(&integration.name),
        now,
    };
    for alert in &batch.alerts {
        intake.apply(&txn, alert, &mut outcome).await?;
    }
    Integration::update_many()
        .col_expr(integration::Column::LastDeliveryAt, Expr::value(now))
        .col_expr(
            integration::Column::LastOutcome,
            Expr::value(summary(&outcome, batch.alerts.len())),
        )
        .filter(integration::Column::Id.eq(integration.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(outcome)
}

/// One delivery being applied.
struct Intake<'a> {
    state: &'a AppState,
    integration: &'a integration::Model,
    source: AlertSource,
    actor: Actor,
    now: DateTime<Utc>,
}

impl Intake<'_> {
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        alert: &AlertEvent,
        outcome: &mut IntakeOutcome,
    ) -> Result<(), AppError> {
        let open = self.open_alert(txn, alert).await?;
        match (alert.state, open) {
            (AlertState::Firing, Some(row)) => {
                if row.state == "firing" && row.starts_at == to_second(alert.starts_at) {
                    self.touch(txn, row, None).await?;
                    outcome.duplicates += 1;
                } else {
                    let incident_id = row.incident_id;
                    self.touch(txn, row, Some(alert)).await?;
                    self.entry(txn, incident_id, alert, "Alert fired again")
                        .await?;
                    push_unique(&mut outcome.updated, incident_id);
                }
            }
            (AlertState::Firing | AlertState::Acknowledged, None) => {
                if let Some(incident_id) = self.open_group_incident(txn, alert).await? {
                    self.attach(txn, incident_id, alert).await?;
                    self.entry(txn, incident_id, alert, "Alert firing").await?;
                    push_unique(&mut outcome.updated, incident_id);
                } else {
                    let incident_id = self.open_incident(txn, alert).await?;
                    outcome.opened.push(incident_id);
                }
                if alert.state == AlertState::Acknowledged
                    && let Some(row) = self.open_alert(txn, alert).await?
                {
                    self.acknowledge(txn, row, alert).await?;
                }
            }
            (AlertState::Acknowledged, Some(row)) => {
                let incident_id = row.incident_id;
                self.acknowledge(txn, row, alert).await?;
                push_unique(&mut outcome.updated, incident_id);
            }
            (AlertState::Resolved, Some(row)) if row.state == "resolved" => {
                self.touch(txn, row, None).await?;
                outcome.duplicates += 1;
            }
            (AlertState::Resolved, Some(row)) => {
                let incident_id = row.incident_id;
                let ended = to_second(alert.ends_at.unwrap_or(self.now).min(self.now));
                let mut model: incident_alert::ActiveModel = row.clone().into();
                model.state = Set("resolved".into());
                model.ends_at = Set(Some(ended));
                model.last_received_at = Set(self.now);
                model.receive_count = Set(row.receive_count + 1);
                model.update(txn).await?;
                self.entry(txn, incident_id, alert, "Alert resolved")
                    .await?;
                if self.all_alerts_resolved(txn, incident_id).await? {
                    if self.integration.resolve_with_alert {
                        self.resolve(txn, incident_id, ended).await?;
                        outcome.resolved.push(incident_id);
                    } else {
                        timeline::system_entry(
                            txn,
                            incident_id,
                            TimelineKind::Note,
                            ended,
                            "All alerts have resolved. The incident stays open until someone resolves it.",
                            &self.actor,
                        )
                        .await?;
                    }
                }
                push_unique(&mut outcome.updated, incident_id);
            }
            (AlertState::Note, Some(row)) => {
                let incident_id = row.incident_id;
                self.touch(txn, row, None).await?;
                let body = if alert.description.is_empty() {
                    alert.title.clone()
                } else {
                    alert.description.clone()
                };
                timeline::system_entry(
                    txn,
                    incident_id,
                    TimelineKind::Note,
                    self.clamp(alert.starts_at),
                    &body,
                    &self.actor,
                )
                .await?;
                push_unique(&mut outcome.updated, incident_id);
            }
            (AlertState::Resolved | AlertState::Note, None) => outcome.ignored += 1,
        }
        Ok(())
    }

    /// The alert with this fingerprint on an open incident of this integration.
    async fn open_alert(
        &self,
        txn: &DatabaseTransaction,
        alert: &AlertEvent,
    ) -> Result<Option<incident_alert::Model>, AppError> {
        Ok(IncidentAlert::find()
            .filter(incident_alert::Column::IntegrationId.eq(self.integration.id))
            .filter(incident_alert::Column::Fingerprint.eq(&alert.fingerprint))
            .filter(incident_alert::Column::IncidentOpen.eq(true))
            .order_by_desc(incident_alert::Column::Id)
            .one(txn)
            .await?)
    }

    /// The open incident of an alert's notification group (Alertmanager/Grafana `groupKey`).
    async fn open_group_incident(
        &self,
        txn: &DatabaseTransaction,
        alert: &AlertEvent,
    ) -> Result<Option<i64>, AppError> {
        let Some(group) = &alert.group_key else {
            return Ok(None);
        };
        Ok(IncidentAlert::find()
            .filter(incident_alert::Column::IntegrationId.eq(self.integration.id))
            .filter(incident_alert::Column::GroupKey.eq(group))
            .filter(incident_alert::Column::IncidentOpen.eq(true))
            .order_by_desc(incident_alert::Column::Id)
            .one(txn)
            .await?
            .map(|row| row.incident_id))
    }

    /// Opens an incident for a new alert, with the alert attached and on the timeline.
    async fn open_incident(
        &self,
        txn: &DatabaseTransaction,
        alert: &AlertEvent,
    ) -> Result<i64, AppError> {
        let service = self.service_for(txn, alert).await?;
        let severity = self.severity_for(alert);
        let started = self.clamp(alert.starts_at);
        let (data_loss, escalated) = (false, false);
        let new = NewIncident {
            title: alert.title.clone(),
            severity,
            status: IncidentStatus::Triggered,
            commander: String::new(),
            summary: alert.description.clone(),
            source: self.source.as_str().into(),
            integration_id: Some(self.integration.id),
            fingerprint: Some(alert.fingerprint.clone()),
            runbook_url: alert.runbook_url.clone(),
            service_unknown: service.is_none(),
            data_loss,
            escalated,
            postmortem_required: self
                .state
                .settings
                .postmortem_policy
                .requires(severity, data_loss, escalated),
            opened_at: self.now,
            milestones: Milestones {
                impact_started_at: Some(started),
                detected_at: Some(started),
                ..Default::default()
            },
            created_by: None,
        };
        let services: Vec<service::Model> = service.into_iter().collect();
        let created = incidents::insert(txn, new, &services).await?;
        self.attach(txn, created.id, alert).await?;
        self.entry(txn, created.id, alert, "Alert firing").await?;
        if services.is_empty() {
            timeline::system_entry(
                txn,
                created.id,
                TimelineKind::Note,
                self.now,
                &format!(
                    "No service in the catalog matches this alert (label `{}` = `{}`). Flagged for triage: set the affected service.",
                    self.integration.service_label,
                    self.service_hint(alert).unwrap_or("none")
                ),
                &self.actor,
            )
            .await?;
        }
        audit::record(
            txn,
            &self.actor,
            AuditAction::IncidentOpenedByAlert,
            incidents::subject(&created),
            None,
            Some(&created),
        )
        .await?;
        tracing::info!(id = created.id, fingerprint = %alert.fingerprint, "incident opened by alert");
        Ok(created.id)
    }

    /// Attaches a new alert to an incident.
    async fn attach(
        &self,
        txn: &DatabaseTransaction,
        incident_id: i64,
        alert: &AlertEvent,
    ) -> Result<(), AppError> {
        incident_alert::ActiveModel {
            incident_id: Set(incident_id),
            integration_id: Set(self.integration.id),
            fingerprint: Set(alert.fingerprint.clone()),
            group_key: Set(alert.group_key.clone()),
            state: Set(state_name(alert.state).into()),
            title: Set(alert.title.clone()),
            labels: Set(serde_json::to_string(&alert.labels).unwrap_or_else(|_| "{}".into())),
            source_url: Set(alert.source_url.clone()),
            starts_at: Set(to_second(alert.starts_at)),
            ends_at: Set(None),
            first_received_at: Set(self.now),
            last_received_at: Set(self.now),
            receive_count: Set(1),
            incident_open: Set(true),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok(())
    }

    /// Records another receipt of an alert; with `refire`, it fired again from a new start.
    async fn touch(
        &self,
        txn: &DatabaseTransaction,
        row: incident_alert::Model,
        refire: Option<&AlertEvent>,
    ) -> Result<(), AppError> {
        let count = row.receive_count.saturating_add(1);
        let mut model: incident_alert::ActiveModel = row.into();
        model.last_received_at = Set(self.now);
        model.receive_count = Set(count);
        if let Some(alert) = refire {
            model.state = Set("firing".into());
            model.starts_at = Set(to_second(alert.starts_at));
            model.ends_at = Set(None);
        }
        model.update(txn).await?;
        Ok(())
    }

    /// PagerDuty says someone acknowledged: the incident is being investigated.
    async fn acknowledge(
        &self,
        txn: &DatabaseTransaction,
        row: incident_alert::Model,
        alert: &AlertEvent,
    ) -> Result<(), AppError> {
        let incident_id = row.incident_id;
        let mut model: incident_alert::ActiveModel = row.into();
        model.state = Set("acknowledged".into());
        model.last_received_at = Set(self.now);
        model.update(txn).await?;
        let incident = incidents::find(txn, incident_id).await?;
        if incident.status == IncidentStatus::Triggered {
            let body = format!(
                "Acknowledged in {}; status changed from Triggered to Investigating.",
                self.source.label()
            );
            let at = self.clamp(alert.starts_at);
            incidents::move_to(
                txn,
                &incident,
                IncidentStatus::Investigating,
                at,
                &body,
                &self.actor,
            )
            .await?;
        }
        Ok(())
    }

    /// Resolves the incident at `at` because all its alerts resolved.
    async fn resolve(
        &self,
        txn: &DatabaseTransaction,
        incident_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let incident = incidents::find(txn, incident_id).await?;
        let from = incident.status;
        // Never before the incident's own earlier milestones.
        let at = incidents::milestones_of(&incident)
            .fields()
            .iter()
            .filter_map(|(_, _, t)| *t)
            .fold(at, DateTime::max);
        let body = format!(
            "Status changed from {} to Resolved: every alert has resolved.",
            from.label()
        );
        incidents::move_to(
            txn,
            &incident,
            IncidentStatus::Resolved,
            at,
            &body,
            &self.actor,
        )
        .await?;
        Ok(())
    }

    async fn all_alerts_resolved(
        &self,
        txn: &DatabaseTransaction,
        incident_id: i64,
    ) -> Result<bool, AppError> {
        let unresolved = IncidentAlert::find()
            .filter(incident_alert::Column::IncidentId.eq(incident_id))
            .filter(incident_alert::Column::State.ne("resolved"))
            .one(txn)
            .await?;
        Ok(unresolved.is_none())
    }

    /// An alert entry on the timeline: what fired, its description and a link to its source.
    async fn entry(
        &self,
        txn: &DatabaseTransaction,
        incident_id: i64,
        alert: &AlertEvent,
        what: &str,
    ) -> Result<(), AppError> {
        let mut body = format!("**{what}:** {}", escape_markdown(&alert.title));
        if !alert.description.is_empty() && alert.description != alert.title {
            body.push_str("\n\n");
            body.push_str(&alert.description);
        }
        if let Some(url) = &alert.source_url {
            body.push_str(&format!("\n\n[Open in {}](<{url}>)", self.source.label()));
        }
        let at = match alert.state {
            AlertState::Resolved => alert.ends_at.unwrap_or(self.now),
            _ => alert.starts_at,
        };
        timeline::system_entry(
            txn,
            incident_id,
            TimelineKind::Alert,
            self.clamp(at),
            &body,
            &self.actor,
        )
        .await?;
        Ok(())
    }

    /// The service an alert is about: the integration's fixed one, else the one its label names
    /// (by slug or by name, in any case).
    async fn service_for(
        &self,
        txn: &DatabaseTransaction,
        alert: &AlertEvent,
    ) -> Result<Option<service::Model>, AppError> {
        if let Some(id) = self.integration.service_id {
            return Ok(Service::find_by_id(id).one(txn).await?);
        }
        use sea_orm::sea_query::ExprTrait;
        let Some(hint) = self.service_hint(alert) else {
            return Ok(None);
        };
        let hint = hint.trim().to_lowercase();
        let slug = hint.replace([' ', '_'], "-");
        Ok(Service::find()
            .filter(
                sea_orm::Condition::any()
                    .add(service::Column::Slug.eq(&slug))
                    .add(
                        Expr::expr(Func::lower(Expr::col(service::Column::Name))).eq(hint.clone()),
                    ),
            )
            .one(txn)
            .await?)
    }

    fn service_hint<'b>(&self, alert: &'b AlertEvent) -> Option<&'b str> {
        alert
            .labels
            .get(&self.integration.service_label)
            .or(alert.service_hint.as_ref())
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The severity the alert's label names; PagerDuty's priority, then urgency; else SEV3.
    fn severity_for(&self, alert: &AlertEvent) -> Severity {
        [
            self.integration.severity_label.as_str(),
            "priority",
            "urgency",
        ]
        .iter()
        .filter_map(|label| alert.labels.get(*label))
        .find_map(|value| Severity::from_alert_label(value))
        .unwrap_or(Severity::Sev3)
    }

    /// Alert times from a sender whose clock runs ahead are taken as now.
    fn clamp(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        to_second(at.min(self.now))
    }
}

fn state_name(state: AlertState) -> &'static str {
    match state {
        AlertState::Firing | AlertState::Note => "firing",
        AlertState::Acknowledged => "acknowledged",
        AlertState::Resolved => "resolved",
    }
}

fn push_unique(ids: &mut Vec<i64>, id: i64) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

/// The line stored as the integration's last outcome.
fn summary(outcome: &IntakeOutcome, alerts: usize) -> String {
    let mut text = format!(
        "{alerts} alert(s): {} opened, {} updated, {} resolved, {} repeated, {} ignored",
        outcome.opened.len(),
        outcome.updated.len(),
        outcome.resolved.len(),
        outcome.duplicates,
        outcome.ignored
    );
    if let Some(flag) = &outcome.flagged {
        text.push_str("; flagged: ");
        text.push_str(flag);
    }
    truncate(&text, 500)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Alert titles are plain text: keep Markdown from reading them as formatting or links.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_cannot_inject_markdown() {
        assert_eq!(
            escape_markdown("[x](javascript:1) *y*"),
            "\\[x\\](javascript:1) \\*y\\*"
        );
    }

    #[test]
    fn the_outcome_summary_reads_as_a_sentence() {
        let outcome = IntakeOutcome {
            opened: vec![1],
            duplicates: 2,
            ..Default::default()
        };
        assert_eq!(
            summary(&outcome, 3),
            "3 alert(s): 1 opened, 0 updated, 0 resolved, 2 repeated, 0 ignored"
        );
    }
}

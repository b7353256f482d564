//! Demo incidents for a first look: a handful across the demo services, in different states,
//! with timelines, so the list, the durations and the postmortem policy have something to show.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::AppError;
use super::audit::Actor;
use super::entities::service::{self, Entity as Service};
use super::incidents::{self, NewIncident, timeline};
use shared::domain::{IncidentStatus, Milestones, PostmortemPolicy, Severity, TimelineKind};

struct Demo {
    title: &'static str,
    severity: Severity,
    status: IncidentStatus,
    services: &'static [&'static str],
    summary: &'static str,
    data_loss: bool,
    /// Minutes after impact start: detected, acknowledged, mitigated, resolved.
    minutes: [Option<i64>; 4],
    /// How long ago impact started.
    days_ago: i64,
    /// Minutes after impact start, kind, text.
    timeline: &'static [(i64, TimelineKind, &'static str)],
}

fn demos() -> Vec<Demo> {
    use IncidentStatus::*;
    use TimelineKind::*;
    vec![
        Demo {
            title: "Card payments declined with 502 from the processor",
            severity: Severity::Sev1,
            status: Resolved,
            services: &["payments-api", "ledger"],
            summary: "About **18% of card payments** failed for 88 minutes. Customers saw \"payment declined\"; \
                      no money moved for failed attempts.",
            data_loss: false,
            minutes: [Some(7), Some(9), Some(46), Some(88)],
            days_ago: 3,
            timeline: &[
                (
                    -12,
                    Change,
                    "Deployed payments-api v2.41 (new TLS settings for the processor client).",
                ),
                (
                    7,
                    Alert,
                    "**Alert firing:** payments-api is returning 5xx for 18% of requests",
                ),
                (
                    15,
                    Action,
                    "Compared error rates per processor region: only the EU endpoint fails.",
                ),
                (
                    46,
                    Action,
                    "Rolled back payments-api to v2.40; error rate back to baseline.",
                ),
            ],
        },
        Demo {
            title: "Order e-mails delayed by up to 40 minutes",
            severity: Severity::Sev2,
            status: Monitoring,
            services: &["notifications"],
            summary: "Order confirmations arrive late; nothing is lost, the queue drains slowly.",
            data_loss: false,
            minutes: [Some(20), Some(25), Some(70), None],
            days_ago: 0,
            timeline: &[
                (
                    20,
                    Alert,
                    "**Alert firing:** notifications queue age above 15 minutes",
                ),
                (40, Action, "Doubled the e-mail workers."),
            ],
        },
        Demo {
            title: "Checkout page blank for Safari users",
            severity: Severity::Sev2,
            status: Resolved,
            services: &["checkout-web"],
            summary: "Safari 17 users saw an empty checkout page after a bundler upgrade.",
            data_loss: false,
            minutes: [Some(35), Some(38), Some(60), Some(75)],
            days_ago: 20,
            timeline: &[(
                35,
                Note,
                "Support reports several Safari customers unable to pay.",
            )],
        },
        Demo {
            title: "Search autocomplete slow (p99 above 3 s)",
            severity: Severity::Sev3,
            status: Resolved,
            services: &["search"],
            summary: "Autocomplete lagged during a re-index; search results were fine.",
            data_loss: false,
            minutes: [Some(4), Some(6), Some(30), Some(31)],
            days_ago: 10,
            timeline: &[],
        },
        Demo {
            title: "Search autocomplete slow again (p99 above 3 s)",
            severity: Severity::Sev3,
            status: Resolved,
            services: &["search"],
            summary: "Autocomplete lagged while the catalog re-indexed, like last time.",
            data_loss: false,
            minutes: [Some(3), Some(5), Some(22), Some(25)],
            days_ago: 6,
            timeline: &[],
        },
        Demo {
            title: "Search autocomplete slow during re-index",
            severity: Severity::Sev3,
            status: Resolved,
            services: &["search"],
            summary: "p99 of autocomplete above 3 s for 20 minutes during the nightly re-index.",
            data_loss: false,
            minutes: [Some(5), Some(8), Some(18), Some(20)],
            days_ago: 2,
            timeline: &[],
        },
        Demo {
            title: "Nightly reconciliation found 3 unmatched ledger entries",
            severity: Severity::Sev4,
            status: Investigating,
            services: &["ledger"],
            summary: "Three refunds have no matching ledger entry.",
            data_loss: true,
            minutes: [Some(300), Some(320), None, None],
            days_ago: 1,
            timeline: &[],
        },
    ]
}

/// Adds the demo incidents (their services must exist already).
pub async fn seed(db: &impl ConnectionTrait, actor: &Actor) -> Result<usize, AppError> {
    let policy = PostmortemPolicy::default();
    let now = incidents::to_second(Utc::now());
    let demos = demos();
    for demo in &demos {
        let started = now - Duration::days(demo.days_ago) - Duration::hours(2);
        let at = |minutes: Option<i64>| minutes.map(|m| started + Duration::minutes(m));
        let [detected, acknowledged, mitigated, resolved] = demo.minutes;
        let services = Service::find()
            .filter(service::Column::Slug.is_in(demo.services.iter().copied()))
            .all(db)
            .await?;
        let created = incidents::insert(
            db,
            NewIncident {
                title: demo.title.into(),
                severity: demo.severity,
                status: demo.status,
                commander: "Mo Member".into(),
                summary: demo.summary.into(),
                source: "person".into(),
                integration_id: None,
                fingerprint: None,
                runbook_url: None,
                service_unknown: false,
                data_loss: demo.data_loss,
                escalated: false,
                postmortem_required: policy.requires(demo.severity, demo.data_loss, false),
                opened_at: at(detected).unwrap_or(started),
                milestones: Milestones {
                    impact_started_at: Some(started),
                    detected_at: at(detected),
                    acknowledged_at: at(acknowledged),
                    mitigated_at: at(mitigated),
                    resolved_at: at(resolved),
                },
                created_by: None,
            },
            &services,
        )
        .await?;
        for (minutes, kind, body) in demo.timeline {
            timeline::system_entry(
                db,
                created.id,
                *kind,
                started + Duration::minutes(*minutes),
                body,
                actor,
            )
            .await?;
        }
        if let Some(resolved) = at(resolved) {
            timeline::system_entry(
                db,
                created.id,
                TimelineKind::StatusChange,
                resolved,
                "Status changed to Resolved.",
                actor,
            )
            .await?;
        }
    }
    Ok(demos.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_incident_has_its_milestones_in_order() {
        for demo in super::demos() {
            let known: Vec<i64> = demo.minutes.iter().flatten().copied().collect();
            assert!(known.windows(2).all(|w| w[0] <= w[1]), "{}", demo.title);
        }
    }
}

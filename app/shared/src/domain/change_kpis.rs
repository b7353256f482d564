//! The change gate's KPIs over a period: how changes went through the gate (auto-approved,
//! reviewed, denied, emergency), whether its risk classification predicts failure (the change
//! failure rate by kind and by route), the share with automated validations, how long changes
//! waited for a review, and the lead time from report to deployment.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::change::{ChangeKind, Check, CheckStatus, Decision, ReviewOutcome};
use super::metrics::{Summary, change_failure_rate, summarise};

/// One change as the KPIs read it.
#[derive(Clone, Debug, PartialEq)]
pub struct GatedChange {
    pub kind: ChangeKind,
    pub decision: Decision,
    pub review: Option<ReviewOutcome>,
    pub checks: Vec<Check>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Its first deployment, if it was deployed.
    pub deployed_at: Option<DateTime<Utc>>,
    /// A deployment of it was linked to an incident.
    pub failed: bool,
}

/// How a change went through the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    AutoApproved,
    Approved,
    Rejected,
    AwaitingReview,
    Denied,
    Emergency,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Route::AutoApproved,
        Route::Approved,
        Route::Rejected,
        Route::AwaitingReview,
        Route::Denied,
        Route::Emergency,
    ];

    pub fn of(change: &GatedChange) -> Self {
        Self::taken(change.kind, change.decision, change.review)
    }

    /// The route of a change of `kind` the gate decided `decision`, reviewed with `review`.
    pub fn taken(kind: ChangeKind, decision: Decision, review: Option<ReviewOutcome>) -> Self {
        if kind == ChangeKind::Emergency {
            return Route::Emergency;
        }
        match (decision, review) {
            (Decision::Allow, _) => Route::AutoApproved,
            (Decision::Review, Some(ReviewOutcome::Approved)) => Route::Approved,
            (Decision::Review, Some(ReviewOutcome::Rejected)) => Route::Rejected,
            (Decision::Review, None) => Route::AwaitingReview,
            (Decision::Deny, _) => Route::Denied,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::AutoApproved => "Auto-approved",
            Route::Approved => "Reviewed, approved",
            Route::Rejected => "Reviewed, rejected",
            Route::AwaitingReview => "Awaiting review",
            Route::Denied => "Denied",
            Route::Emergency => "Emergency",
        }
    }

    /// The key in `/metrics` labels.
    pub fn key(self) -> &'static str {
        match self {
            Route::AutoApproved => "auto_approved",
            Route::Approved => "approved",
            Route::Rejected => "rejected",
            Route::AwaitingReview => "awaiting_review",
            Route::Denied => "denied",
            Route::Emergency => "emergency",
        }
    }
}

/// True when the change carries evidence of automated validation: checks, all passed (skipped
/// ones aside) and at least one of them run.
pub fn validated(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == CheckStatus::Success)
        && checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Success | CheckStatus::Skipped))
}

/// Changes, deployed and failed in one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GateRow {
    pub label: String,
    /// The key in `/metrics` labels.
    pub key: String,
    pub changes: u64,
    pub deployed: u64,
    pub failed: u64,
    /// Failed of deployed.
    pub failure_rate: Option<f64>,
}

/// The gate's KPIs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GateFigures {
    pub changes: u64,
    /// Changes with automated validations (checks present and passing), and their share.
    pub validated: u64,
    pub validated_share: Option<f64>,
    pub auto_approved: u64,
    /// Sent to a person by the policy (emergency changes aside).
    pub reviewed: u64,
    pub emergency: u64,
    /// Standard and normal changes.
    pub planned: u64,
    /// From report to review, of reviewed changes (seconds).
    pub review_wait: Summary,
    /// From report to first deployment, of deployed changes (seconds).
    pub lead_time: Summary,
    pub by_kind: Vec<GateRow>,
    pub by_route: Vec<GateRow>,
}

fn row<'a>(label: &str, key: &str, changes: impl Iterator<Item = &'a GatedChange>) -> GateRow {
    let mut row = GateRow {
        label: label.to_owned(),
        key: key.to_owned(),
        ..GateRow::default()
    };
    for c in changes {
        row.changes += 1;
        if c.deployed_at.is_some() {
            row.deployed += 1;
            row.failed += u64::from(c.failed);
        }
    }
    row.failure_rate = change_failure_rate(row.deployed, row.failed);
    row
}

/// The KPIs of `changes`.
pub fn gate_figures(changes: &[GatedChange]) -> GateFigures {
    let n = changes.len() as u64;
    let validated = changes.iter().filter(|c| validated(&c.checks)).count() as u64;
    let routes: Vec<Route> = changes.iter().map(Route::of).collect();
    let count = |route: Route| routes.iter().filter(|r| **r == route).count() as u64;
    let waits: Vec<i64> = changes
        .iter()
        .filter_map(|c| {
            c.reviewed_at
                .map(|at| (at - c.created_at).num_seconds().max(0))
        })
        .collect();
    let leads: Vec<i64> = changes
        .iter()
        .filter_map(|c| {
            c.deployed_at
                .map(|at| (at - c.created_at).num_seconds().max(0))
        })
        .collect();
    GateFigures {
        changes: n,
        validated,
        validated_share: (n > 0).then(|| validated as f64 / n as f64),
        auto_approved: count(Route::AutoApproved),
        reviewed: changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Emergency && c.decision == Decision::Review)
            .count() as u64,
        emergency: count(Route::Emergency),
        planned: n - count(Route::Emergency),
        review_wait: summarise(&waits),
        lead_time: summarise(&leads),
        by_kind: ChangeKind::ALL
            .iter()
            .map(|k| {
                row(
                    k.label(),
                    k.as_str(),
                    changes.iter().filter(|c| c.kind == *k),
                )
            })
            .collect(),
        by_route: Route::ALL
            .iter()
            .map(|r| {
                row(
                    r.label(),
                    r.key(),
                    changes
                        .iter()
                        .zip(&routes)
                        .filter(|(_, x)| *x == r)
                        .map(|(c, _)| c),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn change(kind: ChangeKind, decision: Decision, review: Option<ReviewOutcome>) -> GatedChange {
        GatedChange {
            kind,
            decision,
            review,
            checks: vec![Check {
                name: "unit tests".into(),
                status: CheckStatus::Success,
                url: None,
            }],
            created_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            reviewed_at: None,
            deployed_at: None,
            failed: false,
        }
    }

    #[test]
    fn evidence_counts_only_when_it_ran_and_passed() {
        let check = |status| Check {
            name: "x".into(),
            status,
            url: None,
        };
        assert!(validated(&[
            check(CheckStatus::Success),
            check(CheckStatus::Skipped)
        ]));
        assert!(!validated(&[]));
        assert!(!validated(&[check(CheckStatus::Skipped)]));
        assert!(!validated(&[
            check(CheckStatus::Success),
            check(CheckStatus::Failure)
        ]));
        assert!(!validated(&[check(CheckStatus::Pending)]));
    }

    #[test]
    fn the_figures_say_whether_the_gate_predicts_failure() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let mut auto = change(ChangeKind::Normal, Decision::Allow, None);
        auto.deployed_at = Some(at + Duration::minutes(30));
        let mut auto_failed = auto.clone();
        auto_failed.failed = true;
        auto_failed.deployed_at = Some(at + Duration::minutes(90));
        let mut approved = change(
            ChangeKind::Normal,
            Decision::Review,
            Some(ReviewOutcome::Approved),
        );
        approved.reviewed_at = Some(at + Duration::minutes(20));
        approved.deployed_at = Some(at + Duration::minutes(60));
        let mut rejected = change(
            ChangeKind::Standard,
            Decision::Review,
            Some(ReviewOutcome::Rejected),
        );
        rejected.reviewed_at = Some(at + Duration::minutes(40));
        rejected.checks.clear();
        let emergency = change(ChangeKind::Emergency, Decision::Allow, None);
        let denied = change(ChangeKind::Normal, Decision::Deny, None);
        let figures = gate_figures(&[auto, auto_failed, approved, rejected, emergency, denied]);
        assert_eq!(figures.changes, 6);
        assert_eq!(
            (figures.validated, figures.validated_share),
            (5, Some(5.0 / 6.0))
        );
        assert_eq!((figures.auto_approved, figures.reviewed), (2, 2));
        assert_eq!((figures.emergency, figures.planned), (1, 5));
        assert_eq!(figures.review_wait.count, 2);
        assert_eq!(figures.review_wait.median, Some(30.0 * 60.0));
        assert_eq!(figures.lead_time.median, Some(60.0 * 60.0));
        let auto = &figures.by_route[0];
        assert_eq!(
            (
                auto.label.as_str(),
                auto.changes,
                auto.deployed,
                auto.failed
            ),
            ("Auto-approved", 2, 2, 1)
        );
        assert_eq!(auto.failure_rate, Some(0.5));
        let approved = figures
            .by_route
            .iter()
            .find(|r| r.key == "approved")
            .unwrap();
        assert_eq!(approved.failure_rate, Some(0.0));
        let normal = figures.by_kind.iter().find(|r| r.key == "normal").unwrap();
        assert_eq!((normal.changes, normal.deployed, normal.failed), (4, 3, 1));
        let standard = figures
            .by_kind
            .iter()
            .find(|r| r.key == "standard")
            .unwrap();
        assert_eq!(standard.failure_rate, None);
    }
}

//! Demo changes for the change pages: a few reports as pipelines send them, decided by the
//! default policy against the demo's own incidents and action items (so the decisions are real),
//! some reviewed by the demo problem manager and some left in the review queue.

use chrono::{Duration, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, Set};

use super::AppError;
use super::audit::Actor;
use super::changes::{gate, records};
use super::entities::change::{self, Entity as Change};
use shared::domain::change::{ChangeReport, PullRequestRef, ReportedCheck, ReviewOutcome};

/// One demo report: service, hours ago, commit, kind, title, paths, checks (name, status), and
/// the review the problem manager gave it, if any.
struct Demo {
    service: &'static str,
    hours_ago: i64,
    commit: &'static str,
    kind: &'static str,
    title: &'static str,
    paths: &'static [&'static str],
    checks: &'static [(&'static str, &'static str)],
    review: Option<(ReviewOutcome, &'static str)>,
}

const PASSING: &[(&str, &str)] = &[("unit tests", "success"), ("security scan", "success")];

const DEMOS: &[Demo] = &[
    Demo {
        service: "search",
        hours_ago: 70,
        commit: "5ea2c4f1d09b",
        kind: "standard",
        title: "Document the reindex runbook",
        paths: &["docs/runbooks/reindex.md"],
        checks: PASSING,
        review: None,
    },
    Demo {
        service: "notifications",
        hours_ago: 52,
        commit: "77b1e0c9a3d4",
        kind: "normal",
        title: "Bump the SMTP client",
        paths: &["Cargo.toml", "Cargo.lock"],
        checks: &[("unit tests", "success"), ("security scan", "failure")],
        review: Some((
            ReviewOutcome::Rejected,
            "The scan flags the new TLS dependency; wait for the patched release.",
        )),
    },
    Demo {
        service: "ledger",
        hours_ago: 30,
        commit: "c0ffee4b1d2a",
        kind: "normal",
        title: "Add an index on ledger entries",
        paths: &["migrations/0042_ledger_entries_index.sql", "src/entries.rs"],
        checks: PASSING,
        review: Some((
            ReviewOutcome::Approved,
            "Built concurrently; checked the plan on a copy of production.",
        )),
    },
    Demo {
        service: "checkout-web",
        hours_ago: 6,
        commit: "e1f2a3b4c5d6",
        kind: "emergency",
        title: "Hotfix: restore the Safari payment button",
        paths: &["src/payment/button.tsx"],
        checks: &[("unit tests", "success")],
        review: None,
    },
    Demo {
        service: "ledger",
        hours_ago: 2,
        commit: "a9b8c7d6e5f4",
        kind: "normal",
        title: "Split the balances table",
        paths: &["migrations/0043_split_balances.sql", "src/balances.rs"],
        checks: PASSING,
        review: None,
    },
];

/// Adds the demo changes; returns how many.
pub async fn seed(db: &DatabaseConnection) -> Result<usize, AppError> {
    let pipeline = Actor::system("ci@demo.example (change gate)");
    let reviewer = Actor::system("pm@demo.example");
    for demo in DEMOS {
        let report = ChangeReport {
            service: demo.service.into(),
            commit: demo.commit.into(),
            kind: Some(demo.kind.into()),
            branch: Some("main".into()),
            title: Some(demo.title.into()),
            author: Some("mo-octo".into()),
            pull_request: Some(PullRequestRef {
                number: 100 + demo.hours_ago.unsigned_abs(),
                url: None,
            }),
            paths: demo.paths.iter().map(|p| (*p).to_owned()).collect(),
            checks: demo
                .checks
                .iter()
                .map(|(name, status)| ReportedCheck {
                    name: (*name).into(),
                    status: (*status).into(),
                    url: None,
                })
                .collect(),
            ..Default::default()
        };
        let draft = report.check().map_err(AppError::Validation)?;
        let (row, _) = gate::decide_and_store(
            db,
            &draft,
            &pipeline,
            shared::domain::change::Decision::Review,
        )
        .await?;
        let at = Utc::now() - Duration::hours(demo.hours_ago);
        Change::update(change::ActiveModel {
            id: Set(row.id),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec(db)
        .await?;
        if let Some((outcome, comment)) = demo.review {
            // Only a change the policy sent to review (or an emergency one) can be reviewed.
            match records::review(db, &reviewer, row.id, outcome, comment).await {
                Ok(_) | Err(AppError::Conflict(_)) => {}
                Err(error) => return Err(error),
            }
        }
    }
    guardrail_and_freeze(db, &reviewer).await?;
    Ok(DEMOS.len())
}

/// What the demo postmortem learned, as a guardrail on checkout-web until its WebKit pipeline
/// test is verified, and a freeze window planned for the year-end peak. Added after the demo
/// changes, whose decisions stay as described above.
async fn guardrail_and_freeze(db: &DatabaseConnection, by: &Actor) -> Result<(), AppError> {
    use super::changes::guardrails;
    use super::entities::action_item::{self, Entity as ActionItem};
    use sea_orm::{ColumnTrait, QueryFilter};
    use shared::domain::guardrail::{
        FreezeDraft, GuardrailDraft, GuardrailSource, GuardrailTemplate,
    };
    let Some(item) = ActionItem::find()
        .filter(
            action_item::Column::Title.eq("Run the checkout smoke test in WebKit on every merge"),
        )
        .one(db)
        .await?
    else {
        return Ok(());
    };
    guardrails::add(
        db,
        by,
        &GuardrailDraft {
            source: GuardrailSource::ActionItem,
            source_id: item.id,
            service: "checkout-web".into(),
            template: GuardrailTemplate::PathsNeedReview,
            parameter: "web/bundler/".into(),
            until_verified: true,
        },
    )
    .await?;
    let start = (Utc::now() + Duration::days(20))
        .date_naive()
        .and_hms_opt(0, 0, 0);
    if let Some(start) = start.map(|s| s.and_utc()) {
        guardrails::add_freeze(
            db,
            by,
            &FreezeDraft {
                service: None,
                reason: "Year-end trading peak".into(),
                starts_at: start,
                ends_at: start + Duration::days(3),
            },
        )
        .await?;
    }
    Ok(())
}

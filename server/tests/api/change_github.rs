//! The change gate on GitHub, against the fake: a pull request opened on a service's repository
//! becomes the change of its head commit (paths from its files), the decision goes back as the
//! commit status `postmortem/change-gate`, and approving the change flips the status to success.

use std::time::Duration;

use backend::entities::change;
use github_fake::Pull;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use shared::domain::change::{Decision, ReviewOutcome};

use app::api::changes::{GetChange, ReviewChange};

use crate::github::{REPO, SECRET, setup};
use crate::helpers::{Engine, TestApp, done};
use crate::on_both_engines;

on_both_engines!(a_pull_request_is_gated_and_its_status_flips_when_approved);

fn pull(number: u64, sha: &str, files: &[&str], labels: &[&str]) -> Pull {
    Pull {
        number,
        title: format!("Pull request {number}"),
        head_sha: sha.to_owned(),
        head_ref: format!("feature-{number}"),
        author: "octocat".into(),
        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        files: files.iter().map(|f| (*f).to_owned()).collect(),
    }
}

async fn change_of(app: &TestApp, sha: &str) -> change::Model {
    change::Entity::find()
        .filter(change::Column::CommitSha.eq(sha))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no change for {sha}"))
}

/// The newest gate status on `sha` once it is `state` (the worker posts it in the background).
async fn status_becomes(
    fake: &github_fake::FakeGitHub,
    sha: &str,
    state: &str,
) -> github_fake::CommitStatus {
    for _ in 0..100 {
        if let Some(newest) = fake.statuses(REPO, sha).into_iter().next()
            && newest.state == state
        {
            return newest;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the status of {sha} never became {state}: {:?}",
        fake.statuses(REPO, sha)
    );
}

async fn a_pull_request_is_gated_and_its_status_flips_when_approved(engine: Engine) {
    let s = setup(engine, &[], true).await;
    s.fake
        .set_webhook_target(&s.app.url("/hooks/github"), SECRET);
    // The setup's incident is over: nothing open denies the service's changes.
    s.app
        .db
        .execute_unprepared("UPDATE incidents SET status = 'resolved'")
        .await
        .unwrap();

    // A migration asks for a review: the pull request's status waits.
    let sha = "abc1234def5678";
    let delivered = s
        .fake
        .open_pull(
            REPO,
            pull(7, sha, &["migrations/0042_index.sql", "src/cart.rs"], &[]),
            "opened",
        )
        .await;
    assert_eq!(delivered, Some(200));
    let row = change_of(&s.app, sha).await;
    assert_eq!(row.decision, Decision::Review);
    assert_eq!(row.repository.as_deref(), Some(REPO));
    assert_eq!(row.pull_request, Some(7));
    let view = done(&s.app, &s.admin, &GetChange { id: row.id }).await;
    assert_eq!(view.paths, ["migrations/0042_index.sql", "src/cart.rs"]);
    assert_eq!(view.branch, "feature-7");
    let pending = status_becomes(&s.fake, sha, "pending").await;
    assert_eq!(pending.context, "postmortem/change-gate");
    assert!(
        pending
            .target_url
            .as_deref()
            .is_some_and(|u| u.ends_with(&format!("/changes/{}", row.id))),
        "{pending:?}"
    );
    assert!(
        pending
            .description
            .unwrap_or_default()
            .starts_with("Waiting for a review")
    );

    // The same head delivered again is the same change.
    assert_eq!(
        s.fake
            .open_pull(
                REPO,
                pull(7, sha, &["migrations/0042_index.sql"], &[]),
                "synchronize"
            )
            .await,
        Some(200)
    );
    assert_eq!(
        change::Entity::find()
            .filter(change::Column::PullRequest.eq(7))
            .count(&s.app.db)
            .await
            .unwrap(),
        1
    );

    // A reviewer approves: the status turns to success.
    done(
        &s.app,
        &s.admin,
        &ReviewChange {
            id: row.id,
            outcome: ReviewOutcome::Approved,
            comment: "Checked the plan.".into(),
        },
    )
    .await;
    let success = status_becomes(&s.fake, sha, "success").await;
    assert!(
        success
            .description
            .unwrap_or_default()
            .starts_with("Approved by")
    );

    // A new push is a new change, decided again; an emergency label lets it through at once.
    let hotfix = "fedcba9876543";
    s.fake
        .open_pull(
            REPO,
            pull(7, hotfix, &["src/cart.rs"], &["emergency"]),
            "synchronize",
        )
        .await;
    let row = change_of(&s.app, hotfix).await;
    assert_eq!(row.decision, Decision::Allow);
    let allowed = status_becomes(&s.fake, hotfix, "success").await;
    assert!(
        allowed
            .description
            .unwrap_or_default()
            .contains("emergency")
    );

    // Pull requests of repositories no service has, and closed ones, make no change.
    s.fake.add_repository("acme/elsewhere", true);
    s.fake
        .open_pull(
            "acme/elsewhere",
            pull(1, "1111111aaaa", &["src/a.rs"], &[]),
            "opened",
        )
        .await;
    s.fake
        .open_pull(REPO, pull(9, "2222222bbbb", &["src/a.rs"], &[]), "closed")
        .await;
    assert_eq!(change::Entity::find().count(&s.app.db).await.unwrap(), 2);
}

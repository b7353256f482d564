//! The sync worker: takes one due job at a time under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so several instances never take the same job), sends the item's issue to GitHub
//! at the configured pace, and records the outcome. After an unknown outcome it looks the item's
//! marker up before creating anything, so a job run twice never makes two issues.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::client::{GitHubApi, GitHubError, RemoteIssue, Repo};
use super::outbox::{self, NO_REPOSITORY};
use crate::entities::github_issue::{self, Entity as GithubIssue};
use crate::entities::github_repository::{self, Entity as GithubRepository};
use crate::entities::sync_job::{self, Entity as SyncJob};
use crate::{AppError, AppState};
use shared::domain::github::{
    self as rules, ACTION_LABEL, IssueDraft, PIPELINE_TEST_LABEL, RateLimit, TRACKING_MARKER,
};
use shared::domain::postmortem::ActionKind;

/// How long a taken job stays reserved for its worker without a renewal. The worker renews it
/// every [`LEASE_RENEWAL`] while the job runs, so a job however slow stays its own, and the job of
/// a worker that crashed (kill -9, a lost machine) is free for another within a minute.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// How often a running job's lease is renewed.
const LEASE_RENEWAL: Duration = Duration::from_secs(20);
/// How often an idle worker looks for due jobs (it is also woken when one is written).
const POLL: Duration = Duration::from_secs(2);
/// How far back a marker lookup reads, before the job's first attempt.
const LOOKUP_MARGIN: chrono::Duration = chrono::Duration::minutes(10);

/// Keeps writes at least `pace` apart.
#[derive(Debug)]
pub struct Pacer {
    pace: Duration,
    last: Option<Instant>,
}

impl Pacer {
    pub fn new(pace_ms: i64) -> Self {
        Self {
            pace: Duration::from_millis(pace_ms.max(0) as u64),
            last: None,
        }
    }

    /// Waits until the next write may go.
    pub async fn before_write(&mut self) {
        if let Some(last) = self.last {
            let next = last + self.pace;
            if next > Instant::now() {
                tokio::time::sleep_until(next.into()).await;
            }
        }
        self.last = Some(Instant::now());
    }
}

/// What one pass found.
#[derive(Debug, PartialEq, Eq)]
pub enum Pass {
    /// No job is due (or GitHub is not connected).
    Idle,
    Done,
    Failed,
    /// GitHub asked to wait until then before any write.
    Paused(DateTime<Utc>),
}

/// Runs the worker until the task is dropped.
pub async fn run(state: AppState) {
    let owner = format!("worker-{:016x}", rand::random::<u64>());
    let mut pacer: Option<(i64, Pacer)> = None;
    loop {
        if let Err(error) = post_change_statuses(&state).await {
            tracing::warn!(%error, "the change gate's commit statuses could not be posted");
        }
        let outcome = run_once(&state, &owner, &mut pacer).await;
        if !matches!(outcome, Ok(Pass::Idle)) {
            // A job ran, at least in part: its item's sync state (shown on pages) may have changed.
            state.live.wrote(&state.db).await;
        }
        let pass = match outcome {
            Ok(pass) => pass,
            Err(error) => {
                tracing::warn!(%error, "the GitHub sync worker could not run a job");
                Pass::Idle
            }
        };
        match pass {
            Pass::Done | Pass::Failed => continue,
            Pass::Paused(until) => {
                let wait = (until - Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
            }
            Pass::Idle => {
                let _ = tokio::time::timeout(POLL, state.github.wake.notified()).await;
            }
        }
    }
}

/// Posts the commit statuses the change gate owes pull requests (see `changes::github`).
pub async fn post_change_statuses(state: &AppState) -> Result<usize, AppError> {
    if !crate::changes::github::any_due(&state.db).await? {
        return Ok(0);
    }
    let Some(connection) = super::connection::load(&state.db).await? else {
        return Ok(0);
    };
    let client = match super::connection::client_for(&connection, state.github.timeout) {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%error, "no GitHub client for the change gate's statuses");
            return Ok(0);
        }
    };
    crate::changes::github::post_due(
        &state.db,
        client.as_ref(),
        state.settings.public_base_url.as_str(),
        Duration::from_millis(connection.write_pace_ms.max(0) as u64),
    )
    .await
}

/// Takes and runs one due job, if any. `pacer` keeps the pace across calls.
pub async fn run_once(
    state: &AppState,
    owner: &str,
    pacer: &mut Option<(i64, Pacer)>,
) -> Result<Pass, AppError> {
    let Some(connection) = super::connection::load(&state.db).await? else {
        return Ok(Pass::Idle);
    };
    let Some(job) = claim(&state.db, owner).await? else {
        return Ok(Pass::Idle);
    };
    if pacer
        .as_ref()
        .is_none_or(|(pace, _)| *pace != connection.write_pace_ms)
    {
        *pacer = Some((
            connection.write_pace_ms,
            Pacer::new(connection.write_pace_ms),
        ));
    }
    let pacer = &mut pacer.as_mut().expect("set above").1;
    let client = match super::connection::client_for(&connection, state.github.timeout) {
        Ok(client) => client,
        Err(error) => return fail(state, &job, None, error).await,
    };
    let mut run = Run {
        state,
        client,
        pacer,
        job: &job,
    };
    let outcome = {
        let sync = run.sync();
        tokio::pin!(sync);
        let mut renewal = tokio::time::interval(LEASE_RENEWAL);
        renewal.tick().await;
        loop {
            tokio::select! {
                outcome = &mut sync => break outcome,
                _ = renewal.tick() => {
                    if let Err(error) = renew_lease(&state.db, &job, owner).await {
                        tracing::warn!(%error, job = job.id, "could not renew a sync job's lease");
                    }
                }
            }
        }
    };
    match outcome {
        Ok(Outcome::Synced { repository }) => {
            finish(&state.db, &job, owner, None).await?;
            announce(state, job.action_item_id, repository.as_deref()).await?;
            Ok(Pass::Done)
        }
        Ok(Outcome::Gone) => {
            finish(&state.db, &job, owner, None).await?;
            Ok(Pass::Done)
        }
        Ok(Outcome::NoRepository) => {
            finish(&state.db, &job, owner, Some(NO_REPOSITORY)).await?;
            outbox::log(
                &state.db,
                Some(job.action_item_id),
                None,
                true,
                NO_REPOSITORY,
            )
            .await?;
            announce(state, job.action_item_id, None).await?;
            Ok(Pass::Done)
        }
        Err(Failure::GitHub(repository, error)) => {
            fail(state, &job, repository.as_deref(), error).await
        }
        Err(Failure::App(error)) => {
            release(&state.db, &job).await?;
            Err(error)
        }
    }
}

/// Reserves the oldest due job for `owner`.
async fn claim(
    db: &sea_orm::DatabaseConnection,
    owner: &str,
) -> Result<Option<sync_job::Model>, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let job = SyncJob::find()
        .filter(sync_job::Column::DoneAt.is_null())
        .filter(sync_job::Column::ParkedAt.is_null())
        .filter(sync_job::Column::RunAfter.lte(now))
        .filter(
            Condition::any()
                .add(sync_job::Column::LeaseUntil.is_null())
                .add(sync_job::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(sync_job::Column::RunAfter)
        .order_by_asc(sync_job::Column::Id)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&txn)
        .await?;
    let Some(job) = job else {
        txn.commit().await?;
        return Ok(None);
    };
    let mut model: sync_job::ActiveModel = job.clone().into();
    model.lease_owner = Set(Some(owner.to_owned()));
    model.lease_until = Set(Some(now + LEASE));
    if job.first_tried_at.is_none() {
        model.first_tried_at = Set(Some(now));
    }
    let job = model.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(job))
}

/// Keeps `job` reserved for `owner` for another [`LEASE`].
async fn renew_lease(
    db: &impl ConnectionTrait,
    job: &sync_job::Model,
    owner: &str,
) -> Result<(), AppError> {
    SyncJob::update_many()
        .col_expr(
            sync_job::Column::LeaseUntil,
            Some(Utc::now() + LEASE).into(),
        )
        .filter(sync_job::Column::Id.eq(job.id))
        .filter(sync_job::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the job done by `owner`, unless the item changed meanwhile (then it runs again).
async fn finish(
    db: &impl ConnectionTrait,
    job: &sync_job::Model,
    owner: &str,
    note: Option<&str>,
) -> Result<(), AppError> {
    let now = Utc::now();
    let done = SyncJob::update_many()
        .col_expr(sync_job::Column::DoneAt, now.into())
        .col_expr(sync_job::Column::FinishedBy, owner.into())
        .col_expr(sync_job::Column::LeaseOwner, Option::<String>::None.into())
        .col_expr(
            sync_job::Column::LeaseUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(sync_job::Column::LastError, note.map(str::to_owned).into())
        .col_expr(sync_job::Column::UpdatedAt, now.into())
        .filter(sync_job::Column::Id.eq(job.id))
        .filter(sync_job::Column::Generation.eq(job.generation))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        release(db, job).await?;
    }
    Ok(())
}

/// Gives the job back, due now.
async fn release(db: &impl ConnectionTrait, job: &sync_job::Model) -> Result<(), AppError> {
    SyncJob::update_many()
        .col_expr(sync_job::Column::LeaseOwner, Option::<String>::None.into())
        .col_expr(
            sync_job::Column::LeaseUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(sync_job::Column::RunAfter, Utc::now().into())
        .filter(sync_job::Column::Id.eq(job.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failure: back off (or wait as GitHub asked), or stop after too many.
async fn fail(
    state: &AppState,
    job: &sync_job::Model,
    repository: Option<&str>,
    error: GitHubError,
) -> Result<Pass, AppError> {
    let now = Utc::now();
    let (attempts, limit) = match &error {
        GitHubError::RateLimited(limit, _) => (job.attempts, *limit),
        _ => (job.attempts + 1, RateLimit::default()),
    };
    let next = rules::next_attempt(attempts.max(1) as u32, limit, now, state.github.retry_base);
    let parked = rules::should_park(attempts as u32);
    let message = error.to_string();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut model: sync_job::ActiveModel = job.clone().into();
    model.attempts = Set(attempts);
    model.uncertain = Set(job.uncertain || error.outcome_unknown());
    model.last_error = Set(Some(message.clone()));
    model.run_after = Set(next);
    model.lease_owner = Set(None);
    model.lease_until = Set(None);
    model.updated_at = Set(now);
    if parked {
        model.parked_at = Set(Some(now));
    }
    // Only the generation this attempt ran for: when the item changed or someone asked to retry
    // meanwhile, the job is given back due now instead of backing off.
    let recorded = SyncJob::update_many()
        .set(model)
        .filter(sync_job::Column::Id.eq(job.id))
        .filter(sync_job::Column::Generation.eq(job.generation))
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if !recorded {
        release(&txn, job).await?;
    }
    let line = if !recorded {
        format!(
            "Attempt {attempts} failed: {message}; it was asked again meanwhile, so it runs now."
        )
    } else if parked {
        format!("Stopped after {attempts} failed attempts: {message}")
    } else {
        format!("Attempt {attempts} failed: {message}")
    };
    outbox::log(&txn, Some(job.action_item_id), repository, true, &line).await?;
    txn.commit().await?;
    announce(state, job.action_item_id, repository).await?;
    Ok(match error {
        GitHubError::RateLimited(..) => Pass::Paused(next),
        _ => Pass::Failed,
    })
}

/// Tells the item's postmortem page that its sync state changed.
async fn announce(
    state: &AppState,
    item_id: i64,
    _repository: Option<&str>,
) -> Result<(), AppError> {
    crate::postmortems::document::announce_action(state, item_id).await
}

/// How a job ended well.
enum Outcome {
    Synced {
        repository: Option<String>,
    },
    /// The item was removed.
    Gone,
    NoRepository,
}

enum Failure {
    GitHub(Option<String>, GitHubError),
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(error: sea_orm::DbErr) -> Self {
        Failure::App(error.into())
    }
}

/// A hash of the issue as sent, to skip sending an unchanged one.
pub fn draft_hash(draft: &IssueDraft) -> String {
    let json = serde_json::to_vec(draft).unwrap_or_default();
    Sha256::digest(json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Run<'a> {
    state: &'a AppState,
    client: Arc<dyn GitHubApi>,
    pacer: &'a mut Pacer,
    job: &'a sync_job::Model,
}

impl Run<'_> {
    async fn sync(&mut self) -> Result<Outcome, Failure> {
        let db = &self.state.db;
        let Some(target) = super::facts::target(
            db,
            self.job.action_item_id,
            &self.state.settings.public_base_url,
        )
        .await?
        else {
            return Ok(Outcome::Gone);
        };
        let Some(repository) = target.repository.clone() else {
            return Ok(Outcome::NoRepository);
        };
        let on_github = |error| Failure::GitHub(Some(repository.clone()), error);
        let repo = Repo::parse(&repository).ok_or_else(|| {
            on_github(GitHubError::Config(format!(
                "the service's repository \"{repository}\" is not owner/name"
            )))
        })?;
        self.ensure_labels(&repo).await?;
        let draft = rules::issue_for(&target.facts);
        let hash = draft_hash(&draft);
        let item_id = target.item.id;
        let mut link = GithubIssue::find_by_id(item_id).one(db).await?;
        // An issue left behind by an earlier move is closed before anything else moves.
        if let Some(previous) = &link {
            self.close_left_behind(previous).await?;
        }
        let elsewhere = link
            .as_ref()
            .filter(|l| l.repository != repository)
            .cloned();
        if (link.is_none() || elsewhere.is_some()) && self.job.uncertain {
            let since = self.job.first_tried_at.map(|t| t - LOOKUP_MARGIN);
            let marker = rules::marker(item_id);
            if let Some(found) = self
                .client
                .find_by_marker(&repo, ACTION_LABEL, &marker, since)
                .await
                .map_err(on_github_err(&repository))?
            {
                // Sent before, but its answer was lost: adopt it (and send the current text if it
                // differs from what was sent).
                let sent = if same_issue(&found, &draft) {
                    hash.as_str()
                } else {
                    ""
                };
                link = Some(self.store_link(item_id, &repository, &found, sent).await?);
                outbox::log(
                    db,
                    Some(item_id),
                    Some(&repository),
                    false,
                    &format!(
                        "Found issue #{} from an earlier attempt; no duplicate created.",
                        found.number
                    ),
                )
                .await?;
            }
        }
        let link = match link {
            Some(link) if link.repository == repository => link,
            _ => {
                self.mark_uncertain().await?;
                self.pacer.before_write().await;
                let created = self
                    .client
                    .create_issue(&repo, &draft)
                    .await
                    .map_err(on_github_err(&repository))?;
                let link = self
                    .store_link(item_id, &repository, &created, &hash)
                    .await?;
                outbox::log(
                    db,
                    Some(item_id),
                    Some(&repository),
                    false,
                    &format!("Created issue #{}.", created.number),
                )
                .await?;
                match elsewhere {
                    Some(old) => {
                        let mut model: github_issue::ActiveModel = link.into();
                        model.moved_from = Set(Some(format!("{}#{}", old.repository, old.number)));
                        let link = model.update(db).await?;
                        self.close_left_behind(&link).await?;
                        GithubIssue::find_by_id(item_id)
                            .one(db)
                            .await?
                            .ok_or(AppError::NotFound("GitHub issue"))?
                    }
                    None => link,
                }
            }
        };
        let link = if link.sent_hash != hash {
            self.pacer.before_write().await;
            let updated = self
                .client
                .update_issue(&repo, link.number, &draft)
                .await
                .map_err(on_github_err(&repository))?;
            let mut model: github_issue::ActiveModel = link.into();
            model.sent_hash = Set(hash);
            model.synced_at = Set(Utc::now());
            model.url = Set(updated.url.clone());
            let link = model.update(db).await?;
            outbox::log(
                db,
                Some(item_id),
                Some(&repository),
                false,
                &format!("Updated issue #{}.", updated.number),
            )
            .await?;
            link
        } else {
            link
        };
        if target.facts.kind == ActionKind::PipelineTest && !link.in_tracking {
            let parent = self
                .tracking_issue(&repo, &repository)
                .await
                .map_err(on_github_err(&repository))?;
            self.pacer.before_write().await;
            self.client
                .add_sub_issue(&repo, parent, link.issue_id)
                .await
                .map_err(on_github_err(&repository))?;
            let number = link.number;
            let mut model: github_issue::ActiveModel = link.into();
            model.in_tracking = Set(true);
            model.update(db).await?;
            outbox::log(
                db,
                Some(item_id),
                Some(&repository),
                false,
                &format!("Issue #{number} added to the pipeline test backlog (#{parent})."),
            )
            .await?;
        }
        Ok(Outcome::Synced {
            repository: Some(repository),
        })
    }

    /// Closes the issue `link` replaced when its item moved to another repository, with a
    /// comment pointing to the new one, then forgets it. Nothing to do when nothing moved.
    async fn close_left_behind(&mut self, link: &github_issue::Model) -> Result<(), Failure> {
        let Some(moved_from) = link.moved_from.clone() else {
            return Ok(());
        };
        let old = moved_from
            .rsplit_once('#')
            .and_then(|(repo, number)| Some((Repo::parse(repo)?, number.parse::<i64>().ok()?)));
        if let Some((old_repo, number)) = old {
            let note = format!(
                "This follow-up moved to {}#{} ({}), where it is tracked from now on.",
                link.repository, link.number, link.url
            );
            let on_old = |e| Failure::GitHub(Some(old_repo.to_string()), e);
            // Closed first: a retry after a lost answer closes again (harmless) rather than
            // commenting twice.
            self.pacer.before_write().await;
            self.client
                .close_not_planned(&old_repo, number)
                .await
                .map_err(on_old)?;
            self.pacer.before_write().await;
            self.client
                .add_comment(&old_repo, number, &note)
                .await
                .map_err(on_old)?;
            outbox::log(
                &self.state.db,
                Some(link.action_item_id),
                Some(&old_repo.to_string()),
                false,
                &format!(
                    "Closed issue #{number}: the item moved to {}#{}.",
                    link.repository, link.number
                ),
            )
            .await?;
        }
        let mut model: github_issue::ActiveModel = link.clone().into();
        model.moved_from = Set(None);
        model.update(&self.state.db).await?;
        Ok(())
    }

    /// Remembers that a write is about to go out whose answer may be lost.
    async fn mark_uncertain(&self) -> Result<(), Failure> {
        SyncJob::update_many()
            .col_expr(sync_job::Column::Uncertain, true.into())
            .filter(sync_job::Column::Id.eq(self.job.id))
            .exec(&self.state.db)
            .await?;
        Ok(())
    }

    async fn store_link(
        &self,
        item_id: i64,
        repository: &str,
        issue: &RemoteIssue,
        hash: &str,
    ) -> Result<github_issue::Model, Failure> {
        let txn = self.state.db.begin().await?;
        GithubIssue::delete_by_id(item_id).exec(&txn).await?;
        let link = github_issue::ActiveModel {
            action_item_id: Set(item_id),
            repository: Set(repository.to_owned()),
            number: Set(issue.number),
            issue_id: Set(issue.id),
            url: Set(issue.url.clone()),
            state: Set(if issue.closed { "closed" } else { "open" }.to_owned()),
            state_reason: Set(issue.state_reason.clone()),
            merged_pr: Set(false),
            verification: Set(rules::verification(
                issue.closed,
                issue.state_reason.as_deref(),
                false,
            )
            .as_str()
            .to_owned()),
            sent_hash: Set(hash.to_owned()),
            in_tracking: Set(false),
            synced_at: Set(Utc::now()),
            closed_at: Set(issue.closed_at),
            moved_from: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(link)
    }

    async fn repository_row(&self, repository: &str) -> Result<github_repository::Model, AppError> {
        let db = &self.state.db;
        if let Some(row) = GithubRepository::find_by_id(repository.to_owned())
            .one(db)
            .await?
        {
            return Ok(row);
        }
        let row = github_repository::ActiveModel {
            repository: Set(repository.to_owned()),
            tracking_number: Set(None),
            tracking_id: Set(None),
            labels_ready: Set(false),
            etag: Set(None),
            reconciled_at: Set(None),
        };
        match row.insert(db).await {
            Ok(row) => Ok(row),
            // Another worker added it meanwhile.
            Err(_) => Ok(GithubRepository::find_by_id(repository.to_owned())
                .one(db)
                .await?
                .ok_or(AppError::NotFound("Repository"))?),
        }
    }

    /// Creates the app's labels in the repository once.
    async fn ensure_labels(&mut self, repo: &Repo) -> Result<(), Failure> {
        let repository = repo.to_string();
        let row = self.repository_row(&repository).await?;
        if row.labels_ready {
            return Ok(());
        }
        let existing: Vec<String> = self
            .client
            .labels(repo)
            .await
            .map_err(|e| Failure::GitHub(Some(repository.clone()), e))?
            .into_iter()
            .map(|l| l.to_lowercase())
            .collect();
        for label in rules::all_labels() {
            if existing.contains(&label.to_lowercase()) {
                continue;
            }
            let (color, description) = rules::label_style(&label);
            self.pacer.before_write().await;
            self.client
                .create_label(repo, &label, color, description)
                .await
                .map_err(|e| {
                    Failure::GitHub(
                        Some(repository.clone()),
                        match e {
                            GitHubError::Refused(m) => GitHubError::Refused(format!(
                                "the label \"{label}\" was refused: {m}"
                            )),
                            other => other,
                        },
                    )
                })?;
        }
        let mut model: github_repository::ActiveModel = row.into();
        model.labels_ready = Set(true);
        model.update(&self.state.db).await?;
        Ok(())
    }

    /// The number of the repository's pipeline-test tracking issue, created when missing.
    async fn tracking_issue(&mut self, repo: &Repo, repository: &str) -> Result<i64, GitHubError> {
        let row = self
            .repository_row(repository)
            .await
            .map_err(|e| GitHubError::Unknown(e.to_string()))?;
        if let Some(number) = row.tracking_number {
            return Ok(number);
        }
        let found = self
            .client
            .find_by_marker(repo, PIPELINE_TEST_LABEL, TRACKING_MARKER, None)
            .await?;
        let issue = match found {
            Some(issue) => issue,
            None => {
                self.pacer.before_write().await;
                self.client
                    .create_issue(repo, &rules::tracking_issue())
                    .await?
            }
        };
        let mut model: github_repository::ActiveModel = row.into();
        model.tracking_number = Set(Some(issue.number));
        model.tracking_id = Set(Some(issue.id));
        model
            .update(&self.state.db)
            .await
            .map_err(|e| GitHubError::Unknown(e.to_string()))?;
        Ok(issue.number)
    }
}

/// True when an issue on GitHub already says what `draft` says.
fn same_issue(issue: &RemoteIssue, draft: &IssueDraft) -> bool {
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    issue.title == draft.title
        && issue.body.trim_end() == draft.body.trim_end()
        && sorted(&issue.labels) == sorted(&draft.labels)
        && sorted(&issue.assignees) == sorted(&draft.assignees)
}

fn on_github_err(repository: &str) -> impl Fn(GitHubError) -> Failure + '_ {
    move |error| Failure::GitHub(Some(repository.to_owned()), error)
}

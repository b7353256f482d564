//! What the app asks of GitHub, as a trait (the real client is in `octocrab_client.rs`), and how a
//! failed call is classified: credentials, permissions, refusals, rate limits, or an outcome
//! nobody knows (timeouts and 5xx, after which a write may have happened).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use shared::domain::github::{IssueDraft, RateLimit};

/// A repository as `owner/name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parses `owner/name`.
    pub fn parse(full_name: &str) -> Option<Self> {
        let (owner, name) = shared::domain::github::split_repository(full_name)?;
        Some(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// An issue as GitHub has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteIssue {
    pub number: i64,
    /// GitHub's id, used to attach sub-issues.
    pub id: i64,
    pub url: String,
    pub title: String,
    pub body: String,
    pub closed: bool,
    pub state_reason: Option<String>,
    pub assignees: Vec<String>,
    pub labels: Vec<String>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// What a repository lets the app do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoAccess {
    pub can_write: bool,
}

/// The answer to a conditional listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listing {
    /// Nothing changed since the ETag (304).
    NotModified,
    Changed {
        issues: Vec<RemoteIssue>,
        etag: Option<String>,
    },
}

/// Why a call to GitHub failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub refused the credentials: {0}")]
    Unauthorized(String),
    #[error("GitHub did not allow it: {0}")]
    Forbidden(String),
    #[error("GitHub has no such thing, or the app cannot see it: {0}")]
    NotFound(String),
    #[error("GitHub refused the request: {0}")]
    Refused(String),
    #[error("GitHub asked to slow down: {1}")]
    RateLimited(RateLimit, String),
    /// The request may or may not have been applied (timeout, 5xx, connection lost).
    #[error("GitHub did not answer clearly: {0}")]
    Unknown(String),
    #[error("the GitHub connection is not usable: {0}")]
    Config(String),
}

impl GitHubError {
    /// True when a write may have been applied even though it failed.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Self::Unknown(_))
    }
}

/// Classifies an answer that was not a success, from its status, headers and message.
pub fn classify(
    status: u16,
    header: impl Fn(&str) -> Option<String>,
    message: String,
) -> GitHubError {
    let retry_after = header("retry-after").and_then(|v| v.trim().parse::<i64>().ok());
    let exhausted = header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0");
    let reset_at = header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .filter(|_| exhausted);
    let limit = RateLimit {
        retry_after,
        reset_at,
    };
    match status {
        429 => GitHubError::RateLimited(limit, message),
        403 if retry_after.is_some() || exhausted => GitHubError::RateLimited(limit, message),
        401 => GitHubError::Unauthorized(message),
        403 => GitHubError::Forbidden(message),
        404 | 410 => GitHubError::NotFound(message),
        500..=599 => GitHubError::Unknown(format!("{status} {message}")),
        _ => GitHubError::Refused(format!("{status} {message}")),
    }
}

/// A commit status the change gate posts on a pull request's head commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStatus {
    /// `pending`, `success` or `failure`.
    pub state: &'static str,
    /// The change's page.
    pub target_url: String,
    /// At most 140 characters (GitHub's limit).
    pub description: String,
    /// The status's name, e.g. `postmortem/change-gate`.
    pub context: &'static str,
}

/// The calls the sync and the change gate make. Writes are never retried by the client itself.
#[async_trait]
pub trait GitHubApi: Send + Sync {
    /// The login the credentials act as.
    async fn current_login(&self) -> Result<String, GitHubError>;
    async fn repository_access(&self, repo: &Repo) -> Result<RepoAccess, GitHubError>;
    async fn labels(&self, repo: &Repo) -> Result<Vec<String>, GitHubError>;
    /// Creates a label; one that exists already counts as created.
    async fn create_label(
        &self,
        repo: &Repo,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GitHubError>;
    /// The issue whose body holds `marker`, among issues labelled `label` updated since `since`.
    async fn find_by_marker(
        &self,
        repo: &Repo,
        label: &str,
        marker: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Option<RemoteIssue>, GitHubError>;
    async fn create_issue(
        &self,
        repo: &Repo,
        draft: &IssueDraft,
    ) -> Result<RemoteIssue, GitHubError>;
    async fn update_issue(
        &self,
        repo: &Repo,
        number: i64,
        draft: &IssueDraft,
    ) -> Result<RemoteIssue, GitHubError>;
    /// Adds a comment to an issue.
    async fn add_comment(&self, repo: &Repo, number: i64, body: &str) -> Result<(), GitHubError>;
    /// Closes an issue as not planned (closing a closed issue again counts as closed).
    async fn close_not_planned(&self, repo: &Repo, number: i64) -> Result<(), GitHubError>;
    /// Attaches issue `child_id` under `parent`; attaching it twice counts as attached.
    async fn add_sub_issue(
        &self,
        repo: &Repo,
        parent: i64,
        child_id: i64,
    ) -> Result<(), GitHubError>;
    /// True when a merged pull request references the issue.
    async fn merged_pull_request(&self, repo: &Repo, number: i64) -> Result<bool, GitHubError>;
    /// The paths a pull request changes (GitHub lists at most 3,000).
    async fn pull_request_files(
        &self,
        repo: &Repo,
        number: i64,
    ) -> Result<Vec<String>, GitHubError>;
    /// Posts a commit status on `sha`; posting the same state again changes nothing for people.
    async fn create_commit_status(
        &self,
        repo: &Repo,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), GitHubError>;
    /// Issues labelled `label` changed since `since`, unless nothing changed since `etag`.
    async fn issues_changed(
        &self,
        repo: &Repo,
        label: &str,
        since: Option<DateTime<Utc>>,
        etag: Option<&str>,
    ) -> Result<Listing, GitHubError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn a_429_with_retry_after_is_a_rate_limit_with_the_wait() {
        let error = classify(429, headers(&[("retry-after", "7")]), "slow".into());
        assert!(matches!(error, GitHubError::RateLimited(l, _) if l.retry_after == Some(7)));
    }

    #[test]
    fn a_403_with_no_remaining_requests_is_a_rate_limit_until_the_reset() {
        let error = classify(
            403,
            headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1795000000"),
            ]),
            "API rate limit exceeded".into(),
        );
        match error {
            GitHubError::RateLimited(limit, _) => {
                assert_eq!(limit.reset_at.unwrap().timestamp(), 1_795_000_000)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_statuses_say_what_went_wrong() {
        let none = headers(&[]);
        assert!(matches!(
            classify(401, &none, "Bad credentials".into()),
            GitHubError::Unauthorized(_)
        ));
        assert!(matches!(
            classify(403, &none, "Resource not accessible".into()),
            GitHubError::Forbidden(_)
        ));
        assert!(matches!(
            classify(404, &none, "Not Found".into()),
            GitHubError::NotFound(_)
        ));
        assert!(matches!(
            classify(422, &none, "Validation Failed".into()),
            GitHubError::Refused(_)
        ));
        let bad_gateway = classify(502, &none, "Bad Gateway".into());
        assert!(bad_gateway.outcome_unknown());
    }
}

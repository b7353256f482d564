//! The in-memory model behind the fake: repositories with their labels and issues, users, tokens.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::faults::Faults;
use crate::webhooks::Target;

/// A point in time, kept to whole seconds like GitHub's JSON.
pub(crate) type Time = DateTime<Utc>;

/// The login of the app's bot user, the author of every API write.
pub(crate) const BOT: &str = "postmortem-bot";
/// The login of the person acting through the test helpers (closing, reopening, ...).
pub(crate) const HUMAN: &str = "octocat";

/// The current time truncated to whole seconds.
pub(crate) fn now() -> Time {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default()
}

/// A snapshot of one issue, as tests see it.
#[derive(Clone, Debug, Serialize)]
pub struct FakeIssue {
    /// The per-repository number.
    pub number: u64,
    /// The global id (what `sub_issue_id` refers to).
    pub id: u64,
    /// The title.
    pub title: String,
    /// The body ("" when none).
    pub body: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// "open" or "closed".
    pub state: String,
    /// "completed", "not_planned", "reopened", ... or none.
    pub state_reason: Option<String>,
    /// `https://github.com/owner/name/issues/N`.
    pub html_url: String,
    /// Numbers of the sub-issues.
    pub sub_issues: Vec<u64>,
    /// Whether a merged pull request closed it.
    pub merged_pr: bool,
    /// Comment bodies, oldest first.
    pub comments: Vec<String>,
}

/// A known user (or organisation).
#[derive(Debug)]
pub(crate) struct User {
    pub id: u64,
    pub kind: &'static str,
}

/// A repository label.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

/// What a timeline entry records.
#[derive(Debug, Clone)]
pub(crate) enum Happening {
    Closed(Option<String>),
    Reopened,
    Labeled(String),
    Unlabeled(String),
    Assigned(String),
    Unassigned(String),
    Renamed { from: String, to: String },
    CrossReferenced(u64),
}

/// One timeline entry of an issue.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: u64,
    pub actor: String,
    pub at: Time,
    pub what: Happening,
}

/// A change that GitHub reports with an `issues` webhook.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Opened,
    Edited {
        title: Option<String>,
        body: Option<String>,
    },
    Closed,
    Reopened,
    Labeled(String),
    Unlabeled(String),
    Assigned(String),
    Unassigned(String),
}

/// An issue (or a pull request, which shares the numbering).
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub author: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub open: bool,
    pub state_reason: Option<String>,
    pub created_at: Time,
    pub updated_at: Time,
    pub closed_at: Option<Time>,
    pub closed_by: Option<String>,
    pub sub_issues: Vec<u64>,
    pub parent: Option<u64>,
    /// `Some(merged_at)` for pull requests.
    pub pull_request: Option<Time>,
    pub merged_pr: bool,
    pub events: Vec<Event>,
    /// Comment bodies, oldest first.
    pub comments: Vec<String>,
}

/// A repository and everything in it.
#[derive(Debug)]
pub(crate) struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub writable: bool,
    pub refuse_labels: bool,
    pub labels: Vec<Label>,
    pub issues: BTreeMap<u64, Issue>,
    pub next_number: u64,
    pub created_at: Time,
    /// Pull requests opened through the control routes, by number.
    pub pulls: BTreeMap<u64, Pull>,
    /// Commit statuses posted, oldest first.
    pub statuses: Vec<CommitStatus>,
}

/// A pull request: its head commit and the files it changes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    pub head_sha: String,
    #[serde(default = "main_branch")]
    pub head_ref: String,
    #[serde(default = "octocat")]
    pub author: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
}

fn main_branch() -> String {
    "feature".to_owned()
}

fn octocat() -> String {
    HUMAN.to_owned()
}

/// A commit status as posted (`POST /repos/{owner}/{repo}/statuses/{sha}`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitStatus {
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
}

impl Repo {
    /// "owner/name".
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The label with this name (case-insensitive).
    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
}

/// The whole state of the fake.
#[derive(Debug)]
pub(crate) struct State {
    pub base_url: String,
    next_id: u64,
    pub repos: BTreeMap<String, Repo>,
    pub users: BTreeMap<String, User>,
    pub tokens: BTreeSet<String>,
    pub writes: usize,
    /// Write calls refused by an injected fault without being applied (429, 403).
    pub refused_writes: usize,
    pub writes_by_route: BTreeMap<String, usize>,
    pub faults: Faults,
    pub webhook: Option<Target>,
}

/// The map key of a repository: its lower-cased full name.
pub(crate) fn key(full_name: &str) -> String {
    full_name.to_ascii_lowercase()
}

impl State {
    /// An empty fake answering under `base_url`.
    pub fn new(base_url: String) -> Self {
        let mut users = BTreeMap::new();
        users.insert(
            BOT.to_owned(),
            User {
                id: 9001,
                kind: "Bot",
            },
        );
        users.insert(
            HUMAN.to_owned(),
            User {
                id: 583231,
                kind: "User",
            },
        );
        State {
            base_url,
            next_id: 1_000_001,
            repos: BTreeMap::new(),
            users,
            tokens: BTreeSet::from(["test-token".to_owned()]),
            writes: 0,
            refused_writes: 0,
            writes_by_route: BTreeMap::new(),
            faults: Faults::default(),
            webhook: None,
        }
    }

    /// A new global id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Makes sure a user with this login exists.
    pub fn ensure_user(&mut self, login: &str, kind: &'static str) {
        if !self.users.contains_key(login) {
            let id = self.next_id();
            self.users.insert(login.to_owned(), User { id, kind });
        }
    }

    /// Adds a repository, or changes whether it is writable.
    pub fn add_repository(&mut self, full_name: &str, writable: bool) {
        if let Some(repo) = self.repos.get_mut(&key(full_name)) {
            repo.writable = writable;
            return;
        }
        let (owner, name) = full_name.split_once('/').unwrap_or(("acme", full_name));
        self.ensure_user(owner, "Organization");
        let id = self.next_id();
        let repo = Repo {
            id,
            owner: owner.to_owned(),
            name: name.to_owned(),
            writable,
            refuse_labels: false,
            labels: Vec::new(),
            issues: BTreeMap::new(),
            next_number: 1,
            created_at: now(),
            pulls: BTreeMap::new(),
            statuses: Vec::new(),
        };
        self.repos.insert(key(full_name), repo);
    }

    /// Creates a label; `Err(())` when the name is taken.
    pub fn create_label(
        &mut self,
        repo_key: &str,
        name: &str,
        color: &str,
        description: Option<String>,
    ) -> Result<Label, ()> {
        let id = self.next_id();
        let repo = self.repos.get_mut(repo_key).ok_or(())?;
        if repo.label(name).is_some() {
            return Err(());
        }
        let label = Label {
            id,
            name: name.to_owned(),
            color: color.trim_start_matches('#').to_ascii_lowercase(),
            description,
        };
        repo.labels.push(label.clone());
        Ok(label)
    }

    /// The existing spelling of a label, creating it (grey, like GitHub) when unknown.
    pub(crate) fn ensure_label(&mut self, repo_key: &str, name: &str) -> String {
        match self.repos.get(repo_key).and_then(|r| r.label(name)) {
            Some(label) => label.name.clone(),
            None => {
                let _ = self.create_label(repo_key, name, "ededed", None);
                name.to_owned()
            }
        }
    }

    /// Opens an issue (or, with `merged`, a merged pull request) and returns its number.
    pub fn create_issue(
        &mut self,
        repo_key: &str,
        title: &str,
        body: Option<String>,
        author: &str,
        merged: Option<Time>,
    ) -> Option<u64> {
        let id = self.next_id();
        let repo = self.repos.get_mut(repo_key)?;
        let number = repo.next_number;
        repo.next_number += 1;
        let at = now();
        let issue = Issue {
            id,
            number,
            title: title.to_owned(),
            body,
            author: author.to_owned(),
            labels: Vec::new(),
            assignees: Vec::new(),
            open: merged.is_none(),
            state_reason: None,
            created_at: at,
            updated_at: at,
            closed_at: merged,
            closed_by: merged.map(|_| author.to_owned()),
            sub_issues: Vec::new(),
            parent: None,
            pull_request: merged,
            merged_pr: false,
            events: Vec::new(),
            comments: Vec::new(),
        };
        repo.issues.insert(number, issue);
        Some(number)
    }

    /// Snapshots of a repository's issues (pull requests left out), by number.
    pub fn snapshot(&self, repo_key: &str) -> Vec<FakeIssue> {
        let Some(repo) = self.repos.get(repo_key) else {
            return Vec::new();
        };
        let issues = repo.issues.values().filter(|i| i.pull_request.is_none());
        issues
            .map(|i| FakeIssue {
                number: i.number,
                id: i.id,
                title: i.title.clone(),
                body: i.body.clone().unwrap_or_default(),
                labels: i.labels.clone(),
                assignees: i.assignees.clone(),
                state: if i.open { "open" } else { "closed" }.to_owned(),
                state_reason: i.state_reason.clone(),
                html_url: format!(
                    "https://github.com/{}/issues/{}",
                    repo.full_name(),
                    i.number
                ),
                sub_issues: i.sub_issues.clone(),
                merged_pr: i.merged_pr,
                comments: i.comments.clone(),
            })
            .collect()
    }
}

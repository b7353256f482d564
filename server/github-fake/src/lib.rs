//! A stateful fake of the GitHub REST API, served on 127.0.0.1 for integration and browser tests.

mod api;
mod control;
mod edits;
mod faults;
mod guard;
mod issues;
mod json;
mod pulls;
mod reply;
mod state;
mod webhooks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use edits::Patch;
pub use faults::Fault;
use state::{BOT, Change, HUMAN, State, key};
pub use state::{CommitStatus, FakeIssue, Pull};
use webhooks::Target;

/// A handle on a running fake GitHub; clones share the same server and state.
#[derive(Clone)]
pub struct FakeGitHub {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    state: Mutex<State>,
    http: reqwest::Client,
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl FakeGitHub {
    /// Binds 127.0.0.1 on a free port and serves on the current tokio runtime.
    pub async fn start() -> FakeGitHub {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_on(addr)
            .await
            .expect("github-fake: cannot bind 127.0.0.1:0")
    }

    /// Binds `addr` and serves on the current tokio runtime.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<FakeGitHub> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let state = Mutex::new(State::new(format!("http://{addr}")));
        let fake = FakeGitHub {
            inner: Arc::new(Inner { addr, state, http }),
        };
        let app = api::router(fake.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(%err, "github-fake: server stopped");
            }
        });
        Ok(fake)
    }

    /// The base URL, e.g. `http://127.0.0.1:39393` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// Accepts `token` as a bearer token (`test-token` is accepted from the start).
    pub fn add_token(&self, token: &str) {
        self.lock().tokens.insert(token.to_owned());
    }

    /// Adds the repository `owner/name`; when not `writable`, writes to it answer 403.
    pub fn add_repository(&self, full_name: &str, writable: bool) {
        self.lock().add_repository(full_name, writable);
    }

    /// Makes label creation in this repository answer 422 `invalid`.
    pub fn refuse_labels(&self, full_name: &str) {
        if let Some(repo) = self.lock().repos.get_mut(&key(full_name)) {
            repo.refuse_labels = true;
        }
    }

    /// A snapshot of the repository's issues, by number.
    pub fn issues(&self, full_name: &str) -> Vec<FakeIssue> {
        self.lock().snapshot(&key(full_name))
    }

    /// The names of the repository's labels, in creation order.
    pub fn labels(&self, full_name: &str) -> Vec<String> {
        let st = self.lock();
        let repo = st.repos.get(&key(full_name));
        repo.map(|r| r.labels.iter().map(|l| l.name.clone()).collect())
            .unwrap_or_default()
    }

    /// How many write calls (POST/PATCH/PUT/DELETE) the API routes received, refused and faulted ones included.
    pub fn write_calls(&self) -> usize {
        self.lock().writes
    }

    /// How many of those write calls an injected fault refused without applying them (429, 403).
    pub fn refused_write_calls(&self) -> usize {
        self.lock().refused_writes
    }

    /// The write calls by route, e.g. `"POST issues"`, `"PATCH issue"`, `"POST labels"`, `"POST sub_issues"`.
    pub fn writes_by_route(&self) -> BTreeMap<String, usize> {
        self.lock().writes_by_route.clone()
    }

    /// The next `count` write calls get `fault` (0 clears).
    pub fn fail_next(&self, fault: Fault, count: usize) {
        self.lock().faults.fail_next(fault, count);
    }

    /// Each write call gets `fault` with probability `rate` (deterministic from `seed`); 0 turns it off.
    pub fn fail_rate(&self, fault: Fault, rate: f64, seed: u64) {
        self.lock().faults.fail_rate(fault, rate, seed);
    }

    /// Every GET waits `ms` milliseconds first (0 turns it off).
    pub fn hang_reads_ms(&self, ms: u64) {
        self.lock().faults.hang_reads_ms = ms;
    }

    /// Every write waits `ms` milliseconds before it is applied (0 turns it off).
    pub fn slow_writes_ms(&self, ms: u64) {
        self.lock().faults.slow_writes_ms = ms;
    }

    /// Sends a signed `issues` webhook to `url` after every applied change to an issue.
    pub fn set_webhook_target(&self, url: &str, secret: &str) {
        self.lock().webhook = Some(Target {
            url: url.to_owned(),
            secret: secret.to_owned(),
        });
    }

    /// "octocat" closes the issue (through a newly merged pull request with `merged_pr`);
    /// awaits the `closed` webhook and returns the app's HTTP status (`None` without a target).
    pub async fn close_issue(
        &self,
        full_name: &str,
        number: u64,
        reason: &str,
        merged_pr: bool,
    ) -> Option<u16> {
        let changes = self
            .lock()
            .close_by(&key(full_name), number, reason, merged_pr);
        self.deliver_now(full_name, number, changes).await
    }

    /// "octocat" reopens the issue; awaits the `reopened` webhook.
    pub async fn reopen_issue(&self, full_name: &str, number: u64) -> Option<u16> {
        let patch = Patch {
            open: Some(true),
            ..Patch::default()
        };
        let changes = self
            .lock()
            .update_issue(&key(full_name), number, patch, HUMAN);
        self.deliver_now(full_name, number, changes).await
    }

    /// "octocat" renames the issue; awaits the `edited` webhook.
    pub async fn edit_issue_title(&self, full_name: &str, number: u64, title: &str) -> Option<u16> {
        let patch = Patch {
            title: Some(title.to_owned()),
            ..Patch::default()
        };
        let changes = self
            .lock()
            .update_issue(&key(full_name), number, patch, HUMAN);
        self.deliver_now(full_name, number, changes).await
    }

    /// "octocat" assigns `login` (created if unknown); awaits the `assigned` webhook.
    pub async fn assign_issue(&self, full_name: &str, number: u64, login: &str) -> Option<u16> {
        let changes = {
            let mut st = self.lock();
            let current = st
                .repos
                .get(&key(full_name))
                .and_then(|r| r.issues.get(&number));
            let mut assignees = current.map(|i| i.assignees.clone()).unwrap_or_default();
            assignees.push(login.to_owned());
            let patch = Patch {
                assignees: Some(assignees),
                ..Patch::default()
            };
            st.update_issue(&key(full_name), number, patch, HUMAN)
        };
        self.deliver_now(full_name, number, changes).await
    }

    /// Closes the issue like [`FakeGitHub::close_issue`] but sends no webhook (a missed delivery).
    pub fn close_issue_silently(
        &self,
        full_name: &str,
        number: u64,
        reason: &str,
        merged_pr: bool,
    ) {
        let closed = self
            .lock()
            .close_by(&key(full_name), number, reason, merged_pr);
        assert!(
            closed.is_some(),
            "github-fake: no issue {full_name}#{number}"
        );
    }

    /// The JSON GitHub sends for an `issues` event with this `action` (for `labeled`/`assigned`,
    /// the issue's last label/assignee).
    pub fn issue_event_payload(
        &self,
        full_name: &str,
        number: u64,
        action: &str,
        sender: &str,
    ) -> Value {
        let st = self.lock();
        let repo = st.repos.get(&key(full_name));
        let issue = repo.and_then(|r| r.issues.get(&number));
        let (Some(repo), Some(issue)) = (repo, issue) else {
            panic!("github-fake: no issue {full_name}#{number}");
        };
        let last = |names: &[String]| names.last().cloned().unwrap_or_default();
        let change = match action {
            "opened" => Change::Opened,
            "edited" => Change::Edited {
                title: None,
                body: None,
            },
            "closed" => Change::Closed,
            "reopened" => Change::Reopened,
            "labeled" => Change::Labeled(last(&issue.labels)),
            "unlabeled" => Change::Unlabeled(last(&issue.labels)),
            "assigned" => Change::Assigned(last(&issue.assignees)),
            "unassigned" => Change::Unassigned(last(&issue.assignees)),
            other => panic!("github-fake: unsupported issues action {other:?}"),
        };
        json::issue_event(&st, repo, issue, &change, sender)
    }

    /// `sha256=<hex of HMAC-SHA256(secret, body)>`, as in `x-hub-signature-256`.
    pub fn sign(secret: &str, body: &[u8]) -> String {
        webhooks::sign(secret, body)
    }

    /// The state, even if a panicking test poisoned the lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The webhook target and the payloads for these changes (none without a target).
    fn payloads(
        &self,
        full_name: &str,
        number: u64,
        changes: &[Change],
        sender: &str,
    ) -> Option<(Target, Vec<Value>)> {
        let st = self.lock();
        let target = st.webhook.clone()?;
        let repo = st.repos.get(&key(full_name))?;
        let issue = repo.issues.get(&number)?;
        let payloads = changes
            .iter()
            .map(|c| json::issue_event(&st, repo, issue, c, sender))
            .collect();
        Some((target, payloads))
    }

    /// Sends the webhooks for a change made through the API, in the background.
    pub(crate) fn notify(&self, full_name: &str, number: u64, changes: &[Change]) {
        if let Some((target, payloads)) = self.payloads(full_name, number, changes, BOT) {
            webhooks::spawn(self.inner.http.clone(), target, payloads);
        }
    }

    /// Sends the webhooks for a change made by "octocat" and awaits them.
    async fn deliver_now(
        &self,
        full_name: &str,
        number: u64,
        changes: Option<Vec<Change>>,
    ) -> Option<u16> {
        let changes =
            changes.unwrap_or_else(|| panic!("github-fake: no issue {full_name}#{number}"));
        let (target, payloads) = self.payloads(full_name, number, &changes, HUMAN)?;
        webhooks::deliver_all(&self.inner.http, &target, &payloads).await
    }
}

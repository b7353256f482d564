//! Pull requests and commit statuses: the files a pull request changes, statuses posted on a
//! commit (and read back), and the control route that opens a pull request and sends its
//! `pull_request` webhook, as the change gate needs them.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::reply::Answer;
use crate::state::{CommitStatus, Pull, key};
use crate::{FakeGitHub, reply, webhooks};

/// The GitHub routes (behind the guard).
pub(crate) fn routes() -> Router<FakeGitHub> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls/{number}/files", get(files))
        .route("/repos/{owner}/{repo}/statuses/{sha}", post(create_status))
        .route(
            "/repos/{owner}/{repo}/commits/{sha}/statuses",
            get(list_statuses),
        )
}

/// The control routes (no authentication).
pub(crate) fn control_routes() -> Router<FakeGitHub> {
    Router::new().route("/_fake/repos/{owner}/{repo}/pulls", post(open_pull))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default = "first")]
    page: usize,
    #[serde(default = "thirty")]
    per_page: usize,
}

fn first() -> usize {
    1
}

fn thirty() -> usize {
    30
}

async fn files(
    State(fake): State<FakeGitHub>,
    Path((owner, name, number)): Path<(String, String, String)>,
    Query(page): Query<Page>,
) -> Response {
    let st = fake.lock();
    let pull = number.parse::<u64>().ok().and_then(|n| {
        st.repos
            .get(&key(&format!("{owner}/{name}")))
            .and_then(|r| r.pulls.get(&n))
    });
    let Some(pull) = pull else {
        return reply::not_found();
    };
    let per_page = page.per_page.clamp(1, 100);
    let entries: Vec<Value> = pull
        .files
        .iter()
        .skip(page.page.saturating_sub(1) * per_page)
        .take(per_page)
        .map(|filename| json!({ "filename": filename, "status": "modified" }))
        .collect();
    reply::json(StatusCode::OK, &json!(entries))
}

#[derive(Deserialize)]
struct NewStatus {
    state: String,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default = "default_context")]
    context: String,
}

fn default_context() -> String {
    "default".to_owned()
}

async fn create_status(
    State(fake): State<FakeGitHub>,
    Path((owner, name, sha)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let Ok(status) = serde_json::from_slice::<NewStatus>(&body) else {
        return Ok(reply::problems_parsing_json());
    };
    if !["error", "failure", "pending", "success"].contains(&status.state.as_str()) {
        return Ok(reply::invalid("Status", "invalid", "state"));
    }
    if status
        .description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return Ok(reply::invalid("Status", "invalid", "description"));
    }
    let mut st = fake.lock();
    let Some(repo) = st.repos.get_mut(&key(&format!("{owner}/{name}"))) else {
        return Ok(reply::not_found());
    };
    if !repo.writable {
        return Ok(reply::not_writable());
    }
    let posted = CommitStatus {
        sha: sha.to_ascii_lowercase(),
        state: status.state,
        context: status.context,
        description: status.description,
        target_url: status.target_url,
    };
    repo.statuses.push(posted.clone());
    Ok(reply::json(StatusCode::CREATED, &json!(posted)))
}

async fn list_statuses(
    State(fake): State<FakeGitHub>,
    Path((owner, name, sha)): Path<(String, String, String)>,
) -> Response {
    let statuses = fake.statuses(&format!("{owner}/{name}"), &sha);
    reply::json(StatusCode::OK, &json!(statuses))
}

/// Opens (or updates, for the same number) a pull request and sends its `pull_request` webhook
/// (`opened`, or the given `action`); answers the webhook's status.
async fn open_pull(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    #[derive(Deserialize)]
    struct Opened {
        #[serde(flatten)]
        pull: Pull,
        #[serde(default = "opened")]
        action: String,
    }
    fn opened() -> String {
        "opened".to_owned()
    }
    let Ok(Opened { pull, action }) = serde_json::from_slice::<Opened>(&body) else {
        return Ok(reply::problems_parsing_json());
    };
    let full_name = format!("{owner}/{name}");
    let status = fake.open_pull(&full_name, pull, &action).await;
    Ok(reply::json(
        StatusCode::OK,
        &json!({ "webhook_status": status }),
    ))
}

impl FakeGitHub {
    /// The statuses posted on a commit of the repository, newest first (as GitHub lists them).
    pub fn statuses(&self, full_name: &str, sha: &str) -> Vec<CommitStatus> {
        let st = self.lock();
        let mut found: Vec<CommitStatus> = st
            .repos
            .get(&key(full_name))
            .map(|r| {
                r.statuses
                    .iter()
                    .filter(|s| s.sha.eq_ignore_ascii_case(sha))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        found.reverse();
        found
    }

    /// Stores a pull request and awaits its `pull_request` webhook (`action`: opened,
    /// synchronize, reopened); the receiver's status, or `None` without a webhook target.
    pub async fn open_pull(&self, full_name: &str, pull: Pull, action: &str) -> Option<u16> {
        let (target, payload) = {
            let mut st = self.lock();
            let base_url = st.base_url.clone();
            let target = st.webhook.clone();
            let repo = st
                .repos
                .get_mut(&key(full_name))
                .unwrap_or_else(|| panic!("github-fake: no repository {full_name}"));
            repo.pulls.insert(pull.number, pull.clone());
            let html_url = format!("{base_url}/{full_name}/pull/{}", pull.number);
            let payload = json!({
                "action": action,
                "number": pull.number,
                "pull_request": {
                    "number": pull.number,
                    "title": pull.title,
                    "html_url": html_url,
                    "state": "open",
                    "user": { "login": pull.author },
                    "labels": pull.labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
                    "head": { "sha": pull.head_sha, "ref": pull.head_ref },
                    "base": { "ref": "main" },
                },
                "repository": { "full_name": repo.full_name(), "name": repo.name, "owner": { "login": repo.owner } },
                "sender": { "login": pull.author },
            });
            (target, payload)
        };
        let target = target?;
        webhooks::deliver_event(&self.inner.http, &target, "pull_request", &payload).await
    }
}

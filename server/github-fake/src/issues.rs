//! The GitHub issue routes: list, create, show, update, comment, timeline and sub-issues.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use crate::edits::{Patch, SubIssueError};
use crate::reply::{Answer, Reject};
use crate::state::{self, BOT, Change, Time, key};
use crate::{FakeGitHub, json, reply};

/// The issue routes, to be put behind the guard.
pub(crate) fn routes() -> Router<FakeGitHub> {
    Router::new()
        .route("/repos/{owner}/{repo}/issues", get(list).post(create))
        .route(
            "/repos/{owner}/{repo}/issues/{number}",
            get(show).patch(update),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/timeline",
            get(timeline),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            axum::routing::post(comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/sub_issues",
            get(sub_issues).post(add_sub_issue),
        )
}

type RepoPath = Path<(String, String)>;
type IssuePath = Path<(String, String, String)>;
type Params = Query<HashMap<String, String>>;

const REASONS: [&str; 4] = ["completed", "not_planned", "reopened", "duplicate"];

impl state::State {
    /// The repository, if it may be written to: 404 when unknown, 403 when read-only.
    pub(crate) fn check_writable(&self, repo_key: &str) -> Result<&state::Repo, Reject> {
        match self.repos.get(repo_key) {
            None => Err(reply::not_found().into()),
            Some(repo) if !repo.writable => Err(reply::not_writable().into()),
            Some(repo) => Ok(repo),
        }
    }
}

/// Names from an array of strings or of `{"name": ..}` objects.
fn names(value: &Value) -> Vec<String> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let name = |v: &Value| {
        v.as_str()
            .or_else(|| v.get("name").and_then(Value::as_str))
            .map(str::to_owned)
    };
    items.iter().filter_map(name).collect()
}

/// The assignees a write asks for: `assignees`, or the older single `assignee`.
fn assignees(body: &Map<String, Value>) -> Option<Vec<String>> {
    if let Some(list) = body.get("assignees") {
        return Some(names(list));
    }
    body.get("assignee")
        .map(|one| one.as_str().map(str::to_owned).into_iter().collect())
}

/// An ISO 8601 timestamp or date.
fn parse_time(text: &str) -> Option<Time> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The issue as JSON with this status, or 404.
fn issue_response(fake: &FakeGitHub, repo_key: &str, number: u64, status: StatusCode) -> Response {
    let st = fake.lock();
    let repo = st.repos.get(repo_key);
    match repo.and_then(|r| Some((r, r.issues.get(&number)?))) {
        Some((repo, issue)) => reply::json(status, &json::issue(&st, repo, issue)),
        None => reply::not_found(),
    }
}

async fn list(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): RepoPath,
    Query(q): Params,
    uri: Uri,
) -> Response {
    let st = fake.lock();
    let Some(repo) = st.repos.get(&key(&format!("{owner}/{name}"))) else {
        return reply::not_found();
    };
    let state = q.get("state").map_or("open", String::as_str);
    if !["open", "closed", "all"].contains(&state) {
        return reply::invalid("Issue", "invalid", "state");
    }
    let since = match q.get("since").map(|s| parse_time(s)) {
        Some(None) => return reply::invalid("Issue", "invalid", "since"),
        Some(since) => since,
        None => None,
    };
    let wanted: Vec<&str> = q.get("labels").map_or_else(Vec::new, |l| {
        l.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    });
    let mut found: Vec<&state::Issue> = repo
        .issues
        .values()
        .filter(|i| i.pull_request.is_none())
        .filter(|i| state == "all" || i.open == (state == "open"))
        .filter(|i| {
            wanted
                .iter()
                .all(|w| i.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
        })
        .filter(|i| since.is_none_or(|s| i.updated_at >= s))
        .collect();
    let by_updated = q.get("sort").is_some_and(|s| s == "updated");
    found.sort_by_key(|i| {
        (
            if by_updated {
                i.updated_at
            } else {
                i.created_at
            },
            i.number,
        )
    });
    if q.get("direction").is_none_or(|d| d != "asc") {
        found.reverse();
    }
    let items = found
        .into_iter()
        .map(|i| json::issue(&st, repo, i))
        .collect();
    let (page, link) = reply::paginate(items, &q, &st.base_url, &uri);
    reply::list(page, link)
}

async fn create(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> Answer {
    let full_name = format!("{owner}/{name}");
    let repo_key = key(&full_name);
    let (number, changes) = {
        let mut st = fake.lock();
        st.check_writable(&repo_key)?;
        let body = reply::object(&body)?;
        let title = body
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty());
        let Some(title) = title else {
            return Ok(reply::invalid("Issue", "missing_field", "title"));
        };
        let text = body.get("body").and_then(Value::as_str).map(str::to_owned);
        let Some(number) = st.create_issue(&repo_key, title, text, BOT, None) else {
            return Ok(reply::not_found());
        };
        let patch = Patch {
            labels: body.get("labels").map(names),
            assignees: assignees(&body),
            ..Patch::default()
        };
        let mut changes = vec![Change::Opened];
        changes.extend(
            st.update_issue(&repo_key, number, patch, BOT)
                .unwrap_or_default(),
        );
        (number, changes)
    };
    fake.notify(&full_name, number, &changes);
    Ok(issue_response(
        &fake,
        &repo_key,
        number,
        StatusCode::CREATED,
    ))
}

async fn show(State(fake): State<FakeGitHub>, Path((owner, name, number)): IssuePath) -> Response {
    let Ok(number) = number.parse() else {
        return reply::not_found();
    };
    issue_response(
        &fake,
        &key(&format!("{owner}/{name}")),
        number,
        StatusCode::OK,
    )
}

/// The changes a PATCH body asks for, or the 422 it deserves.
fn patch_from(body: &Map<String, Value>) -> Result<Patch, Reject> {
    let open = match body.get("state").map(|s| s.as_str()) {
        None => None,
        Some(Some("open")) => Some(true),
        Some(Some("closed")) => Some(false),
        Some(_) => return Err(reply::invalid("Issue", "invalid", "state").into()),
    };
    let state_reason = match body.get("state_reason") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(r)) if REASONS.contains(&r.as_str()) => Some(Some(r.clone())),
        Some(_) => return Err(reply::invalid("Issue", "invalid", "state_reason").into()),
    };
    let title = body.get("title").and_then(Value::as_str);
    if title.is_some_and(|t| t.trim().is_empty()) {
        return Err(reply::invalid("Issue", "missing_field", "title").into());
    }
    Ok(Patch {
        title: title.map(str::to_owned),
        body: body.get("body").map(|b| b.as_str().map(str::to_owned)),
        labels: body.get("labels").map(names),
        assignees: assignees(body),
        open,
        state_reason,
    })
}

async fn update(
    State(fake): State<FakeGitHub>,
    Path((owner, name, number)): IssuePath,
    body: Bytes,
) -> Answer {
    let full_name = format!("{owner}/{name}");
    let repo_key = key(&full_name);
    let Ok(number) = number.parse() else {
        return Ok(reply::not_found());
    };
    let changes = {
        let mut st = fake.lock();
        if !st.check_writable(&repo_key)?.issues.contains_key(&number) {
            return Ok(reply::not_found());
        }
        let patch = patch_from(&reply::object(&body)?)?;
        st.update_issue(&repo_key, number, patch, BOT)
            .unwrap_or_default()
    };
    fake.notify(&full_name, number, &changes);
    Ok(issue_response(&fake, &repo_key, number, StatusCode::OK))
}

/// Adds a comment; GitHub answers with the comment (`422` when its body is missing).
async fn comment(
    State(fake): State<FakeGitHub>,
    Path((owner, name, number)): IssuePath,
    body: Bytes,
) -> Answer {
    let full_name = format!("{owner}/{name}");
    let repo_key = key(&full_name);
    let Ok(number) = number.parse::<u64>() else {
        return Ok(reply::not_found());
    };
    let text = reply::object(&body)?
        .get("body")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned);
    let Some(text) = text else {
        return Ok(reply::invalid("IssueComment", "missing_field", "body"));
    };
    let mut st = fake.lock();
    st.check_writable(&repo_key)?;
    let Some(issue) = st
        .repos
        .get_mut(&repo_key)
        .and_then(|r| r.issues.get_mut(&number))
    else {
        return Ok(reply::not_found());
    };
    issue.comments.push(text.clone());
    let id = issue.comments.len();
    let html = format!("https://github.com/{full_name}/issues/{number}#issuecomment-{id}");
    Ok(reply::json(
        StatusCode::CREATED,
        &json!({
            "id": id,
            "body": text,
            "html_url": html,
            "user": { "login": BOT },
        }),
    ))
}

/// Answers a paginated list built from one issue, or 404.
fn issue_list(
    fake: &FakeGitHub,
    (owner, name, number): (String, String, String),
    q: &HashMap<String, String>,
    uri: &Uri,
    build: impl Fn(&state::State, &state::Repo, &state::Issue) -> Vec<Value>,
) -> Response {
    let st = fake.lock();
    let repo = st.repos.get(&key(&format!("{owner}/{name}")));
    let issue = repo
        .zip(number.parse().ok())
        .and_then(|(r, n)| Some((r, r.issues.get(&n)?)));
    let Some((repo, issue)) = issue else {
        return reply::not_found();
    };
    let (page, link) = reply::paginate(build(&st, repo, issue), q, &st.base_url, uri);
    reply::list(page, link)
}

async fn timeline(
    State(fake): State<FakeGitHub>,
    Path(path): IssuePath,
    Query(q): Params,
    uri: Uri,
) -> Response {
    issue_list(&fake, path, &q, &uri, json::timeline)
}

async fn sub_issues(
    State(fake): State<FakeGitHub>,
    Path(path): IssuePath,
    Query(q): Params,
    uri: Uri,
) -> Response {
    issue_list(&fake, path, &q, &uri, |st, repo, issue| {
        let subs = issue.sub_issues.iter().filter_map(|n| repo.issues.get(n));
        subs.map(|sub| json::issue(st, repo, sub)).collect()
    })
}

async fn add_sub_issue(
    State(fake): State<FakeGitHub>,
    Path((owner, name, number)): IssuePath,
    body: Bytes,
) -> Answer {
    let repo_key = key(&format!("{owner}/{name}"));
    let Ok(parent) = number.parse() else {
        return Ok(reply::not_found());
    };
    let added = {
        let mut st = fake.lock();
        st.check_writable(&repo_key)?;
        let body = reply::object(&body)?;
        let Some(sub_id) = body.get("sub_issue_id").and_then(Value::as_u64) else {
            return Ok(reply::invalid("Issue", "missing_field", "sub_issue_id"));
        };
        let replace = body
            .get("replace_parent")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        st.add_sub_issue(&repo_key, parent, sub_id, replace)
    };
    let refusal = |message: &str| {
        reply::validation(json!([{ "resource": "Issue", "code": "custom", "message": message }]))
    };
    Ok(match added {
        Ok(child) => issue_response(&fake, &repo_key, child, StatusCode::CREATED),
        Err(SubIssueError::NotFound) => reply::not_found(),
        Err(SubIssueError::Duplicate) => refusal("Issue may not contain duplicate sub-issues"),
        Err(SubIssueError::HasParent) => refusal("Issue may not have more than one parent"),
    })
}

//! The real GitHub client, on octocrab: a personal or fine-grained token, or a GitHub App
//! installation, against api.github.com or an Enterprise base URL. This is the only file that
//! imports octocrab. Requests go through octocrab's raw calls so every answer's status and
//! rate-limit headers are seen; the crate is built without its `retry` feature, so a write is
//! sent once and never re-sent by the client (a re-sent POST after a 502 creates a duplicate).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{
    CommitStatus, GitHubApi, GitHubError, Listing, RemoteIssue, Repo, RepoAccess, classify,
};
use shared::domain::github::IssueDraft;

/// How the app signs in to GitHub.
#[derive(Clone, Debug)]
pub enum Credentials {
    Token(String),
    App {
        app_id: u64,
        private_key: String,
        installation_id: u64,
    },
}

/// A GitHub client on octocrab.
pub struct OctocrabClient {
    crab: Octocrab,
}

impl std::fmt::Debug for OctocrabClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OctocrabClient")
    }
}

impl OctocrabClient {
    /// Builds a client; `api_url` is an Enterprise (or test) base URL, `timeout` bounds each call.
    pub fn new(
        credentials: &Credentials,
        api_url: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, GitHubError> {
        let config = |e: octocrab::Error| GitHubError::Config(e.to_string());
        let builder = Octocrab::builder()
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .set_write_timeout(Some(timeout));
        let builder = match api_url {
            Some(url) => builder
                .base_uri(url.trim_end_matches('/'))
                .map_err(config)?,
            None => builder,
        };
        let crab = match credentials {
            Credentials::Token(token) => builder.personal_token(token.clone()).build(),
            Credentials::App {
                app_id,
                private_key,
                installation_id,
            } => {
                let key =
                    octocrab::EncodingKey::from_rsa_pem(private_key.as_bytes()).map_err(|e| {
                        GitHubError::Config(format!("the private key is not an RSA PEM key ({e})"))
                    })?;
                builder
                    .app(octocrab::models::AppId(*app_id), key)
                    .build()
                    .map_err(config)?
                    .installation(octocrab::models::InstallationId(*installation_id))
            }
        }
        .map_err(config)?;
        Ok(Self { crab })
    }

    /// Sends one request and reads the whole answer; a failure status becomes a [`GitHubError`].
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: Option<HeaderMap>,
    ) -> Result<Answer, GitHubError> {
        let response = match method {
            Method::POST => self.crab._post(path, body).await,
            Method::PATCH => self.crab._patch(path, body).await,
            _ => self.crab._get_with_headers(path, headers).await,
        }
        .map_err(transport)?;
        let status = response.status();
        let head = response.headers().clone();
        let text = self
            .crab
            .body_to_string(response)
            .await
            .map_err(transport)?;
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(Answer {
                status,
                headers: head,
                text,
            });
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.describe())
            .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned());
        let header = |name: &str| {
            head.get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Err(classify(status.as_u16(), header, message))
    }

    async fn send_json<T: for<'de> Deserialize<'de>>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, GitHubError> {
        let answer = self.send(method, path, body, None).await?;
        serde_json::from_str(&answer.text)
            .map_err(|e| GitHubError::Unknown(format!("an answer could not be read: {e}")))
    }

    async fn list_issues(
        &self,
        repo: &Repo,
        label: &str,
        since: Option<DateTime<Utc>>,
        page: u32,
        etag: Option<&str>,
    ) -> Result<(Listing, bool), GitHubError> {
        let path = issues_path(repo, label, since, page);
        let mut headers = HeaderMap::new();
        if let Some(value) = etag.and_then(|e| e.parse().ok()) {
            headers.insert(http::header::IF_NONE_MATCH, value);
        }
        let answer = self.send(Method::GET, &path, None, Some(headers)).await?;
        if answer.status == StatusCode::NOT_MODIFIED {
            return Ok((Listing::NotModified, false));
        }
        let more = answer
            .headers
            .get(http::header::LINK)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.contains("rel=\"next\""));
        let etag = answer
            .headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let issues: Vec<IssueJson> = serde_json::from_str(&answer.text).map_err(|e| {
            GitHubError::Unknown(format!("an issue listing could not be read: {e}"))
        })?;
        let issues = issues
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(IssueJson::into_remote)
            .collect();
        Ok((Listing::Changed { issues, etag }, more))
    }
}

/// The issues listing of a repository: every state, one label, oldest change first.
fn issues_path(repo: &Repo, label: &str, since: Option<DateTime<Utc>>, page: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("state", "all")
        .append_pair("labels", label)
        .append_pair("sort", "updated")
        .append_pair("direction", "asc")
        .append_pair("per_page", "100")
        .append_pair("page", &page.to_string());
    if let Some(since) = since {
        query.append_pair(
            "since",
            &since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
    format!("/repos/{repo}/issues?{}", query.finish())
}

/// A whole answer.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

fn transport(error: octocrab::Error) -> GitHubError {
    match error {
        octocrab::Error::GitHub { source, .. } => {
            let headers = source.headers.clone().unwrap_or_default();
            classify(
                source.status_code.as_u16(),
                |name| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                },
                source.message.clone(),
            )
        }
        other => GitHubError::Unknown(other.to_string()),
    }
}

/// GitHub's error body: a message and, for 422, what was wrong.
#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    errors: Vec<Value>,
}

impl ErrorBody {
    fn describe(&self) -> String {
        let details: Vec<String> = self
            .errors
            .iter()
            .filter_map(|e| {
                e.get("message")
                    .or_else(|| e.get("code"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        if details.is_empty() {
            self.message.clone()
        } else {
            format!("{} ({})", self.message, details.join(", "))
        }
    }
}

/// The fields of an issue the sync reads; lenient, so a state reason or field GitHub adds later
/// does not break it.
#[derive(Deserialize)]
struct IssueJson {
    number: i64,
    id: i64,
    html_url: String,
    title: String,
    #[serde(default)]
    body: Option<String>,
    state: String,
    #[serde(default)]
    state_reason: Option<String>,
    #[serde(default)]
    assignees: Vec<Login>,
    #[serde(default)]
    labels: Vec<LabelJson>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pull_request: Option<Value>,
}

#[derive(Deserialize)]
struct Login {
    login: String,
}

#[derive(Deserialize)]
struct LabelJson {
    name: String,
}

impl IssueJson {
    fn into_remote(self) -> RemoteIssue {
        RemoteIssue {
            number: self.number,
            id: self.id,
            url: self.html_url,
            title: self.title,
            body: self.body.unwrap_or_default(),
            closed: self.state == "closed",
            state_reason: self.state_reason,
            assignees: self.assignees.into_iter().map(|a| a.login).collect(),
            labels: self.labels.into_iter().map(|l| l.name).collect(),
            updated_at: self.updated_at,
            closed_at: self.closed_at,
        }
    }
}

fn issue_body(draft: &IssueDraft) -> Value {
    json!({
        "title": draft.title,
        "body": draft.body,
        "labels": draft.labels,
        "assignees": draft.assignees,
    })
}

#[async_trait]
impl GitHubApi for OctocrabClient {
    async fn current_login(&self) -> Result<String, GitHubError> {
        let user: Login = self.send_json(Method::GET, "/user", None).await?;
        Ok(user.login)
    }

    async fn repository_access(&self, repo: &Repo) -> Result<RepoAccess, GitHubError> {
        #[derive(Deserialize)]
        struct Permissions {
            #[serde(default)]
            push: bool,
        }
        #[derive(Deserialize)]
        struct RepoJson {
            permissions: Option<Permissions>,
        }
        let found: RepoJson = self
            .send_json(Method::GET, &format!("/repos/{repo}"), None)
            .await?;
        Ok(RepoAccess {
            can_write: found.permissions.is_some_and(|p| p.push),
        })
    }

    async fn labels(&self, repo: &Repo) -> Result<Vec<String>, GitHubError> {
        let mut names = Vec::new();
        for page in 1..=10 {
            let labels: Vec<LabelJson> = self
                .send_json(
                    Method::GET,
                    &format!("/repos/{repo}/labels?per_page=100&page={page}"),
                    None,
                )
                .await?;
            let full = labels.len() == 100;
            names.extend(labels.into_iter().map(|l| l.name));
            if !full {
                break;
            }
        }
        Ok(names)
    }

    async fn create_label(
        &self,
        repo: &Repo,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GitHubError> {
        let body = json!({ "name": name, "color": color, "description": description });
        match self
            .send(
                Method::POST,
                &format!("/repos/{repo}/labels"),
                Some(&body),
                None,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(GitHubError::Refused(message)) if message.contains("already_exists") => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn find_by_marker(
        &self,
        repo: &Repo,
        label: &str,
        marker: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Option<RemoteIssue>, GitHubError> {
        for page in 1..=50 {
            let (listing, more) = self.list_issues(repo, label, since, page, None).await?;
            if let Listing::Changed { issues, .. } = listing
                && let Some(found) = issues.into_iter().find(|i| i.body.contains(marker))
            {
                return Ok(Some(found));
            }
            if !more {
                break;
            }
        }
        Ok(None)
    }

    async fn create_issue(
        &self,
        repo: &Repo,
        draft: &IssueDraft,
    ) -> Result<RemoteIssue, GitHubError> {
        let issue: IssueJson = self
            .send_json(
                Method::POST,
                &format!("/repos/{repo}/issues"),
                Some(&issue_body(draft)),
            )
            .await?;
        Ok(issue.into_remote())
    }

    async fn update_issue(
        &self,
        repo: &Repo,
        number: i64,
        draft: &IssueDraft,
    ) -> Result<RemoteIssue, GitHubError> {
        let issue: IssueJson = self
            .send_json(
                Method::PATCH,
                &format!("/repos/{repo}/issues/{number}"),
                Some(&issue_body(draft)),
            )
            .await?;
        Ok(issue.into_remote())
    }

    async fn add_comment(&self, repo: &Repo, number: i64, body: &str) -> Result<(), GitHubError> {
        let path = format!("/repos/{repo}/issues/{number}/comments");
        self.send(Method::POST, &path, Some(&json!({ "body": body })), None)
            .await?;
        Ok(())
    }

    async fn pull_request_files(
        &self,
        repo: &Repo,
        number: i64,
    ) -> Result<Vec<String>, GitHubError> {
        let mut paths = Vec::new();
        // 100 per page, and GitHub stops at 3,000 files.
        for page in 1..=30 {
            let entries: Vec<Value> = self
                .send_json(
                    Method::GET,
                    &format!("/repos/{repo}/pulls/{number}/files?per_page=100&page={page}"),
                    None,
                )
                .await?;
            let full = entries.len() == 100;
            paths.extend(
                entries
                    .iter()
                    .filter_map(|e| e.get("filename").and_then(Value::as_str))
                    .map(str::to_owned),
            );
            if !full {
                break;
            }
        }
        Ok(paths)
    }

    async fn create_commit_status(
        &self,
        repo: &Repo,
        sha: &str,
        status: &CommitStatus,
    ) -> Result<(), GitHubError> {
        let body = json!({
            "state": status.state,
            "target_url": status.target_url,
            "description": status.description.chars().take(140).collect::<String>(),
            "context": status.context,
        });
        self.send(
            Method::POST,
            &format!("/repos/{repo}/statuses/{sha}"),
            Some(&body),
            None,
        )
        .await?;
        Ok(())
    }

    async fn close_not_planned(&self, repo: &Repo, number: i64) -> Result<(), GitHubError> {
        let close = json!({ "state": "closed", "state_reason": "not_planned" });
        let path = format!("/repos/{repo}/issues/{number}");
        self.send(Method::PATCH, &path, Some(&close), None).await?;
        Ok(())
    }

    async fn add_sub_issue(
        &self,
        repo: &Repo,
        parent: i64,
        child_id: i64,
    ) -> Result<(), GitHubError> {
        let body = json!({ "sub_issue_id": child_id });
        let path = format!("/repos/{repo}/issues/{parent}/sub_issues");
        match self.send(Method::POST, &path, Some(&body), None).await {
            Ok(_) => Ok(()),
            Err(GitHubError::Refused(message)) if message.contains("duplicate") => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn merged_pull_request(&self, repo: &Repo, number: i64) -> Result<bool, GitHubError> {
        let events: Vec<Value> = self
            .send_json(
                Method::GET,
                &format!("/repos/{repo}/issues/{number}/timeline?per_page=100"),
                None,
            )
            .await?;
        Ok(events.iter().any(|event| {
            event.get("event").and_then(Value::as_str) == Some("cross-referenced")
                && event
                    .pointer("/source/issue/pull_request/merged_at")
                    .is_some_and(|m| !m.is_null())
        }))
    }

    async fn issues_changed(
        &self,
        repo: &Repo,
        label: &str,
        since: Option<DateTime<Utc>>,
        etag: Option<&str>,
    ) -> Result<Listing, GitHubError> {
        let (first, mut more) = self.list_issues(repo, label, since, 1, etag).await?;
        let Listing::Changed {
            mut issues,
            etag: first_etag,
        } = first
        else {
            return Ok(Listing::NotModified);
        };
        let mut page = 2;
        while more && page <= 50 {
            let (next, next_more) = self.list_issues(repo, label, since, page, None).await?;
            if let Listing::Changed { issues: rest, .. } = next {
                issues.extend(rest);
            }
            more = next_more;
            page += 1;
        }
        Ok(Listing::Changed {
            issues,
            etag: first_etag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_names_what_github_refused() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"}]}"#,
        )
        .unwrap();
        assert_eq!(body.describe(), "Validation Failed (already_exists)");
    }

    #[test]
    fn a_key_that_is_not_pem_is_a_configuration_error() {
        let error = OctocrabClient::new(
            &Credentials::App {
                app_id: 1,
                private_key: "not a key".into(),
                installation_id: 2,
            },
            None,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(matches!(error, GitHubError::Config(m) if m.contains("RSA PEM")));
    }
}

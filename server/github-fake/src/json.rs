//! The JSON shapes GitHub answers with: users, labels, repositories, issues, timelines, webhook payloads.

use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::state::{Change, Event, HUMAN, Happening, Issue, Label, Repo, State, Time};

/// A timestamp as GitHub writes it: `2024-05-01T12:00:00Z`.
pub(crate) fn ts(time: Time) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn ts_opt(time: Option<Time>) -> Value {
    time.map_or(Value::Null, |t| Value::String(ts(t)))
}

/// Percent-encodes one URL path segment.
pub(crate) fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A user object with all its URLs.
pub(crate) fn user(st: &State, login: &str) -> Value {
    let (id, kind) = st.users.get(login).map_or((1, "User"), |u| (u.id, u.kind));
    let api = format!("{}/users/{login}", st.base_url);
    let html = match kind {
        "Bot" => format!("https://github.com/apps/{login}"),
        _ => format!("https://github.com/{login}"),
    };
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_fake{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": api,
        "html_url": html,
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false,
    })
}

fn repo_api(st: &State, repo: &Repo) -> String {
    format!("{}/repos/{}", st.base_url, repo.full_name())
}

/// A label object.
pub(crate) fn label(st: &State, repo: &Repo, label: &Label) -> Value {
    json!({
        "id": label.id,
        "node_id": format!("LA_fake{}", label.id),
        "url": format!("{}/labels/{}", repo_api(st, repo), encode(&label.name)),
        "name": label.name,
        "color": label.color,
        "default": false,
        "description": label.description,
    })
}

/// A full repository object; `permissions` follow `writable`.
pub(crate) fn repository(st: &State, repo: &Repo) -> Value {
    let api = repo_api(st, repo);
    let full = repo.full_name();
    let open = repo
        .issues
        .values()
        .filter(|i| i.open && i.pull_request.is_none())
        .count();
    let mut value = json!({
        "id": repo.id,
        "node_id": format!("R_fake{}", repo.id),
        "name": repo.name,
        "full_name": full,
        "private": false,
        "owner": user(st, &repo.owner),
        "html_url": format!("https://github.com/{full}"),
        "description": null,
        "fork": false,
        "url": api,
        "git_url": format!("git://github.com/{full}.git"),
        "ssh_url": format!("git@github.com:{full}.git"),
        "clone_url": format!("https://github.com/{full}.git"),
        "svn_url": format!("https://github.com/{full}"),
    });
    let counts = json!({
        "homepage": null,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": true,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": false,
        "disabled": false,
        "open_issues_count": open,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": [],
        "visibility": "public",
        "forks": 0,
        "open_issues": open,
        "watchers": 0,
        "default_branch": "main",
        "created_at": ts(repo.created_at),
        "updated_at": ts(repo.created_at),
        "pushed_at": ts(repo.created_at),
        "permissions": {
            "admin": false, "maintain": false, "push": repo.writable, "triage": repo.writable, "pull": true,
        },
    });
    value = merge(value, counts);
    let urls = [
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("hooks_url", "/hooks"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("issues_url", "/issues{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("pulls_url", "/pulls{/number}"),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
    ];
    for (name, suffix) in urls {
        value[name] = json!(format!("{api}{suffix}"));
    }
    value
}

/// A full issue object (with `pull_request` for pull requests).
pub(crate) fn issue(st: &State, repo: &Repo, issue: &Issue) -> Value {
    let url = format!("{}/issues/{}", repo_api(st, repo), issue.number);
    let html = format!(
        "https://github.com/{}/issues/{}",
        repo.full_name(),
        issue.number
    );
    let labels: Vec<Value> = issue
        .labels
        .iter()
        .filter_map(|name| repo.label(name))
        .map(|l| label(st, repo, l))
        .collect();
    let assignees: Vec<Value> = issue.assignees.iter().map(|a| user(st, a)).collect();
    let subs = issue.sub_issues.iter().filter_map(|n| repo.issues.get(n));
    let completed = subs.clone().filter(|s| !s.open).count();
    let total = issue.sub_issues.len();
    let association = if issue.author == HUMAN {
        "MEMBER"
    } else {
        "NONE"
    };
    let mut value = json!({
        "url": url,
        "repository_url": repo_api(st, repo),
        "labels_url": format!("{url}/labels{{/name}}"),
        "comments_url": format!("{url}/comments"),
        "events_url": format!("{url}/events"),
        "html_url": html,
        "id": issue.id,
        "node_id": format!("I_fake{}", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": user(st, &issue.author),
        "labels": labels,
        "state": if issue.open { "open" } else { "closed" },
        "locked": false,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "milestone": null,
        "comments": issue.comments.len(),
        "created_at": ts(issue.created_at),
        "updated_at": ts(issue.updated_at),
        "closed_at": ts_opt(issue.closed_at),
        "closed_by": issue.closed_by.as_deref().map_or(Value::Null, |l| user(st, l)),
        "author_association": association,
        "active_lock_reason": null,
        "sub_issues_summary": {
            "total": total,
            "completed": completed,
            "percent_completed": (completed * 100).checked_div(total).unwrap_or(0),
        },
        "body": issue.body,
        "timeline_url": format!("{url}/timeline"),
        "performed_via_github_app": null,
        "state_reason": issue.state_reason,
    });
    if let Some(merged_at) = issue.pull_request {
        let pulls = format!(
            "https://github.com/{}/pull/{}",
            repo.full_name(),
            issue.number
        );
        value["html_url"] = json!(pulls);
        value["draft"] = json!(false);
        value["pull_request"] = json!({
            "url": format!("{}/pulls/{}", repo_api(st, repo), issue.number),
            "html_url": pulls,
            "diff_url": format!("{pulls}.diff"),
            "patch_url": format!("{pulls}.patch"),
            "merged_at": ts(merged_at),
        });
    }
    value
}

/// The timeline entries of an issue, oldest first.
pub(crate) fn timeline(st: &State, repo: &Repo, issue: &Issue) -> Vec<Value> {
    issue
        .events
        .iter()
        .map(|e| timeline_entry(st, repo, e))
        .collect()
}

fn timeline_entry(st: &State, repo: &Repo, e: &Event) -> Value {
    let (event, extra) = match &e.what {
        Happening::Closed(reason) => ("closed", json!({ "state_reason": reason })),
        Happening::Reopened => ("reopened", json!({ "state_reason": null })),
        Happening::Labeled(name) | Happening::Unlabeled(name) => {
            let color = repo.label(name).map_or("ededed", |l| l.color.as_str());
            let event = if matches!(e.what, Happening::Labeled(_)) {
                "labeled"
            } else {
                "unlabeled"
            };
            (event, json!({ "label": { "name": name, "color": color } }))
        }
        Happening::Assigned(login) | Happening::Unassigned(login) => {
            let event = if matches!(e.what, Happening::Assigned(_)) {
                "assigned"
            } else {
                "unassigned"
            };
            (
                event,
                json!({ "assignee": user(st, login), "assigner": user(st, &e.actor) }),
            )
        }
        Happening::Renamed { from, to } => {
            ("renamed", json!({ "rename": { "from": from, "to": to } }))
        }
        Happening::CrossReferenced(pr) => {
            let source = repo.issues.get(pr).map(|p| issue(st, repo, p));
            let extra =
                json!({ "updated_at": ts(e.at), "source": { "type": "issue", "issue": source } });
            ("cross-referenced", extra)
        }
    };
    let mut value = json!({ "event": event, "actor": user(st, &e.actor), "created_at": ts(e.at) });
    // Like GitHub, a cross-reference has no id, url or commit of its own.
    if !matches!(e.what, Happening::CrossReferenced(_)) {
        value["id"] = json!(e.id);
        value["node_id"] = json!(format!("E_fake{}", e.id));
        value["url"] = json!(format!("{}/issues/events/{}", repo_api(st, repo), e.id));
        value["commit_id"] = Value::Null;
        value["commit_url"] = Value::Null;
        value["performed_via_github_app"] = Value::Null;
    }
    merge(value, extra)
}

/// `base` with the fields of `extra` added.
fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(extra)) = (base.as_object_mut(), extra) {
        b.extend(extra);
    }
    base
}

/// The minimal installation object webhooks carry.
fn event_installation() -> Value {
    json!({ "id": 1, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" })
}

/// The payload of an `issues` webhook for `change`, sent by `sender`.
pub(crate) fn issue_event(
    st: &State,
    repo: &Repo,
    issue: &Issue,
    change: &Change,
    sender: &str,
) -> Value {
    let (action, extra) = match change {
        Change::Opened => ("opened", json!({})),
        Change::Edited { title, body } => {
            let mut changes = json!({});
            if let Some(from) = title {
                changes["title"] = json!({ "from": from });
            }
            if let Some(from) = body {
                changes["body"] = json!({ "from": from });
            }
            ("edited", json!({ "changes": changes }))
        }
        Change::Closed => ("closed", json!({})),
        Change::Reopened => ("reopened", json!({})),
        Change::Labeled(name) | Change::Unlabeled(name) => {
            let action = if matches!(change, Change::Labeled(_)) {
                "labeled"
            } else {
                "unlabeled"
            };
            let l = repo.label(name).map_or(Value::Null, |l| label(st, repo, l));
            (action, json!({ "label": l }))
        }
        Change::Assigned(login) | Change::Unassigned(login) => {
            let action = if matches!(change, Change::Assigned(_)) {
                "assigned"
            } else {
                "unassigned"
            };
            (action, json!({ "assignee": user(st, login) }))
        }
    };
    let payload = json!({
        "action": action,
        "issue": self::issue(st, repo, issue),
        "repository": repository(st, repo),
        "sender": user(st, sender),
        "installation": event_installation(),
    });
    merge(payload, extra)
}

/// An app installation on `account`.
pub(crate) fn installation(st: &State, id: u64, account: &str) -> Value {
    let now = ts(crate::state::now());
    json!({
        "id": id,
        "account": user(st, account),
        "access_tokens_url": format!("{}/app/installations/{id}/access_tokens", st.base_url),
        "repositories_url": format!("{}/installation/repositories", st.base_url),
        "html_url": format!("https://github.com/organizations/{account}/settings/installations/{id}"),
        "app_id": 1,
        "app_slug": "postmortem",
        "target_id": st.users.get(account).map_or(1, |u| u.id),
        "target_type": "Organization",
        "permissions": { "issues": "write", "metadata": "read" },
        "events": ["issues"],
        "created_at": now,
        "updated_at": now,
        "single_file_name": null,
        "repository_selection": "all",
    })
}

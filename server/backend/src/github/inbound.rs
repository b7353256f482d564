//! Changes that come back from GitHub, by webhook or by reconcile: an issue closed (verified only
//! with a merged pull request), reopened, retitled or assigned updates its action item. Webhook
//! deliveries are verified (HMAC-SHA256, constant-time), recorded by id so a repeat changes
//! nothing, and the app's own echoes are ignored; payloads the app does not understand are kept.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};
use serde_json::Value;
use sha2::Sha256;

use super::client::Repo;
use super::outbox;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::github_delivery;
use crate::entities::github_issue::{self, Entity as GithubIssue};
use crate::entities::user::{self, Entity as User};
use crate::{AppError, AppState};
use shared::domain::github::{self as rules, Verification};
use shared::domain::postmortem::ActionStatus;

/// Actions of the `issues` event that change an item.
const APPLIED: &[&str] = &["closed", "reopened", "edited", "assigned", "unassigned"];
/// Actions GitHub documents that leave items alone.
const KNOWN: &[&str] = &[
    "opened",
    "deleted",
    "transferred",
    "pinned",
    "unpinned",
    "labeled",
    "unlabeled",
    "locked",
    "unlocked",
    "milestoned",
    "demilestoned",
    "typed",
    "untyped",
];

/// An issue as GitHub reports it, by webhook or listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueReport {
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub closed: bool,
    pub state_reason: Option<String>,
    pub assignees: Vec<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl IssueReport {
    /// Reads the `issue` and `repository` of a webhook payload.
    pub fn from_payload(payload: &Value) -> Option<Self> {
        let issue = payload.get("issue")?;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            repository: text(payload.get("repository")?, "full_name")?,
            number: issue.get("number")?.as_i64()?,
            title: text(issue, "title").unwrap_or_default(),
            body: text(issue, "body").unwrap_or_default(),
            closed: text(issue, "state").as_deref() == Some("closed"),
            state_reason: text(issue, "state_reason"),
            assignees: issue
                .get("assignees")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|u| text(u, "login")).collect())
                .unwrap_or_default(),
            closed_at: text(issue, "closed_at").and_then(|t| t.parse().ok()),
        })
    }
}

/// The answer to a webhook delivery.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub message: String,
}

fn reply(status: u16, message: impl Into<String>) -> Reply {
    Reply {
        status,
        message: message.into(),
    }
}

/// Checks `sha256=<hex>` against the body, in constant time.
pub fn signature_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_signature) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(signature) = hex::decode(hex_signature) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// True when no refused delivery was noted in the history in the minute before `now` (seconds).
fn refusal_worth_noting(now: i64) -> bool {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST_NOTED: AtomicI64 = AtomicI64::new(i64::MIN);
    let last = LAST_NOTED.load(Ordering::Relaxed);
    now.saturating_sub(last) >= 60
        && LAST_NOTED
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// Handles one webhook delivery from GitHub.
pub async fn receive(
    state: &AppState,
    event: Option<&str>,
    delivery: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Reply, AppError> {
    let Some(connection) = super::connection::load(&state.db).await? else {
        return Ok(reply(404, "GitHub is not connected here."));
    };
    let Some(secret) = connection.webhook_secret.as_deref() else {
        return Ok(reply(403, "Set a webhook secret in Admin → GitHub first."));
    };
    if !signature_valid(secret, body, signature) {
        // Anyone can send these: the history notes them at most once a minute, so a flood of
        // forged deliveries cannot fill the database (each one still shows in /metrics).
        if refusal_worth_noting(chrono::Utc::now().timestamp()) {
            outbox::log(
                &state.db,
                None,
                None,
                true,
                "Refused a webhook delivery with a missing or wrong signature (further ones this minute are not listed).",
            )
            .await?;
        }
        return Ok(reply(
            401,
            "The X-Hub-Signature-256 signature does not match the webhook secret.",
        ));
    }
    let (Some(event), Some(delivery)) = (event, delivery) else {
        return Ok(reply(
            400,
            "X-GitHub-Event and X-GitHub-Delivery are required.",
        ));
    };
    let cleaned = crate::clean_text::clean_json(body);
    let body = cleaned.as_deref().unwrap_or(body);
    let payload: Result<Value, _> = serde_json::from_slice(body);
    let action = payload
        .as_ref()
        .ok()
        .and_then(|p| p.get("action"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (outcome, detail, keep) = match (&payload, event) {
        (Err(e), _) => ("malformed", format!("Not JSON: {e}"), true),
        (Ok(_), "ping") => (
            "ignored",
            "Ping: the webhook reaches the app.".to_owned(),
            false,
        ),
        (Ok(_), "issues") => match action.as_deref() {
            Some(a) if APPLIED.contains(&a) || KNOWN.contains(&a) => {
                ("received", String::new(), false)
            }
            _ => (
                "unknown",
                format!("An issues action this app does not know: {action:?}"),
                true,
            ),
        },
        (Ok(_), "deployment_status" | "pull_request") => ("received", String::new(), false),
        (Ok(_), other) => ("ignored", format!("The {other} event is not used."), false),
    };
    let record = github_delivery::ActiveModel {
        delivery_id: Set(delivery.chars().take(100).collect()),
        received_at: Set(Utc::now()),
        event: Set(event.chars().take(64).collect()),
        action: Set(action.clone().map(|a| a.chars().take(64).collect())),
        outcome: Set(outcome.to_owned()),
        detail: Set(detail.clone()),
        payload: Set(keep.then(|| String::from_utf8_lossy(body).into_owned())),
    };
    if let Err(error) = record.insert(&state.db).await {
        return match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Ok(reply(200, "Already received; ignored."))
            }
            _ => Err(error.into()),
        };
    }
    match outcome {
        "malformed" => return Ok(reply(400, detail)),
        "received" => {}
        _ => {
            return Ok(reply(
                202,
                if detail.is_empty() {
                    "Ignored.".to_owned()
                } else {
                    detail
                },
            ));
        }
    }
    let payload = payload.unwrap_or_default();
    let action = action.unwrap_or_default();
    let sender = payload
        .pointer("/sender/login")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (outcome, message) = if event == "deployment_status" {
        deployment_status(state, &payload).await?
    } else if event == "pull_request" {
        match super::connection::client_for(&connection, state.github.timeout) {
            Ok(client) => {
                crate::changes::github::pull_request_event(state, client.as_ref(), &payload).await?
            }
            Err(error) => ("failed", format!("No GitHub client: {error}")),
        }
    } else if !APPLIED.contains(&action.as_str()) {
        ("ignored", format!("issues.{action} does not change items."))
    } else if connection.bot_login.as_deref() == Some(sender) {
        ("echo", "The app's own change; ignored.".to_owned())
    } else {
        match IssueReport::from_payload(&payload) {
            None => ("ignored", "No issue in the payload.".to_owned()),
            Some(report) => match apply_report(state, &report, Some(sender)).await? {
                Some(message) => ("applied", message),
                None => (
                    "ignored",
                    "Not an issue of an action item, or nothing changed.".to_owned(),
                ),
            },
        }
    };
    github_delivery::Entity::update_many()
        .col_expr(github_delivery::Column::Outcome, outcome.into())
        .col_expr(github_delivery::Column::Detail, message.clone().into())
        .filter(github_delivery::Column::DeliveryId.eq(delivery))
        .exec(&state.db)
        .await?;
    Ok(reply(200, message))
}

/// A finished deployment reported by GitHub: recorded against the service whose repository it
/// ran in. Pending and in-progress statuses are ignored.
async fn deployment_status(
    state: &AppState,
    payload: &Value,
) -> Result<(&'static str, String), AppError> {
    let text = |pointer: &str| {
        payload
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let status = match text("/deployment_status/state").as_deref() {
        Some("success") => "success",
        Some("failure" | "error") => "failure",
        Some(other) => {
            return Ok((
                "ignored",
                format!("Deployment status {other}: not finished."),
            ));
        }
        None => return Ok(("ignored", "No deployment status in the payload.".to_owned())),
    };
    let Some(repository) = text("/repository/full_name") else {
        return Ok(("ignored", "No repository in the payload.".to_owned()));
    };
    let Some(service) = crate::entities::service::Entity::find()
        .filter(crate::entities::service::Column::Repository.eq(&repository))
        .one(&state.db)
        .await?
    else {
        return Ok((
            "ignored",
            format!("No service in the catalog has the repository {repository}."),
        ));
    };
    let id = payload
        .pointer("/deployment/id")
        .and_then(Value::as_i64)
        .map(|id| id.to_string())
        .unwrap_or_default();
    let report = shared::domain::deployment::DeploymentReport {
        service: service.slug.clone(),
        version: text("/deployment/ref")
            .or_else(|| text("/deployment/sha"))
            .unwrap_or_default(),
        environment: text("/deployment/environment"),
        status: Some(status.to_owned()),
        deployed_at: text("/deployment_status/created_at"),
        id: Some(format!("{repository}#{id}")),
        url: text("/deployment_status/target_url")
            .or_else(|| text("/deployment_status/environment_url"))
            .filter(|u| !u.is_empty()),
        change: None,
    };
    let deployment = match report.check(Utc::now()) {
        Ok(deployment) => deployment,
        Err(errors) => {
            let reasons: Vec<String> = errors.0.into_iter().map(|e| e.message).collect();
            return Ok((
                "ignored",
                format!("Deployment not recorded: {}", reasons.join(" ")),
            ));
        }
    };
    let recorded =
        crate::deployments::record(state, &deployment, "github", "GitHub deployment_status")
            .await?;
    Ok((
        "applied",
        format!(
            "Recorded the {} deployment of {} {} ({}){}.",
            deployment.environment,
            service.name,
            deployment.version,
            deployment.status,
            if recorded.linked_incidents.is_empty() {
                String::new()
            } else {
                format!("; linked to incidents {:?}", recorded.linked_incidents)
            }
        ),
    ))
}

/// Brings an item in line with its issue as GitHub reports it. Returns what changed, or `None`
/// when the issue is not an item's or nothing differs.
pub async fn apply_report(
    state: &AppState,
    report: &IssueReport,
    by: Option<&str>,
) -> Result<Option<String>, AppError> {
    let Some(item_id) = rules::parse_marker(&report.body) else {
        return Ok(None);
    };
    let Some(link) = GithubIssue::find_by_id(item_id).one(&state.db).await? else {
        return Ok(None);
    };
    if link.repository != report.repository || link.number != report.number {
        return Ok(None);
    }
    let Some(item) = ActionItem::find_by_id(item_id).one(&state.db).await? else {
        return Ok(None);
    };
    let merged_pr = if report.closed {
        merged_pull_request(state, &link)
            .await
            .unwrap_or(link.merged_pr)
    } else {
        link.merged_pr
    };
    let verification =
        rules::verification(report.closed, report.state_reason.as_deref(), merged_pr);
    let owner = match report.assignees.first() {
        Some(login) => User::find()
            .filter(user::Column::GithubLogin.eq(login.as_str()))
            .filter(user::Column::DisabledAt.is_null())
            .one(&state.db)
            .await?
            .map(|u| u.id)
            .or(item.owner_id),
        None => item.owner_id,
    };
    let status = match (report.closed, report.state_reason.as_deref()) {
        (true, Some("completed") | None) => ActionStatus::Done,
        (true, _) => item.status,
        (false, _) => ActionStatus::Open,
    };
    let title = report.title.trim();
    let mut changes = Vec::new();
    if link.verification != verification.as_str()
        || link.state != if report.closed { "closed" } else { "open" }
    {
        changes.push(match verification {
            Verification::Open => format!("issue #{} is open", report.number),
            v => format!("issue #{} is {}", report.number, v.label().to_lowercase()),
        });
    }
    if !title.is_empty() && title != item.title {
        changes.push(format!("title is now \"{title}\""));
    }
    if owner != item.owner_id {
        changes.push(format!(
            "owner is now @{}",
            report.assignees.first().cloned().unwrap_or_default()
        ));
    }
    if status != item.status {
        changes.push(format!("status is now {}", status.label().to_lowercase()));
    }
    if changes.is_empty() && link.merged_pr == merged_pr {
        return Ok(None);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut l: github_issue::ActiveModel = link.clone().into();
    l.state = Set(if report.closed { "closed" } else { "open" }.to_owned());
    l.state_reason = Set(report.state_reason.clone());
    l.merged_pr = Set(merged_pr);
    l.verification = Set(verification.as_str().to_owned());
    l.closed_at = Set(report.closed_at);
    l.synced_at = Set(Utc::now());
    l.update(&txn).await?;
    let item_changed = title != item.title || owner != item.owner_id || status != item.status;
    if item_changed {
        let now = Utc::now();
        let mut i: action_item::ActiveModel = item.clone().into();
        if !title.is_empty() {
            i.title = Set(title.chars().take(200).collect());
        }
        i.owner_id = Set(owner);
        i.status = Set(status);
        i.done_at = Set(match status {
            ActionStatus::Done => item.done_at.or(Some(now)),
            ActionStatus::Open => None,
        });
        i.version = Set(item.version + 1);
        i.updated_by_label = Set(format!("GitHub ({})", by.unwrap_or("reconcile")));
        i.updated_at = Set(now);
        i.update(&txn).await?;
    }
    let mut message = format!("From GitHub: {}.", changes.join(", "));
    if verification == Verification::Verified {
        let retired = crate::changes::guardrails::retire_verified(&txn, item_id).await?;
        if retired > 0 {
            message.push_str(&format!(
                " {retired} guardrail(s) waiting for this pipeline test retired."
            ));
        }
    }
    outbox::log(&txn, Some(item_id), Some(&link.repository), false, &message).await?;
    txn.commit().await?;
    crate::postmortems::document::announce_action(state, item_id).await?;
    Ok(Some(message))
}

/// Asks GitHub whether a merged pull request references the issue.
async fn merged_pull_request(state: &AppState, link: &github_issue::Model) -> Option<bool> {
    let connection = super::connection::load(&state.db).await.ok()??;
    let client = super::connection::client_for(&connection, state.github.timeout).ok()?;
    let repo = Repo::parse(&link.repository)?;
    match client.merged_pull_request(&repo, link.number).await {
        Ok(merged) => Some(merged),
        Err(error) => {
            tracing::warn!(%error, repository = %link.repository, number = link.number, "could not read the issue's timeline");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn only_the_right_signature_of_the_exact_body_is_accepted() {
        let body = br#"{"action":"closed"}"#;
        let good = sign("s3cret-s3cret-s3cret", body);
        assert!(signature_valid("s3cret-s3cret-s3cret", body, Some(&good)));
        assert!(!signature_valid("another-secret-xx", body, Some(&good)));
        assert!(!signature_valid(
            "s3cret-s3cret-s3cret",
            br#"{"action":"reopened"}"#,
            Some(&good)
        ));
        assert!(!signature_valid("s3cret-s3cret-s3cret", body, None));
        assert!(!signature_valid(
            "s3cret-s3cret-s3cret",
            body,
            Some("sha1=abc")
        ));
        assert!(!signature_valid(
            "s3cret-s3cret-s3cret",
            body,
            Some("sha256=zz")
        ));
    }

    #[test]
    fn a_payload_gives_the_issue_as_reported() {
        let payload: Value = serde_json::from_str(
            r#"{"action":"closed","issue":{"number":7,"title":"T","body":"b <!-- postmortem:action-item:3 -->","state":"closed","state_reason":"completed","assignees":[{"login":"octocat"}],"closed_at":"2026-11-27T10:00:00Z"},"repository":{"full_name":"acme/checkout"},"sender":{"login":"octocat"}}"#,
        )
        .unwrap();
        let report = IssueReport::from_payload(&payload).unwrap();
        assert_eq!(report.repository, "acme/checkout");
        assert_eq!(report.number, 7);
        assert!(report.closed);
        assert_eq!(report.assignees, ["octocat"]);
        assert_eq!(rules::parse_marker(&report.body), Some(3));
        assert!(IssueReport::from_payload(&serde_json::json!({"action":"closed"})).is_none());
    }
}

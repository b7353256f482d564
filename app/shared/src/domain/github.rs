//! GitHub follow-up rules: the issue an action item becomes (title, Markdown body with a hidden
//! marker, labels, assignee), how a closed issue counts (verified only with a merged pull request),
//! and when a failed sync is retried or parked.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::postmortem::{ActionKind, ActionPriority};

/// The label every follow-up issue carries.
pub const ACTION_LABEL: &str = "postmortem-action";
/// The label of pipeline-test issues, which also form the pipeline-test backlog.
pub const PIPELINE_TEST_LABEL: &str = "pipeline-test";
/// Failed attempts after which a sync job is parked for a person to look at.
pub const MAX_ATTEMPTS: u32 = 8;
/// The longest wait between two attempts of one job.
pub const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

/// The hidden marker of a repository's pipeline-test tracking issue.
pub const TRACKING_MARKER: &str = "<!-- postmortem:pipeline-test-backlog -->";

/// The tracking issue whose sub-issues are a repository's pipeline tests.
pub fn tracking_issue() -> IssueDraft {
    IssueDraft {
        title: "Pipeline test backlog".into(),
        body: format!(
            "The regression tests and CI guardrails this repository's pipeline should gain, \
             from blameless postmortems. Each sub-issue is one pipeline test; it counts as \
             verified when it is closed as completed and a merged pull request references it.\n\n{TRACKING_MARKER}\n"
        ),
        labels: vec![PIPELINE_TEST_LABEL.to_owned()],
        assignees: Vec::new(),
    }
}

/// Every label the app puts on issues, created in a repository when missing.
pub fn all_labels() -> Vec<String> {
    let mut labels = vec![ACTION_LABEL.to_owned()];
    labels.extend(ActionKind::ALL.iter().map(|k| kind_label(*k).to_owned()));
    labels.extend(ActionPriority::ALL.iter().map(|p| priority_label(*p)));
    labels
}

/// The hidden marker in an issue body that names the action item it tracks. After an unknown
/// outcome (timeout, 5xx, crash) the worker looks for it before creating anything.
pub fn marker(item_id: i64) -> String {
    format!("<!-- postmortem:action-item:{item_id} -->")
}

/// The action item named by the marker in `body`, if any.
pub fn parse_marker(body: &str) -> Option<i64> {
    let start = body.find("<!-- postmortem:action-item:")? + "<!-- postmortem:action-item:".len();
    let rest = &body[start..];
    let end = rest.find(" -->")?;
    rest[..end].trim().parse().ok()
}

/// What an issue is made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFacts {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub priority: ActionPriority,
    pub due_on: Option<NaiveDate>,
    /// The contributing factor the item addresses.
    pub factor: Option<String>,
    pub postmortem_title: String,
    /// One or two sentences on what happened (the postmortem's summary, shortened).
    pub what_happened: String,
    pub postmortem_url: String,
    /// The problem whose fix the item implements: title and address.
    pub problem: Option<(String, String)>,
    /// The owner's GitHub login, when they mapped their account.
    pub owner_login: Option<String>,
}

/// An issue as it should look on GitHub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueDraft {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
}

/// The label naming an item's kind.
pub fn kind_label(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Fix => "fix",
        ActionKind::PipelineTest => PIPELINE_TEST_LABEL,
        ActionKind::Monitoring => "monitoring",
        ActionKind::Runbook => "runbook",
        ActionKind::Process => "process",
    }
}

/// The label naming an item's priority.
pub fn priority_label(priority: ActionPriority) -> String {
    format!("priority:{}", priority.as_str())
}

/// Colour and description of a label the app creates when a repository lacks it.
pub fn label_style(label: &str) -> (&'static str, &'static str) {
    match label {
        ACTION_LABEL => ("5319e7", "Follow-up from a blameless postmortem"),
        PIPELINE_TEST_LABEL => (
            "0e8a16",
            "A regression test or CI guardrail the pipeline should gain",
        ),
        "priority:high" => ("b60205", "Follow-up priority: high"),
        "priority:medium" => ("fbca04", "Follow-up priority: medium"),
        "priority:low" => ("c2e0c6", "Follow-up priority: low"),
        _ => ("1d76db", "Postmortem follow-up kind"),
    }
}

/// What "done" means for a kind, unless the description lists its own `- [ ]` criteria.
fn default_criteria(kind: ActionKind) -> &'static [&'static str] {
    match kind {
        ActionKind::PipelineTest => &[
            "A test or CI check fails under the conditions of this incident",
            "It runs in the service's pipeline on every change",
            "A merged pull request references this issue",
        ],
        ActionKind::Monitoring => &[
            "An alert fires under the conditions of this incident, before customers notice",
            "The alert links to a runbook",
        ],
        ActionKind::Runbook => &[
            "The runbook covers detecting, diagnosing and mitigating this failure",
            "Someone other than the author followed it once",
        ],
        ActionKind::Fix | ActionKind::Process => &["The change is in place and announced"],
    }
}

/// The issue for an action item: the same facts always give the same issue, so an update only
/// sends what changed.
pub fn issue_for(item: &ItemFacts) -> IssueDraft {
    let mut body = String::new();
    if !item.description.trim().is_empty() {
        body.push_str(item.description.trim());
        body.push_str("\n\n");
    }
    body.push_str("## What happened\n\n");
    body.push_str(item.what_happened.trim());
    body.push_str(&format!(
        "\n\nFrom the postmortem [{}]({}).\n\n",
        escape_link_text(&item.postmortem_title),
        item.postmortem_url
    ));
    body.push_str("## Why this matters\n\n");
    match &item.factor {
        Some(factor) => body.push_str(&format!(
            "It addresses the contributing factor **{}**.\n\n",
            factor.trim()
        )),
        None => {
            body.push_str("It makes a repeat of this incident less likely or less harmful.\n\n")
        }
    }
    if let Some((title, url)) = &item.problem {
        body.push_str(&format!(
            "It implements the fix of the problem [{}]({url}).\n\n",
            escape_link_text(title)
        ));
    }
    let listed = item
        .description
        .lines()
        .any(|l| l.trim_start().starts_with("- [ ]"));
    if !listed {
        body.push_str("## Acceptance criteria\n\n");
        for criterion in default_criteria(item.kind) {
            body.push_str(&format!("- [ ] {criterion}\n"));
        }
        body.push('\n');
    }
    let due = item
        .due_on
        .map(|d| d.to_string())
        .unwrap_or_else(|| "not set".into());
    body.push_str(&format!(
        "**Kind:** {} · **Priority:** {} · **Due:** {due}\n\n",
        item.kind.label(),
        item.priority.label().to_lowercase()
    ));
    body.push_str(&marker(item.id));
    body.push('\n');
    let mut labels = vec![
        ACTION_LABEL.to_owned(),
        kind_label(item.kind).to_owned(),
        priority_label(item.priority),
    ];
    labels.dedup();
    IssueDraft {
        title: item.title.trim().to_owned(),
        body,
        labels,
        assignees: item.owner_login.iter().cloned().collect(),
    }
}

/// Keeps a title from closing a Markdown link early.
fn escape_link_text(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

choice! {
    /// Where a synced item's issue stands: open, verified (closed as completed, and a merged pull
    /// request references it) or closed without that evidence.
    Verification {
        Open => ("open", "Open"),
        Verified => ("verified", "Verified"),
        ClosedUnverified => ("closed_unverified", "Closed, unverified"),
    }
}

choice! {
    /// Where an action item stands with GitHub: pending, synced, failed (to be tried again),
    /// parked (failed too often; waits for a person) or without a repository to go to.
    SyncState {
        Pending => ("pending", "Sync pending"),
        Synced => ("synced", "Synced"),
        Failed => ("failed", "Sync failed"),
        Parked => ("parked", "Sync stopped"),
        NoRepository => ("no_repository", "No repository"),
    }
}

/// Whether an issue counts as verified: closed as completed, with a merged pull request that
/// references it.
pub fn verification(closed: bool, state_reason: Option<&str>, merged_pr: bool) -> Verification {
    match (closed, state_reason, merged_pr) {
        (false, _, _) => Verification::Open,
        (true, Some("completed") | None, true) => Verification::Verified,
        _ => Verification::ClosedUnverified,
    }
}

/// What GitHub said about waiting, from a refused or failed answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `retry-after`, in seconds.
    pub retry_after: Option<i64>,
    /// `x-ratelimit-remaining` was 0 and `x-ratelimit-reset` is this moment.
    pub reset_at: Option<DateTime<Utc>>,
}

/// When to try a failed job again: what GitHub asked for if it said, else an exponential backoff
/// from `base` (30 s, 1 min, 2 min … capped at 15 min with the usual base of 30 s). `attempts`
/// counts the failures so far (1 after the first).
pub fn next_attempt(
    attempts: u32,
    limit: RateLimit,
    now: DateTime<Utc>,
    base: Duration,
) -> DateTime<Utc> {
    let exponent = attempts.saturating_sub(1).min(10);
    let backoff = (base * (1_i32 << exponent)).min(Duration::seconds(MAX_BACKOFF_SECONDS));
    let asked = limit
        .retry_after
        .map(|s| now + Duration::seconds(s.max(0)))
        .into_iter()
        .chain(limit.reset_at.map(|at| at + Duration::seconds(1)))
        .max();
    match asked {
        Some(at) if at > now => at,
        _ => now + backoff,
    }
}

/// True when a job has failed often enough to stop retrying by itself.
pub fn should_park(attempts: u32) -> bool {
    attempts >= MAX_ATTEMPTS
}

/// Checks a repository as written in the service catalog: `owner/name`.
pub fn split_repository(repository: &str) -> Option<(&str, &str)> {
    let (owner, name) = repository.trim().split_once('/')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then_some((owner, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> ItemFacts {
        ItemFacts {
            id: 42,
            title: " Add a regression test for the pool limit ".into(),
            description: "The checkout pool must survive 2× peak.".into(),
            kind: ActionKind::PipelineTest,
            priority: ActionPriority::High,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 18),
            factor: Some("Pool size fixed at 10".into()),
            postmortem_title: "Checkout [EU] outage".into(),
            what_happened: "Checkout failed for 18% of payments for 88 minutes.".into(),
            postmortem_url: "https://pm.example/postmortems/7".into(),
            problem: Some((
                "Pool exhaustion".into(),
                "https://pm.example/problems/3".into(),
            )),
            owner_login: Some("octocat".into()),
        }
    }

    #[test]
    fn the_marker_round_trips_and_is_found_anywhere_in_a_body() {
        assert_eq!(parse_marker(&marker(42)), Some(42));
        assert_eq!(
            parse_marker(&format!("text\n\n{}\nmore", marker(7))),
            Some(7)
        );
        assert_eq!(parse_marker("no marker"), None);
        assert_eq!(parse_marker("<!-- postmortem:action-item:x -->"), None);
    }

    #[test]
    fn an_issue_carries_the_story_the_criteria_the_labels_and_the_marker() {
        let issue = issue_for(&item());
        assert_eq!(issue.title, "Add a regression test for the pool limit");
        assert!(
            issue
                .body
                .starts_with("The checkout pool must survive 2× peak.")
        );
        assert!(
            issue
                .body
                .contains("## What happened\n\nCheckout failed for 18%")
        );
        assert!(
            issue
                .body
                .contains("[Checkout \\[EU\\] outage](https://pm.example/postmortems/7)")
        );
        assert!(
            issue
                .body
                .contains("contributing factor **Pool size fixed at 10**")
        );
        assert!(
            issue
                .body
                .contains("[Pool exhaustion](https://pm.example/problems/3)")
        );
        assert!(
            issue
                .body
                .contains("- [ ] A merged pull request references this issue")
        );
        assert!(issue.body.contains("**Due:** 2026-12-18"));
        assert_eq!(parse_marker(&issue.body), Some(42));
        assert_eq!(
            issue.labels,
            ["postmortem-action", "pipeline-test", "priority:high"]
        );
        assert_eq!(issue.assignees, ["octocat"]);
        assert_eq!(
            issue_for(&item()),
            issue,
            "the same facts give the same issue"
        );
    }

    #[test]
    fn criteria_in_the_description_replace_the_defaults() {
        let mut own = item();
        own.description = "Do it.\n- [ ] Load test passes at 2× peak".into();
        own.factor = None;
        own.problem = None;
        own.owner_login = None;
        let issue = issue_for(&own);
        assert!(!issue.body.contains("## Acceptance criteria"));
        assert!(issue.body.contains("- [ ] Load test passes"));
        assert!(issue.body.contains("less likely or less harmful"));
        assert!(issue.assignees.is_empty());
    }

    #[test]
    fn only_completed_issues_with_a_merged_pull_request_are_verified() {
        assert_eq!(verification(false, None, true), Verification::Open);
        assert_eq!(
            verification(true, Some("completed"), true),
            Verification::Verified
        );
        assert_eq!(verification(true, None, true), Verification::Verified);
        assert_eq!(
            verification(true, Some("completed"), false),
            Verification::ClosedUnverified
        );
        assert_eq!(
            verification(true, Some("not_planned"), true),
            Verification::ClosedUnverified
        );
    }

    #[test]
    fn retries_back_off_exponentially_and_honour_what_github_asks() {
        let now: DateTime<Utc> = "2026-11-27T12:00:00Z".parse().unwrap();
        let base = Duration::seconds(30);
        let waits: Vec<i64> = (1..=8)
            .map(|n| (next_attempt(n, RateLimit::default(), now, base) - now).num_seconds())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        let asked = RateLimit {
            retry_after: Some(5),
            reset_at: None,
        };
        assert_eq!((next_attempt(3, asked, now, base) - now).num_seconds(), 5);
        let reset = RateLimit {
            retry_after: None,
            reset_at: Some(now + Duration::seconds(600)),
        };
        assert_eq!((next_attempt(1, reset, now, base) - now).num_seconds(), 601);
        let both = RateLimit {
            retry_after: Some(60),
            reset_at: Some(now + Duration::seconds(10)),
        };
        assert_eq!((next_attempt(1, both, now, base) - now).num_seconds(), 60);
        let past = RateLimit {
            retry_after: None,
            reset_at: Some(now - Duration::seconds(10)),
        };
        assert_eq!((next_attempt(1, past, now, base) - now).num_seconds(), 30);
        assert!(!should_park(MAX_ATTEMPTS - 1));
        assert!(should_park(MAX_ATTEMPTS));
    }

    #[test]
    fn repositories_are_owner_and_name() {
        assert_eq!(
            split_repository("acme/payments-api"),
            Some(("acme", "payments-api"))
        );
        assert_eq!(
            split_repository(" acme/web.site "),
            Some(("acme", "web.site"))
        );
        assert_eq!(split_repository("acme"), None);
        assert_eq!(split_repository("acme/"), None);
        assert_eq!(split_repository("ac me/x"), None);
        assert_eq!(split_repository("a/b/c"), None);
    }

    #[test]
    fn every_label_has_a_style() {
        for kind in ActionKind::ALL {
            let (colour, description) = label_style(kind_label(*kind));
            assert_eq!(colour.len(), 6);
            assert!(!description.is_empty());
        }
        assert_eq!(label_style("priority:high").0, "b60205");
    }
}

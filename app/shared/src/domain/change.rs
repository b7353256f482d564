//! Change control: a proposed deploy of one service as a pipeline reports it, the checks of that
//! report, how the policy's findings combine into one decision (any deny denies, else any review
//! asks for review, else the change is allowed; an emergency change goes ahead and is always
//! reviewed after the fact), and what a person's review makes of it.

use serde::{Deserialize, Serialize};

use super::auth::{Email, Permission, Role};
use super::validation::{FieldError, FieldErrors};

/// Most paths one change may report.
pub const PATHS_MAX: usize = 5_000;
/// Most labels or checks one change may report.
pub const ITEMS_MAX: usize = 200;
/// Longest path, label, check name or branch.
pub const NAME_MAX: usize = 500;
/// Longest title.
pub const TITLE_MAX: usize = 300;

choice! {
    /// ITIL's kinds of change.
    ChangeKind {
        Standard => ("standard", "Standard"),
        Normal => ("normal", "Normal"),
        Emergency => ("emergency", "Emergency"),
    }
}

choice! {
    /// What the gate answers a pipeline.
    Decision {
        Allow => ("allow", "Allowed"),
        Review => ("review", "Needs review"),
        Deny => ("deny", "Denied"),
    }
}

choice! {
    /// What a reviewer made of a change.
    ReviewOutcome {
        Approved => ("approved", "Approved"),
        Rejected => ("rejected", "Rejected"),
    }
}

/// Whether a change waits for a person: one the policy sent to review, or an emergency change
/// (reviewed after the fact), until someone reviews it.
pub fn awaits_review(kind: ChangeKind, decision: Decision, outcome: Option<ReviewOutcome>) -> bool {
    outcome.is_none() && (decision == Decision::Review || kind == ChangeKind::Emergency)
}

/// What a pipeline acts on: the gate's decision, or for a change sent to review, the reviewer's
/// (approved: allow; rejected: deny). An emergency change went ahead already; its review after
/// the fact does not change what the pipeline was told.
pub fn effective_decision(decision: Decision, outcome: Option<ReviewOutcome>) -> Decision {
    match (decision, outcome) {
        (Decision::Review, Some(ReviewOutcome::Approved)) => Decision::Allow,
        (Decision::Review, Some(ReviewOutcome::Rejected)) => Decision::Deny,
        (decision, _) => decision,
    }
}

/// Who besides problem managers and administrators may review the changes of a team's services:
/// `CHANGE_APPROVERS`, e.g. `Payments=ana@acme.example,mo@acme.example;Search=sam@acme.example`
/// (teams as the service catalog names them, case-insensitive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamApprovers(Vec<(String, Vec<String>)>);

impl TeamApprovers {
    /// Reads the setting; an empty one lists nobody.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut teams = Vec::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (team, people) = entry
                .split_once('=')
                .ok_or_else(|| format!("`{entry}` is not `Team=email,email`"))?;
            let team = team.trim();
            if team.is_empty() {
                return Err(format!("`{entry}` names no team"));
            }
            let emails = people
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| {
                    Email::parse(e)
                        .map(|e| e.as_str().to_owned())
                        .map_err(|_| format!("`{e}` is not an email address"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if emails.is_empty() {
                return Err(format!("`{entry}` names nobody"));
            }
            teams.push((team.to_owned(), emails));
        }
        Ok(Self(teams))
    }

    /// Whether a person of `role` with `email` may review a change of a service of `team`:
    /// problem managers and administrators always; anyone else but a viewer when listed for it.
    pub fn may_review(&self, role: Role, email: &str, team: &str) -> bool {
        role.can(Permission::ApproveChanges)
            || (role != Role::Viewer
                && self.0.iter().any(|(t, emails)| {
                    t.eq_ignore_ascii_case(team.trim())
                        && emails.iter().any(|e| e.eq_ignore_ascii_case(email.trim()))
                }))
    }

    /// The teams listed, each with its approvers.
    pub fn teams(&self) -> &[(String, Vec<String>)] {
        &self.0
    }
}

choice! {
    /// How one of the pipeline's checks ended.
    CheckStatus {
        Success => ("success", "Passed"),
        Failure => ("failure", "Failed"),
        Pending => ("pending", "Running"),
        Skipped => ("skipped", "Skipped"),
    }
}

impl CheckStatus {
    /// Reads the words CI systems use for a check's outcome (GitHub's conclusions, GitLab's and
    /// Jenkins' statuses), case-insensitively.
    pub fn from_ci(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "passed" | "pass" | "ok" => Some(Self::Success),
            "failure" | "failed" | "fail" | "error" | "errored" | "cancelled" | "canceled"
            | "timed_out" | "action_required" => Some(Self::Failure),
            "pending" | "queued" | "running" | "in_progress" | "waiting" => Some(Self::Pending),
            "skipped" | "neutral" | "stale" => Some(Self::Skipped),
            _ => None,
        }
    }
}

/// One of the pipeline's checks, as evidence for the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub url: Option<String>,
}

/// Why a decision was taken: the rule that found it, what it found, and the records behind it
/// (addresses in the app, such as `/incidents/123`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub message: String,
    #[serde(default)]
    pub links: Vec<String>,
}

/// What the policy found about a change: reasons to deny, to review, and to allow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    #[serde(default)]
    pub deny: Vec<Reason>,
    #[serde(default)]
    pub review: Vec<Reason>,
    #[serde(default)]
    pub allow: Vec<Reason>,
}

/// The decision and the reasons that led to it (those of the decision's own kind; an emergency
/// change keeps every concern, for its review after the fact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
}

/// Combines the policy's findings for a change of `kind`.
pub fn decide(kind: ChangeKind, findings: Findings) -> Decided {
    let Findings {
        deny,
        review,
        allow,
    } = findings;
    if kind == ChangeKind::Emergency {
        let mut reasons = deny;
        reasons.extend(review);
        reasons.push(Reason {
            rule: "emergency".into(),
            message: "An emergency change goes ahead and is reviewed after the fact.".into(),
            links: Vec::new(),
        });
        return Decided {
            decision: Decision::Allow,
            reasons,
        };
    }
    if !deny.is_empty() {
        Decided {
            decision: Decision::Deny,
            reasons: deny,
        }
    } else if !review.is_empty() {
        Decided {
            decision: Decision::Review,
            reasons: review,
        }
    } else {
        Decided {
            decision: Decision::Allow,
            reasons: allow,
        }
    }
}

/// A change as a pipeline reports it (`POST /api/v1/changes`): only `service` and `commit` are
/// required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReport {
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub commit: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub pull_request: Option<PullRequestRef>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub checks: Vec<ReportedCheck>,
}

/// The pull request a change comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestRef {
    pub number: u64,
    #[serde(default)]
    pub url: Option<String>,
}

/// A check as reported, its status in the CI's own words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedCheck {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// A report that passed its checks: the service still to be found by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDraft {
    /// The service's slug or name, as reported.
    pub service: String,
    pub environment: String,
    pub kind: ChangeKind,
    /// The commit SHA, lower case.
    pub commit: String,
    pub branch: String,
    pub pull_request: Option<PullRequestRef>,
    pub author: String,
    pub title: String,
    pub paths: Vec<String>,
    pub labels: Vec<String>,
    pub checks: Vec<Check>,
}

/// The environment of a change that names none.
pub const DEFAULT_ENVIRONMENT: &str = "production";

/// True for a commit SHA: 7 to 64 hexadecimal digits (abbreviated, SHA-1 or SHA-256).
pub fn is_commit_sha(commit: &str) -> bool {
    (7..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for an address a check or pull request may link to: absolute http(s) only.
fn is_web_address(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

impl ChangeReport {
    /// Checks the report; every problem is named by its field.
    pub fn check(self) -> Result<ChangeDraft, FieldErrors> {
        let mut errors = Vec::new();
        let service = self.service.trim().to_owned();
        if service.is_empty() {
            errors.push(FieldError::new(
                "service",
                "Name the service (its slug or name).",
            ));
        }
        let commit = self.commit.trim().to_ascii_lowercase();
        if !is_commit_sha(&commit) {
            errors.push(FieldError::new(
                "commit",
                "Give the commit SHA: 7 to 64 hexadecimal digits.",
            ));
        }
        let environment = self
            .environment
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| DEFAULT_ENVIRONMENT.into());
        if environment.len() > 64
            || !environment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.push(FieldError::new(
                "environment",
                "An environment is a short name of letters, digits, - and _ (e.g. production).",
            ));
        }
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => ChangeKind::Normal,
            Some(word) => match ChangeKind::parse(&word.to_ascii_lowercase()) {
                Some(kind) => kind,
                None => {
                    errors.push(FieldError::new(
                        "kind",
                        "A change is standard, normal or emergency.",
                    ));
                    ChangeKind::Normal
                }
            },
        };
        let too_long = |s: &str| s.chars().count() > NAME_MAX;
        if self.paths.len() > PATHS_MAX {
            errors.push(FieldError::new(
                "paths",
                format!("At most {PATHS_MAX} paths per change."),
            ));
        } else if self
            .paths
            .iter()
            .any(|p| p.trim().is_empty() || too_long(p))
        {
            errors.push(FieldError::new(
                "paths",
                format!("Each path is a non-empty path of at most {NAME_MAX} characters."),
            ));
        }
        if self.labels.len() > ITEMS_MAX || self.labels.iter().any(|l| too_long(l)) {
            errors.push(FieldError::new(
                "labels",
                format!("At most {ITEMS_MAX} labels of at most {NAME_MAX} characters."),
            ));
        }
        let mut checks = Vec::new();
        if self.checks.len() > ITEMS_MAX {
            errors.push(FieldError::new(
                "checks",
                format!("At most {ITEMS_MAX} checks per change."),
            ));
        } else {
            for (i, check) in self.checks.into_iter().enumerate() {
                let name = check.name.trim().to_owned();
                let status = CheckStatus::from_ci(&check.status);
                let url = check.url.filter(|u| !u.trim().is_empty());
                if name.is_empty() || too_long(&name) {
                    errors.push(FieldError::new(
                        format!("checks[{i}].name"),
                        "Each check needs a name.",
                    ));
                }
                if url.as_deref().is_some_and(|u| !is_web_address(u)) {
                    errors.push(FieldError::new(
                        format!("checks[{i}].url"),
                        "A check's address is an http(s) URL.",
                    ));
                }
                match status {
                    Some(status) => checks.push(Check { name, status, url }),
                    None => errors.push(FieldError::new(
                        format!("checks[{i}].status"),
                        "A check's status is success, failure, pending or skipped.",
                    )),
                }
            }
        }
        if let Some(pr) = &self.pull_request
            && pr.url.as_deref().is_some_and(|u| !is_web_address(u))
        {
            errors.push(FieldError::new(
                "pull_request.url",
                "A pull request's address is an http(s) URL.",
            ));
        }
        let branch = self.branch.unwrap_or_default().trim().to_owned();
        if too_long(&branch) {
            errors.push(FieldError::new(
                "branch",
                "A branch name is at most 500 characters.",
            ));
        }
        let title = self.title.unwrap_or_default().trim().to_owned();
        if title.chars().count() > TITLE_MAX {
            errors.push(FieldError::new(
                "title",
                format!("A title is at most {TITLE_MAX} characters."),
            ));
        }
        let author = self.author.unwrap_or_default().trim().to_owned();
        if too_long(&author) {
            errors.push(FieldError::new(
                "author",
                "An author is at most 500 characters.",
            ));
        }
        if !errors.is_empty() {
            return Err(FieldErrors(errors));
        }
        Ok(ChangeDraft {
            service,
            environment,
            kind,
            commit,
            branch,
            pull_request: self.pull_request,
            author,
            title,
            paths: self
                .paths
                .into_iter()
                .map(|p| p.trim().to_owned())
                .collect(),
            labels: self
                .labels
                .into_iter()
                .map(|l| l.trim().to_owned())
                .collect(),
            checks,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_team_lists_its_own_approvers() {
        let approvers = TeamApprovers::parse(
            "Payments = Ana@Acme.example, mo@acme.example ; Search=sam@acme.example",
        )
        .unwrap();
        assert!(approvers.may_review(Role::Member, "ana@acme.example", "payments"));
        assert!(!approvers.may_review(Role::Member, "ana@acme.example", "Search"));
        assert!(!approvers.may_review(Role::Viewer, "sam@acme.example", "Search"));
        assert!(approvers.may_review(Role::ProblemManager, "pm@acme.example", "Anything"));
        assert!(!TeamApprovers::default().may_review(Role::Member, "ana@acme.example", "Payments"));
        assert!(TeamApprovers::parse("").unwrap().teams().is_empty());
        for bad in [
            "Payments",
            "=a@b.example",
            "Payments=",
            "Payments=not-an-email",
        ] {
            assert!(TeamApprovers::parse(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    fn reason(rule: &str) -> Reason {
        Reason {
            rule: rule.into(),
            message: format!("{rule} found something"),
            links: Vec::new(),
        }
    }

    fn findings(deny: &[&str], review: &[&str], allow: &[&str]) -> Findings {
        Findings {
            deny: deny.iter().map(|r| reason(r)).collect(),
            review: review.iter().map(|r| reason(r)).collect(),
            allow: allow.iter().map(|r| reason(r)).collect(),
        }
    }

    #[test]
    fn any_deny_denies_else_any_review_reviews_else_the_change_is_allowed() {
        let cases = [
            (
                findings(&["freeze"], &["migration"], &["docs"]),
                Decision::Deny,
            ),
            (findings(&[], &["migration"], &["docs"]), Decision::Review),
            (findings(&[], &[], &["docs"]), Decision::Allow),
            (findings(&[], &[], &[]), Decision::Allow),
        ];
        for (found, expected) in cases {
            let decided = decide(ChangeKind::Normal, found.clone());
            assert_eq!(decided.decision, expected, "{found:?}");
        }
    }

    #[test]
    fn the_reasons_are_those_of_the_decision() {
        let decided = decide(
            ChangeKind::Normal,
            findings(&["freeze", "open_incident"], &["migration"], &[]),
        );
        let rules: Vec<&str> = decided.reasons.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(rules, ["freeze", "open_incident"]);
    }

    #[test]
    fn an_emergency_change_goes_ahead_and_awaits_review_with_every_concern() {
        for found in [
            findings(&["open_incident"], &["migration"], &[]),
            findings(&[], &[], &["docs"]),
        ] {
            let decided = decide(ChangeKind::Emergency, found);
            assert_eq!(decided.decision, Decision::Allow);
            assert_eq!(decided.reasons.last().unwrap().rule, "emergency");
            assert!(awaits_review(ChangeKind::Emergency, decided.decision, None));
        }
        let decided = decide(
            ChangeKind::Emergency,
            findings(&["open_incident"], &["migration"], &[]),
        );
        assert_eq!(decided.reasons.len(), 3);
    }

    #[test]
    fn a_change_awaits_review_until_someone_reviews_it() {
        use ChangeKind::*;
        use Decision::*;
        assert!(awaits_review(Normal, Review, None));
        assert!(!awaits_review(Normal, Allow, None));
        assert!(!awaits_review(Standard, Deny, None));
        assert!(awaits_review(Emergency, Allow, None));
        for &outcome in ReviewOutcome::ALL {
            assert!(!awaits_review(Normal, Review, Some(outcome)));
            assert!(!awaits_review(Emergency, Allow, Some(outcome)));
        }
    }

    #[test]
    fn a_review_decides_only_a_change_sent_to_review() {
        use Decision::*;
        use ReviewOutcome::*;
        assert_eq!(effective_decision(Review, None), Review);
        assert_eq!(effective_decision(Review, Some(Approved)), Allow);
        assert_eq!(effective_decision(Review, Some(Rejected)), Deny);
        // An emergency change already went ahead; a denied one stays denied.
        assert_eq!(effective_decision(Allow, Some(Rejected)), Allow);
        assert_eq!(effective_decision(Deny, Some(Approved)), Deny);
    }

    fn report() -> ChangeReport {
        ChangeReport {
            service: "payments-api".into(),
            commit: "9F8e7d6c5b4a".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_report_needs_only_a_service_and_a_commit() {
        let draft = report().check().unwrap();
        assert_eq!(draft.commit, "9f8e7d6c5b4a");
        assert_eq!(draft.environment, "production");
        assert_eq!(draft.kind, ChangeKind::Normal);
        assert!(draft.checks.is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ChangeReport {
            service: " ".into(),
            commit: "not-a-sha".into(),
            environment: Some("prod env!".into()),
            kind: Some("yolo".into()),
            paths: vec!["".into()],
            checks: vec![ReportedCheck {
                name: "tests".into(),
                status: "maybe".into(),
                url: Some("javascript:alert(1)".into()),
            }],
            pull_request: Some(PullRequestRef {
                number: 3,
                url: Some("ftp://x".into()),
            }),
            ..Default::default()
        };
        let errors = bad.check().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "service",
            "commit",
            "environment",
            "kind",
            "paths",
            "checks[0].url",
            "checks[0].status",
            "pull_request.url",
        ] {
            assert!(fields.contains(&field), "{field} not named in {fields:?}");
        }
    }

    #[test]
    fn too_many_paths_are_refused_not_cut() {
        let many = ChangeReport {
            paths: (0..=PATHS_MAX).map(|i| format!("src/{i}.rs")).collect(),
            ..report()
        };
        let errors = many.check().unwrap_err();
        assert_eq!(errors.0[0].field, "paths");
    }

    #[test]
    fn commit_shas_are_hexadecimal_of_a_sane_length() {
        assert!(is_commit_sha("abc1234"));
        assert!(is_commit_sha(&"a".repeat(40)));
        assert!(is_commit_sha(&"0".repeat(64)));
        assert!(!is_commit_sha("abc123"));
        assert!(!is_commit_sha(&"a".repeat(65)));
        assert!(!is_commit_sha("abc123g"));
    }

    #[test]
    fn the_words_of_ci_systems_read_as_check_statuses() {
        assert_eq!(CheckStatus::from_ci("SUCCESS"), Some(CheckStatus::Success));
        assert_eq!(CheckStatus::from_ci("failed"), Some(CheckStatus::Failure));
        assert_eq!(
            CheckStatus::from_ci("timed_out"),
            Some(CheckStatus::Failure)
        );
        assert_eq!(
            CheckStatus::from_ci("in_progress"),
            Some(CheckStatus::Pending)
        );
        assert_eq!(CheckStatus::from_ci("neutral"), Some(CheckStatus::Skipped));
        assert_eq!(CheckStatus::from_ci("maybe"), None);
    }
}

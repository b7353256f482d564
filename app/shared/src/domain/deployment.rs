//! A deployment report, as the deployment webhook receives it (a generic JSON body) or as read
//! from a GitHub `deployment_status` event: checked and normalised before it is stored.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::validation::{FieldError, FieldErrors};

/// The environments whose deployments count for frequency and change failure rate.
pub const PRODUCTION: [&str; 2] = ["production", "prod"];

/// The webhook's JSON body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DeploymentReport {
    /// The service's slug or name in the catalog.
    #[serde(default)]
    pub service: String,
    /// What was deployed: a version, tag or commit.
    #[serde(default)]
    pub version: String,
    /// Defaults to `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// `success` (the default) or `failure` (the rollout itself failed).
    #[serde(default)]
    pub status: Option<String>,
    /// When it finished (RFC 3339); defaults to when it is received.
    #[serde(default)]
    pub deployed_at: Option<String>,
    /// The sender's id for this deployment; a repeat with the same id updates it.
    #[serde(default)]
    pub id: Option<String>,
    /// A link to the pipeline run or release.
    #[serde(default)]
    pub url: Option<String>,
    /// The change it ships, as the change gate knows it: its id (a number) or its commit (a
    /// string). Without it, the change of the same service, environment and commit is found.
    #[serde(default)]
    pub change: Option<ChangeRef>,
}

/// How a deployment names its change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChangeRef {
    Id(i64),
    Commit(String),
}

/// A checked deployment, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub service: String,
    pub version: String,
    pub environment: String,
    pub status: String,
    pub deployed_at: DateTime<Utc>,
    pub external_id: String,
    pub url: Option<String>,
    pub change: Option<ChangeRef>,
}

impl DeploymentReport {
    /// Checks every field, naming each one that is wrong.
    pub fn check(&self, now: DateTime<Utc>) -> Result<Deployment, FieldErrors> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: &str| errors.push(FieldError::new(field, message));
        let service = self.service.trim();
        if service.is_empty() {
            bad(
                "service",
                "Name the service (its slug or name in the catalog).",
            );
        }
        let version = self.version.trim();
        if version.is_empty() {
            bad(
                "version",
                "Say what was deployed (a version, tag or commit).",
            );
        } else if version.chars().count() > 200 {
            bad("version", "Keep the version to 200 characters.");
        }
        let environment = self
            .environment
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or("production")
            .to_lowercase();
        if environment.chars().count() > 100 {
            bad("environment", "Keep the environment to 100 characters.");
        }
        let status = self
            .status
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "success".into());
        if !matches!(status.as_str(), "success" | "failure") {
            bad("status", "Use success or failure.");
        }
        let deployed_at = match self.deployed_at.as_deref().map(str::trim) {
            None | Some("") => Some(now),
            Some(text) => match DateTime::parse_from_rfc3339(text) {
                Ok(at) if at.with_timezone(&Utc) > now + Duration::minutes(5) => {
                    bad("deployed_at", "The deployment time is in the future.");
                    None
                }
                Ok(at) => Some(at.with_timezone(&Utc)),
                Err(_) => {
                    bad(
                        "deployed_at",
                        "Use an RFC 3339 time, e.g. 2026-11-27T10:00:00Z.",
                    );
                    None
                }
            },
        };
        let url = self.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = url
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048)
        {
            bad(
                "url",
                "Give an http(s) address of at most 2,048 characters.",
            );
        }
        let external_id = self.id.as_deref().map(str::trim).unwrap_or_default();
        if external_id.chars().count() > 200 {
            bad("id", "Keep the id to 200 characters.");
        }
        let change = match &self.change {
            Some(ChangeRef::Id(id)) if *id <= 0 => {
                bad("change", "A change id is a positive number.");
                None
            }
            Some(ChangeRef::Commit(commit)) => {
                let commit = commit.trim().to_ascii_lowercase();
                if super::change::is_commit_sha(&commit) {
                    Some(ChangeRef::Commit(commit))
                } else {
                    bad(
                        "change",
                        "Name the change by its id (a number) or its commit SHA (7 to 64 hexadecimal digits).",
                    );
                    None
                }
            }
            other => other.clone(),
        };
        if !errors.is_empty() {
            return Err(FieldErrors(errors));
        }
        let deployed_at = deployed_at.expect("checked above");
        let external_id = if external_id.is_empty() {
            format!("{service}@{version}@{}", deployed_at.timestamp())
        } else {
            external_id.to_owned()
        };
        Ok(Deployment {
            service: service.to_owned(),
            version: version.to_owned(),
            environment,
            status,
            deployed_at,
            external_id,
            url: url.map(str::to_owned),
            change,
        })
    }
}

/// Whether a deployment of a change's service and environment shipped the change (`change_id`,
/// of commit `commit`): it named that change when it was reported (`named`), or named none and
/// its version is the commit or a prefix of it of 7 digits or more.
pub fn ships(change_id: i64, commit: &str, named: Option<i64>, version: &str) -> bool {
    match named {
        Some(named) => named == change_id,
        // Compared byte by byte with the version lower-cased, without a copy per comparison
        // (dashboards and backtests ask this for every change and deployment).
        None => {
            let version = version.trim();
            super::change::is_commit_sha(version)
                && commit.len() >= version.len()
                && commit
                    .bytes()
                    .zip(version.bytes())
                    .all(|(c, v)| c == v.to_ascii_lowercase())
        }
    }
}

/// Whether deployments to `environment` count for frequency and change failure rate.
pub fn is_production(environment: &str) -> bool {
    PRODUCTION.contains(&environment.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn report(json: &str) -> DeploymentReport {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_minimal_report_defaults_to_a_successful_production_deployment_now() {
        let d = report(r#"{"service":"payments-api","version":"v2.3.1"}"#)
            .check(now())
            .unwrap();
        assert_eq!(d.environment, "production");
        assert_eq!(d.status, "success");
        assert_eq!(d.deployed_at, now());
        assert_eq!(
            d.external_id,
            format!("payments-api@v2.3.1@{}", now().timestamp())
        );
        assert!(is_production(&d.environment));
    }

    #[test]
    fn a_deployment_ships_the_change_it_names_or_whose_commit_it_is() {
        let commit = "9f8e7d6c5b4a";
        assert!(ships(7, commit, Some(7), "v2.3"));
        assert!(!ships(7, commit, Some(8), commit));
        assert!(ships(7, commit, None, "9F8E7D6"));
        assert!(ships(7, commit, None, commit));
        assert!(!ships(7, commit, None, "9f8e7d"));
        assert!(!ships(7, commit, None, "v2.3"));
        assert!(!ships(7, commit, None, "9f8e7d6c5b4aff"));
    }

    #[test]
    fn a_report_names_its_change_by_id_or_commit() {
        let named = |change: &str| {
            report(&format!(
                r#"{{"service":"s","version":"v1","change":{change}}}"#
            ))
            .check(now())
        };
        assert_eq!(named("12").unwrap().change, Some(ChangeRef::Id(12)));
        assert_eq!(
            named(r#"" ABCDEF12 ""#).unwrap().change,
            Some(ChangeRef::Commit("abcdef12".into()))
        );
        for bad in ["0", r#""xyz""#, r#""abc""#] {
            let errors = named(bad).unwrap_err();
            assert!(errors.message_for("change").is_some(), "{bad}");
        }
        assert!(serde_json::from_str::<DeploymentReport>(r#"{"change":true}"#).is_err());
    }

    #[test]
    fn a_full_report_keeps_its_fields() {
        let d = report(
            r#"{"service":"ledger","version":"abc123","environment":"Staging","status":"failure",
                "deployed_at":"2026-11-28T10:00:00+01:00","id":"run-77","url":"https://ci.example/77"}"#,
        )
        .check(now())
        .unwrap();
        assert_eq!(d.environment, "staging");
        assert!(!is_production(&d.environment));
        assert_eq!(d.status, "failure");
        assert_eq!(d.deployed_at.to_rfc3339(), "2026-11-28T09:00:00+00:00");
        assert_eq!(d.external_id, "run-77");
        assert_eq!(d.url.as_deref(), Some("https://ci.example/77"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = report(
            r#"{"service":" ","version":"","status":"maybe","deployed_at":"yesterday","url":"javascript:alert(1)"}"#,
        )
        .check(now())
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["service", "version", "status", "deployed_at", "url"]
        );
        let future =
            report(r#"{"service":"a","version":"1","deployed_at":"2026-11-29T12:00:00Z"}"#)
                .check(now())
                .unwrap_err();
        assert_eq!(future.0[0].field, "deployed_at");
    }
}

//! What the services server functions carry over the wire.
use crate::domain::{ServiceForm, SloTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the service catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub slug: String,
    pub name: String,
    pub team: String,
    pub repository: Option<String>,
    pub runbook_url: Option<String>,
    pub on_call: String,
    pub slo_target: Option<f64>,
    pub archived: bool,
}

impl ServiceSummary {
    /// What the catalog's filter searches: the name, slug, team and repository, in lower case,
    /// one per line.
    pub fn filter_text(&self) -> String {
        [
            Some(&self.name),
            Some(&self.slug),
            Some(&self.team),
            self.repository.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|field| field.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
    }

    /// True when `query` appears in the name, slug, team or repository (case-insensitive).
    pub fn matches(&self, query: &str) -> bool {
        filter_matches(&self.filter_text(), query)
    }
}

/// True when `query` appears in one line of a service's [`ServiceSummary::filter_text`].
pub fn filter_matches(filter_text: &str, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty() || filter_text.lines().any(|field| field.contains(&query))
}

/// The catalog's count line: "12 services", "3 of 12 services".
pub fn count_label(shown: usize, total: usize) -> String {
    match (shown, total) {
        (1, 1) => "1 service".to_owned(),
        (n, t) if n == t => format!("{t} services"),
        (n, t) => format!("{n} of {t} services"),
    }
}

/// Everything known about one service, with its description already rendered to safe HTML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub team: String,
    pub repository: Option<String>,
    pub runbook_url: Option<String>,
    pub on_call: String,
    pub slo_target: Option<f64>,
    /// The description as typed (Markdown).
    pub description: String,
    /// The description rendered and sanitised on the server.
    pub description_html: String,
    /// Increases with every change; edits must name the version they started from.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl ServiceView {
    /// The service as a form, for editing.
    pub fn to_form(&self) -> ServiceForm {
        ServiceForm {
            name: self.name.clone(),
            slug: self.slug.clone(),
            team: self.team.clone(),
            repository: self.repository.clone().unwrap_or_default(),
            runbook_url: self.runbook_url.clone().unwrap_or_default(),
            on_call: self.on_call.clone(),
            slo_target: self.slo_target.map(|v| v.to_string()).unwrap_or_default(),
            description: self.description.clone(),
        }
    }

    /// The SLO target, if one is set.
    pub fn slo(&self) -> Option<SloTarget> {
        self.slo_target.map(SloTarget::from_stored)
    }
}

/// The address of a repository on GitHub.
pub fn github_url(repository: &str) -> String {
    format!("https://github.com/{repository}")
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn ledger() -> ServiceSummary {
        ServiceSummary {
            slug: "ledger".into(),
            name: "Ledger".into(),
            team: "Payments".into(),
            repository: Some("acme/ledger".into()),
            runbook_url: None,
            on_call: String::new(),
            slo_target: None,
            archived: false,
        }
    }

    #[test]
    fn the_filter_finds_a_service_by_any_of_its_names_in_any_case() {
        for query in ["ledger", "LEDGER", " pay ", "acme/", ""] {
            assert!(ledger().matches(query), "{query:?} should match");
        }
    }

    #[test]
    fn the_filter_does_not_match_across_two_fields() {
        // "ledger" then "payments": the joined text must not make "r p" or "rpay" match.
        assert!(!ledger().matches("rpay"));
        assert!(!ledger().matches("search"));
    }

    #[test]
    fn the_count_says_how_many_of_all_are_shown() {
        assert_eq!(count_label(1, 1), "1 service");
        assert_eq!(count_label(5, 5), "5 services");
        assert_eq!(count_label(1, 5), "1 of 5 services");
    }
}

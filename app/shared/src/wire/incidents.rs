//! What the incidents server functions carry over the wire.
use crate::domain::incident::Durations;
use crate::domain::{IncidentForm, IncidentStatus, Milestones, Severity, TimelineKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many incidents one page of the list shows.
pub const PAGE_SIZE: u64 = 25;

/// A service named on an incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub slug: String,
    pub name: String,
    pub runbook_url: Option<String>,
}

/// Where an incident stands with its postmortem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostmortemState {
    NotRequired,
    /// Required and not started: waiting since the incident was resolved (or opened).
    Waiting,
    Started,
}

/// One row of the incident list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub services: Vec<ServiceRef>,
    pub service_unknown: bool,
    pub source: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub postmortem: PostmortemState,
    /// Once started: the furthest status its postmortem has reached (draft, in review, published).
    #[serde(default)]
    pub postmortem_status: Option<crate::domain::postmortem::PostmortemStatus>,
}

impl IncidentRow {
    /// How long a required postmortem has been waiting since the incident was resolved, as of
    /// `now`; `None` while it is not required, already started, or the incident is not resolved.
    pub fn waiting_for(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        if self.postmortem != PostmortemState::Waiting {
            return None;
        }
        self.resolved_at.map(|resolved| now - resolved)
    }
}

/// The list's filters, as they appear in the page's query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentQuery {
    /// A service slug.
    #[serde(default)]
    pub service: String,
    /// `SEV1`…`SEV4`.
    #[serde(default)]
    pub severity: String,
    /// A team, as the service catalog names it: incidents on any of its services.
    #[serde(default)]
    pub team: String,
    /// `open`, or one status.
    #[serde(default)]
    pub status: String,
    /// Opened at or after (a date or time, UTC).
    #[serde(default)]
    pub from: String,
    /// Opened before.
    #[serde(default)]
    pub to: String,
    /// Words in the title or summary.
    #[serde(default)]
    pub q: String,
    /// `newest` (default), `oldest` or `severity`.
    #[serde(default)]
    pub sort: String,
    /// `waiting`: required postmortems not started yet; `required`: every incident that needs one.
    #[serde(default)]
    pub postmortem: String,
    /// The cursor of the page to show (from the previous page's `next`).
    #[serde(default)]
    pub after: String,
}

impl IncidentQuery {
    /// The query string for this query (without the cursor unless given).
    pub fn to_query_string(&self, after: Option<&str>) -> String {
        let pairs = url_pairs(self);
        query_string(
            pairs
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .chain(after.map(|after| ("after", after))),
        )
    }
}

/// `key=value` pairs as a query string, encoded, leaving out those with an empty value.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_pairs(query: &IncidentQuery) -> Vec<(&'static str, String)> {
    [
        ("service", &query.service),
        ("severity", &query.severity),
        ("team", &query.team),
        ("status", &query.status),
        ("from", &query.from),
        ("to", &query.to),
        ("q", &query.q),
        ("sort", &query.sort),
        ("postmortem", &query.postmortem),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect()
}

/// A value for a query string (`application/x-www-form-urlencoded`).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentPage {
    pub rows: Vec<IncidentRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// One timeline entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntryView {
    pub id: i64,
    pub kind: TimelineKind,
    pub occurred_at: DateTime<Utc>,
    pub body: String,
    pub body_html: String,
    pub author: String,
    pub version: i32,
    pub edited: bool,
}

/// One alert attached to an incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub title: String,
    pub state: String,
    pub fingerprint: String,
    pub source_url: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub receive_count: i32,
    pub labels: Vec<(String, String)>,
}

/// Everything shown on an incident's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub commander: String,
    pub summary: String,
    pub summary_html: String,
    pub services: Vec<ServiceRef>,
    pub service_unknown: bool,
    /// `person`, or the monitoring source that opened it.
    pub source: String,
    /// The runbook the alert named; the services' runbooks are on `services`.
    pub runbook_url: Option<String>,
    pub data_loss: bool,
    pub escalated: bool,
    pub postmortem: PostmortemState,
    pub postmortem_started_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
    pub milestones: Milestones,
    pub durations: Durations,
    pub version: i32,
    pub timeline: Vec<TimelineEntryView>,
    pub alerts: Vec<AlertView>,
    /// The postmortems reviewing this incident: id, title and status.
    pub postmortems: Vec<(i64, String, crate::domain::postmortem::PostmortemStatus)>,
}

impl IncidentView {
    /// The incident as a form, for editing.
    pub fn to_form(&self) -> IncidentForm {
        use crate::domain::incident::to_input_value;
        let check = |on: bool| on.then(|| "on".to_owned());
        IncidentForm {
            title: self.title.clone(),
            services: self
                .services
                .iter()
                .map(|s| s.slug.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            severity: self.severity.to_string(),
            commander: self.commander.clone(),
            summary: self.summary.clone(),
            data_loss: check(self.data_loss),
            escalated: check(self.escalated),
            impact_started_at: to_input_value(self.milestones.impact_started_at),
            detected_at: to_input_value(self.milestones.detected_at),
            acknowledged_at: to_input_value(self.milestones.acknowledged_at),
            mitigated_at: to_input_value(self.milestones.mitigated_at),
            resolved_at: to_input_value(self.milestones.resolved_at),
        }
    }

    /// The runbooks to show: the alert's own, then each service's.
    pub fn runbooks(&self) -> Vec<(String, String)> {
        let mut links: Vec<(String, String)> = Vec::new();
        if let Some(url) = &self.runbook_url {
            links.push(("Runbook from the alert".into(), url.clone()));
        }
        for service in &self.services {
            if let Some(url) = &service.runbook_url
                && !links.iter().any(|(_, u)| u == url)
            {
                links.push((format!("{} runbook", service.name), url.clone()));
            }
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_keeps_filters_and_encodes_them() {
        let query = IncidentQuery {
            service: "payments-api".into(),
            q: "5xx & timeouts".into(),
            ..Default::default()
        };
        assert_eq!(
            query.to_query_string(Some("abc")),
            "service=payments-api&q=5xx+%26+timeouts&after=abc"
        );
        assert_eq!(IncidentQuery::default().to_query_string(None), "");
    }

    #[test]
    fn a_required_postmortem_waits_from_the_resolution_only() {
        let opened = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let now = opened + chrono::Duration::hours(10);
        let mut row = IncidentRow {
            id: 1,
            title: "Checkout fails".into(),
            severity: crate::domain::Severity::Sev2,
            status: crate::domain::IncidentStatus::Investigating,
            services: Vec::new(),
            service_unknown: false,
            source: "person".into(),
            opened_at: opened,
            resolved_at: None,
            postmortem: PostmortemState::Waiting,
            postmortem_status: None,
        };
        assert_eq!(row.waiting_for(now), None, "not resolved: not waiting yet");
        row.resolved_at = Some(opened + chrono::Duration::hours(4));
        assert_eq!(row.waiting_for(now), Some(chrono::Duration::hours(6)));
        row.postmortem = PostmortemState::Started;
        assert_eq!(row.waiting_for(now), None);
    }
}

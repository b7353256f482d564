//! Addresses of the records behind each figure: the incident, action-item and deployment lists
//! and the problem queue, narrowed to the dashboard's period and filters where they can be.

use super::sql::{Scope, link_time};
use shared::domain::Severity;
use shared::domain::metrics::Period;
use shared::wire::incidents::{IncidentQuery, query_string};

/// The dashboard's period and filters, as the lists take them.
pub struct Links {
    base: IncidentQuery,
}

impl Links {
    pub fn new(period: &Period, scope: &Scope) -> Self {
        Self {
            base: IncidentQuery {
                service: scope.service.clone().unwrap_or_default(),
                severity: scope
                    .severity
                    .map(|rank| Severity::from_rank(rank).as_str().to_owned())
                    .unwrap_or_default(),
                team: scope.team.clone().unwrap_or_default(),
                from: link_time(period.from),
                to: link_time(period.to),
                ..Default::default()
            },
        }
    }

    /// The incident list for the period and filters, with `extra` filters on top.
    pub fn incidents(&self, extra: &[(&str, &str)]) -> String {
        let mut query = self.base.clone();
        for (key, value) in extra {
            let value = (*value).to_owned();
            match *key {
                "service" => query.service = value,
                "severity" => query.severity = value,
                "status" => query.status = value,
                "postmortem" => query.postmortem = value,
                _ => {}
            }
        }
        format!("/incidents?{}", query.to_query_string(None))
    }

    /// The action-item list for the period and filters, with `extra` filters (kind, owner).
    pub fn actions(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("from", self.base.from.as_str()),
            ("to", &self.base.to),
            ("service", &self.base.service),
            ("team", &self.base.team),
            ("severity", &self.base.severity),
        ];
        pairs.extend_from_slice(extra);
        format!("/actions?{}", query_string(pairs))
    }

    /// The deployment list for the period and the service or team (only the failed ones when
    /// `failed`).
    pub fn deployments(&self, failed: bool) -> String {
        let pairs = [
            ("from", self.base.from.as_str()),
            ("to", &self.base.to),
            ("service", &self.base.service),
            ("team", &self.base.team),
            ("failed", if failed { "true" } else { "" }),
        ];
        format!("/deployments?{}", query_string(pairs))
    }

    /// The problem queue, filtered by state or priority (and the dashboard's service).
    pub fn problems(&self, key: &str, value: &str) -> String {
        let query = query_string([(key, value), ("service", self.base.service.as_str())]);
        if query.is_empty() {
            "/problems".to_owned()
        } else {
            format!("/problems?{query}")
        }
    }
}

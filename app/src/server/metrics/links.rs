//! Addresses of the records behind each figure: the incident list, problem queue, postmortem list
//! and pipeline-test backlog, narrowed to the dashboard's period and filters where they can be.

use super::sql::{Scope, link_time};
use crate::api::incidents::{IncidentQuery, encode};
use crate::domain::Severity;
use crate::domain::metrics::Period;

/// The dashboard's period and filters, as the lists take them.
pub struct Links {
    base: IncidentQuery,
    service: Option<String>,
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
            service: scope.service.clone(),
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
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/actions?{}", query.join("&"))
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
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/deployments?{}", query.join("&"))
    }

    /// The problem queue, filtered by state or priority (and the dashboard's service).
    pub fn problems(&self, key: &str, value: &str) -> String {
        let mut pairs = Vec::new();
        if !key.is_empty() {
            pairs.push(format!("{key}={}", encode(value)));
        }
        if let Some(service) = &self.service {
            pairs.push(format!("service={}", encode(service)));
        }
        if pairs.is_empty() {
            "/problems".to_owned()
        } else {
            format!("/problems?{}", pairs.join("&"))
        }
    }
}

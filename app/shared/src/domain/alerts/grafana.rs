//! Grafana unified alerting's webhook payload (`"version": "1"`): Alertmanager's alert group plus
//! Grafana's `orgId`, `title`, `state`, `message` and per-alert dashboard links.

use serde_json::Value;

use super::alertmanager::{GroupFallbacks, check_version, parse_group};
use super::{AlertBatch, AlertSource, PayloadError, field, optional_str, parse_root};

/// The only Grafana webhook version we read.
const VERSION: &str = "1";

/// Parses a Grafana alerting webhook body.
pub fn parse_grafana(body: &[u8]) -> Result<AlertBatch, PayloadError> {
    let root = parse_root(body)?;
    check_version(&root, VERSION)?;
    // Grafana's `message` describes the whole group, so it only stands in for a lone alert's
    // missing description.
    let single_alert =
        matches!(field(&root, "alerts"), Some(Value::Array(alerts)) if alerts.len() == 1);
    let fallbacks = GroupFallbacks {
        title: optional_str(&root, "title"),
        description: optional_str(&root, "message").filter(|_| single_alert),
    };
    parse_group(&root, AlertSource::Grafana, &fallbacks)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::super::{AlertState, PayloadError};
    use super::*;

    const FIRING: &[u8] = include_bytes!("fixtures/grafana_firing.json");

    fn firing_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut payload: Value = serde_json::from_slice(FIRING).unwrap();
        edit(&mut payload);
        serde_json::to_vec(&payload).unwrap()
    }

    #[test]
    fn firing_fixture_parses() {
        let batch = parse_grafana(FIRING).unwrap();
        assert_eq!(batch.source, AlertSource::Grafana);
        assert_eq!(batch.delivery_id, None);
        assert_eq!(batch.unknown, None);
        assert_eq!(batch.alerts.len(), 2);

        let checkout = &batch.alerts[0];
        assert_eq!(checkout.fingerprint, "4e9c1f27ab8d3065");
        assert!(
            checkout
                .group_key
                .as_deref()
                .is_some_and(|key| key.contains(r#"service="payments-api""#))
        );
        assert_eq!(checkout.state, AlertState::Firing);
        assert_eq!(
            checkout.title,
            "Checkout failures on payments-api are at 12.4%"
        );
        assert!(
            checkout
                .description
                .starts_with("The share of failed checkouts")
        );
        assert_eq!(checkout.labels["service"], "payments-api");
        assert_eq!(checkout.labels["grafana_folder"], "Payments");
        assert_eq!(
            checkout.runbook_url.as_deref(),
            Some("https://runbooks.example.com/payments-api/checkout-failures")
        );
        assert_eq!(
            checkout.source_url.as_deref(),
            Some("https://grafana.example.com/alerting/grafana/bdk3q8xh2tn9ca/view?orgId=1")
        );
        assert_eq!(
            checkout.starts_at,
            Utc.with_ymd_and_hms(2024, 5, 14, 9, 20, 40).unwrap()
        );
        assert_eq!(checkout.ends_at, None);
        assert_eq!(checkout.service_hint, None);

        // No annotations: the title falls back to the alert name, and the group message is not
        // used for one of several alerts.
        let restarts = &batch.alerts[1];
        assert_eq!(restarts.title, "Payments API pod restarts");
        assert_eq!(restarts.description, "");
        assert_eq!(restarts.runbook_url, None);
    }

    #[test]
    fn payload_title_and_message_fill_in_for_a_lone_alert() {
        let body = firing_with(|p| {
            let alerts = p["alerts"].as_array_mut().unwrap();
            alerts.remove(0);
            alerts[0]["labels"]
                .as_object_mut()
                .unwrap()
                .remove("alertname");
        });
        let alert = &parse_grafana(&body).unwrap().alerts[0];
        assert_eq!(alert.title, "[FIRING:2] Payments payments-api (payments)");
        assert!(alert.description.starts_with("**Firing**"));
    }

    #[test]
    fn version_must_be_1() {
        let body = firing_with(|p| p["version"] = json!("4"));
        assert_eq!(
            parse_grafana(&body),
            Err(PayloadError::WrongVersion {
                expected: "1",
                found: "4".into()
            })
        );
        let body = firing_with(|p| {
            p.as_object_mut().unwrap().remove("version");
        });
        assert_eq!(
            parse_grafana(&body),
            Err(PayloadError::MissingField("version".into()))
        );
        // An Alertmanager payload is refused by the Grafana parser.
        assert!(matches!(
            parse_grafana(include_bytes!("fixtures/alertmanager_firing.json")),
            Err(PayloadError::WrongVersion { .. })
        ));
    }

    #[test]
    fn missing_fields_are_named() {
        let body = firing_with(|p| {
            p["alerts"][0].as_object_mut().unwrap().remove("startsAt");
        });
        assert_eq!(
            parse_grafana(&body),
            Err(PayloadError::MissingField("alerts[0].startsAt".into()))
        );
        let body = firing_with(|p| {
            p.as_object_mut().unwrap().remove("alerts");
        });
        assert_eq!(
            parse_grafana(&body),
            Err(PayloadError::MissingField("alerts".into()))
        );
    }

    #[test]
    fn malformed_json_is_refused() {
        assert!(matches!(
            parse_grafana(b"{\"version\":\"1\",}"),
            Err(PayloadError::MalformedJson(_))
        ));
    }

    #[test]
    fn resolved_alerts_keep_their_end_time() {
        let body = firing_with(|p| {
            p["status"] = json!("resolved");
            p["alerts"][0]["status"] = json!("resolved");
            p["alerts"][0]["endsAt"] = json!("2024-05-14T09:47:40Z");
        });
        let alert = &parse_grafana(&body).unwrap().alerts[0];
        assert_eq!(alert.state, AlertState::Resolved);
        assert_eq!(
            alert.ends_at,
            Some(Utc.with_ymd_and_hms(2024, 5, 14, 9, 47, 40).unwrap())
        );
    }

    #[test]
    fn javascript_runbooks_are_dropped() {
        let body = firing_with(|p| {
            p["alerts"][0]["annotations"]["runbook_url"] = json!("javascript:alert(1)");
        });
        assert_eq!(parse_grafana(&body).unwrap().alerts[0].runbook_url, None);
    }

    #[test]
    fn unknown_statuses_are_flagged() {
        let body = firing_with(|p| p["alerts"][0]["status"] = json!("nodata"));
        let batch = parse_grafana(&body).unwrap();
        assert_eq!(batch.alerts.len(), 1);
        assert_eq!(batch.alerts[0].title, "Payments API pod restarts");
        assert!(
            batch
                .unknown
                .as_deref()
                .is_some_and(|text| text.contains("`nodata`"))
        );
    }
}

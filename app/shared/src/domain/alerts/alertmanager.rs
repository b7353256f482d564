//! Prometheus Alertmanager's webhook payload (`"version": "4"`), and the alert-group shape it
//! shares with Grafana's webhook.

use serde_json::Value;

use super::{
    AlertBatch, AlertEvent, AlertSource, AlertState, Object, PayloadError, field, fnv_fingerprint,
    http_url, is_zero_time, make_description, make_title, optional_object, optional_str,
    parse_root, parse_time, required_object, required_str, required_time, string_map,
};

/// The only Alertmanager webhook version we read.
const VERSION: &str = "4";

/// Parses an Alertmanager webhook body.
pub fn parse_alertmanager(body: &[u8]) -> Result<AlertBatch, PayloadError> {
    let root = parse_root(body)?;
    check_version(&root, VERSION)?;
    parse_group(&root, AlertSource::Alertmanager, &GroupFallbacks::default())
}

/// Refuses a payload whose `version` is not `expected`.
pub(super) fn check_version(root: &Object, expected: &'static str) -> Result<(), PayloadError> {
    match field(root, "version") {
        None => Err(PayloadError::MissingField("version".into())),
        Some(Value::String(found)) if found == expected => Ok(()),
        Some(Value::String(found)) => Err(PayloadError::WrongVersion {
            expected,
            found: found.clone(),
        }),
        Some(other) => Err(PayloadError::WrongVersion {
            expected,
            found: other.to_string(),
        }),
    }
}

/// Payload-level text used when an alert lacks its own (Grafana has some; Alertmanager none).
#[derive(Default)]
pub(super) struct GroupFallbacks<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
}

/// Reads the alert group both Alertmanager and Grafana send: `groupKey`, `status` and `alerts[]`
/// with `status`, `labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`.
pub(super) fn parse_group(
    root: &Object,
    source: AlertSource,
    fallbacks: &GroupFallbacks<'_>,
) -> Result<AlertBatch, PayloadError> {
    let alerts = match field(root, "alerts") {
        None => return Err(PayloadError::MissingField("alerts".into())),
        Some(Value::Array(alerts)) => alerts,
        Some(_) => return Err(PayloadError::Invalid("alerts must be an array.".into())),
    };
    let group_key = optional_str(root, "groupKey").map(str::to_owned);
    let mut unknown = Vec::new();
    if let Some(status) = optional_str(root, "status")
        && !matches!(status, "firing" | "resolved")
    {
        unknown.push(format!(
            "The payload status `{status}` is neither firing nor resolved"
        ));
    }

    let mut events = Vec::with_capacity(alerts.len());
    for (index, alert) in alerts.iter().enumerate() {
        let path = format!("alerts[{index}]");
        let Value::Object(alert) = alert else {
            return Err(PayloadError::Invalid(format!("{path} must be an object.")));
        };
        let event = parse_alert(alert, &path, group_key.as_deref(), fallbacks)?;
        match event {
            Ok(event) => events.push(event),
            Err(status) => unknown.push(format!(
                "{path} has the status `{status}`, which is neither firing nor resolved"
            )),
        }
    }

    Ok(AlertBatch {
        source,
        delivery_id: None,
        alerts: events,
        unknown: (!unknown.is_empty()).then(|| unknown.join("; ")),
    })
}

/// One alert of the group; `Ok(Err(status))` for a valid alert whose status we do not know.
fn parse_alert(
    alert: &Object,
    path: &str,
    group_key: Option<&str>,
    fallbacks: &GroupFallbacks<'_>,
) -> Result<Result<AlertEvent, String>, PayloadError> {
    let status = required_str(alert, "status", &format!("{path}.status"))?;
    let labels = string_map(required_object(alert, "labels", &format!("{path}.labels"))?);
    let starts_at = required_time(alert, "startsAt", &format!("{path}.startsAt"))?;
    let ends_at = match optional_str(alert, "endsAt") {
        Some(ends_at) => Some(parse_time(ends_at, &format!("{path}.endsAt"))?),
        None => None,
    }
    .filter(|time| !is_zero_time(time));
    let state = match status.trim() {
        "firing" => AlertState::Firing,
        "resolved" => AlertState::Resolved,
        other => return Ok(Err(other.to_owned())),
    };

    let annotations = optional_object(alert, "annotations")
        .map(string_map)
        .unwrap_or_default();
    let annotation = |key: &str| {
        annotations
            .get(key)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    };
    let fingerprint = optional_str(alert, "fingerprint")
        .map(str::to_owned)
        .unwrap_or_else(|| fnv_fingerprint(&labels));
    let title = make_title([
        annotation("summary"),
        labels.get("alertname").map(String::as_str),
        fallbacks.title,
    ]);
    let description = annotation("description")
        .or_else(|| annotation("message"))
        .or(fallbacks.description)
        .map(make_description)
        .unwrap_or_default();
    let runbook_url = annotation("runbook_url")
        .or_else(|| annotation("runbook"))
        .and_then(http_url);
    let source_url = optional_str(alert, "generatorURL").and_then(http_url);

    Ok(Ok(AlertEvent {
        fingerprint,
        group_key: group_key.map(str::to_owned),
        state,
        title,
        description,
        labels,
        runbook_url,
        starts_at,
        ends_at,
        source_url,
        service_hint: None,
    }))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;

    const FIRING: &[u8] = include_bytes!("fixtures/alertmanager_firing.json");
    const RESOLVED: &[u8] = include_bytes!("fixtures/alertmanager_resolved.json");
    const GROUP_KEY: &str = r#"{}/{service=~".+"}:{service="payments-api"}"#;

    /// The firing fixture, edited by `edit`.
    fn firing_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut payload: Value = serde_json::from_slice(FIRING).unwrap();
        edit(&mut payload);
        serde_json::to_vec(&payload).unwrap()
    }

    #[test]
    fn firing_fixture_parses() {
        let batch = parse_alertmanager(FIRING).unwrap();
        assert_eq!(batch.source, AlertSource::Alertmanager);
        assert_eq!(batch.delivery_id, None);
        assert_eq!(batch.unknown, None);
        assert_eq!(batch.alerts.len(), 2);

        let errors = &batch.alerts[0];
        assert_eq!(errors.fingerprint, "ba9d67c9876d72bb");
        assert_eq!(errors.group_key.as_deref(), Some(GROUP_KEY));
        assert_eq!(errors.state, AlertState::Firing);
        assert_eq!(
            errors.title,
            "payments-api is returning 5xx for 7.3% of requests"
        );
        assert!(errors.description.starts_with("More than 5% of requests"));
        assert_eq!(errors.labels["service"], "payments-api");
        assert_eq!(errors.labels["severity"], "critical");
        assert_eq!(errors.labels["alertname"], "PaymentsApiHighErrorRate");
        assert_eq!(
            errors.runbook_url.as_deref(),
            Some("https://runbooks.example.com/payments-api/high-error-rate")
        );
        assert_eq!(
            errors.starts_at,
            Utc.with_ymd_and_hms(2024, 5, 14, 9, 21, 3).unwrap()
                + chrono::Duration::milliseconds(157)
        );
        assert_eq!(errors.ends_at, None);
        assert!(
            errors
                .source_url
                .as_deref()
                .is_some_and(|url| url.starts_with("http://prometheus.example.com:9090/graph?"))
        );
        assert_eq!(errors.service_hint, None);

        let latency = &batch.alerts[1];
        assert_eq!(latency.title, "payments-api p99 latency is 2.41s");
        assert_eq!(latency.labels["severity"], "warning");
        assert_eq!(latency.runbook_url, None);
        // "11:24:48.512+02:00" is 09:24:48.512 UTC.
        assert_eq!(
            latency.starts_at,
            Utc.with_ymd_and_hms(2024, 5, 14, 9, 24, 48).unwrap()
                + chrono::Duration::milliseconds(512)
        );
    }

    #[test]
    fn fixture_fingerprints_are_alertmanagers_own() {
        for alert in parse_alertmanager(FIRING).unwrap().alerts {
            assert_eq!(alert.fingerprint, fnv_fingerprint(&alert.labels));
        }
    }

    #[test]
    fn resolved_fixture_parses() {
        let batch = parse_alertmanager(RESOLVED).unwrap();
        assert_eq!(batch.unknown, None);
        assert_eq!(batch.alerts.len(), 2);
        let errors = &batch.alerts[0];
        assert_eq!(errors.state, AlertState::Resolved);
        assert_eq!(errors.fingerprint, "ba9d67c9876d72bb");
        assert_eq!(
            errors.ends_at,
            Some(
                Utc.with_ymd_and_hms(2024, 5, 14, 9, 48, 33).unwrap()
                    + chrono::Duration::milliseconds(157)
            )
        );
        assert!(batch.alerts.iter().all(|a| a.state == AlertState::Resolved));
    }

    #[test]
    fn version_is_checked() {
        let v3 = firing_with(|p| p["version"] = json!("3"));
        assert_eq!(
            parse_alertmanager(&v3),
            Err(PayloadError::WrongVersion {
                expected: "4",
                found: "3".into()
            })
        );
        let number = firing_with(|p| p["version"] = json!(4));
        assert!(matches!(
            parse_alertmanager(&number),
            Err(PayloadError::WrongVersion { .. })
        ));
        let missing = firing_with(|p| {
            p.as_object_mut().unwrap().remove("version");
        });
        assert_eq!(
            parse_alertmanager(&missing),
            Err(PayloadError::MissingField("version".into()))
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let no_alerts = firing_with(|p| {
            p.as_object_mut().unwrap().remove("alerts");
        });
        assert_eq!(
            parse_alertmanager(&no_alerts),
            Err(PayloadError::MissingField("alerts".into()))
        );
        for field in ["status", "labels", "startsAt"] {
            let body = firing_with(|p| {
                p["alerts"][1].as_object_mut().unwrap().remove(field);
            });
            assert_eq!(
                parse_alertmanager(&body),
                Err(PayloadError::MissingField(format!("alerts[1].{field}")))
            );
        }
        let error = parse_alertmanager(&firing_with(|p| {
            p["alerts"][0].as_object_mut().unwrap().remove("startsAt");
        }))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "The payload is missing the field `alerts[0].startsAt`"
        );
    }

    #[test]
    fn wrong_types_are_invalid() {
        let body = firing_with(|p| p["alerts"] = json!({"status": "firing"}));
        assert_eq!(
            parse_alertmanager(&body),
            Err(PayloadError::Invalid("alerts must be an array.".into()))
        );
        let body = firing_with(|p| p["alerts"][0]["labels"] = json!(["a"]));
        assert_eq!(
            parse_alertmanager(&body),
            Err(PayloadError::Invalid(
                "alerts[0].labels must be an object.".into()
            ))
        );
    }

    #[test]
    fn bad_timestamps_are_invalid() {
        let body = firing_with(|p| p["alerts"][0]["startsAt"] = json!("yesterday"));
        assert_eq!(
            parse_alertmanager(&body),
            Err(PayloadError::Invalid(
                "alerts[0].startsAt is not an RFC 3339 time: \"yesterday\"".into()
            ))
        );
        let body = firing_with(|p| p["alerts"][1]["endsAt"] = json!("2024-13-01T00:00:00Z"));
        assert!(matches!(
            parse_alertmanager(&body),
            Err(PayloadError::Invalid(message)) if message.starts_with("alerts[1].endsAt is not")
        ));
    }

    #[test]
    fn malformed_json_is_refused() {
        assert!(matches!(
            parse_alertmanager(b"{\"version\": \"4\", \"alerts\": ["),
            Err(PayloadError::MalformedJson(_))
        ));
        assert!(matches!(
            parse_alertmanager(b""),
            Err(PayloadError::MalformedJson(_))
        ));
    }

    #[test]
    fn zero_and_missing_end_times_are_none() {
        let batch = parse_alertmanager(FIRING).unwrap();
        assert!(batch.alerts.iter().all(|a| a.ends_at.is_none()));
        let body = firing_with(|p| {
            p["alerts"][0].as_object_mut().unwrap().remove("endsAt");
        });
        assert_eq!(parse_alertmanager(&body).unwrap().alerts[0].ends_at, None);
    }

    #[test]
    fn unsafe_links_are_dropped() {
        let body = firing_with(|p| {
            p["alerts"][0]["annotations"]["runbook_url"] = json!("javascript:alert(1)");
            p["alerts"][0]["generatorURL"] = json!("javascript:alert(1)");
        });
        let alert = &parse_alertmanager(&body).unwrap().alerts[0];
        assert_eq!(alert.runbook_url, None);
        assert_eq!(alert.source_url, None);
    }

    #[test]
    fn runbook_annotation_is_accepted() {
        let body = firing_with(|p| {
            p["alerts"][1]["annotations"]["runbook"] = json!("https://wiki.example.com/latency");
        });
        assert_eq!(
            parse_alertmanager(&body).unwrap().alerts[1]
                .runbook_url
                .as_deref(),
            Some("https://wiki.example.com/latency")
        );
    }

    #[test]
    fn fingerprint_falls_back_to_labels() {
        let body = firing_with(|p| {
            let alert = p["alerts"][0].as_object_mut().unwrap();
            alert.remove("fingerprint");
        });
        let reordered = firing_with(|p| {
            let alert = p["alerts"][0].as_object_mut().unwrap();
            alert.remove("fingerprint");
            alert["labels"] = json!({
                "severity": "critical",
                "service": "payments-api",
                "namespace": "payments",
                "job": "payments-api",
                "env": "production",
                "alertname": "PaymentsApiHighErrorRate"
            });
        });
        let first = parse_alertmanager(&body).unwrap().alerts[0]
            .fingerprint
            .clone();
        let second = parse_alertmanager(&reordered).unwrap().alerts[0]
            .fingerprint
            .clone();
        assert_eq!(first, second);
        // Alertmanager computes the same hash, so the fallback equals what it would have sent.
        assert_eq!(first, "ba9d67c9876d72bb");
    }

    #[test]
    fn title_falls_back_and_is_truncated() {
        let body = firing_with(|p| {
            p["alerts"][0]["annotations"]
                .as_object_mut()
                .unwrap()
                .remove("summary");
            p["alerts"][1]["annotations"]["summary"] = json!("ü".repeat(250));
        });
        let batch = parse_alertmanager(&body).unwrap();
        assert_eq!(batch.alerts[0].title, "PaymentsApiHighErrorRate");
        assert_eq!(batch.alerts[1].title, "ü".repeat(200));

        let body = firing_with(|p| {
            let alert = &mut p["alerts"][0];
            alert["annotations"] = json!({});
            alert["labels"].as_object_mut().unwrap().remove("alertname");
        });
        let alert = &parse_alertmanager(&body).unwrap().alerts[0];
        assert_eq!(alert.title, "Untitled alert");
        assert_eq!(alert.description, "");
    }

    #[test]
    fn long_descriptions_are_cut() {
        let body = firing_with(|p| {
            p["alerts"][0]["annotations"]["description"] = json!("ж".repeat(12_000));
        });
        let alert = &parse_alertmanager(&body).unwrap().alerts[0];
        assert_eq!(alert.description.chars().count(), 10_000);
    }

    #[test]
    fn unknown_statuses_are_flagged_but_the_rest_kept() {
        let body = firing_with(|p| p["alerts"][1]["status"] = json!("pending"));
        let batch = parse_alertmanager(&body).unwrap();
        assert_eq!(batch.alerts.len(), 1);
        assert_eq!(batch.alerts[0].fingerprint, "ba9d67c9876d72bb");
        assert_eq!(
            batch.unknown.as_deref(),
            Some("alerts[1] has the status `pending`, which is neither firing nor resolved")
        );
    }

    #[test]
    fn an_empty_group_is_valid() {
        let body = firing_with(|p| p["alerts"] = json!([]));
        let batch = parse_alertmanager(&body).unwrap();
        assert!(batch.alerts.is_empty());
        assert_eq!(batch.unknown, None);
    }
}

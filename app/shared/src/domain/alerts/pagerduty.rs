//! PagerDuty's v3 webhook payload: one `event` per delivery, about an incident (or a note,
//! responder, status update or workflow attached to one), plus the `pagey.ping` test event.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    AlertBatch, AlertEvent, AlertSource, AlertState, Object, PayloadError, field, http_url,
    make_description, make_title, optional_object, optional_str, parse_root, required_object,
    required_str, required_time,
};

/// The event PagerDuty sends when a subscription is created or tested.
const PING: &str = "pagey.ping";

/// Incident events we record as notes: they change who, how or what, not whether it is firing.
const NOTE_EVENTS: &[&str] = &[
    "incident.annotated",
    "incident.conference_bridge.updated",
    "incident.custom_field_values.updated",
    "incident.delegated",
    "incident.escalated",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.responder.added",
    "incident.responder.replied",
    "incident.service_updated",
    "incident.status_update_published",
    "incident.title_updated",
    "incident.unacknowledged",
    "incident.urgency_updated",
    "incident.workflow.completed",
    "incident.workflow.started",
];

/// Parses a PagerDuty v3 webhook body.
pub fn parse_pagerduty(body: &[u8]) -> Result<AlertBatch, PayloadError> {
    let root = parse_root(body)?;
    let event = required_object(&root, "event", "event")?;
    let delivery_id = required_str(event, "id", "event.id")?.trim().to_owned();
    let event_type = required_str(event, "event_type", "event.event_type")?.trim();
    let occurred_at = required_time(event, "occurred_at", "event.occurred_at")?;
    let batch = |alerts: Vec<AlertEvent>, unknown: Option<String>| AlertBatch {
        source: AlertSource::PagerDuty,
        delivery_id: Some(delivery_id.clone()),
        alerts,
        unknown,
    };

    if event_type == PING {
        return Ok(batch(Vec::new(), None));
    }
    let not_handled = || format!("PagerDuty event type `{event_type}` is not handled");
    if optional_str(event, "resource_type").is_some_and(|resource| resource != "incident") {
        return Ok(batch(Vec::new(), Some(not_handled())));
    }
    let Some(state) = state_of(event_type) else {
        return Ok(batch(Vec::new(), Some(not_handled())));
    };
    let data = required_object(event, "data", "event.data")?;
    let alert = incident_event(event_type, state, data, occurred_at)?;
    Ok(batch(vec![alert], None))
}

/// What an incident event type means for the alert; `None` for types we do not know.
fn state_of(event_type: &str) -> Option<AlertState> {
    match event_type {
        "incident.triggered" | "incident.reopened" => Some(AlertState::Firing),
        "incident.acknowledged" => Some(AlertState::Acknowledged),
        "incident.resolved" => Some(AlertState::Resolved),
        other if NOTE_EVENTS.contains(&other) => Some(AlertState::Note),
        _ => None,
    }
}

/// The alert event for an incident event. `data` is the incident itself, or (for notes,
/// responders, status updates, workflows) an object whose `incident` field references it.
fn incident_event(
    event_type: &str,
    state: AlertState,
    data: &Object,
    occurred_at: DateTime<Utc>,
) -> Result<AlertEvent, PayloadError> {
    let (incident, path) = match optional_str(data, "type") {
        Some("incident") => (data, "event.data"),
        Some(_) => (
            required_object(data, "incident", "event.data.incident")?,
            "event.data.incident",
        ),
        None => match optional_object(data, "incident") {
            Some(reference) => (reference, "event.data.incident"),
            None => (data, "event.data"),
        },
    };
    let id = required_str(incident, "id", &format!("{path}.id"))?.trim();

    let service = optional_object(incident, "service").and_then(|s| optional_str(s, "summary"));
    let mut labels = BTreeMap::new();
    let mut label = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            labels.insert(name.to_owned(), value.to_owned());
        }
    };
    label("service", service);
    label("urgency", optional_str(incident, "urgency"));
    label("priority", summary_of(incident, "priority"));
    label("pagerduty_event", Some(event_type));

    Ok(AlertEvent {
        fingerprint: id.to_owned(),
        group_key: None,
        state,
        title: make_title([
            optional_str(incident, "title"),
            optional_str(incident, "summary"),
        ]),
        description: make_description(&describe(event_type, data)),
        labels,
        runbook_url: None,
        starts_at: occurred_at,
        ends_at: (state == AlertState::Resolved).then_some(occurred_at),
        source_url: optional_str(incident, "html_url").and_then(http_url),
        service_hint: service.map(str::to_owned),
    })
}

/// `obj[key].summary`, PagerDuty's display name of a referenced object.
fn summary_of<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    optional_object(obj, key).and_then(|reference| optional_str(reference, "summary"))
}

/// "PagerDuty: <event type>", then what changed when the event says so.
fn describe(event_type: &str, data: &Object) -> String {
    let labelled = |label: &str, value: Option<&str>| value.map(|v| format!("{label}: {v}"));
    let details: Vec<String> = match event_type {
        "incident.annotated" => vec![optional_str(data, "content").map(str::to_owned)],
        "incident.status_update_published" => {
            vec![optional_str(data, "message").map(str::to_owned)]
        }
        "incident.responder.added" | "incident.responder.replied" => vec![
            labelled("Responder", summary_of(data, "user")),
            labelled("State", optional_str(data, "state")),
            optional_str(data, "message").map(str::to_owned),
        ],
        "incident.priority_updated" => vec![labelled("Priority", summary_of(data, "priority"))],
        "incident.urgency_updated" => vec![labelled("Urgency", optional_str(data, "urgency"))],
        "incident.title_updated" => vec![labelled("Title", optional_str(data, "title"))],
        "incident.service_updated" => vec![labelled("Service", summary_of(data, "service"))],
        "incident.delegated" => vec![labelled(
            "Escalation policy",
            summary_of(data, "escalation_policy"),
        )],
        "incident.escalated" | "incident.reassigned" | "incident.unacknowledged" => {
            vec![assignees(data).map(|names| format!("Assigned to: {names}"))]
        }
        "incident.workflow.started" | "incident.workflow.completed" => vec![labelled(
            "Workflow",
            summary_of(data, "incident_workflow").or_else(|| optional_str(data, "summary")),
        )],
        _ => Vec::new(),
    }
    .into_iter()
    .flatten()
    .collect();

    let mut text = format!("PagerDuty: {event_type}");
    if !details.is_empty() {
        text.push_str("\n\n");
        text.push_str(&details.join("\n"));
    }
    text
}

/// The incident's assignees' names, comma-separated.
fn assignees(data: &Object) -> Option<String> {
    let Some(Value::Array(assignees)) = field(data, "assignees") else {
        return None;
    };
    let names: Vec<&str> = assignees
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|assignee| optional_str(assignee, "summary"))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    const TRIGGERED: &[u8] = include_bytes!("fixtures/pagerduty_triggered.json");
    const RESOLVED: &[u8] = include_bytes!("fixtures/pagerduty_resolved.json");
    const ANNOTATED: &[u8] = include_bytes!("fixtures/pagerduty_annotated.json");
    const PING_BODY: &[u8] = include_bytes!("fixtures/pagerduty_ping.json");
    const INCIDENT_ID: &str = "Q2W8HK4ZP1R7XN";
    const TITLE: &str = "[FIRING:1] PaymentsApiHighErrorRate payments-api (critical)";

    fn edited(fixture: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut payload: Value = serde_json::from_slice(fixture).unwrap();
        edit(&mut payload);
        serde_json::to_vec(&payload).unwrap()
    }

    fn only_alert(body: &[u8]) -> AlertEvent {
        let batch = parse_pagerduty(body).unwrap();
        assert_eq!(batch.unknown, None);
        assert_eq!(batch.alerts.len(), 1);
        batch.alerts.into_iter().next().unwrap()
    }

    #[test]
    fn triggered_fixture_parses() {
        let batch = parse_pagerduty(TRIGGERED).unwrap();
        assert_eq!(batch.source, AlertSource::PagerDuty);
        assert_eq!(
            batch.delivery_id.as_deref(),
            Some("01EXBVZKMNQ4C8T5R2W7YH3J6D")
        );
        let alert = only_alert(TRIGGERED);
        assert_eq!(alert.fingerprint, INCIDENT_ID);
        assert_eq!(alert.group_key, None);
        assert_eq!(alert.state, AlertState::Firing);
        assert_eq!(alert.title, TITLE);
        assert_eq!(alert.description, "PagerDuty: incident.triggered");
        assert_eq!(
            alert.labels,
            BTreeMap::from([
                (
                    "pagerduty_event".to_owned(),
                    "incident.triggered".to_owned()
                ),
                ("priority".to_owned(), "P1".to_owned()),
                ("service".to_owned(), "payments-api".to_owned()),
                ("urgency".to_owned(), "high".to_owned()),
            ])
        );
        assert_eq!(alert.runbook_url, None);
        assert_eq!(
            alert.starts_at,
            Utc.with_ymd_and_hms(2024, 5, 14, 9, 21, 41).unwrap()
                + chrono::Duration::milliseconds(532)
        );
        assert_eq!(alert.ends_at, None);
        assert_eq!(
            alert.source_url.as_deref(),
            Some("https://acme.pagerduty.com/incidents/Q2W8HK4ZP1R7XN")
        );
        assert_eq!(alert.service_hint.as_deref(), Some("payments-api"));
    }

    #[test]
    fn resolved_fixture_parses() {
        let batch = parse_pagerduty(RESOLVED).unwrap();
        assert_eq!(
            batch.delivery_id.as_deref(),
            Some("01EXBX4T9QWJ5M2A8C6R0N3F7K")
        );
        let alert = only_alert(RESOLVED);
        assert_eq!(alert.fingerprint, INCIDENT_ID);
        assert_eq!(alert.state, AlertState::Resolved);
        let resolved_at = Utc.with_ymd_and_hms(2024, 5, 14, 9, 49, 2).unwrap()
            + chrono::Duration::milliseconds(118);
        assert_eq!(alert.starts_at, resolved_at);
        assert_eq!(alert.ends_at, Some(resolved_at));
        assert_eq!(alert.service_hint.as_deref(), Some("payments-api"));
    }

    #[test]
    fn annotated_fixture_is_a_note_on_the_incident() {
        let alert = only_alert(ANNOTATED);
        // The note's own id is `data.id`; the incident's is `data.incident.id`.
        assert_eq!(alert.fingerprint, INCIDENT_ID);
        assert_eq!(alert.state, AlertState::Note);
        assert_eq!(alert.title, TITLE);
        assert_eq!(
            alert.description,
            "PagerDuty: incident.annotated\n\nRolled payments-api back to v2.14.1; the 5xx rate is dropping."
        );
        assert_eq!(
            alert.source_url.as_deref(),
            Some("https://acme.pagerduty.com/incidents/Q2W8HK4ZP1R7XN")
        );
        // A note does not carry the incident's service.
        assert_eq!(alert.service_hint, None);
        assert_eq!(alert.labels["pagerduty_event"], "incident.annotated");
    }

    #[test]
    fn ping_is_valid_and_empty() {
        let batch = parse_pagerduty(PING_BODY).unwrap();
        assert_eq!(batch.alerts, Vec::new());
        assert_eq!(batch.unknown, None);
        assert_eq!(
            batch.delivery_id.as_deref(),
            Some("01EXBTS0KD6PQ3N8V5R2M7W4YC")
        );
    }

    #[test]
    fn event_types_map_to_states() {
        let cases = [
            ("incident.triggered", AlertState::Firing),
            ("incident.reopened", AlertState::Firing),
            ("incident.acknowledged", AlertState::Acknowledged),
            ("incident.resolved", AlertState::Resolved),
        ];
        for (event_type, state) in cases {
            let body = edited(TRIGGERED, |p| p["event"]["event_type"] = json!(event_type));
            assert_eq!(only_alert(&body).state, state, "{event_type}");
        }
        for event_type in NOTE_EVENTS {
            let body = edited(TRIGGERED, |p| p["event"]["event_type"] = json!(event_type));
            let alert = only_alert(&body);
            assert_eq!(alert.state, AlertState::Note, "{event_type}");
            assert!(
                alert
                    .description
                    .starts_with(&format!("PagerDuty: {event_type}"))
            );
        }
    }

    #[test]
    fn notes_say_what_changed() {
        let body = edited(TRIGGERED, |p| {
            p["event"]["event_type"] = json!("incident.escalated");
        });
        assert_eq!(
            only_alert(&body).description,
            "PagerDuty: incident.escalated\n\nAssigned to: Dana Whitfield"
        );
        let body = edited(TRIGGERED, |p| {
            p["event"]["event_type"] = json!("incident.priority_updated");
        });
        assert_eq!(
            only_alert(&body).description,
            "PagerDuty: incident.priority_updated\n\nPriority: P1"
        );
        let body = edited(ANNOTATED, |p| {
            p["event"]["event_type"] = json!("incident.responder.added");
            p["event"]["data"] = json!({
                "incident": p["event"]["data"]["incident"].clone(),
                "user": {"id": "PVMGSML", "summary": "Maeve", "type": "user_reference"},
                "message": "Please look at the payments database",
                "state": "pending",
                "type": "incident_responder"
            });
        });
        let alert = only_alert(&body);
        assert_eq!(alert.fingerprint, INCIDENT_ID);
        assert_eq!(
            alert.description,
            "PagerDuty: incident.responder.added\n\nResponder: Maeve\nState: pending\nPlease look at the payments database"
        );
    }

    #[test]
    fn unknown_event_types_are_flagged() {
        let body = edited(TRIGGERED, |p| {
            p["event"]["event_type"] = json!("incident.task.created");
        });
        let batch = parse_pagerduty(&body).unwrap();
        assert!(batch.alerts.is_empty());
        assert_eq!(
            batch.unknown.as_deref(),
            Some("PagerDuty event type `incident.task.created` is not handled")
        );
        assert_eq!(
            batch.delivery_id.as_deref(),
            Some("01EXBVZKMNQ4C8T5R2W7YH3J6D")
        );
    }

    #[test]
    fn other_resource_types_are_flagged() {
        let body = edited(TRIGGERED, |p| {
            p["event"]["event_type"] = json!("service.updated");
            p["event"]["resource_type"] = json!("service");
        });
        let batch = parse_pagerduty(&body).unwrap();
        assert!(batch.alerts.is_empty());
        assert_eq!(
            batch.unknown.as_deref(),
            Some("PagerDuty event type `service.updated` is not handled")
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let cases = [
            ("id", "event.id"),
            ("event_type", "event.event_type"),
            ("occurred_at", "event.occurred_at"),
            ("data", "event.data"),
        ];
        for (key, path) in cases {
            let body = edited(TRIGGERED, |p| {
                p["event"].as_object_mut().unwrap().remove(key);
            });
            assert_eq!(
                parse_pagerduty(&body),
                Err(PayloadError::MissingField(path.into()))
            );
        }
        let body = edited(TRIGGERED, |p| {
            p["event"]["data"].as_object_mut().unwrap().remove("id");
        });
        assert_eq!(
            parse_pagerduty(&body),
            Err(PayloadError::MissingField("event.data.id".into()))
        );
        let body = edited(ANNOTATED, |p| {
            p["event"]["data"]["incident"]
                .as_object_mut()
                .unwrap()
                .remove("id");
        });
        assert_eq!(
            parse_pagerduty(&body),
            Err(PayloadError::MissingField("event.data.incident.id".into()))
        );
        assert_eq!(
            parse_pagerduty(b"{\"messages\": []}"),
            Err(PayloadError::MissingField("event".into()))
        );
    }

    #[test]
    fn bad_times_and_json_are_refused() {
        let body = edited(TRIGGERED, |p| {
            p["event"]["occurred_at"] = json!("14/05/2024")
        });
        assert_eq!(
            parse_pagerduty(&body),
            Err(PayloadError::Invalid(
                "event.occurred_at is not an RFC 3339 time: \"14/05/2024\"".into()
            ))
        );
        assert!(matches!(
            parse_pagerduty(b"{\"event\": {\"id\": 1"),
            Err(PayloadError::MalformedJson(_))
        ));
    }

    #[test]
    fn titles_are_cut_and_links_checked() {
        let body = edited(TRIGGERED, |p| {
            p["event"]["data"]["title"] = json!(format!("  {}  ", "火".repeat(201)));
            p["event"]["data"]["html_url"] = json!("javascript:alert(1)");
        });
        let alert = only_alert(&body);
        assert_eq!(alert.title, "火".repeat(200));
        assert_eq!(alert.source_url, None);

        let body = edited(TRIGGERED, |p| {
            p["event"]["data"].as_object_mut().unwrap().remove("title");
        });
        assert_eq!(only_alert(&body).title, "Untitled alert");
    }
}

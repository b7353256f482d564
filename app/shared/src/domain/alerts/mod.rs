//! Monitoring webhooks turned into alert events: pure parsing of Prometheus Alertmanager, Grafana
//! and PagerDuty v3 payloads, with no I/O, so the rules can be tested on recorded deliveries.

mod alertmanager;
mod grafana;
mod pagerduty;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use alertmanager::parse_alertmanager;
pub use grafana::parse_grafana;
pub use pagerduty::parse_pagerduty;

/// The longest alert title we keep, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest alert description we keep, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;
/// The title of an alert that did not give us one.
pub const UNTITLED: &str = "Untitled alert";

/// Where an alert came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "storage",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum)
)]
#[cfg_attr(
    feature = "storage",
    sea_orm(
        rs_type = "String",
        db_type = "String(sea_orm::sea_query::StringLen::None)"
    )
)]
pub enum AlertSource {
    #[cfg_attr(feature = "storage", sea_orm(string_value = "alertmanager"))]
    Alertmanager,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "grafana"))]
    Grafana,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "pagerduty"))]
    PagerDuty,
}

impl AlertSource {
    /// Every source, in the order we show them.
    pub const ALL: [Self; 3] = [Self::Alertmanager, Self::Grafana, Self::PagerDuty];

    /// The stable identifier stored in the database and used in webhook URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alertmanager => "alertmanager",
            Self::Grafana => "grafana",
            Self::PagerDuty => "pagerduty",
        }
    }

    /// Reads an identifier written by [`AlertSource::as_str`] (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|source| source.as_str().eq_ignore_ascii_case(s))
    }

    /// The product's name, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Alertmanager => "Prometheus Alertmanager",
            Self::Grafana => "Grafana",
            Self::PagerDuty => "PagerDuty",
        }
    }
}

/// What an alert event says about the alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertState {
    Firing,
    Acknowledged,
    Resolved,
    /// Informational (e.g. PagerDuty `incident.annotated`, `incident.priority_updated`, ...).
    Note,
}

/// One alert as a monitoring system reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertEvent {
    /// Alertmanager/Grafana: the alert's fingerprint (or [`fnv_fingerprint`] of its labels);
    /// PagerDuty: the incident id.
    pub fingerprint: String,
    /// Alertmanager/Grafana: the notification group's key; PagerDuty: `None`.
    pub group_key: Option<String>,
    pub state: AlertState,
    /// A one-line human title: trimmed, at most [`TITLE_MAX`] characters, never empty.
    pub title: String,
    /// Longer text; may be empty; at most [`DESCRIPTION_MAX`] characters.
    pub description: String,
    /// The alert's labels (PagerDuty: `service`, `urgency`, `priority`, `pagerduty_event`).
    pub labels: BTreeMap<String, String>,
    /// The runbook link, only when it is an absolute http(s) URL.
    pub runbook_url: Option<String>,
    pub starts_at: DateTime<Utc>,
    /// When the alert ended, if the source says so (the zero time means "not yet").
    pub ends_at: Option<DateTime<Utc>>,
    /// A link back to the alert in its source (http(s) only).
    pub source_url: Option<String>,
    /// PagerDuty: the incident's service name; others `None` (read the service from `labels`).
    pub service_hint: Option<String>,
}

/// Everything one webhook delivery told us.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertBatch {
    pub source: AlertSource,
    /// PagerDuty: `event.id` (used to de-duplicate); others `None`.
    pub delivery_id: Option<String>,
    /// May be empty for a valid payload with no alerts.
    pub alerts: Vec<AlertEvent>,
    /// Set when the payload is valid but has something we do not understand (e.g. an unknown
    /// PagerDuty event type or resource type, an alert status other than firing/resolved). The
    /// caller stores the raw payload and flags it. The alerts we could understand are in `alerts`.
    pub unknown: Option<String>,
}

/// Why a payload was refused (the caller answers 4xx with `to_string()` and stores nothing).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    #[error("The body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("Unsupported payload version {found:?}: expected {expected}")]
    WrongVersion {
        expected: &'static str,
        found: String,
    },
    #[error("The payload is missing the field `{0}`")]
    MissingField(String),
    #[error("{0}")]
    Invalid(String),
}

/// Parses a webhook body from `source`.
pub fn parse(source: AlertSource, body: &[u8]) -> Result<AlertBatch, PayloadError> {
    match source {
        AlertSource::Alertmanager => parse_alertmanager(body),
        AlertSource::Grafana => parse_grafana(body),
        AlertSource::PagerDuty => parse_pagerduty(body),
    }
}

/// A stable fingerprint of a label set: the same 64-bit FNV-1a hash Prometheus and Alertmanager
/// use (labels sorted by name, each name and value followed by a 0xff byte), as 16 hex digits.
pub fn fnv_fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const SEPARATOR: u8 = 0xff;
    let mut hash = OFFSET;
    let mut add = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    };
    // A BTreeMap iterates in byte order of the names, like Prometheus' sort.
    for (name, value) in labels {
        name.bytes().for_each(&mut add);
        add(SEPARATOR);
        value.bytes().for_each(&mut add);
        add(SEPARATOR);
    }
    format!("{hash:016x}")
}

// ---- helpers shared by the parsers -------------------------------------------------------------

type Object = Map<String, Value>;

/// The body as a JSON object.
fn parse_root(body: &[u8]) -> Result<Object, PayloadError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(root)) => Ok(root),
        Ok(_) => Err(PayloadError::Invalid(
            "The payload must be a JSON object.".into(),
        )),
        Err(error) => Err(PayloadError::MalformedJson(error.to_string())),
    }
}

/// `obj[key]`, treating `null` as absent.
fn field<'a>(obj: &'a Object, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|value| !value.is_null())
}

/// A required string field; `path` names it in errors.
fn required_str<'a>(obj: &'a Object, key: &str, path: &str) -> Result<&'a str, PayloadError> {
    match field(obj, key) {
        None => Err(PayloadError::MissingField(path.to_owned())),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(PayloadError::MissingField(path.to_owned()))
        }
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(PayloadError::Invalid(format!("{path} must be a string."))),
    }
}

/// A required object field; `path` names it in errors.
fn required_object<'a>(obj: &'a Object, key: &str, path: &str) -> Result<&'a Object, PayloadError> {
    match field(obj, key) {
        None => Err(PayloadError::MissingField(path.to_owned())),
        Some(Value::Object(inner)) => Ok(inner),
        Some(_) => Err(PayloadError::Invalid(format!("{path} must be an object."))),
    }
}

/// An optional string field, ignored when it is empty or not a string.
fn optional_str<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    field(obj, key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An optional object field, ignored when it is not an object.
fn optional_object<'a>(obj: &'a Object, key: &str) -> Option<&'a Object> {
    field(obj, key).and_then(Value::as_object)
}

/// A JSON object of strings (labels, annotations) as a map. Numbers and booleans are kept as text;
/// nested values are dropped.
fn string_map(obj: &Object) -> BTreeMap<String, String> {
    obj.iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((key.clone(), text))
        })
        .collect()
}

/// Parses an RFC 3339 time; `path` names the field in errors.
fn parse_time(value: &str, path: &str) -> Result<DateTime<Utc>, PayloadError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            PayloadError::Invalid(format!(
                "{path} is not an RFC 3339 time: {:?}",
                truncate_chars(value, 64)
            ))
        })
}

/// A required time field.
fn required_time(obj: &Object, key: &str, path: &str) -> Result<DateTime<Utc>, PayloadError> {
    parse_time(required_str(obj, key, path)?, path)
}

/// Go's zero time (`0001-01-01T00:00:00Z`), which Alertmanager and Grafana send for "unset".
fn is_zero_time(time: &DateTime<Utc>) -> bool {
    time.year() <= 1
}

/// `value` when it is an absolute http(s) URL with a host.
fn http_url(value: &str) -> Option<String> {
    let parsed = url::Url::parse(value.trim()).ok()?;
    let web = matches!(parsed.scheme(), "http" | "https");
    (web && parsed.host_str().is_some_and(|host| !host.is_empty())).then(|| parsed.to_string())
}

/// At most `max` characters of `s`, cut at a character boundary.
fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// The first usable candidate as a one-line title: whitespace collapsed, control characters
/// dropped, at most [`TITLE_MAX`] characters, [`UNTITLED`] when nothing is left.
fn make_title<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>) -> String {
    for candidate in candidates.into_iter().flatten() {
        let one_line = candidate
            .split_whitespace()
            .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let title = truncate_chars(&one_line, TITLE_MAX).trim_end();
        if !title.is_empty() {
            return title.to_owned();
        }
    }
    UNTITLED.to_owned()
}

/// Trimmed text of at most [`DESCRIPTION_MAX`] characters.
fn make_description(text: &str) -> String {
    truncate_chars(text.trim(), DESCRIPTION_MAX).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip() {
        for source in AlertSource::ALL {
            assert_eq!(AlertSource::parse(source.as_str()), Some(source));
            let json = serde_json::to_string(&source).unwrap();
            assert_eq!(json, format!("\"{}\"", source.as_str()));
            assert_eq!(serde_json::from_str::<AlertSource>(&json).unwrap(), source);
        }
        assert_eq!(
            AlertSource::parse("PagerDuty"),
            Some(AlertSource::PagerDuty)
        );
        assert_eq!(AlertSource::parse("nagios"), None);
        assert_eq!(AlertSource::Alertmanager.label(), "Prometheus Alertmanager");
    }

    #[test]
    fn fingerprint_matches_prometheus() {
        // Vectors from prometheus/common's model tests (LabelSet fingerprints).
        assert_eq!(fnv_fingerprint(&BTreeMap::new()), "cbf29ce484222325");
        let labels = BTreeMap::from([
            ("name".to_owned(), "garland, briggs".to_owned()),
            ("fear".to_owned(), "love is not enough".to_owned()),
        ]);
        assert_eq!(
            fnv_fingerprint(&labels),
            format!("{:016x}", 5_799_056_148_416_392_346_u64)
        );
    }

    #[test]
    fn fingerprint_is_order_independent_and_unambiguous() {
        let a: BTreeMap<String, String> = serde_json::from_str(r#"{"a":"1","b":"2"}"#).unwrap();
        let b: BTreeMap<String, String> = serde_json::from_str(r#"{"b":"2","a":"1"}"#).unwrap();
        assert_eq!(fnv_fingerprint(&a), fnv_fingerprint(&b));
        let shifted: BTreeMap<String, String> =
            serde_json::from_str(r#"{"a":"1b","":"2"}"#).unwrap();
        assert_ne!(fnv_fingerprint(&a), fnv_fingerprint(&shifted));
    }

    #[test]
    fn titles_are_one_line_and_cut_at_char_boundaries() {
        let long = "é".repeat(300);
        let title = make_title([Some(long.as_str())]);
        assert_eq!(title.chars().count(), TITLE_MAX);
        assert_eq!(title.len(), TITLE_MAX * 2);
        assert_eq!(
            make_title([Some("  \n "), None, Some(" disk\n  full\u{7} ")]),
            "disk full"
        );
        assert_eq!(make_title([None, Some("")]), UNTITLED);
    }

    #[test]
    fn only_web_urls_are_links() {
        assert_eq!(
            http_url("https://runbooks.example.com/a").as_deref(),
            Some("https://runbooks.example.com/a")
        );
        assert_eq!(http_url("javascript:alert(1)"), None);
        assert_eq!(http_url("/relative/path"), None);
        assert_eq!(http_url("file:///etc/passwd"), None);
        assert_eq!(http_url("data:text/html,hi"), None);
    }

    #[test]
    fn parse_dispatches_by_source() {
        let body = include_bytes!("fixtures/pagerduty_ping.json");
        assert_eq!(
            parse(AlertSource::PagerDuty, body).unwrap().source,
            AlertSource::PagerDuty
        );
        assert!(matches!(
            parse(AlertSource::Alertmanager, body),
            Err(PayloadError::MissingField(_))
        ));
    }

    #[test]
    fn non_objects_are_refused() {
        assert!(matches!(
            parse_root(b"[1, 2]"),
            Err(PayloadError::Invalid(_))
        ));
        assert!(matches!(
            parse_root(b"{\"version\": "),
            Err(PayloadError::MalformedJson(_))
        ));
    }
}

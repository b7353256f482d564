//! Incident rules: severities, the status flow, the milestones and the durations derived from them,
//! the postmortem policy, and parsing the incident and timeline forms.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::validation::{FieldError, FieldErrors};

/// The longest incident title we accept.
pub const TITLE_MAX: usize = 200;
/// The longest impact summary or timeline entry we accept.
pub const TEXT_MAX: usize = 20_000;
/// The longest commander name we accept.
pub const COMMANDER_MAX: usize = 100;

/// How bad an incident is. SEV1 is the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    /// The label people use, e.g. `SEV1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "SEV1",
            Self::Sev2 => "SEV2",
            Self::Sev3 => "SEV3",
            Self::Sev4 => "SEV4",
        }
    }

    /// 1 for SEV1 … 4 for SEV4, as stored.
    pub fn rank(self) -> i16 {
        match self {
            Self::Sev1 => 1,
            Self::Sev2 => 2,
            Self::Sev3 => 3,
            Self::Sev4 => 4,
        }
    }

    /// The severity stored as `rank`; anything unexpected reads as the mildest.
    pub fn from_rank(rank: i16) -> Self {
        match rank {
            1 => Self::Sev1,
            2 => Self::Sev2,
            3 => Self::Sev3,
            _ => Self::Sev4,
        }
    }

    /// The short definition shown next to the choice.
    pub fn definition(self) -> &'static str {
        match self {
            Self::Sev1 => "Critical: a core service is down or data is lost for many customers.",
            Self::Sev2 => {
                "Major: a key feature is unavailable or badly degraded for some customers."
            }
            Self::Sev3 => "Minor: limited impact, or a workaround keeps customers going.",
            Self::Sev4 => "Low: no customer impact yet; internal or cosmetic.",
        }
    }

    /// Parses `SEV1`…`SEV4` (any case, with or without the `SEV`).
    pub fn parse(input: &str) -> Option<Self> {
        let value = input.trim().to_ascii_lowercase();
        match value.strip_prefix("sev").unwrap_or(&value) {
            "1" => Some(Self::Sev1),
            "2" => Some(Self::Sev2),
            "3" => Some(Self::Sev3),
            "4" => Some(Self::Sev4),
            _ => None,
        }
    }

    /// Reads the severity an alert's label (or PagerDuty priority/urgency) implies.
    pub fn from_alert_label(value: &str) -> Option<Self> {
        let value = value.trim().to_ascii_lowercase();
        if let Some(severity) = Self::parse(&value) {
            return Some(severity);
        }
        match value.as_str() {
            "critical" | "page" | "fatal" | "emergency" | "p1" => Some(Self::Sev1),
            "high" | "error" | "major" | "p2" => Some(Self::Sev2),
            "warning" | "warn" | "medium" | "minor" | "p3" => Some(Self::Sev3),
            "info" | "low" | "none" | "p4" | "p5" => Some(Self::Sev4),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an incident stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub enum IncidentStatus {
    #[cfg_attr(feature = "storage", sea_orm(string_value = "triggered"))]
    Triggered,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "investigating"))]
    Investigating,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "identified"))]
    Identified,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "monitoring"))]
    Monitoring,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "resolved"))]
    Resolved,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 5] = [
        Self::Triggered,
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
    ];

    /// The stored value, e.g. `investigating`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    /// The label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Triggered => "Triggered",
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }

    /// What the status means, for the help text.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Triggered => "Declared or alerted; nobody has picked it up yet.",
            Self::Investigating => "Someone is on it and looking for the cause.",
            Self::Identified => "The cause is known and a fix or mitigation is under way.",
            Self::Monitoring => "Mitigated; watching that it holds.",
            Self::Resolved => "Over: impact has ended.",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(input.trim()))
    }

    /// True until the incident is resolved.
    pub fn is_open(self) -> bool {
        self != Self::Resolved
    }

    /// The statuses an incident in this one can move to: any other one. Resolving and reopening
    /// are both allowed; the milestones follow (see [`Milestones::on_status_change`]).
    pub fn moves(self) -> impl Iterator<Item = IncidentStatus> {
        Self::ALL.into_iter().filter(move |s| *s != self)
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The moments the metrics are built from. Only the order is checked; any may be unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    pub impact_started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The durations derived from the milestones; `None` where a milestone is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    /// Impact started → detected.
    pub to_detect: Option<Duration>,
    /// Detected → acknowledged.
    pub to_acknowledge: Option<Duration>,
    /// Impact started → mitigated.
    pub to_mitigate: Option<Duration>,
    /// Impact started → resolved.
    pub to_resolve: Option<Duration>,
}

impl Milestones {
    /// The milestones in order, with their form field names and labels.
    pub fn fields(&self) -> [(&'static str, &'static str, Option<DateTime<Utc>>); 5] {
        [
            (
                "impact_started_at",
                "Impact started",
                self.impact_started_at,
            ),
            ("detected_at", "Detected", self.detected_at),
            ("acknowledged_at", "Acknowledged", self.acknowledged_at),
            ("mitigated_at", "Mitigated", self.mitigated_at),
            ("resolved_at", "Resolved", self.resolved_at),
        ]
    }

    /// Refuses milestones out of order (e.g. resolved before impact started), naming the later
    /// field and the earlier one it contradicts.
    pub fn check_order(&self) -> Result<(), FieldErrors> {
        let fields = self.fields();
        let mut errors = Vec::new();
        for (i, (field, label, at)) in fields.iter().enumerate() {
            let Some(at) = at else { continue };
            let earlier = fields[..i]
                .iter()
                .rev()
                .find(|(_, _, before)| before.is_some_and(|b| b > *at));
            if let Some((_, earlier_label, _)) = earlier {
                errors.push(FieldError::new(
                    *field,
                    format!("{label} cannot be before {}.", earlier_label.to_lowercase()),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(FieldErrors(errors))
        }
    }

    /// Time to detect, acknowledge, mitigate and resolve.
    pub fn durations(&self) -> Durations {
        let between = |from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>| match (from, to) {
            (Some(from), Some(to)) if to >= from => Some(to - from),
            _ => None,
        };
        Durations {
            to_detect: between(self.impact_started_at, self.detected_at),
            to_acknowledge: between(self.detected_at, self.acknowledged_at),
            to_mitigate: between(self.impact_started_at, self.mitigated_at),
            to_resolve: between(self.impact_started_at, self.resolved_at),
        }
    }

    /// Fills the milestones a status change implies, at `now`, without overwriting known ones:
    /// working on it means acknowledged, monitoring means mitigated, resolved means resolved (and
    /// mitigated, if nobody said when). Reopening clears the resolution.
    pub fn on_status_change(&mut self, to: IncidentStatus, now: DateTime<Utc>) {
        let fill = |slot: &mut Option<DateTime<Utc>>| {
            slot.get_or_insert(now);
        };
        match to {
            IncidentStatus::Triggered => self.resolved_at = None,
            IncidentStatus::Investigating | IncidentStatus::Identified => {
                fill(&mut self.acknowledged_at);
                self.resolved_at = None;
            }
            IncidentStatus::Monitoring => {
                fill(&mut self.acknowledged_at);
                fill(&mut self.mitigated_at);
                self.resolved_at = None;
            }
            IncidentStatus::Resolved => {
                fill(&mut self.acknowledged_at);
                fill(&mut self.mitigated_at);
                fill(&mut self.resolved_at);
            }
        }
        // Keep the order when a status is set after a milestone typed in the future.
        for slot in [&mut self.acknowledged_at, &mut self.mitigated_at] {
            if let (Some(at), Some(detected)) = (*slot, self.detected_at)
                && at < detected
            {
                *slot = Some(detected);
            }
        }
    }
}

/// A duration as people read it: `45s`, `12m`, `2h 05m`, `3d 4h`.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.num_seconds().max(0);
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m:02}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Which incidents need a postmortem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemPolicy {
    /// Severities that always need one.
    pub severities: Vec<Severity>,
    /// Any incident that lost data needs one.
    pub on_data_loss: bool,
    /// Any incident escalated beyond the first on-call responder needs one.
    pub on_escalation: bool,
}

impl Default for PostmortemPolicy {
    fn default() -> Self {
        Self {
            severities: vec![Severity::Sev1, Severity::Sev2],
            on_data_loss: true,
            on_escalation: true,
        }
    }
}

impl PostmortemPolicy {
    /// Reads the policy from a list such as `SEV1,SEV2,data_loss,escalation`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut policy = Self {
            severities: Vec::new(),
            on_data_loss: false,
            on_escalation: false,
        };
        for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "data_loss" | "data-loss" => policy.on_data_loss = true,
                "escalation" | "escalated" => policy.on_escalation = true,
                _ => match Severity::parse(part) {
                    Some(severity) => policy.severities.push(severity),
                    None => {
                        return Err(format!(
                            "`{part}` is neither a severity (SEV1–SEV4) nor data_loss or escalation"
                        ));
                    }
                },
            }
        }
        Ok(policy)
    }

    /// True when an incident like this one needs a postmortem.
    pub fn requires(&self, severity: Severity, data_loss: bool, escalated: bool) -> bool {
        self.severities.contains(&severity)
            || (self.on_data_loss && data_loss)
            || (self.on_escalation && escalated)
    }

    /// The rule in words, for the UI.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.severities.iter().map(ToString::to_string).collect();
        if self.on_data_loss {
            parts.push("any data loss".into());
        }
        if self.on_escalation {
            parts.push("any on-call escalation".into());
        }
        match parts.len() {
            0 => "No incident requires a postmortem.".into(),
            _ => format!("A postmortem is required for {}.", parts.join(", ")),
        }
    }
}

/// The incident form as typed (a field left out counts as empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentForm {
    pub title: String,
    /// Slugs of the affected services, separated by commas.
    pub services: String,
    pub severity: String,
    pub commander: String,
    pub summary: String,
    #[serde(default)]
    pub data_loss: Option<String>,
    #[serde(default)]
    pub escalated: Option<String>,
    #[serde(default)]
    pub impact_started_at: String,
    #[serde(default)]
    pub detected_at: String,
    #[serde(default)]
    pub acknowledged_at: String,
    #[serde(default)]
    pub mitigated_at: String,
    #[serde(default)]
    pub resolved_at: String,
}

/// A checked incident, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentDraft {
    pub title: String,
    pub services: Vec<String>,
    pub severity: Severity,
    pub commander: String,
    pub summary: String,
    pub data_loss: bool,
    pub escalated: bool,
    pub milestones: Milestones,
}

impl IncidentForm {
    /// Checks every field and reports every problem at once.
    pub fn parse(&self) -> Result<IncidentDraft, FieldErrors> {
        let mut errors = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new(
                "title",
                "Say in a few words what is wrong.",
            ));
        } else if title.chars().count() > TITLE_MAX {
            errors.push(FieldError::new(
                "title",
                format!("Keep the title to {TITLE_MAX} characters or fewer."),
            ));
        }
        let services = parse_service_list(&self.services);
        let severity = Severity::parse(&self.severity);
        if severity.is_none() {
            errors.push(FieldError::new(
                "severity",
                "Choose a severity, SEV1 to SEV4.",
            ));
        }
        let commander = self.commander.trim();
        if commander.chars().count() > COMMANDER_MAX {
            errors.push(FieldError::new(
                "commander",
                format!("Keep the commander's name to {COMMANDER_MAX} characters or fewer."),
            ));
        }
        if self.summary.chars().count() > TEXT_MAX {
            errors.push(FieldError::new(
                "summary",
                format!("Keep the summary to {TEXT_MAX} characters or fewer."),
            ));
        }
        let mut milestones = Milestones::default();
        for (field, input, slot) in [
            (
                "impact_started_at",
                &self.impact_started_at,
                &mut milestones.impact_started_at,
            ),
            (
                "detected_at",
                &self.detected_at,
                &mut milestones.detected_at,
            ),
            (
                "acknowledged_at",
                &self.acknowledged_at,
                &mut milestones.acknowledged_at,
            ),
            (
                "mitigated_at",
                &self.mitigated_at,
                &mut milestones.mitigated_at,
            ),
            (
                "resolved_at",
                &self.resolved_at,
                &mut milestones.resolved_at,
            ),
        ] {
            match parse_time(input) {
                Ok(at) => *slot = at,
                Err(message) => errors.push(FieldError::new(field, &message)),
            }
        }
        if let Err(order) = milestones.check_order() {
            errors.extend(order.0);
        }
        match severity {
            Some(severity) if errors.is_empty() => Ok(IncidentDraft {
                title: title.to_owned(),
                services,
                severity,
                commander: commander.to_owned(),
                summary: self.summary.trim_end().to_owned(),
                data_loss: is_checked(&self.data_loss),
                escalated: is_checked(&self.escalated),
                milestones,
            }),
            _ => Err(FieldErrors(errors)),
        }
    }
}

fn is_checked(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| matches!(v, "on" | "true" | "1" | "yes"))
}

/// The slugs in a comma- or space-separated list, lowercased, without repeats.
pub fn parse_service_list(input: &str) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::new();
    for slug in input
        .split([',', ' ', '\n'])
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
    {
        if !slugs.contains(&slug) {
            slugs.push(slug);
        }
    }
    slugs
}

/// Reads a time typed in a form: a browser's `datetime-local` value (`2026-11-27T09:30`, taken
/// as UTC), with or without seconds, or a full RFC 3339 time. Empty means unknown.
pub fn parse_time(input: &str) -> Result<Option<DateTime<Utc>>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(input) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    if let Some(at) = super::time_text::parse_minute(input) {
        return Ok(Some(at.and_utc()));
    }
    Err(format!(
        "`{input}` is not a time; use YYYY-MM-DD HH:MM (UTC)."
    ))
}

/// A time as a `datetime-local` input value (UTC, to the minute).
pub fn to_input_value(at: Option<DateTime<Utc>>) -> String {
    at.map(super::time_text::input_minute).unwrap_or_default()
}

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub enum TimelineKind {
    #[cfg_attr(feature = "storage", sea_orm(string_value = "alert"))]
    Alert,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "note"))]
    Note,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "status_change"))]
    StatusChange,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "action"))]
    Action,
    #[cfg_attr(feature = "storage", sea_orm(string_value = "change"))]
    Change,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 5] = [
        Self::Alert,
        Self::Note,
        Self::StatusChange,
        Self::Action,
        Self::Change,
    ];
    /// The kinds people add by hand (status changes are written by the app).
    pub const TYPED: [TimelineKind; 4] = [Self::Note, Self::Action, Self::Change, Self::Alert];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Note => "note",
            Self::StatusChange => "status_change",
            Self::Action => "action",
            Self::Change => "change",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Alert => "Alert",
            Self::Note => "Note",
            Self::StatusChange => "Status change",
            Self::Action => "Action taken",
            Self::Change => "Change / deploy",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(input.trim()))
    }
}

/// A timeline entry as typed (a field left out counts as empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineForm {
    pub kind: String,
    pub occurred_at: String,
    pub body: String,
}

/// A checked timeline entry.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineDraft {
    pub kind: TimelineKind,
    /// When it happened; `None` means now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub body: String,
}

impl TimelineForm {
    pub fn parse(&self) -> Result<TimelineDraft, FieldErrors> {
        let mut errors = Vec::new();
        let kind = TimelineKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "Choose what kind of entry this is.",
            ));
        }
        let occurred_at = parse_time(&self.occurred_at).unwrap_or_else(|message| {
            errors.push(FieldError::new("occurred_at", &message));
            None
        });
        let body = self.body.trim();
        if body.is_empty() {
            errors.push(FieldError::new("body", "Write what happened."));
        } else if body.chars().count() > TEXT_MAX {
            errors.push(FieldError::new(
                "body",
                format!("Keep an entry to {TEXT_MAX} characters or fewer."),
            ));
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(TimelineDraft {
                kind,
                occurred_at,
                body: body.to_owned(),
            }),
            _ => Err(FieldErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
    }

    fn form() -> IncidentForm {
        IncidentForm {
            title: "Checkout errors".into(),
            services: "payments-api, checkout-web".into(),
            severity: "SEV2".into(),
            ..Default::default()
        }
    }

    #[test]
    fn severities_parse_from_people_and_from_alert_labels() {
        assert_eq!(Severity::parse("sev1"), Some(Severity::Sev1));
        assert_eq!(Severity::parse("3"), Some(Severity::Sev3));
        assert_eq!(Severity::parse("SEV5"), None);
        assert_eq!(Severity::from_alert_label("critical"), Some(Severity::Sev1));
        assert_eq!(Severity::from_alert_label("P2"), Some(Severity::Sev2));
        assert_eq!(Severity::from_alert_label("warning"), Some(Severity::Sev3));
        assert_eq!(Severity::from_alert_label("info"), Some(Severity::Sev4));
        assert_eq!(Severity::from_alert_label("purple"), None);
        for s in Severity::ALL {
            assert_eq!(Severity::from_rank(s.rank()), s);
            assert!(!s.definition().is_empty());
        }
    }

    #[test]
    fn milestones_out_of_order_are_refused_naming_both() {
        let milestones = Milestones {
            impact_started_at: Some(at(10, 0)),
            detected_at: Some(at(10, 5)),
            resolved_at: Some(at(9, 0)),
            ..Default::default()
        };
        let errors = milestones.check_order().unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "resolved_at");
        assert_eq!(errors.0[0].message, "Resolved cannot be before detected.");
    }

    #[test]
    fn equal_and_missing_milestones_are_fine() {
        let milestones = Milestones {
            impact_started_at: Some(at(10, 0)),
            detected_at: Some(at(10, 0)),
            mitigated_at: Some(at(11, 0)),
            ..Default::default()
        };
        assert!(milestones.check_order().is_ok());
    }

    #[test]
    fn durations_are_derived_from_the_milestones() {
        let milestones = Milestones {
            impact_started_at: Some(at(10, 0)),
            detected_at: Some(at(10, 7)),
            acknowledged_at: Some(at(10, 10)),
            mitigated_at: Some(at(11, 0)),
            resolved_at: Some(at(12, 30)),
        };
        let d = milestones.durations();
        assert_eq!(d.to_detect, Some(Duration::minutes(7)));
        assert_eq!(d.to_acknowledge, Some(Duration::minutes(3)));
        assert_eq!(d.to_mitigate, Some(Duration::minutes(60)));
        assert_eq!(d.to_resolve, Some(Duration::minutes(150)));
        let unresolved = Milestones {
            resolved_at: None,
            ..milestones
        };
        assert_eq!(unresolved.durations().to_resolve, None);
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(format_duration(Duration::seconds(45)), "45s");
        assert_eq!(format_duration(Duration::minutes(12)), "12m");
        assert_eq!(format_duration(Duration::minutes(125)), "2h 05m");
        assert_eq!(format_duration(Duration::hours(76)), "3d 4h");
    }

    #[test]
    fn status_changes_fill_missing_milestones_only() {
        let mut m = Milestones {
            impact_started_at: Some(at(9, 50)),
            detected_at: Some(at(10, 0)),
            acknowledged_at: Some(at(10, 2)),
            ..Default::default()
        };
        m.on_status_change(IncidentStatus::Investigating, at(10, 30));
        assert_eq!(m.acknowledged_at, Some(at(10, 2)));
        m.on_status_change(IncidentStatus::Monitoring, at(11, 0));
        assert_eq!(m.mitigated_at, Some(at(11, 0)));
        m.on_status_change(IncidentStatus::Resolved, at(12, 0));
        assert_eq!(m.resolved_at, Some(at(12, 0)));
        assert_eq!(m.mitigated_at, Some(at(11, 0)));
        m.on_status_change(IncidentStatus::Investigating, at(12, 5));
        assert_eq!(m.resolved_at, None, "reopening clears the resolution");
        assert!(m.check_order().is_ok());
    }

    #[test]
    fn resolving_directly_marks_it_mitigated_too() {
        let mut m = Milestones {
            detected_at: Some(at(10, 0)),
            ..Default::default()
        };
        m.on_status_change(IncidentStatus::Resolved, at(10, 40));
        assert_eq!(m.acknowledged_at, Some(at(10, 40)));
        assert_eq!(m.mitigated_at, Some(at(10, 40)));
        assert_eq!(m.resolved_at, Some(at(10, 40)));
    }

    #[test]
    fn every_status_can_move_to_every_other() {
        for from in IncidentStatus::ALL {
            assert_eq!(from.moves().count(), 4);
            assert!(from.moves().all(|to| to != from));
            assert_eq!(IncidentStatus::parse(from.as_str()), Some(from));
        }
        assert!(!IncidentStatus::Resolved.is_open());
    }

    #[test]
    fn the_default_policy_requires_sev1_sev2_data_loss_and_escalation() {
        let policy = PostmortemPolicy::default();
        assert!(policy.requires(Severity::Sev1, false, false));
        assert!(policy.requires(Severity::Sev2, false, false));
        assert!(!policy.requires(Severity::Sev3, false, false));
        assert!(policy.requires(Severity::Sev4, true, false));
        assert!(policy.requires(Severity::Sev3, false, true));
        assert_eq!(
            policy.describe(),
            "A postmortem is required for SEV1, SEV2, any data loss, any on-call escalation."
        );
    }

    #[test]
    fn the_policy_is_configurable_and_bad_words_are_named() {
        let policy = PostmortemPolicy::parse("SEV1, data_loss").unwrap();
        assert!(policy.requires(Severity::Sev1, false, false));
        assert!(!policy.requires(Severity::Sev2, false, false));
        assert!(!policy.requires(Severity::Sev3, false, true));
        assert!(
            PostmortemPolicy::parse("SEV1,sometimes")
                .unwrap_err()
                .contains("sometimes")
        );
        assert!(
            !PostmortemPolicy::parse("")
                .unwrap()
                .requires(Severity::Sev1, true, true)
        );
    }

    #[test]
    fn a_valid_form_becomes_a_draft() {
        let mut input = form();
        input.detected_at = "2026-11-27T10:05".into();
        input.impact_started_at = "2026-11-27T10:00:00Z".into();
        input.data_loss = Some("on".into());
        let draft = input.parse().unwrap();
        assert_eq!(draft.services, ["payments-api", "checkout-web"]);
        assert_eq!(draft.severity, Severity::Sev2);
        assert_eq!(draft.milestones.detected_at, Some(at(10, 5)));
        assert!(draft.data_loss);
        assert!(!draft.escalated);
    }

    #[test]
    fn a_bad_form_reports_every_problem() {
        let input = IncidentForm {
            title: " ".into(),
            severity: "SEV9".into(),
            detected_at: "yesterday".into(),
            impact_started_at: "2026-11-27T10:00".into(),
            resolved_at: "2026-11-27T09:00".into(),
            ..Default::default()
        };
        let errors = input.parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "severity", "detected_at", "resolved_at"]);
        assert!(errors.0[2].message.contains("yesterday"));
    }

    #[test]
    fn service_lists_accept_commas_and_spaces_without_repeats() {
        assert_eq!(
            parse_service_list("Payments-API, search  payments-api\n"),
            ["payments-api", "search"]
        );
        assert!(parse_service_list(" , ").is_empty());
    }

    #[test]
    fn timeline_entries_need_a_kind_and_words() {
        let ok = TimelineForm {
            kind: "action".into(),
            occurred_at: "2026-11-27T10:15".into(),
            body: "Rolled back to v41".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.kind, TimelineKind::Action);
        assert_eq!(ok.occurred_at, Some(at(10, 15)));
        let bad = TimelineForm {
            kind: "gossip".into(),
            occurred_at: "noon".into(),
            body: "".into(),
        }
        .parse()
        .unwrap_err();
        assert_eq!(bad.0.len(), 3);
    }

    #[test]
    fn input_values_round_trip() {
        let value = to_input_value(Some(at(10, 15)));
        assert_eq!(value, "2026-11-27T10:15");
        assert_eq!(parse_time(&value).unwrap(), Some(at(10, 15)));
        assert_eq!(to_input_value(None), "");
    }
}

//! What postmortems and problems learned, as rules the change gate enforces: a guardrail is one
//! of a few templates with one parameter, on one service, linked to where it came from, and may
//! retire itself when the pipeline test it waits for is verified. Also freeze windows (no normal
//! change while one is active) and a service's error budget left, both read by the policy.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validation::FieldErrors;

/// Longest parameter or freeze reason.
pub const TEXT_MAX: usize = 300;

choice! {
    /// The rules a guardrail can be, each with one parameter.
    GuardrailTemplate {
        PathsNeedReview => ("paths_need_review", "Changes to a path need review"),
        CheckMustPass => ("check_must_pass", "A check must pass"),
        NoDeploysDuringIncident => ("no_deploys_during_incident", "No normal deploys during an incident"),
    }
}

impl GuardrailTemplate {
    /// What the parameter is, for the form.
    pub fn parameter_label(self) -> &'static str {
        match self {
            Self::PathsNeedReview => "Path (a folder such as migrations/ or a file)",
            Self::CheckMustPass => "Check name (as the pipeline reports it)",
            Self::NoDeploysDuringIncident => "Severity (SEV1 to SEV4: this one or worse)",
        }
    }

    /// Checks and normalises the parameter: a path loses a leading `/` and a trailing `*` or
    /// `**` (a folder matches everything in it); a severity is stored as its number.
    pub fn parameter(self, raw: &str) -> Result<String, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(match self {
                Self::PathsNeedReview => "Name the path, such as migrations/.",
                Self::CheckMustPass => "Name the check, such as contract-tests.",
                Self::NoDeploysDuringIncident => "Choose a severity, SEV1 to SEV4.",
            }
            .into());
        }
        if text.chars().count() > TEXT_MAX {
            return Err(format!("At most {TEXT_MAX} characters."));
        }
        match self {
            Self::PathsNeedReview => {
                let path = text.trim_start_matches('/').trim_end_matches('*');
                if path.is_empty() || path.contains(char::is_whitespace) {
                    return Err("A path has no spaces and is not only a wildcard.".into());
                }
                Ok(path.to_owned())
            }
            Self::CheckMustPass => Ok(text.to_owned()),
            Self::NoDeploysDuringIncident => {
                let digits = text
                    .to_ascii_uppercase()
                    .trim_start_matches("SEV")
                    .trim()
                    .to_owned();
                match digits.parse::<u8>() {
                    Ok(n @ 1..=4) => Ok(n.to_string()),
                    _ => Err("Choose a severity, SEV1 to SEV4.".into()),
                }
            }
        }
    }

    /// The rule in words, e.g. "Changes to migrations/ on payments-api need review".
    pub fn describe(self, parameter: &str, service: &str) -> String {
        match self {
            Self::PathsNeedReview => format!("Changes to {parameter} on {service} need review"),
            Self::CheckMustPass => format!("Check {parameter} must pass for {service}"),
            Self::NoDeploysDuringIncident => {
                let worse = if parameter == "1" { "" } else { " or worse" };
                format!("No normal deploys of {service} while a SEV{parameter}{worse} is open")
            }
        }
    }
}

choice! {
    /// What a guardrail was learned from.
    GuardrailSource {
        Factor => ("factor", "Contributing factor"),
        Problem => ("problem", "Problem"),
        ActionItem => ("action_item", "Pipeline test"),
    }
}

/// The *Add a guardrail* form as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailForm {
    /// `factor`, `problem` or `action_item`.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_id: String,
    /// The service's slug.
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub parameter: String,
    /// `on` (a ticked box): retire the guardrail when the source's pipeline test is verified.
    #[serde(default)]
    pub until_verified: String,
}

/// A checked guardrail form; the service and source still to be found by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardrailDraft {
    pub source: GuardrailSource,
    pub source_id: i64,
    pub service: String,
    pub template: GuardrailTemplate,
    pub parameter: String,
    pub until_verified: bool,
}

impl GuardrailForm {
    /// Checks every field; each problem names its field.
    pub fn check(&self) -> Result<GuardrailDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let source = errors.check(
            "source",
            GuardrailSource::parse(&self.source).ok_or_else(|| {
                "A guardrail comes from a factor, a problem or a pipeline test.".to_owned()
            }),
        );
        let source_id = errors.check(
            "source_id",
            self.source_id
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| "Name the record the guardrail comes from.".to_owned()),
        );
        let service = self.service.trim().to_owned();
        if service.is_empty() {
            errors.check::<()>("service", Err("Choose the service it guards.".into()));
        }
        let template = errors.check(
            "template",
            GuardrailTemplate::parse(&self.template)
                .ok_or_else(|| "Choose what the guardrail asks for.".to_owned()),
        );
        let parameter =
            template.and_then(|t| errors.check("parameter", t.parameter(&self.parameter)));
        let until_verified = matches!(self.until_verified.as_str(), "on" | "true");
        if until_verified && source != Some(GuardrailSource::ActionItem) {
            errors.check::<()>(
                "until_verified",
                Err("Only a guardrail from a pipeline test can wait for it to be verified.".into()),
            );
        }
        match (source, source_id, template, parameter) {
            (Some(source), Some(source_id), Some(template), Some(parameter))
                if errors.is_empty() =>
            {
                Ok(GuardrailDraft {
                    source,
                    source_id,
                    service,
                    template,
                    parameter,
                    until_verified,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The freeze-window form as submitted: times as a browser's `datetime-local` (UTC).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeForm {
    /// A service's slug, or empty for every service.
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

/// A checked freeze window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreezeDraft {
    pub service: Option<String>,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Reads `2026-12-24T00:00` (or with seconds) as UTC.
fn moment(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| t.and_utc())
        .map_err(|_| "Give a date and time, such as 2026-12-24T00:00 (UTC).".to_owned())
}

impl FreezeForm {
    /// Checks every field; the window must end after it starts, and not in the past.
    pub fn check(&self, now: DateTime<Utc>) -> Result<FreezeDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() {
            errors.check::<()>("reason", Err("Say why changes are frozen.".into()));
        } else if reason.chars().count() > TEXT_MAX {
            errors.check::<()>("reason", Err(format!("At most {TEXT_MAX} characters.")));
        }
        let starts_at = errors.check("starts_at", moment(&self.starts_at));
        let ends_at = errors.check("ends_at", moment(&self.ends_at));
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                errors.check::<()>("ends_at", Err("The window ends after it starts.".into()));
            } else if end <= now {
                errors.check::<()>("ends_at", Err("This window is over already.".into()));
            }
        }
        let service = Some(self.service.trim().to_owned()).filter(|s| !s.is_empty());
        match (starts_at, ends_at) {
            (Some(starts_at), Some(ends_at)) if errors.is_empty() => Ok(FreezeDraft {
                service,
                reason,
                starts_at,
                ends_at,
            }),
            _ => Err(errors),
        }
    }
}

/// The share of a service's error budget left over `window` ending at `now`, given the periods
/// its incidents had impact (start, end; an open one runs to `now`): 1.0 untouched, 0 or less
/// spent. Overlapping incidents count their common time once.
pub fn error_budget_left(
    slo_percent: f64,
    window: chrono::Duration,
    now: DateTime<Utc>,
    impacts: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> f64 {
    let from = now - window;
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = impacts
        .iter()
        .map(|(start, end)| ((*start).max(from), end.unwrap_or(now).min(now)))
        .filter(|(start, end)| end > start)
        .collect();
    spans.sort();
    let mut down = chrono::Duration::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                down += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        down += e - s;
    }
    let allowed = window.num_seconds() as f64 * (100.0 - slo_percent) / 100.0;
    if allowed <= 0.0 {
        return 0.0;
    }
    1.0 - down.num_seconds() as f64 / allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn form(source: &str, template: &str, parameter: &str) -> GuardrailForm {
        GuardrailForm {
            source: source.into(),
            source_id: "41".into(),
            service: "payments-api".into(),
            template: template.into(),
            parameter: parameter.into(),
            until_verified: String::new(),
        }
    }

    #[test]
    fn parameters_are_normalised_or_refused() {
        let paths = GuardrailTemplate::PathsNeedReview;
        assert_eq!(paths.parameter("/migrations/**").unwrap(), "migrations/");
        assert_eq!(paths.parameter("src/db.rs").unwrap(), "src/db.rs");
        assert!(paths.parameter("**").is_err());
        assert!(paths.parameter("a b").is_err());
        let severity = GuardrailTemplate::NoDeploysDuringIncident;
        assert_eq!(severity.parameter("sev2").unwrap(), "2");
        assert_eq!(severity.parameter("3").unwrap(), "3");
        assert!(severity.parameter("SEV5").is_err());
        assert!(GuardrailTemplate::CheckMustPass.parameter("  ").is_err());
        assert!(
            GuardrailTemplate::CheckMustPass
                .parameter(&"x".repeat(301))
                .is_err()
        );
    }

    #[test]
    fn a_guardrail_says_what_it_asks_for() {
        assert_eq!(
            GuardrailTemplate::NoDeploysDuringIncident.describe("2", "checkout"),
            "No normal deploys of checkout while a SEV2 or worse is open"
        );
        assert_eq!(
            GuardrailTemplate::PathsNeedReview.describe("migrations/", "payments-api"),
            "Changes to migrations/ on payments-api need review"
        );
    }

    #[test]
    fn the_form_names_each_bad_field() {
        let errors = GuardrailForm::default().check().unwrap_err();
        for field in ["source", "source_id", "service", "template"] {
            assert!(errors.message_for(field).is_some(), "{field}: {errors:?}");
        }
        let errors = form("factor", "check_must_pass", "").check().unwrap_err();
        assert!(errors.message_for("parameter").is_some());
        let mut waiting = form("factor", "check_must_pass", "contract-tests");
        waiting.until_verified = "on".into();
        assert!(
            waiting
                .check()
                .unwrap_err()
                .message_for("until_verified")
                .is_some()
        );
        let mut waiting = form("action_item", "check_must_pass", "contract-tests");
        waiting.until_verified = "on".into();
        let draft = waiting.check().unwrap();
        assert!(draft.until_verified);
        assert_eq!(draft.source, GuardrailSource::ActionItem);
    }

    #[test]
    fn a_freeze_window_ends_after_it_starts_and_not_in_the_past() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let window = |start: &str, end: &str| FreezeForm {
            service: String::new(),
            reason: "Year-end".into(),
            starts_at: start.into(),
            ends_at: end.into(),
        };
        let ok = window("2026-12-20T00:00", "2027-01-02T00:00")
            .check(now)
            .unwrap();
        assert_eq!(ok.service, None);
        assert_eq!(
            ok.ends_at,
            Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).unwrap()
        );
        let backwards = window("2026-12-20T00:00", "2026-12-19T00:00")
            .check(now)
            .unwrap_err();
        assert!(backwards.message_for("ends_at").is_some());
        let over = window("2026-12-01T00:00", "2026-12-02T00:00")
            .check(now)
            .unwrap_err();
        assert!(over.message_for("ends_at").is_some());
        let garbled = window("tomorrow", "").check(now).unwrap_err();
        assert!(garbled.message_for("starts_at").is_some());
        assert!(garbled.message_for("ends_at").is_some());
        let mut no_reason = window("2026-12-20T00:00", "2027-01-02T00:00");
        no_reason.reason = " ".into();
        assert!(
            no_reason
                .check(now)
                .unwrap_err()
                .message_for("reason")
                .is_some()
        );
    }

    #[test]
    fn the_error_budget_counts_overlapping_impact_once() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let window = Duration::days(30);
        // 99.9 % over 30 days allows 43.2 minutes.
        assert_eq!(error_budget_left(99.9, window, now, &[]), 1.0);
        let hour_ago = now - Duration::minutes(60);
        let left = error_budget_left(
            99.9,
            window,
            now,
            &[
                (hour_ago, Some(hour_ago + Duration::minutes(20))),
                (
                    hour_ago + Duration::minutes(10),
                    Some(hour_ago + Duration::minutes(30)),
                ),
            ],
        );
        // 30 minutes of 43.2.
        assert!((left - (1.0 - 30.0 / 43.2)).abs() < 1e-9, "{left}");
        // Still open: runs to now; impact before the window does not count.
        let spent = error_budget_left(
            99.9,
            window,
            now,
            &[
                (hour_ago, None),
                (now - Duration::days(40), Some(now - Duration::days(35))),
            ],
        );
        assert!(spent < 0.0, "{spent}");
    }
}

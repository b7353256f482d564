//! What the policy, guardrail and freeze-window server functions carry: the policy page (active
//! version, its rules, every version), one version with its tests, a backtest's report, and the
//! guardrails and freeze windows the gate enforces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::change::Decision;
use crate::domain::guardrail::{GuardrailSource, GuardrailTemplate};

/// One version of the policy, as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersionRow {
    pub id: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub active: bool,
    /// Each `test_*` rule and whether it passed.
    pub tests: Vec<(String, bool)>,
    /// Every test passed: it may be activated.
    pub ready: bool,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// The policy page: what decides changes now, and every version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyPage {
    /// The active version; None while the built-in default decides.
    pub active: Option<PolicyVersionRow>,
    pub source: String,
    /// The rules its findings name.
    pub rules: Vec<String>,
    /// The newest versions first.
    pub versions: Vec<PolicyVersionRow>,
}

/// One version with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersionView {
    pub version: PolicyVersionRow,
    pub source: String,
    pub rules: Vec<String>,
}

/// A change a backtested version would have decided differently.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestDifference {
    pub change_id: i64,
    pub service: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub was: Decision,
    pub would_be: Decision,
    /// The rules behind the new decision.
    pub rules: Vec<String>,
    /// Incidents its deployments caused.
    pub incidents: usize,
}

/// What a version would have decided over the last days' changes, against what was decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    pub version: i64,
    pub days: i64,
    /// Changes decided again.
    pub evaluated: usize,
    /// Changes decided before their input was kept, left out.
    pub without_input: usize,
    pub unchanged: usize,
    /// Allowed then, held (review or deny) now.
    pub would_hold: usize,
    /// Of those, how many caused incidents.
    pub would_hold_that_failed: usize,
    /// Held then, allowed now.
    pub would_allow: usize,
    /// Of those, how many caused incidents.
    pub would_allow_that_failed: usize,
    /// Other differences (review ↔ deny).
    pub other_changes: usize,
    /// Changes the version could not decide.
    pub errors: usize,
    pub elapsed_ms: u64,
    /// The first differences, newest first.
    pub differences: Vec<BacktestDifference>,
}

/// One guardrail as lists and pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardrailRow {
    pub id: i64,
    pub service: String,
    pub service_slug: String,
    pub template: GuardrailTemplate,
    pub parameter: String,
    pub title: String,
    /// Where it was learned, with a link: ("Postmortem #41: factor …", "/postmortems/41").
    pub origin: Vec<(String, String)>,
    pub until_verified: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub retired_reason: Option<String>,
}

/// A freeze window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreezeRow {
    pub id: i64,
    /// The service's name, or None for every service.
    pub service: Option<String>,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub active: bool,
    pub created_by: String,
}

/// The guardrails page: active and retired guardrails, and freeze windows not yet over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardrailsPage {
    pub active: Vec<GuardrailRow>,
    pub retired: Vec<GuardrailRow>,
    pub freezes: Vec<FreezeRow>,
    /// (slug, name) of every service, for the freeze form.
    pub services: Vec<(String, String)>,
}

/// What *Add a guardrail* knows about where it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardrailStart {
    pub source: GuardrailSource,
    pub source_id: i64,
    /// What it is, e.g. "Contributing factor of postmortem #41: Retry storm".
    pub label: String,
    pub href: String,
    /// (slug, name) of the services it concerns, first the likeliest.
    pub services: Vec<(String, String)>,
    /// (slug, name) of every service.
    pub all_services: Vec<(String, String)>,
    /// The template and parameter suggested.
    pub template: GuardrailTemplate,
    pub parameter: String,
    /// The source is a pipeline test not yet verified: the guardrail can wait for it.
    pub can_wait: bool,
}

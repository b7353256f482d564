//! The change policy: Rego modules (OPA's language) evaluated in-process with regorus, within a
//! time limit. Rules in package `gate` add findings to `deny`, `review` and `allow`; rules named
//! `test_*` are the policy's own tests, which must pass before a version can be activated.

use std::num::NonZeroU32;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};
use shared::domain::change::{Findings, Reason};

/// The policy a new installation starts with, editable like any other version.
pub const DEFAULT_POLICY: &str = include_str!("default_policy.rego");

/// The package every policy's rules live in.
const PACKAGE: &str = "data.gate";

/// How long one decision's evaluation may run.
pub const EVALUATION_LIMIT: Duration = Duration::from_millis(250);

/// Why a policy could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The Rego does not parse or compile; the message names the line and column.
    #[error("The policy is not valid Rego: {0}")]
    Invalid(String),
    /// Evaluating it failed or ran past the time limit.
    #[error("The policy failed: {0}")]
    Failed(String),
}

/// A compiled policy, ready to decide changes. Cloning is cheap (the compiled modules are shared).
#[derive(Clone)]
pub struct Policy {
    engine: Engine,
    tests: Vec<String>,
}

impl Policy {
    /// Compiles the policy's source (one Rego module).
    pub fn compile(source: &str) -> Result<Self, PolicyError> {
        let mut engine = Engine::new();
        let package = engine
            .add_policy("policy.rego".into(), source.into())
            .map_err(|e| PolicyError::Invalid(e.to_string()))?;
        if package != PACKAGE {
            return Err(PolicyError::Invalid(format!(
                "the policy's package is {package}; it must be `package gate`"
            )));
        }
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: EVALUATION_LIMIT,
            check_interval: NonZeroU32::new(64).expect("not zero"),
        });
        // Rules are compiled on first use: evaluate once so that errors show now, not at the
        // first change.
        let mut policy = Self {
            engine,
            tests: test_names(source),
        };
        policy.findings(&serde_json::json!({}))?;
        Ok(policy)
    }

    /// What the policy finds about one change, given its input document.
    pub fn findings(&mut self, input: &serde_json::Value) -> Result<Findings, PolicyError> {
        self.findings_in(&input.to_string())
    }

    /// [`Policy::findings`] for an input document already written as JSON text (as the gate
    /// stores it), read once by the policy engine.
    pub fn findings_in(&mut self, input: &str) -> Result<Findings, PolicyError> {
        let input = Value::from_json_str(input).map_err(|e| PolicyError::Failed(e.to_string()))?;
        self.engine.set_input(input);
        Ok(Findings {
            deny: self.reasons("deny")?,
            review: self.reasons("review")?,
            allow: self.reasons("allow")?,
        })
    }

    fn reasons(&mut self, set: &str) -> Result<Vec<Reason>, PolicyError> {
        // A query, not `eval_rule`: a policy need not define all three sets (an undefined one
        // has no result).
        let results = self
            .engine
            .eval_query(format!("{PACKAGE}.{set}"), false)
            .map_err(|e| PolicyError::Failed(e.to_string()))?;
        let Some(value) = results
            .result
            .into_iter()
            .next()
            .and_then(|r| r.expressions.into_iter().next())
            .map(|e| e.value)
            .filter(|v| *v != Value::Undefined)
        else {
            return Ok(Vec::new());
        };
        let json = value
            .to_json_str()
            .map_err(|e| PolicyError::Failed(e.to_string()))?;
        let found: Vec<serde_json::Value> = serde_json::from_str(&json).map_err(|_| {
            PolicyError::Failed(format!("`{set}` must be a set of findings, got {json}"))
        })?;
        Ok(found.into_iter().map(|f| reason_of(set, f)).collect())
    }

    /// Runs the policy's `test_*` rules: each test's name and whether it passed.
    pub fn run_tests(&mut self) -> Vec<(String, bool)> {
        self.engine.set_input(Value::new_object());
        let names = self.tests.clone();
        names
            .into_iter()
            .map(|name| {
                let passed = self
                    .engine
                    .eval_rule(format!("{PACKAGE}.{name}"))
                    .is_ok_and(|v| v == Value::from(true));
                (name, passed)
            })
            .collect()
    }
}

/// A finding as a rule wrote it: an object with `rule`, `message` and `links`, or a bare message.
fn reason_of(set: &str, found: serde_json::Value) -> Reason {
    match found {
        serde_json::Value::String(message) => Reason {
            rule: set.to_owned(),
            message,
            links: Vec::new(),
        },
        other => {
            let text = |key: &str| other.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            Reason {
                rule: text("rule").unwrap_or_else(|| set.to_owned()),
                message: text("message").unwrap_or_else(|| other.to_string()),
                links: other
                    .get("links")
                    .and_then(|v| v.as_array())
                    .map(|links| {
                        links
                            .iter()
                            .filter_map(|l| l.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }
    }
}

/// The names of the `test_*` rules a module defines.
fn test_names(source: &str) -> Vec<String> {
    let mut names: Vec<String> = source
        .lines()
        .filter_map(|line| {
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            name.starts_with("test_").then_some(name)
        })
        .collect();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use super::*;
    use shared::domain::change::{ChangeKind, Decision, decide};

    fn input(change: Json, service: Json, freezes: Json) -> Json {
        let mut service_doc = json!({
            "slug": "payments-api",
            "open_incidents": [],
            "overdue_pipeline_tests": [],
            "error_budget_left": null,
        });
        if let (Some(doc), Some(extra)) = (service_doc.as_object_mut(), service.as_object()) {
            doc.extend(extra.clone());
        }
        let mut change_doc = json!({"kind": "normal", "paths": ["src/lib.rs"], "checks": [
            {"name": "unit tests", "status": "success", "url": null},
            {"name": "security scan", "status": "success", "url": null},
        ]});
        if let (Some(doc), Some(extra)) = (change_doc.as_object_mut(), change.as_object()) {
            doc.extend(extra.clone());
        }
        json!({"change": change_doc, "service": service_doc, "freezes": freezes})
    }

    fn decision(doc: Json) -> (Decision, Vec<String>) {
        let mut policy = Policy::compile(DEFAULT_POLICY).unwrap();
        let kind = ChangeKind::parse(doc["change"]["kind"].as_str().unwrap()).unwrap();
        let decided = decide(kind, policy.findings(&doc).unwrap());
        let rules = decided.reasons.into_iter().map(|r| r.rule).collect();
        (decided.decision, rules)
    }

    #[test]
    fn the_default_pack_decides_each_case_as_its_rule_says() {
        let none = json!({});
        let no_freeze = json!([]);
        let sev1 =
            json!({"open_incidents": [{"id": 123, "severity": 1, "title": "Checkout down"}]});
        let cases: Vec<(&str, Json, Decision, &str)> = vec![
            (
                "docs and config with passing checks",
                input(
                    json!({"paths": ["docs/runbook.md", "config/app.yaml"]}),
                    none.clone(),
                    no_freeze.clone(),
                ),
                Decision::Allow,
                "docs_and_config",
            ),
            (
                "a schema migration",
                input(
                    json!({"paths": ["migrations/0042_add_index.sql"]}),
                    none.clone(),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "schema_migration",
            ),
            (
                "a security-sensitive path",
                input(
                    json!({"paths": ["src/auth/session.rs"]}),
                    none.clone(),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "security_sensitive",
            ),
            (
                "a failed check",
                input(
                    json!({"checks": [{"name": "unit tests", "status": "failure", "url": "https://ci.example/1"}, {"name": "security scan", "status": "success", "url": null}]}),
                    none.clone(),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "failed_check",
            ),
            (
                "no scan",
                input(
                    json!({"checks": [{"name": "unit tests", "status": "success", "url": null}]}),
                    none.clone(),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "missing_scan",
            ),
            (
                "an open SEV1",
                input(json!({}), sev1.clone(), no_freeze.clone()),
                Decision::Deny,
                "open_incident",
            ),
            (
                "a spent error budget",
                input(
                    json!({}),
                    json!({"error_budget_left": -0.2}),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "error_budget",
            ),
            (
                "an overdue pipeline test",
                input(
                    json!({}),
                    json!({"overdue_pipeline_tests": [{"id": 9, "title": "Contract test", "postmortem_id": 41, "due_on": "2026-11-01"}]}),
                    no_freeze.clone(),
                ),
                Decision::Review,
                "overdue_pipeline_test",
            ),
            (
                "a freeze window",
                input(
                    json!({}),
                    none.clone(),
                    json!([{"reason": "Black Friday", "until": "2026-11-30", "active": true}]),
                ),
                Decision::Deny,
                "freeze",
            ),
            (
                "an ordinary change with passing checks and scan",
                input(json!({}), none.clone(), no_freeze.clone()),
                Decision::Allow,
                "",
            ),
        ];
        for (name, doc, expected, rule) in cases {
            let (decided, rules) = decision(doc);
            assert_eq!(decided, expected, "{name}: {rules:?}");
            if !rule.is_empty() {
                assert!(rules.iter().any(|r| r == rule), "{name}: {rules:?}");
            }
        }
    }

    #[test]
    fn a_denial_names_the_incident_behind_it() {
        let doc = input(
            json!({}),
            json!({"open_incidents": [{"id": 123, "severity": 2, "title": "Checkout slow"}]}),
            json!([]),
        );
        let mut policy = Policy::compile(DEFAULT_POLICY).unwrap();
        let found = policy.findings(&doc).unwrap();
        assert_eq!(found.deny.len(), 1);
        assert_eq!(
            found.deny[0].message,
            "SEV2 incident #123 is open on payments-api: Checkout slow"
        );
        assert_eq!(found.deny[0].links, ["/incidents/123"]);
    }

    #[test]
    fn guardrails_are_enforced_and_cite_where_they_were_learned() {
        let guarded = |guardrail: Json, change: Json, service: Json| {
            let mut doc = input(change, service, json!([]));
            doc["guardrails"] = json!([guardrail]);
            let mut policy = Policy::compile(DEFAULT_POLICY).unwrap();
            let kind = ChangeKind::parse(doc["change"]["kind"].as_str().unwrap()).unwrap();
            decide(kind, policy.findings(&doc).unwrap())
        };
        let paths = json!({"id": 3, "template": "paths_need_review", "parameter": "db/", "title": "Changes to db/ on payments-api need review", "links": ["/postmortems/41"]});
        let touched = guarded(paths.clone(), json!({"paths": ["db/schema.rb"]}), json!({}));
        assert_eq!(touched.decision, Decision::Review);
        let reason = touched
            .reasons
            .iter()
            .find(|r| r.rule == "guardrail")
            .unwrap();
        assert_eq!(
            reason.message,
            "Changes to db/ on payments-api need review (guardrail #3): db/schema.rb."
        );
        assert_eq!(reason.links, ["/postmortems/41"]);
        let elsewhere = guarded(paths, json!({"paths": ["src/db.rs"]}), json!({}));
        assert_eq!(elsewhere.decision, Decision::Allow);

        let check = json!({"id": 4, "template": "check_must_pass", "parameter": "Contract-Tests", "title": "Check Contract-Tests must pass", "links": ["/problems/7"]});
        assert_eq!(
            guarded(check.clone(), json!({}), json!({})).decision,
            Decision::Deny
        );
        let passed = json!({"checks": [
            {"name": "contract-tests", "status": "success", "url": null},
            {"name": "security scan", "status": "success", "url": null},
        ]});
        assert_eq!(guarded(check, passed, json!({})).decision, Decision::Allow);

        let incident = json!({"id": 5, "template": "no_deploys_during_incident", "parameter": "3", "title": "No normal deploys", "links": []});
        let sev3 = json!({"open_incidents": [{"id": 9, "severity": 3, "title": "Slow"}]});
        let held = guarded(incident.clone(), json!({}), sev3.clone());
        assert_eq!(held.decision, Decision::Deny);
        assert_eq!(held.reasons[0].links, ["/incidents/9"]);
        let sev4 = json!({"open_incidents": [{"id": 9, "severity": 4, "title": "Slow"}]});
        assert_eq!(
            guarded(incident.clone(), json!({}), sev4).decision,
            Decision::Allow
        );
        // Standard changes are pre-approved kinds of work: the incident guardrail is for normal ones.
        assert_eq!(
            guarded(incident, json!({"kind": "standard"}), sev3).decision,
            Decision::Allow
        );
    }

    #[test]
    fn many_open_incidents_make_one_finding_per_rule_citing_the_first_and_counting_the_rest() {
        // As the gate lists them: most severe first, newest first within a severity.
        let open: Vec<Json> = (0..40)
            .map(|i| json!({"id": 100 - i, "severity": 1 + i / 10, "title": format!("Incident {i}")}))
            .collect();
        let mut doc = input(json!({}), json!({"open_incidents": open}), json!([]));
        doc["guardrails"] = json!([{"id": 5, "template": "no_deploys_during_incident", "parameter": "1", "title": "No normal deploys during a SEV1", "links": ["/postmortems/3"]}]);
        let mut policy = Policy::compile(DEFAULT_POLICY).unwrap();
        let findings = policy.findings(&doc).unwrap();
        let mut messages: Vec<(&str, &str)> = findings
            .deny
            .iter()
            .map(|r| (r.rule.as_str(), r.message.as_str()))
            .collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                (
                    "guardrail",
                    "No normal deploys during a SEV1 (guardrail #5): SEV1 incident #100 is open (and 9 more open incidents)."
                ),
                (
                    "open_incident",
                    "SEV1 incident #100 is open on payments-api: Incident 0 (and 19 more open incidents)"
                ),
            ]
        );
        let open_incident = findings
            .deny
            .iter()
            .find(|r| r.rule == "open_incident")
            .unwrap();
        assert_eq!(
            open_incident.links,
            [
                "/incidents/100",
                "/incidents/99",
                "/incidents/98",
                "/incidents/97",
                "/incidents/96"
            ]
        );
        let guardrail = findings
            .deny
            .iter()
            .find(|r| r.rule == "guardrail")
            .unwrap();
        assert_eq!(guardrail.links[0], "/postmortems/3");
        assert_eq!(guardrail.links.len(), 6);
    }

    #[test]
    fn an_emergency_change_during_an_incident_goes_ahead_for_review() {
        let doc = input(
            json!({"kind": "emergency"}),
            json!({"open_incidents": [{"id": 7, "severity": 1, "title": "Down"}]}),
            json!([]),
        );
        // The open incident denies normal changes only; the emergency one goes ahead and is
        // reviewed afterwards.
        let (decided, rules) = decision(doc);
        assert_eq!(decided, Decision::Allow);
        assert_eq!(rules, ["emergency"]);
    }

    #[test]
    fn invalid_rego_is_refused_with_its_line_and_column() {
        let error = Policy::compile("package gate\n\ndeny contains msg if {\n  msg := \n}\n")
            .err()
            .unwrap();
        let PolicyError::Invalid(message) = error else {
            panic!("{error:?}");
        };
        assert!(
            message.contains(":4:") || message.contains(":5:"),
            "{message}"
        );
    }

    #[test]
    fn a_policy_of_another_package_is_refused() {
        let error = Policy::compile("package other\n\nallow := true\n")
            .err()
            .unwrap();
        assert!(matches!(error, PolicyError::Invalid(m) if m.contains("package gate")));
    }

    #[test]
    fn the_default_pack_passes_its_own_tests() {
        let mut policy = Policy::compile(DEFAULT_POLICY).unwrap();
        let results = policy.run_tests();
        assert!(results.len() >= 2, "{results:?}");
        assert!(results.iter().all(|(_, passed)| *passed), "{results:?}");
    }

    #[test]
    fn a_failing_test_is_reported() {
        let source = "package gate\n\nimport rego.v1\n\ndeny contains \"no\" if { input.x }\n\ntest_never if {\n  count(deny) == 2 with input as {\"x\": true}\n}\n";
        let mut policy = Policy::compile(source).unwrap();
        assert_eq!(policy.run_tests(), [("test_never".to_owned(), false)]);
    }

    #[test]
    fn a_policy_that_runs_too_long_fails_instead_of_hanging() {
        let source = "package gate\n\nimport rego.v1\n\nreview contains n if {\n  some a in numbers.range(1, 200)\n  some b in numbers.range(1, 200)\n  some c in numbers.range(1, 200)\n  n := a + b + c\n  n < 0\n}\n";
        let mut policy = match Policy::compile(source) {
            Ok(policy) => policy,
            Err(PolicyError::Failed(_)) => return,
            Err(other) => panic!("{other:?}"),
        };
        let result = policy.findings(&json!({}));
        assert!(matches!(result, Err(PolicyError::Failed(_))), "{result:?}");
    }
}

//! Monitoring integrations' rules: what makes a valid alert source, label mapping and signing secret.

use serde::{Deserialize, Serialize};

use super::alerts::AlertSource;
use super::service::Slug;
use super::validation::FieldErrors;

/// The longest integration name we accept.
pub const NAME_MAX: usize = 100;
/// The longest label name we accept (the column's width).
pub const LABEL_MAX: usize = 100;
/// The shortest signing secret we accept: shorter ones can be guessed.
pub const SECRET_MIN: usize = 16;
/// The longest signing secret we accept (the column's width).
pub const SECRET_MAX: usize = 200;
/// The longest signature header name we accept (the column's width).
pub const HEADER_MAX: usize = 100;
/// The label naming the service, unless the integration says otherwise.
pub const DEFAULT_SERVICE_LABEL: &str = "service";
/// The label naming the severity, unless the integration says otherwise.
pub const DEFAULT_SEVERITY_LABEL: &str = "severity";
/// The header Grafana puts its HMAC signature in, unless configured otherwise.
pub const DEFAULT_SIGNATURE_HEADER: &str = "X-Grafana-Alerting-Signature";

/// An integration form exactly as a person submitted it, before any validation.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrationForm {
    pub name: String,
    /// `alertmanager`, `grafana` or `pagerduty`.
    pub source: String,
    /// The slug of the service every alert goes to; empty to read it from the service label.
    pub service: String,
    pub service_label: String,
    pub severity_label: String,
    pub signing_secret: String,
    pub signature_header: String,
    /// A checkbox: present (any value but `false`/`off`/`0`) when ticked, absent when not.
    pub resolve_with_alert: Option<String>,
}

impl std::fmt::Debug for IntegrationForm {
    /// Leaves the signing secret out, so it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationForm")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("service", &self.service)
            .field("service_label", &self.service_label)
            .field("severity_label", &self.severity_label)
            .field(
                "signing_secret",
                &(!self.signing_secret.is_empty()).then_some("…"),
            )
            .field("signature_header", &self.signature_header)
            .field("resolve_with_alert", &self.resolve_with_alert)
            .finish()
    }
}

/// A validated integration, ready to be stored.
#[derive(Clone, PartialEq)]
pub struct IntegrationDraft {
    pub name: String,
    pub source: AlertSource,
    /// The fixed service, by slug (the server checks it exists).
    pub service: Option<Slug>,
    pub service_label: String,
    pub severity_label: String,
    /// When set, every delivery must carry a valid HMAC signature made with it.
    pub signing_secret: Option<String>,
    /// Grafana with a signing secret only: the header carrying the signature.
    pub signature_header: Option<String>,
    pub resolve_with_alert: bool,
}

impl std::fmt::Debug for IntegrationDraft {
    /// Leaves the signing secret out, so it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationDraft")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("service", &self.service)
            .field("service_label", &self.service_label)
            .field("severity_label", &self.severity_label)
            .field("signing_secret", &self.signing_secret.as_ref().map(|_| "…"))
            .field("signature_header", &self.signature_header)
            .field("resolve_with_alert", &self.resolve_with_alert)
            .finish()
    }
}

/// An integration's name: trimmed, not empty, at most [`NAME_MAX`] characters.
pub fn parse_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Give the integration a name, e.g. \"Production Alertmanager\".".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("Keep the name to {NAME_MAX} characters or fewer."));
    }
    if name.chars().any(char::is_control) {
        return Err("The name cannot contain control characters.".into());
    }
    Ok(name.to_owned())
}

/// Where alerts come from: one of the supported sources.
pub fn parse_source(input: &str) -> Result<AlertSource, String> {
    AlertSource::parse(input).ok_or_else(|| {
        "Choose where the alerts come from: Prometheus Alertmanager, Grafana or PagerDuty.".into()
    })
}

/// A Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`); `default` when left empty.
pub fn parse_label(input: &str, default: &str) -> Result<String, String> {
    let label = input.trim();
    if label.is_empty() {
        return Ok(default.to_owned());
    }
    if label.len() > LABEL_MAX {
        return Err(format!(
            "Keep the label name to {LABEL_MAX} characters or fewer."
        ));
    }
    let valid = label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "Write a label name as Prometheus does: letters, digits and underscores, not starting with a digit (e.g. {default})."
        ));
    }
    Ok(label.to_owned())
}

/// An HMAC signing secret: [`SECRET_MIN`] to [`SECRET_MAX`] characters, surrounding spaces
/// (from copying and pasting) removed; `None` when left empty.
pub fn parse_signing_secret(input: &str) -> Result<Option<String>, String> {
    let secret = input.trim();
    if secret.is_empty() {
        return Ok(None);
    }
    if secret.chars().any(char::is_control) {
        return Err("The signing secret cannot contain line breaks or control characters.".into());
    }
    let length = secret.chars().count();
    if length > SECRET_MAX {
        return Err(format!(
            "Keep the signing secret to {SECRET_MAX} characters or fewer."
        ));
    }
    if length < SECRET_MIN {
        return Err(format!(
            "Use a signing secret of at least {SECRET_MIN} characters, or leave it empty."
        ));
    }
    Ok(Some(secret.to_owned()))
}

/// An HTTP header name (an RFC 9110 token); `None` when left empty.
pub fn parse_header_name(input: &str) -> Result<Option<String>, String> {
    let header = input.trim();
    if header.is_empty() {
        return Ok(None);
    }
    if header.len() > HEADER_MAX {
        return Err(format!(
            "Keep the header name to {HEADER_MAX} characters or fewer."
        ));
    }
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !header.chars().all(token_char) {
        return Err(format!(
            "Write a header name without spaces or colons, e.g. {DEFAULT_SIGNATURE_HEADER}."
        ));
    }
    Ok(Some(header.to_owned()))
}

/// Reads a checkbox: ticked unless absent or explicitly `false`, `off` or `0`.
fn checked(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "false" | "off" | "0"
        )
    })
}

impl IntegrationForm {
    /// A form for a new integration, with the usual defaults filled in.
    pub fn new_defaults() -> Self {
        Self {
            source: AlertSource::Alertmanager.as_str().to_owned(),
            service_label: DEFAULT_SERVICE_LABEL.to_owned(),
            severity_label: DEFAULT_SEVERITY_LABEL.to_owned(),
            resolve_with_alert: Some("on".to_owned()),
            ..Self::default()
        }
    }

    /// Validates every field and reports all problems together.
    pub fn parse(&self) -> Result<IntegrationDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let source = errors.check("source", parse_source(&self.source));
        let service = if self.service.trim().is_empty() {
            Some(None)
        } else {
            errors.check(
                "service",
                Slug::parse(&self.service)
                    .map(Some)
                    .map_err(|_| "Choose a service from the catalog by its slug, or leave this empty to read the service from the alert's labels.".to_owned()),
            )
        };
        let service_label = errors.check(
            "service_label",
            parse_label(&self.service_label, DEFAULT_SERVICE_LABEL),
        );
        let severity_label = errors.check(
            "severity_label",
            parse_label(&self.severity_label, DEFAULT_SEVERITY_LABEL),
        );
        let signing_secret =
            errors.check("signing_secret", parse_signing_secret(&self.signing_secret));
        let header = errors.check(
            "signature_header",
            parse_header_name(&self.signature_header),
        );

        // Rules that depend on the source.
        let mut signature_header = None;
        if let (Some(source), Some(secret), Some(header)) = (source, &signing_secret, &header) {
            if source == AlertSource::Grafana {
                match (secret, header) {
                    (Some(_), header) => {
                        signature_header = Some(
                            header
                                .clone()
                                .unwrap_or_else(|| DEFAULT_SIGNATURE_HEADER.to_owned()),
                        );
                    }
                    (None, Some(_)) => {
                        errors.check::<()>(
                            "signature_header",
                            Err("Grafana only signs deliveries when it has a secret: set a signing secret too, or leave the header empty.".into()),
                        );
                    }
                    (None, None) => {}
                }
            }
            if source != AlertSource::Grafana && header.is_some() {
                errors.check::<()>(
                    "signature_header",
                    Err(format!(
                        "Only Grafana lets you choose the signature header; leave this empty for {}.",
                        source.label()
                    )),
                );
            }
        }

        match (
            name,
            source,
            service,
            service_label,
            severity_label,
            signing_secret,
        ) {
            (
                Some(name),
                Some(source),
                Some(service),
                Some(service_label),
                Some(severity_label),
                Some(signing_secret),
            ) if errors.is_empty() => Ok(IntegrationDraft {
                name,
                source,
                service,
                service_label,
                severity_label,
                signing_secret,
                signature_header,
                resolve_with_alert: checked(self.resolve_with_alert.as_deref()),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> IntegrationForm {
        IntegrationForm {
            name: "Production Alertmanager".into(),
            source: "alertmanager".into(),
            service: String::new(),
            service_label: String::new(),
            severity_label: String::new(),
            signing_secret: String::new(),
            signature_header: String::new(),
            resolve_with_alert: Some("on".into()),
        }
    }

    fn message(form: IntegrationForm, field: &str) -> String {
        let errors = form.parse().unwrap_err();
        errors
            .message_for(field)
            .unwrap_or_else(|| panic!("{field} should have a message: {errors:?}"))
            .to_owned()
    }

    #[test]
    fn a_minimal_form_parses_with_the_default_labels() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.name, "Production Alertmanager");
        assert_eq!(draft.source, AlertSource::Alertmanager);
        assert_eq!(draft.service, None);
        assert_eq!(draft.service_label, "service");
        assert_eq!(draft.severity_label, "severity");
        assert_eq!(draft.signing_secret, None);
        assert_eq!(draft.signature_header, None);
        assert!(draft.resolve_with_alert);
    }

    #[test]
    fn the_new_form_defaults_parse_once_named() {
        let draft = IntegrationForm {
            name: "Alerts".into(),
            ..IntegrationForm::new_defaults()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.source, AlertSource::Alertmanager);
        assert!(draft.resolve_with_alert);
    }

    #[test]
    fn an_unticked_checkbox_means_do_not_resolve() {
        for value in [None, Some("false"), Some("off"), Some("0")] {
            let draft = IntegrationForm {
                resolve_with_alert: value.map(str::to_owned),
                ..form()
            }
            .parse()
            .unwrap();
            assert!(!draft.resolve_with_alert, "{value:?}");
        }
        for value in ["on", "true", "1", ""] {
            let draft = IntegrationForm {
                resolve_with_alert: Some(value.into()),
                ..form()
            }
            .parse()
            .unwrap();
            assert!(draft.resolve_with_alert, "{value:?}");
        }
    }

    #[test]
    fn the_name_is_required_and_at_most_100_characters() {
        assert!(
            message(
                IntegrationForm {
                    name: "  ".into(),
                    ..form()
                },
                "name"
            )
            .contains("name")
        );
        assert!(parse_name(&"a".repeat(101)).is_err());
        assert_eq!(parse_name(&"é".repeat(100)).unwrap().chars().count(), 100);
        assert!(parse_name("bad\nname").is_err());
        assert_eq!(parse_name("  Grafana  ").unwrap(), "Grafana");
    }

    #[test]
    fn the_source_must_be_one_of_the_three() {
        assert!(
            message(
                IntegrationForm {
                    source: "nagios".into(),
                    ..form()
                },
                "source"
            )
            .contains("Alertmanager")
        );
        assert!(parse_source("").is_err());
        assert_eq!(parse_source("grafana").unwrap(), AlertSource::Grafana);
        assert_eq!(parse_source("pagerduty").unwrap(), AlertSource::PagerDuty);
    }

    #[test]
    fn a_fixed_service_is_a_slug() {
        let draft = IntegrationForm {
            service: " payments-api ".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.service.unwrap().as_str(), "payments-api");
        assert!(
            message(
                IntegrationForm {
                    service: "Payments API".into(),
                    ..form()
                },
                "service"
            )
            .contains("slug")
        );
    }

    #[test]
    fn labels_are_prometheus_label_names() {
        for good in ["service", "_svc", "app_kubernetes_io_name", "S2"] {
            assert_eq!(parse_label(good, "x").unwrap(), good);
        }
        for bad in [
            "2service",
            "app.kubernetes.io/name",
            "ser vice",
            "sévérité",
            "a-b",
        ] {
            assert!(parse_label(bad, "x").is_err(), "{bad} should be refused");
        }
        assert!(parse_label(&"a".repeat(101), "x").is_err());
        assert_eq!(parse_label("  ", "severity").unwrap(), "severity");
        let draft = IntegrationForm {
            service_label: "app".into(),
            severity_label: "priority".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(
            (draft.service_label.as_str(), draft.severity_label.as_str()),
            ("app", "priority")
        );
    }

    #[test]
    fn a_signing_secret_is_16_to_200_characters() {
        assert_eq!(parse_signing_secret("   ").unwrap(), None);
        assert!(parse_signing_secret(&"s".repeat(15)).is_err());
        assert!(parse_signing_secret(&"s".repeat(16)).unwrap().is_some());
        assert!(parse_signing_secret(&"s".repeat(200)).unwrap().is_some());
        assert!(parse_signing_secret(&"s".repeat(201)).is_err());
        assert!(parse_signing_secret("0123456789abcdef\n0123").is_err());
        assert_eq!(
            parse_signing_secret(" 0123456789abcdef\n")
                .unwrap()
                .as_deref(),
            Some("0123456789abcdef")
        );
        assert!(
            message(
                IntegrationForm {
                    signing_secret: "short".into(),
                    ..form()
                },
                "signing_secret"
            )
            .contains("16")
        );
    }

    #[test]
    fn pagerduty_may_start_without_its_signing_secret() {
        // PagerDuty shows the secret only once the subscription (which needs our URL) exists.
        let draft = IntegrationForm {
            source: "pagerduty".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.signing_secret, None);
    }

    #[test]
    fn grafana_signs_in_its_default_header_unless_told_otherwise() {
        let grafana = IntegrationForm {
            source: "grafana".into(),
            signing_secret: "grafana-secret-0123".into(),
            ..form()
        };
        assert_eq!(
            grafana.parse().unwrap().signature_header.as_deref(),
            Some(DEFAULT_SIGNATURE_HEADER)
        );
        let custom = IntegrationForm {
            signature_header: "X-Signature".into(),
            ..grafana.clone()
        };
        assert_eq!(
            custom.parse().unwrap().signature_header.as_deref(),
            Some("X-Signature")
        );
        let unsigned = IntegrationForm {
            signing_secret: String::new(),
            ..grafana
        };
        assert_eq!(unsigned.parse().unwrap().signature_header, None);
    }

    #[test]
    fn a_signature_header_needs_grafana_and_a_secret() {
        assert!(
            message(
                IntegrationForm {
                    signature_header: "X-Signature".into(),
                    signing_secret: "0123456789abcdef".into(),
                    ..form()
                },
                "signature_header"
            )
            .contains("Only Grafana")
        );
        assert!(
            message(
                IntegrationForm {
                    source: "grafana".into(),
                    signature_header: "X-Signature".into(),
                    ..form()
                },
                "signature_header"
            )
            .contains("secret")
        );
    }

    #[test]
    fn a_header_name_is_an_http_token() {
        assert_eq!(parse_header_name("").unwrap(), None);
        assert!(parse_header_name("X-Hub-Signature-256").unwrap().is_some());
        for bad in [
            "X Signature",
            "X-Signature:",
            "X-Sig\r\nSet-Cookie",
            "Überschrift",
        ] {
            assert!(parse_header_name(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_header_name(&"X".repeat(101)).is_err());
    }

    #[test]
    fn every_problem_in_a_form_is_reported_at_once() {
        let errors = IntegrationForm {
            name: String::new(),
            source: "zabbix".into(),
            service: "Not A Slug".into(),
            service_label: "1abc".into(),
            severity_label: "a.b".into(),
            signing_secret: "short".into(),
            signature_header: "bad header".into(),
            resolve_with_alert: None,
        }
        .parse()
        .unwrap_err();
        for field in [
            "name",
            "source",
            "service",
            "service_label",
            "severity_label",
            "signing_secret",
            "signature_header",
        ] {
            assert!(
                errors.message_for(field).is_some(),
                "{field} should have a message"
            );
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let draft = IntegrationForm {
            signing_secret: "very-secret-value-123".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert!(!format!("{draft:?}").contains("very-secret-value-123"));
    }
}

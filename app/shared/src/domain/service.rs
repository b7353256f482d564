//! The service catalog's rules: what makes a valid name, slug, repository, runbook link and SLO target.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::validation::FieldErrors;

/// The longest service name we accept.
pub const NAME_MAX: usize = 100;
/// The longest slug we accept (a DNS label, so it fits in hostnames and metric labels).
pub const SLUG_MAX: usize = 63;
/// The longest owning-team name we accept.
pub const TEAM_MAX: usize = 100;
/// The longest on-call/contact text we accept.
pub const ON_CALL_MAX: usize = 200;
/// The longest Markdown description we accept.
pub const DESCRIPTION_MAX: usize = 20_000;

/// A service's display name: trimmed, not empty, at most [`NAME_MAX`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceName(String);

impl ServiceName {
    /// Parses a name typed by a person.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Give the service a name.".into());
        }
        if name.chars().count() > NAME_MAX {
            return Err(format!("Keep the name to {NAME_MAX} characters or fewer."));
        }
        if name.chars().any(char::is_control) {
            return Err("The name cannot contain control characters.".into());
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A service's URL-safe identifier: lowercase letters, digits and single hyphens, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug typed by a person.
    pub fn parse(input: &str) -> Result<Self, String> {
        let slug = input.trim();
        if slug.is_empty() {
            return Err("Give the service a slug, e.g. payments-api.".into());
        }
        if slug.len() > SLUG_MAX {
            return Err(format!("Keep the slug to {SLUG_MAX} characters or fewer."));
        }
        if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err("The slug must start with a lowercase letter.".into());
        }
        if !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err("Use only lowercase letters, digits and hyphens in the slug.".into());
        }
        if slug.ends_with('-') || slug.contains("--") {
            return Err("The slug cannot end with a hyphen or contain two in a row.".into());
        }
        Ok(Self(slug.to_owned()))
    }

    /// Derives a slug from a service name: "Payments API (EU)" becomes `payments-api-eu`.
    pub fn from_name(name: &str) -> Result<Self, String> {
        let mut slug = String::new();
        for c in name.trim().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
        let mut slug: String = slug.chars().take(SLUG_MAX).collect();
        while slug.ends_with('-') {
            slug.pop();
        }
        Self::parse(&slug).map_err(|_| {
            "We could not derive a slug from this name: type one, e.g. payments-api.".into()
        })
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A GitHub repository in `owner/name` form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    owner: String,
    name: String,
}

impl Repository {
    /// Parses `owner/name`; a pasted `https://github.com/owner/name` URL is accepted too.
    pub fn parse(input: &str) -> Result<Self, String> {
        const FORM: &str = "Write the repository as owner/name, e.g. acme/payments-api.";
        let text = input.trim();
        let text = text
            .strip_prefix("https://github.com/")
            .unwrap_or(text)
            .trim_end_matches('/');
        let text = text.strip_suffix(".git").unwrap_or(text);
        let (owner, name) = text.split_once('/').ok_or_else(|| FORM.to_owned())?;
        let owner_ok = !owner.is_empty()
            && owner.len() <= 39
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !owner.starts_with('-')
            && !owner.ends_with('-');
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !owner_ok || !name_ok {
            return Err(FORM.into());
        }
        Ok(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The account or organisation that owns the repository.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name within its owner.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A link to the service's runbook: an absolute http(s) URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunbookUrl(String);

impl RunbookUrl {
    /// Parses a URL typed by a person.
    pub fn parse(input: &str) -> Result<Self, String> {
        const FORM: &str = "The runbook must be a web address starting with http:// or https://.";
        let url = url::Url::parse(input.trim()).map_err(|_| FORM.to_owned())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(FORM.into());
        }
        if url.as_str().len() > 2048 {
            return Err("Keep the runbook address to 2048 characters or fewer.".into());
        }
        Ok(Self(url.into()))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An availability objective in percent, strictly between 0 and 100 (e.g. 99.9).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloTarget(f64);

impl SloTarget {
    /// Parses "99.9" or "99.9 %".
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim().trim_end_matches('%').trim();
        let value: f64 = text
            .parse()
            .map_err(|_| "The SLO target must be a number such as 99.9.".to_owned())?;
        if !value.is_finite() || value <= 0.0 || value >= 100.0 {
            return Err("The SLO target must be above 0 and below 100 percent.".into());
        }
        Ok(Self(value))
    }

    /// Wraps a value already validated and stored.
    pub fn from_stored(value: f64) -> Self {
        Self(value)
    }

    /// The target in percent.
    pub fn percent(self) -> f64 {
        self.0
    }

    /// The error budget: the share of time the service may be unavailable, in percent.
    pub fn error_budget_percent(self) -> f64 {
        100.0 - self.0
    }

    /// Allowed downtime in minutes over a 30-day window.
    pub fn allowed_downtime_minutes_per_30_days(self) -> f64 {
        30.0 * 24.0 * 60.0 * self.error_budget_percent() / 100.0
    }
}

impl fmt::Display for SloTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Up to four decimals, without trailing zeros: 99.9 %, 99.95 %, 99 %.
        let text = format!("{:.4}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{text} %")
    }
}

/// A service form exactly as a person submitted it, before any validation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceForm {
    pub name: String,
    pub slug: String,
    pub team: String,
    pub repository: String,
    pub runbook_url: String,
    pub on_call: String,
    pub slo_target: String,
    pub description: String,
}

/// A validated service, ready to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDraft {
    pub name: ServiceName,
    pub slug: Slug,
    pub team: String,
    pub repository: Option<Repository>,
    pub runbook_url: Option<RunbookUrl>,
    pub on_call: String,
    pub slo_target: Option<SloTarget>,
    pub description: String,
}

fn optional<T>(
    input: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse(input).map(Some)
    }
}

fn bounded_text(input: &str, max: usize, what: &str) -> Result<String, String> {
    let text = input.trim();
    if text.chars().count() > max {
        return Err(format!("Keep the {what} to {max} characters or fewer."));
    }
    Ok(text.to_owned())
}

impl ServiceForm {
    /// Validates every field and reports all problems together. An empty slug is derived from the name.
    pub fn parse(&self) -> Result<ServiceDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", ServiceName::parse(&self.name));
        let slug = if self.slug.trim().is_empty() {
            match &name {
                Some(name) => errors.check("slug", Slug::from_name(name.as_str())),
                None => None,
            }
        } else {
            errors.check("slug", Slug::parse(&self.slug))
        };
        let team = errors.check("team", bounded_text(&self.team, TEAM_MAX, "team name"));
        let repository = errors.check("repository", optional(&self.repository, Repository::parse));
        let runbook_url = errors.check(
            "runbook_url",
            optional(&self.runbook_url, RunbookUrl::parse),
        );
        let on_call = errors.check(
            "on_call",
            bounded_text(&self.on_call, ON_CALL_MAX, "on-call contact"),
        );
        let slo_target = errors.check("slo_target", optional(&self.slo_target, SloTarget::parse));
        let description = errors.check(
            "description",
            bounded_text(&self.description, DESCRIPTION_MAX, "description"),
        );
        match (
            name,
            slug,
            team,
            repository,
            runbook_url,
            on_call,
            slo_target,
            description,
        ) {
            (
                Some(name),
                Some(slug),
                Some(team),
                Some(repository),
                Some(runbook_url),
                Some(on_call),
                Some(slo_target),
                Some(description),
            ) if errors.is_empty() => Ok(ServiceDraft {
                name,
                slug,
                team,
                repository,
                runbook_url,
                on_call,
                slo_target,
                description,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ServiceForm {
        ServiceForm {
            name: "Payments API".into(),
            slug: "payments-api".into(),
            team: "Payments".into(),
            repository: "acme/payments-api".into(),
            runbook_url: "https://runbooks.example.com/payments".into(),
            on_call: "#payments-oncall".into(),
            slo_target: "99.9".into(),
            description: "Takes **money**.".into(),
        }
    }

    #[test]
    fn a_complete_form_parses_into_a_draft() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.name.as_str(), "Payments API");
        assert_eq!(draft.slug.as_str(), "payments-api");
        assert_eq!(draft.repository.unwrap().to_string(), "acme/payments-api");
        assert_eq!(draft.slo_target.unwrap().percent(), 99.9);
    }

    #[test]
    fn an_empty_name_is_rejected() {
        assert!(ServiceName::parse("   ").is_err());
    }

    #[test]
    fn a_name_longer_than_100_characters_is_rejected() {
        assert!(ServiceName::parse(&"a".repeat(101)).is_err());
        assert!(ServiceName::parse(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn a_name_with_control_characters_is_rejected() {
        assert!(ServiceName::parse("pay\u{7}ments").is_err());
    }

    #[test]
    fn a_slug_with_uppercase_letters_or_spaces_is_rejected() {
        assert!(Slug::parse("Payments").is_err());
        assert!(Slug::parse("pay ments").is_err());
    }

    #[test]
    fn a_slug_starting_with_a_digit_or_ending_with_a_hyphen_is_rejected() {
        assert!(Slug::parse("1payments").is_err());
        assert!(Slug::parse("payments-").is_err());
        assert!(Slug::parse("pay--ments").is_err());
    }

    #[test]
    fn a_slug_longer_than_63_characters_is_rejected() {
        assert!(Slug::parse(&"a".repeat(64)).is_err());
        assert!(Slug::parse(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn a_slug_is_derived_from_the_name_when_left_empty() {
        let draft = ServiceForm {
            slug: String::new(),
            name: "  Payments API (EU) ".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.slug.as_str(), "payments-api-eu");
    }

    #[test]
    fn a_name_without_letters_needs_a_typed_slug() {
        let errors = ServiceForm {
            slug: String::new(),
            name: "42 !!".into(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert!(errors.message_for("slug").is_some());
    }

    #[test]
    fn a_repository_in_owner_name_form_is_accepted() {
        let repo = Repository::parse("acme-corp/payments_api.v2").unwrap();
        assert_eq!(repo.owner(), "acme-corp");
        assert_eq!(repo.name(), "payments_api.v2");
    }

    #[test]
    fn a_pasted_github_url_is_read_as_owner_and_name() {
        let repo = Repository::parse("https://github.com/acme/payments-api.git").unwrap();
        assert_eq!(repo.to_string(), "acme/payments-api");
    }

    #[test]
    fn a_repository_not_in_owner_name_form_is_rejected() {
        for bad in [
            "payments-api",
            "acme/",
            "/payments",
            "acme/pay/ments",
            "-acme/x",
            "acme/..",
            "ac me/x",
        ] {
            assert!(Repository::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn a_runbook_that_is_not_an_http_url_is_rejected() {
        for bad in [
            "runbooks/payments",
            "ftp://example.com/rb",
            "javascript:alert(1)",
            "https://",
        ] {
            assert!(RunbookUrl::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(RunbookUrl::parse("http://wiki.internal/runbooks/payments").is_ok());
    }

    #[test]
    fn an_slo_outside_zero_and_one_hundred_is_rejected() {
        for bad in ["0", "100", "-5", "100.01", "NaN", "inf", "high"] {
            assert!(SloTarget::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn an_slo_may_be_written_with_a_percent_sign() {
        assert_eq!(SloTarget::parse(" 99.95 % ").unwrap().percent(), 99.95);
    }

    #[test]
    fn an_slo_shows_its_error_budget_in_minutes_per_30_days() {
        let slo = SloTarget::parse("99.9").unwrap();
        assert!((slo.allowed_downtime_minutes_per_30_days() - 43.2).abs() < 1e-9);
        assert_eq!(slo.to_string(), "99.9 %");
        assert_eq!(SloTarget::parse("99").unwrap().to_string(), "99 %");
    }

    #[test]
    fn optional_fields_may_be_left_empty() {
        let draft = ServiceForm {
            name: "Search".into(),
            ..ServiceForm::default()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.repository, None);
        assert_eq!(draft.runbook_url, None);
        assert_eq!(draft.slo_target, None);
    }

    #[test]
    fn every_problem_in_a_form_is_reported_at_once() {
        let errors = ServiceForm {
            name: String::new(),
            slug: "Bad Slug".into(),
            repository: "nope".into(),
            runbook_url: "nope".into(),
            slo_target: "101".into(),
            ..ServiceForm::default()
        }
        .parse()
        .unwrap_err();
        for field in ["name", "slug", "repository", "runbook_url", "slo_target"] {
            assert!(
                errors.message_for(field).is_some(),
                "{field} should have a message"
            );
        }
    }
}

//! Who may do what: roles, permissions and the rules for emails and passwords.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A person's global role. Facilitating a postmortem is an assignment per postmortem, not a role.
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
pub enum Role {
    /// Manages users, integrations and settings; may do everything.
    #[cfg_attr(feature = "storage", sea_orm(string_value = "admin"))]
    Admin,
    /// Triages problems and keeps the known-error database, besides a member's work.
    #[cfg_attr(feature = "storage", sea_orm(string_value = "problem_manager"))]
    ProblemManager,
    /// Works on incidents, postmortems, action items and the service catalog.
    #[cfg_attr(feature = "storage", sea_orm(string_value = "member"))]
    Member,
    /// Reads everything, changes nothing (except their own password and tokens).
    #[cfg_attr(feature = "storage", sea_orm(string_value = "viewer"))]
    Viewer,
}

/// Something a person may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Read any record.
    ViewRecords,
    /// Change their own password and personal API tokens.
    ManageOwnAccount,
    /// Add, edit, archive and restore services.
    EditServices,
    /// Record and edit incidents.
    EditIncidents,
    /// Write postmortems and their action items.
    EditPostmortems,
    /// Triage problems: assess, link incidents, move through the lifecycle.
    TriageProblems,
    /// Publish and retire known-error articles.
    ManageKnownErrors,
    /// Create users, change roles, disable accounts.
    ManageUsers,
    /// Connect GitHub and monitoring.
    ManageIntegrations,
    /// Choose which postmortem sections each severity requires.
    ConfigurePostmortems,
    /// Read the audit trail of every record.
    ViewAuditTrail,
    /// Approve or reject changes the gate sent to review, and review emergency changes after
    /// the fact.
    ApproveChanges,
    /// Add and retire guardrails and freeze windows the change gate enforces.
    ManageGuardrails,
    /// Edit, test and activate the change policy (Rego).
    ManagePolicies,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::ProblemManager,
        Role::Member,
        Role::Viewer,
    ];

    /// The one place that says which role may do what.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ViewRecords | ManageOwnAccount => true,
            EditServices | EditIncidents | EditPostmortems => {
                matches!(self, Role::Admin | Role::ProblemManager | Role::Member)
            }
            TriageProblems | ManageKnownErrors | ApproveChanges | ManageGuardrails => {
                matches!(self, Role::Admin | Role::ProblemManager)
            }
            ManageUsers | ManageIntegrations | ConfigurePostmortems | ViewAuditTrail
            | ManagePolicies => self == Role::Admin,
        }
    }

    /// The stored name, e.g. `problem_manager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProblemManager => "problem_manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::ProblemManager => "Problem manager",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    /// Parses a stored name.
    pub fn parse(input: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == input.trim())
            .ok_or_else(|| {
                "Choose one of the roles: admin, problem manager, member or viewer.".into()
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An email address, trimmed and lower-cased so one person has one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address typed by a person (a light check: something@domain.tld).
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Self(email))
        } else {
            Err("Enter an email address such as jo@example.com.".into())
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password we accept.
pub const PASSWORD_MIN: usize = 10;
/// The longest password we accept (hashing cost stays bounded).
pub const PASSWORD_MAX: usize = 200;

/// A new password that follows the rules: long enough, not too long, not the email address.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks a new password and its confirmation for the account `email`.
    pub fn parse(password: &str, confirmation: &str, email: &str) -> Result<Self, String> {
        let length = password.chars().count();
        if length < PASSWORD_MIN {
            return Err(format!("Use at least {PASSWORD_MIN} characters."));
        }
        if length > PASSWORD_MAX {
            return Err(format!("Use at most {PASSWORD_MAX} characters."));
        }
        if password.trim().to_lowercase() == email.trim().to_lowercase() {
            return Err("Do not use your email address as your password.".into());
        }
        if password
            .chars()
            .all(|c| c == password.chars().next().unwrap_or(' '))
        {
            return Err("Use more than one repeated character.".into());
        }
        if password != confirmation {
            return Err("The two passwords differ.".into());
        }
        Ok(Self(password.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

choice! {
    /// What an API token may do: everything its owner's role allows, or only what a pipeline
    /// needs (report changes to the gate and deployments), so CI never holds a person's rights.
    TokenScope {
        Full => ("full", "Everything your role allows"),
        Pipeline => ("pipeline", "Report changes and deployments only"),
    }
}

/// Who may read the audit history of one record of `entity_type`: whoever may open that record's
/// page (services, incidents, postmortems, problems and changes are open to every reader); the history of
/// anything else (people, tokens, integrations, connections, templates) is the audit trail's.
pub fn history_permission(entity_type: &str) -> Permission {
    match entity_type {
        "service" | "incident" | "postmortem" | "problem" | "change" => Permission::ViewRecords,
        _ => Permission::ViewAuditTrail,
    }
}

/// A display name for a person: trimmed, 1–100 characters.
pub fn parse_display_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter the person's name.".into());
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("Keep the name to 100 ordinary characters.".into());
    }
    Ok(name.to_owned())
}

/// Where to go after signing in: only a path on this site, never another site.
///
/// Browsers drop tabs and newlines from an address and read `\` as `/`, so `/\t/evil.example`
/// would lead to another site: a path with any character outside visible ASCII (which a browser's
/// own address never has: it sends the rest percent-encoded) is refused, and the result is always
/// a valid `Location` header.
pub fn safe_return_path(next: &str) -> &str {
    let visible = next.bytes().all(|b| b.is_ascii_graphic()) && !next.contains('\\');
    let local = next.starts_with('/') && !next.starts_with("//");
    if visible && local && !next.starts_with("/sign-in") && !next.starts_with("/setup") {
        next
    } else {
        "/services"
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    #[test]
    fn a_reader_sees_the_history_of_records_but_not_of_people_or_integrations() {
        for open in ["service", "incident", "postmortem", "problem", "change"] {
            assert!(Role::Viewer.can(history_permission(open)), "{open}");
        }
        for closed in [
            "user",
            "api_token",
            "integration",
            "github_connection",
            "postmortem_template",
            "anything",
        ] {
            assert!(!Role::Viewer.can(history_permission(closed)), "{closed}");
            assert!(Role::Admin.can(history_permission(closed)), "{closed}");
        }
    }

    #[test]
    fn the_policy_table_says_who_may_do_what() {
        //            permission            admin  pm     member viewer
        let table = [
            (ViewRecords, [true, true, true, true]),
            (ManageOwnAccount, [true, true, true, true]),
            (EditServices, [true, true, true, false]),
            (EditIncidents, [true, true, true, false]),
            (EditPostmortems, [true, true, true, false]),
            (TriageProblems, [true, true, false, false]),
            (ManageKnownErrors, [true, true, false, false]),
            (ManageUsers, [true, false, false, false]),
            (ManageIntegrations, [true, false, false, false]),
            (ConfigurePostmortems, [true, false, false, false]),
            (ViewAuditTrail, [true, false, false, false]),
            (ApproveChanges, [true, true, false, false]),
            (ManageGuardrails, [true, true, false, false]),
            (ManagePolicies, [true, false, false, false]),
        ];
        for (permission, allowed) in table {
            for (role, expected) in Role::ALL.into_iter().zip(allowed) {
                assert_eq!(role.can(permission), expected, "{role:?} {permission:?}");
            }
        }
    }

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn an_email_is_lower_cased_and_trimmed() {
        assert_eq!(
            Email::parse("  Jo@Example.COM ").unwrap().as_str(),
            "jo@example.com"
        );
    }

    #[test]
    fn an_email_without_a_domain_is_rejected() {
        for bad in [
            "jo",
            "jo@",
            "@example.com",
            "jo@example",
            "jo@.com",
            "jo @example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn a_password_shorter_than_ten_characters_is_rejected() {
        assert!(NewPassword::parse("short-pw1", "short-pw1", "jo@example.com").is_err());
        assert!(NewPassword::parse("long-enough", "long-enough", "jo@example.com").is_ok());
    }

    #[test]
    fn a_password_longer_than_200_characters_is_rejected() {
        let long = "a1".repeat(101);
        assert!(NewPassword::parse(&long, &long, "jo@example.com").is_err());
    }

    #[test]
    fn the_email_address_is_not_a_password() {
        assert!(NewPassword::parse("jo@example.com", "jo@example.com", "JO@example.com").is_err());
    }

    #[test]
    fn a_password_of_one_repeated_character_is_rejected() {
        assert!(NewPassword::parse("aaaaaaaaaaaa", "aaaaaaaaaaaa", "jo@example.com").is_err());
    }

    #[test]
    fn a_mistyped_confirmation_is_rejected() {
        assert!(NewPassword::parse("correct horse", "correct horsf", "jo@example.com").is_err());
    }

    #[test]
    fn a_password_is_never_printed_in_debug_output() {
        let pw = NewPassword::parse("correct horse", "correct horse", "jo@example.com").unwrap();
        assert!(!format!("{pw:?}").contains("horse"));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_return_path("/services/ledger"), "/services/ledger");
        assert_eq!(safe_return_path("https://evil.example"), "/services");
        assert_eq!(safe_return_path("//evil.example"), "/services");
        assert_eq!(safe_return_path("/sign-in"), "/services");
        assert_eq!(safe_return_path(""), "/services");
        // What a browser would read as another site, or could not send as a header.
        for next in [
            "/\t/evil.example",
            "/\n/x",
            "/\u{b}/x",
            "/\0/x",
            "/\\evil.example",
            "/ /x",
            "/é",
        ] {
            assert_eq!(safe_return_path(next), "/services", "{next:?}");
        }
        assert_eq!(safe_return_path("/incidents?q=a%20b"), "/incidents?q=a%20b");
    }
}

//! The GitHub connection form (a token or a GitHub App, an optional Enterprise base URL, the
//! webhook secret and the pace of writes) and GitHub logins, checked before anything is stored.

use serde::{Deserialize, Serialize};

use super::validation::FieldErrors;

/// The pace of writes GitHub asks integrations to keep: one content-creating request a second.
pub const DEFAULT_WRITE_PACE_MS: i64 = 1000;

choice! {
    /// How the app signs in to GitHub.
    ConnectionMode {
        Token => ("token", "A token"),
        App => ("app", "A GitHub App"),
    }
}

/// The connection form as typed. Secrets left blank keep the stored ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionForm {
    pub mode: String,
    pub token: String,
    pub app_id: String,
    pub installation_id: String,
    pub private_key: String,
    pub api_url: String,
    pub webhook_secret: String,
    pub write_pace_ms: String,
}

/// What is stored already, so blank secrets can keep it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stored {
    pub token: bool,
    pub private_key: bool,
    pub webhook_secret: bool,
}

/// A checked connection; `None` secrets mean "keep the stored one".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionDraft {
    pub mode: ConnectionMode,
    pub token: Option<String>,
    pub app_id: Option<i64>,
    pub installation_id: Option<i64>,
    pub private_key: Option<String>,
    pub api_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub write_pace_ms: i64,
}

impl ConnectionForm {
    /// Checks every field, reporting each problem against its field.
    pub fn parse(&self, stored: Stored) -> Result<ConnectionDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mode = errors.check(
            "mode",
            ConnectionMode::parse(&self.mode)
                .ok_or_else(|| "Choose a token or a GitHub App.".into()),
        );
        let token = blank_to_none(&self.token);
        let private_key = blank_to_none(&self.private_key);
        let (mut app_id, mut installation_id) = (None, None);
        match mode {
            Some(ConnectionMode::Token) => {
                if token.is_none() && !stored.token {
                    errors.check::<()>(
                        "token",
                        Err("Paste a token with access to the repositories' issues.".into()),
                    );
                }
                if let Some(token) = &token {
                    errors.check("token", check_token(token));
                }
            }
            Some(ConnectionMode::App) => {
                app_id = errors.check("app_id", positive(&self.app_id, "the App's id"));
                installation_id = errors.check(
                    "installation_id",
                    positive(&self.installation_id, "the installation's id"),
                );
                match &private_key {
                    None if !stored.private_key => {
                        errors.check::<()>(
                            "private_key",
                            Err("Paste the App's private key (a .pem file).".into()),
                        );
                    }
                    Some(key)
                        if !(key.contains("-----BEGIN") && key.contains("PRIVATE KEY-----")) =>
                    {
                        errors.check::<()>(
                            "private_key",
                            Err("The private key is a PEM file starting with -----BEGIN RSA PRIVATE KEY-----.".into()),
                        );
                    }
                    _ => {}
                }
            }
            None => {}
        }
        let api_url = errors
            .check("api_url", check_api_url(&self.api_url))
            .flatten();
        let webhook_secret = blank_to_none(&self.webhook_secret);
        if let Some(secret) = &webhook_secret
            && !(16..=200).contains(&secret.chars().count())
        {
            errors.check::<()>(
                "webhook_secret",
                Err("Use a webhook secret of 16 to 200 characters.".into()),
            );
        }
        let write_pace_ms = errors.check("write_pace_ms", check_pace(&self.write_pace_ms));
        match (mode, write_pace_ms) {
            (Some(mode), Some(write_pace_ms)) if errors.is_empty() => Ok(ConnectionDraft {
                mode,
                token: token.filter(|_| mode == ConnectionMode::Token),
                app_id,
                installation_id,
                private_key: private_key.filter(|_| mode == ConnectionMode::App),
                api_url,
                webhook_secret,
                write_pace_ms,
            }),
            _ => Err(errors),
        }
    }
}

fn blank_to_none(input: &str) -> Option<String> {
    let trimmed = input.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn check_token(token: &str) -> Result<(), String> {
    if token.len() > 255 || token.chars().any(char::is_whitespace) {
        return Err("A token is one word of at most 255 characters.".into());
    }
    Ok(())
}

fn positive(input: &str, what: &str) -> Result<i64, String> {
    match input.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "Give {what}, a whole number from the App's settings."
        )),
    }
}

/// An Enterprise base URL such as `https://github.example.com/api/v3`; blank means api.github.com.
fn check_api_url(input: &str) -> Result<Option<String>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    match url::Url::parse(input) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.query().is_none() =>
        {
            Ok(Some(input.trim_end_matches('/').to_owned()))
        }
        _ => Err("Give the API's address, e.g. https://github.example.com/api/v3, or leave it blank for github.com.".into()),
    }
}

fn check_pace(input: &str) -> Result<i64, String> {
    if input.trim().is_empty() {
        return Ok(DEFAULT_WRITE_PACE_MS);
    }
    match input.trim().parse::<i64>() {
        Ok(ms) if (0..=60_000).contains(&ms) => Ok(ms),
        _ => Err(
            "Give the pause between writes in milliseconds, 0 to 60000 (GitHub asks for 1000)."
                .into(),
        ),
    }
}

/// Checks a GitHub login: 1 to 39 letters, digits or single hyphens, not at either end. Blank
/// means "no GitHub account".
pub fn check_login(input: &str) -> Result<Option<String>, String> {
    let login = input.trim().trim_start_matches('@');
    if login.is_empty() {
        return Ok(None);
    }
    let valid = login.len() <= 39
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--");
    if valid {
        Ok(Some(login.to_owned()))
    } else {
        Err("A GitHub login has up to 39 letters, digits and single hyphens, e.g. octo-cat.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_form() -> ConnectionForm {
        ConnectionForm {
            mode: "token".into(),
            token: "ghp_abc123".into(),
            webhook_secret: "a secret of enough length".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_token_connection_needs_a_token_unless_one_is_stored() {
        let draft = token_form().parse(Stored::default()).unwrap();
        assert_eq!(draft.token.as_deref(), Some("ghp_abc123"));
        assert_eq!(draft.write_pace_ms, DEFAULT_WRITE_PACE_MS);
        let blank = ConnectionForm {
            token: " ".into(),
            ..token_form()
        };
        let errors = blank.parse(Stored::default()).unwrap_err();
        assert!(errors.message_for("token").is_some());
        let kept = blank
            .parse(Stored {
                token: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(kept.token, None, "blank keeps the stored token");
    }

    #[test]
    fn an_app_connection_needs_ids_and_a_pem_key() {
        let form = ConnectionForm {
            mode: "app".into(),
            app_id: "12".into(),
            installation_id: "x".into(),
            private_key: "not a key".into(),
            ..Default::default()
        };
        let errors = form.parse(Stored::default()).unwrap_err();
        assert!(errors.message_for("installation_id").is_some());
        assert!(errors.message_for("private_key").unwrap().contains("PEM"));
        let good = ConnectionForm {
            installation_id: "34".into(),
            private_key: "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----"
                .into(),
            ..form
        };
        let draft = good.parse(Stored::default()).unwrap();
        assert_eq!((draft.app_id, draft.installation_id), (Some(12), Some(34)));
        assert_eq!(draft.token, None);
    }

    #[test]
    fn bad_addresses_secrets_and_paces_are_named_by_field() {
        let form = ConnectionForm {
            api_url: "ftp://x".into(),
            webhook_secret: "short".into(),
            write_pace_ms: "-1".into(),
            ..token_form()
        };
        let errors = form.parse(Stored::default()).unwrap_err();
        for field in ["api_url", "webhook_secret", "write_pace_ms"] {
            assert!(errors.message_for(field).is_some(), "{field}");
        }
        let enterprise = ConnectionForm {
            api_url: "https://ghe.example/api/v3/".into(),
            ..token_form()
        };
        assert_eq!(
            enterprise
                .parse(Stored::default())
                .unwrap()
                .api_url
                .as_deref(),
            Some("https://ghe.example/api/v3")
        );
        let unknown = ConnectionForm {
            mode: "oauth".into(),
            ..token_form()
        };
        assert!(
            unknown
                .parse(Stored::default())
                .unwrap_err()
                .message_for("mode")
                .is_some()
        );
    }

    #[test]
    fn logins_follow_githubs_rules() {
        assert_eq!(
            check_login(" @octo-cat ").unwrap().as_deref(),
            Some("octo-cat")
        );
        assert_eq!(check_login("").unwrap(), None);
        for bad in [
            "-octo",
            "octo-",
            "oc--to",
            "octo cat",
            "o_o",
            &"a".repeat(40),
        ] {
            assert!(check_login(bad).is_err(), "{bad}");
        }
    }
}

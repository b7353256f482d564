//! Settings read from environment variables, with the defaults documented in the README.

use std::net::SocketAddr;

/// How the application is configured.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: a `sqlite://` or `postgres://` URL.
    pub database_url: String,
    /// `BIND_ADDR`: the address and port to listen on.
    pub bind_addr: SocketAddr,
    /// `PUBLIC_BASE_URL`: where people reach the app (used in links and for secure cookies).
    pub public_base_url: url::Url,
    /// `SEED_DEMO`: fill an empty database with demo data (off unless asked for: the demo accounts'
    /// passwords are published).
    pub seed_demo: bool,
    /// `MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `LOG_FORMAT`: `pretty` for people, `json` for log collectors.
    pub log_json: bool,
    /// `SESSION_IDLE_SECONDS`: a session unused this long ends.
    pub session_idle_seconds: i64,
    /// `SESSION_MAX_SECONDS`: a session this old ends however active it is.
    pub session_max_seconds: i64,
    /// `POSTMORTEM_POLICY`: which incidents need a postmortem, e.g. `SEV1,SEV2,data_loss,escalation`.
    pub postmortem_policy: shared::domain::PostmortemPolicy,
    /// `REVIEW_APPROVALS`: how many reviewers must approve a postmortem before it is published.
    pub review_approvals: usize,
    /// `REVIEW_DUE_DAYS`: how many days after it starts a postmortem is due for review.
    pub review_due_days: i64,
    /// `PROBLEM_PRIORITY_MATRIX`: problem priority by impact (rows) and urgency (columns), high to
    /// low, e.g. `1,2,3/2,3,4/3,4,5` (the default).
    pub priority_matrix: shared::domain::problem::PriorityMatrix,
    /// `GITHUB_SYNC`: run the GitHub sync worker and reconcile in this instance (`true`).
    pub github_sync: bool,
    /// `GITHUB_TIMEOUT_SECONDS`: the longest wait for one GitHub call.
    pub github_timeout_seconds: u64,
    /// `GITHUB_RETRY_BASE_SECONDS`: the first wait after a failed sync, doubled each time.
    pub github_retry_base_seconds: f64,
    /// `GITHUB_RECONCILE_SECONDS`: how often issues changed on GitHub are read back.
    pub github_reconcile_seconds: u64,
    /// `REPORT_UTC_OFFSET`: the dashboard's time zone as an offset from UTC (`+02:00`); its days
    /// and Monday-to-Sunday weeks are read there.
    pub report_offset: chrono::FixedOffset,
    /// `DEPLOYMENT_LINK_MINUTES`: how long before impact started a change entry in an incident's
    /// timeline links the incident to a deployment of its services.
    pub deployment_link_minutes: i64,
    /// `METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `PAGE_CACHE_MB`: memory for rendered meeting pages served again until something is
    /// written (default 32; 0 renders every request).
    pub page_cache_bytes: u64,
    /// `TRUSTED_PROXIES`: addresses of reverse proxies (comma-separated) whose `X-Forwarded-For`
    /// names the real client, for the per-address sign-in limit; none by default.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `GATE_ON_POLICY_ERROR`: what the change gate answers when the policy fails or runs too
    /// long: `review` (the default) or `deny`.
    pub gate_on_policy_error: shared::domain::change::Decision,
    /// `CHANGE_APPROVERS`: who besides problem managers and administrators reviews the changes of
    /// a team's services, e.g. `Payments=ana@acme.example,mo@acme.example;Search=sam@acme.example`.
    pub change_approvers: shared::domain::change::TeamApprovers,
}

/// A setting that could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("{name} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

/// The default SQLite database, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/postmortem.db?mode=rwc";

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let bind_addr = match get("BIND_ADDR") {
            Some(addr) => parse("BIND_ADDR", &addr)?,
            None => match get("PORT") {
                Some(port) => SocketAddr::from(([127, 0, 0, 1], parse::<u16>("PORT", &port)?)),
                None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            },
        };
        let public_base_url = match get("PUBLIC_BASE_URL") {
            Some(url) => parse::<url::Url>("PUBLIC_BASE_URL", &url)?,
            None => parse("PUBLIC_BASE_URL", &format!("http://{bind_addr}"))?,
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError {
                name: "DATABASE_URL",
                reason: "use a sqlite:// or postgres:// URL".into(),
            });
        }
        Ok(Self {
            database_url,
            bind_addr,
            public_base_url,
            seed_demo: parse_bool("SEED_DEMO", get("SEED_DEMO"), false)?,
            max_body_bytes: match get("MAX_BODY_BYTES") {
                Some(v) => parse("MAX_BODY_BYTES", &v)?,
                None => 1024 * 1024,
            },
            session_idle_seconds: match get("SESSION_IDLE_SECONDS") {
                Some(v) => positive("SESSION_IDLE_SECONDS", &v)?,
                None => 8 * 60 * 60,
            },
            session_max_seconds: match get("SESSION_MAX_SECONDS") {
                Some(v) => positive("SESSION_MAX_SECONDS", &v)?,
                None => 7 * 24 * 60 * 60,
            },
            postmortem_policy: match get("POSTMORTEM_POLICY") {
                Some(v) => {
                    shared::domain::PostmortemPolicy::parse(&v).map_err(|reason| ConfigError {
                        name: "POSTMORTEM_POLICY",
                        reason,
                    })?
                }
                None => shared::domain::PostmortemPolicy::default(),
            },
            review_approvals: match get("REVIEW_APPROVALS") {
                Some(v) => match parse::<usize>("REVIEW_APPROVALS", &v)? {
                    n @ 1..=10 => n,
                    _ => {
                        return Err(ConfigError {
                            name: "REVIEW_APPROVALS",
                            reason: "must be between 1 and 10".into(),
                        });
                    }
                },
                None => 1,
            },
            review_due_days: match get("REVIEW_DUE_DAYS") {
                Some(v) => positive("REVIEW_DUE_DAYS", &v)?,
                None => 7,
            },
            github_sync: parse_bool("GITHUB_SYNC", get("GITHUB_SYNC"), true)?,
            github_timeout_seconds: match get("GITHUB_TIMEOUT_SECONDS") {
                Some(v) => positive("GITHUB_TIMEOUT_SECONDS", &v)? as u64,
                None => 10,
            },
            github_retry_base_seconds: match get("GITHUB_RETRY_BASE_SECONDS") {
                Some(v) => match parse::<f64>("GITHUB_RETRY_BASE_SECONDS", &v)? {
                    s if s > 0.0 && s <= 3600.0 => s,
                    _ => {
                        return Err(ConfigError {
                            name: "GITHUB_RETRY_BASE_SECONDS",
                            reason: "must be more than 0 and at most 3600".into(),
                        });
                    }
                },
                None => 30.0,
            },
            github_reconcile_seconds: match get("GITHUB_RECONCILE_SECONDS") {
                Some(v) => positive("GITHUB_RECONCILE_SECONDS", &v)? as u64,
                None => 300,
            },
            report_offset: shared::domain::metrics::parse_offset(
                &get("REPORT_UTC_OFFSET").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError {
                name: "REPORT_UTC_OFFSET",
                reason,
            })?,
            deployment_link_minutes: match get("DEPLOYMENT_LINK_MINUTES") {
                Some(v) => positive("DEPLOYMENT_LINK_MINUTES", &v)?,
                None => 120,
            },
            metrics_token: get("METRICS_TOKEN").filter(|t| !t.trim().is_empty()),
            page_cache_bytes: match get("PAGE_CACHE_MB") {
                Some(v) => match parse::<u64>("PAGE_CACHE_MB", &v)? {
                    mb @ 0..=4096 => mb * 1024 * 1024,
                    _ => {
                        return Err(ConfigError {
                            name: "PAGE_CACHE_MB",
                            reason: "must be between 0 and 4096".into(),
                        });
                    }
                },
                None => 32 * 1024 * 1024,
            },
            gate_on_policy_error: match get("GATE_ON_POLICY_ERROR").as_deref().map(str::trim) {
                None | Some("review") => shared::domain::change::Decision::Review,
                Some("deny") => shared::domain::change::Decision::Deny,
                Some(_) => {
                    return Err(ConfigError {
                        name: "GATE_ON_POLICY_ERROR",
                        reason: "must be review or deny".into(),
                    });
                }
            },
            change_approvers: shared::domain::change::TeamApprovers::parse(
                &get("CHANGE_APPROVERS").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError {
                name: "CHANGE_APPROVERS",
                reason,
            })?,
            trusted_proxies: get("TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| ConfigError {
                        name: "TRUSTED_PROXIES",
                        reason: format!("{a} is not an IP address"),
                    })
                })
                .collect::<Result<_, _>>()?,
            priority_matrix: match get("PROBLEM_PRIORITY_MATRIX") {
                Some(v) => {
                    shared::domain::problem::PriorityMatrix::parse(&v).map_err(|reason| {
                        ConfigError {
                            name: "PROBLEM_PRIORITY_MATRIX",
                            reason,
                        }
                    })?
                }
                None => shared::domain::problem::PriorityMatrix::default(),
            },
            log_json: match get("LOG_FORMAT").as_deref() {
                None | Some("pretty") => false,
                Some("json") => true,
                Some(other) => {
                    return Err(ConfigError {
                        name: "LOG_FORMAT",
                        reason: format!("expected pretty or json, got {other}"),
                    });
                }
            },
        })
    }

    /// True when people reach the app over HTTPS.
    pub fn is_https(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

fn parse<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError {
        name,
        reason: e.to_string(),
    })
}

fn positive(name: &'static str, value: &str) -> Result<i64, ConfigError> {
    match parse::<i64>(name, value)? {
        n if n > 0 => Ok(n),
        _ => Err(ConfigError {
            name,
            reason: "must be a positive whole number".into(),
        }),
    }
}

fn parse_bool(
    name: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError {
            name,
            reason: format!("expected true or false, got {other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn with_nothing_set_the_app_uses_sqlite_on_port_3000_without_demo_accounts() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.public_base_url.as_str(), "http://127.0.0.1:3000/");
        assert!(
            !s.seed_demo,
            "a plain start must not create accounts with published passwords"
        );
        assert!(!s.is_https());
        assert_eq!(s.session_idle_seconds, 8 * 3600);
        assert_eq!(s.session_max_seconds, 7 * 24 * 3600);
    }

    #[test]
    fn trusted_proxies_are_addresses() {
        let s = settings(&[("TRUSTED_PROXIES", "10.0.0.1, ::1")]).unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        let err = settings(&[("TRUSTED_PROXIES", "proxy.local")]).unwrap_err();
        assert_eq!(err.name, "TRUSTED_PROXIES");
        assert!(settings(&[]).unwrap().trusted_proxies.is_empty());
    }

    #[test]
    fn demo_data_only_when_asked_for() {
        assert!(settings(&[("SEED_DEMO", "true")]).unwrap().seed_demo);
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let err = settings(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(err.name, "PORT");
    }

    #[test]
    fn the_postmortem_policy_is_configurable_and_checked() {
        let default = settings(&[]).unwrap().postmortem_policy;
        assert_eq!(default, shared::domain::PostmortemPolicy::default());
        let strict = settings(&[("POSTMORTEM_POLICY", "SEV1")]).unwrap();
        assert_eq!(strict.postmortem_policy.severities.len(), 1);
        let err = settings(&[("POSTMORTEM_POLICY", "SEV1,often")]).unwrap_err();
        assert_eq!(err.name, "POSTMORTEM_POLICY");
    }

    #[test]
    fn an_https_base_url_is_recognised() {
        let s = settings(&[("PUBLIC_BASE_URL", "https://postmortems.example.com")]).unwrap();
        assert!(s.is_https());
    }

    #[test]
    fn the_page_cache_is_sized_in_megabytes_and_can_be_turned_off() {
        assert_eq!(settings(&[]).unwrap().page_cache_bytes, 32 * 1024 * 1024);
        assert_eq!(
            settings(&[("PAGE_CACHE_MB", "0")])
                .unwrap()
                .page_cache_bytes,
            0
        );
        let err = settings(&[("PAGE_CACHE_MB", "lots")]).unwrap_err();
        assert_eq!(err.name, "PAGE_CACHE_MB");
        let err = settings(&[("PAGE_CACHE_MB", "5000")]).unwrap_err();
        assert_eq!(err.name, "PAGE_CACHE_MB");
    }
}

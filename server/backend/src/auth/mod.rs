//! Authentication on the server: who is asking (sessions, passwords, tokens, accounts).

pub mod limiter;
pub mod passwords;
pub mod tokens;
pub mod users;

use serde::{Deserialize, Serialize};

use super::audit::Actor;
use shared::domain::{Permission, Role};

/// Session keys.
pub const SESSION_USER_ID: &str = "user_id";
/// When the session was signed in (Unix seconds), for the absolute expiry.
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
/// The password generation the session was signed in with; a password change ends other sessions.
pub const SESSION_PASSWORD_EPOCH: &str = "password_epoch";
/// When the session's idle expiry was last moved forward (Unix seconds).
pub const SESSION_RENEWED_AT: &str = "renewed_at";

/// The longest a used session waits before its idle expiry is moved forward again.
const RENEW_AT_MOST_EVERY: i64 = 60;

/// Whether a session used at `now` should have its idle expiry moved forward, given when that last
/// happened. Renewing on every request would write the session row on every page view; renewing
/// once a minute (once a quarter of the idle limit, when that is shorter) ends an active session at
/// most that much before its full idle limit.
pub fn renewal_due(now: i64, renewed_at: i64, idle_seconds: i64) -> bool {
    now - renewed_at >= (idle_seconds / 4).min(RENEW_AT_MOST_EVERY)
}

/// The signed-in person making this request, put in the request's extensions by the auth middleware.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// True when the request came with an API token rather than a browser session.
    pub via_token: bool,
}

impl CurrentUser {
    /// Whether this person may do `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    /// This person as the author of audited changes.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            label: self.email.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::renewal_due;

    #[test]
    fn a_used_session_is_renewed_at_most_once_a_minute() {
        let idle = 8 * 3600;
        assert!(!renewal_due(1_000, 1_000, idle));
        assert!(!renewal_due(1_059, 1_000, idle));
        assert!(renewal_due(1_060, 1_000, idle));
        // A session signed in before renewals were recorded counts as never renewed.
        assert!(renewal_due(1_000, 0, idle));
    }

    #[test]
    fn a_short_idle_limit_renews_within_a_quarter_of_it() {
        assert!(!renewal_due(1_009, 1_000, 40));
        assert!(renewal_due(1_010, 1_000, 40));
        // Under four seconds every use renews.
        assert!(renewal_due(1_000, 1_000, 2));
    }
}

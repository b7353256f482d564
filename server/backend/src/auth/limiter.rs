//! Sign-in rate limits per account and per client address, and a limit on password changes per
//! person (governor's keyed GCRA limiters).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts allowed per account per minute.
pub const PER_ACCOUNT_PER_MINUTE: u32 = 5;
/// Attempts allowed per client address per minute.
pub const PER_ADDRESS_PER_MINUTE: u32 = 20;

/// Limits sign-in attempts, whether or not the account exists.
#[derive(Debug)]
pub struct SignInLimiter {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    /// *Change password* checks the current password: guesses there are limited too, on a budget
    /// of their own so that changing one's password never uses up one's sign-ins.
    password_changes: DefaultKeyedRateLimiter<i64>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            by_account: RateLimiter::keyed(per_minute(PER_ACCOUNT_PER_MINUTE)),
            by_address: RateLimiter::keyed(per_minute(PER_ADDRESS_PER_MINUTE)),
            password_changes: RateLimiter::keyed(per_minute(PER_ACCOUNT_PER_MINUTE)),
        }
    }
}

impl SignInLimiter {
    /// Counts one attempt; false when the account or the address has used up its attempts.
    pub fn allow(&self, account: &str, address: Option<IpAddr>) -> bool {
        let address_ok = address.is_none_or(|ip| self.by_address.check_key(&ip).is_ok());
        let account_ok = self
            .by_account
            .check_key(&account.trim().to_lowercase())
            .is_ok();
        address_ok && account_ok
    }

    /// Counts one attempt to change the password of account `user_id`; false past
    /// [`PER_ACCOUNT_PER_MINUTE`] a minute.
    pub fn allow_password_change(&self, user_id: i64) -> bool {
        self.password_changes.check_key(&user_id).is_ok()
    }

    /// Forgets keys that have fully recovered, so memory stays bounded.
    pub fn shrink(&self) {
        self.by_account.retain_recent();
        self.by_address.retain_recent();
        self.password_changes.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_changes_have_a_budget_of_their_own() {
        let limiter = SignInLimiter::default();
        for _ in 0..PER_ACCOUNT_PER_MINUTE {
            assert!(limiter.allow_password_change(7));
        }
        assert!(!limiter.allow_password_change(7));
        assert!(limiter.allow_password_change(8));
        assert!(
            limiter.allow("jo@example.com", None),
            "sign-ins are not used up"
        );
    }

    #[test]
    fn the_sixth_attempt_on_one_account_within_a_minute_is_refused() {
        let limiter = SignInLimiter::default();
        for _ in 0..PER_ACCOUNT_PER_MINUTE {
            assert!(limiter.allow("jo@example.com", None));
        }
        assert!(!limiter.allow("JO@example.com", None));
        assert!(
            limiter.allow("sam@example.com", None),
            "other accounts are unaffected"
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_refused() {
        let limiter = SignInLimiter::default();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 0..PER_ADDRESS_PER_MINUTE {
            assert!(limiter.allow(&format!("user{n}@example.com"), Some(ip)));
        }
        assert!(!limiter.allow("another@example.com", Some(ip)));
    }
}

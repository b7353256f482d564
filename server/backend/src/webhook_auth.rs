//! Checks that a monitoring webhook delivery is genuine: the credential in its Authorization header,
//! Grafana's HMAC signature and PagerDuty's `X-PagerDuty-Signature`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The secret a caller presented in an Authorization header: `Bearer <token>` or the password of
/// `Basic base64(user:password)` (Alertmanager's `http_config` sends either).
pub fn presented_credential(authorization: Option<&str>) -> Option<String> {
    let (scheme, value) = authorization?.trim().split_once(char::is_whitespace)?;
    let value = value.trim();
    let secret = if scheme.eq_ignore_ascii_case("bearer") {
        value.to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
        // The user name cannot contain a colon; the password can.
        let (_user, password) = decoded.split_once(':')?;
        password.to_owned()
    } else {
        return None;
    };
    (!secret.is_empty()).then_some(secret)
}

/// Grafana's optional HMAC-SHA256 signature: hex of HMAC(secret, body), or of
/// HMAC(secret, "<timestamp>:<body>") when Grafana is configured with a timestamp header.
/// Compared in constant time. Checking that the timestamp is recent ([`timestamp_is_fresh`]) is
/// the caller's job.
pub fn verify_grafana_signature(
    secret: &str,
    signature_header: &str,
    timestamp: Option<&str>,
    body: &[u8],
) -> bool {
    let Some(mut mac) = mac_for(secret) else {
        return false;
    };
    let Ok(signature) = hex::decode(signature_header.trim()) else {
        return false;
    };
    if let Some(timestamp) = timestamp {
        mac.update(timestamp.trim().as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// How far a signed timestamp may be from now, either way, before the delivery counts as a replay.
pub const SIGNATURE_FRESH_SECONDS: i64 = 300;

/// Whether a signature's timestamp (Unix seconds, or milliseconds) is within
/// [`SIGNATURE_FRESH_SECONDS`] of `now` (Unix seconds): an old signed delivery sent again is refused.
pub fn timestamp_is_fresh(timestamp: &str, now: i64) -> bool {
    let Ok(value) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    let seconds = if value > 100_000_000_000 {
        value / 1000
    } else {
        value
    };
    (now - seconds).abs() <= SIGNATURE_FRESH_SECONDS
}

/// PagerDuty `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`: true if any v1 value matches
/// HMAC-SHA256(secret, body) (several values appear during secret rotation). Each value is compared
/// in constant time; other schemes are ignored.
pub fn verify_pagerduty_signature(secret: &str, signature_header: &str, body: &[u8]) -> bool {
    let Some(mut mac) = mac_for(secret) else {
        return false;
    };
    mac.update(body);
    signature_header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(|signature| hex::decode(signature.trim()).ok())
        .any(|signature| mac.clone().verify_slice(&signature).is_ok())
}

/// Hex HMAC-SHA256 (for tests and for signing fake deliveries).
pub fn hmac_sha256_hex(secret: &str, data: &[u8]) -> String {
    // HMAC takes keys of any length (even empty), so this never falls back to "".
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(data);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// A MAC keyed with `secret`; `None` for an empty secret, which would prove nothing.
fn mac_for(secret: &str) -> Option<HmacSha256> {
    if secret.is_empty() {
        return None;
    }
    HmacSha256::new_from_slice(secret.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_or_future_signature_timestamp_is_stale() {
        let now = 1_800_000_000;
        assert!(timestamp_is_fresh("1800000100", now));
        assert!(timestamp_is_fresh("1800000100000", now));
        assert!(!timestamp_is_fresh("978307200", now), "a 2001 timestamp");
        assert!(!timestamp_is_fresh("1800000400", now));
        assert!(!timestamp_is_fresh("soon", now));
    }

    const FOX: &[u8] = b"The quick brown fox jumps over the lazy dog";
    const FOX_MAC: &str = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";

    fn basic(user_password: &str) -> String {
        format!("Basic {}", STANDARD.encode(user_password))
    }

    #[test]
    fn known_hmac_vector() {
        assert_eq!(hmac_sha256_hex("key", FOX), FOX_MAC);
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(
            presented_credential(Some("Bearer s3cret-token")).as_deref(),
            Some("s3cret-token")
        );
        assert_eq!(
            presented_credential(Some("bearer   s3cret-token ")).as_deref(),
            Some("s3cret-token")
        );
        assert_eq!(presented_credential(Some("Bearer ")), None);
        assert_eq!(presented_credential(Some("Bearer")), None);
        assert_eq!(presented_credential(Some("Token s3cret")), None);
        assert_eq!(presented_credential(None), None);
    }

    #[test]
    fn basic_auth_passwords() {
        assert_eq!(
            presented_credential(Some(&basic("alertmanager:hunter2"))).as_deref(),
            Some("hunter2")
        );
        assert_eq!(
            presented_credential(Some(&basic("alertmanager:pa:ss:word"))).as_deref(),
            Some("pa:ss:word")
        );
        assert_eq!(
            presented_credential(Some(&basic(":only-a-password"))).as_deref(),
            Some("only-a-password")
        );
        let lowercase = basic("am:hunter2").replacen("Basic", "basic", 1);
        assert_eq!(
            presented_credential(Some(&lowercase)).as_deref(),
            Some("hunter2")
        );
        // No colon at all, an empty password, or not base64: nothing presented.
        assert_eq!(presented_credential(Some(&basic("hunter2"))), None);
        assert_eq!(presented_credential(Some(&basic("alertmanager:"))), None);
        assert_eq!(presented_credential(Some("Basic not*base64")), None);
    }

    #[test]
    fn grafana_signatures() {
        let body = br#"{"version":"1","status":"firing"}"#;
        let plain = hmac_sha256_hex("grafana-secret", body);
        assert!(verify_grafana_signature(
            "grafana-secret",
            &plain,
            None,
            body
        ));
        assert!(verify_grafana_signature(
            "grafana-secret",
            &plain.to_uppercase(),
            None,
            body
        ));
        assert!(!verify_grafana_signature(
            "other-secret",
            &plain,
            None,
            body
        ));
        assert!(!verify_grafana_signature(
            "grafana-secret",
            &plain,
            None,
            br#"{"version":"1","status":"resolved"}"#
        ));

        let signed = [b"1715678400:".as_slice(), body].concat();
        let stamped = hmac_sha256_hex("grafana-secret", &signed);
        assert!(verify_grafana_signature(
            "grafana-secret",
            &stamped,
            Some("1715678400"),
            body
        ));
        assert!(!verify_grafana_signature(
            "grafana-secret",
            &stamped,
            Some("1715678401"),
            body
        ));
        assert!(!verify_grafana_signature(
            "grafana-secret",
            &stamped,
            None,
            body
        ));
        assert!(!verify_grafana_signature(
            "grafana-secret",
            &plain,
            Some("1715678400"),
            body
        ));
    }

    #[test]
    fn grafana_rejects_bad_hex_and_empty_secrets() {
        assert!(!verify_grafana_signature("key", "not-hex", None, FOX));
        assert!(!verify_grafana_signature("key", "", None, FOX));
        assert!(!verify_grafana_signature("key", &FOX_MAC[..62], None, FOX));
        assert!(!verify_grafana_signature(
            "",
            &hmac_sha256_hex("", FOX),
            None,
            FOX
        ));
    }

    #[test]
    fn pagerduty_signatures() {
        let body = br#"{"event":{"id":"01EXBVZKMNQ4C8T5R2W7YH3J6D"}}"#;
        let current = hmac_sha256_hex("pd-secret", body);
        assert!(verify_pagerduty_signature(
            "pd-secret",
            &format!("v1={current}"),
            body
        ));
        assert!(!verify_pagerduty_signature(
            "pd-secret",
            &format!("v1={current}"),
            br#"{"event":{"id":"01EXBVZKMNQ4C8T5R2W7YH3J6E"}}"#
        ));
        assert!(!verify_pagerduty_signature("pd-secret", &current, body));
    }

    #[test]
    fn pagerduty_rotation_accepts_either_secret() {
        let body = br#"{"event":{"event_type":"incident.triggered"}}"#;
        let header = format!(
            "v1={},v1={}",
            hmac_sha256_hex("old-secret", body),
            hmac_sha256_hex("new-secret", body)
        );
        assert!(verify_pagerduty_signature("old-secret", &header, body));
        assert!(verify_pagerduty_signature("new-secret", &header, body));
        assert!(!verify_pagerduty_signature("third-secret", &header, body));
        let spaced = header.replace(',', ", ");
        assert!(verify_pagerduty_signature("new-secret", &spaced, body));
    }

    #[test]
    fn pagerduty_ignores_bad_hex_and_other_schemes() {
        let good = hmac_sha256_hex("pd-secret", FOX);
        let header = format!("v1=zz-not-hex,v2={good},v1={good}");
        assert!(verify_pagerduty_signature("pd-secret", &header, FOX));
        assert!(!verify_pagerduty_signature(
            "pd-secret",
            &format!("v2={good}"),
            FOX
        ));
        assert!(!verify_pagerduty_signature("pd-secret", "v1=zz", FOX));
        assert!(!verify_pagerduty_signature("pd-secret", "", FOX));
        assert!(!verify_pagerduty_signature(
            "",
            &format!("v1={}", hmac_sha256_hex("", FOX)),
            FOX
        ));
    }
}

//! Refuses state-changing requests that a browser sends from another site (Sec-Fetch-Site, Origin),
//! on top of the SameSite=Lax session cookie.

use app::api::ApiError;
use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::api_error;

/// The middleware itself.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe_method || is_same_site(request.headers(), &state.settings.public_base_url) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    api_error(StatusCode::FORBIDDEN, ApiError::Forbidden)
}

/// True unless the browser says the request came from elsewhere. Clients that are not browsers
/// (scripts with API tokens) send neither header and are let through to authentication.
fn is_same_site(headers: &HeaderMap, public_base_url: &url::Url) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false; // includes the opaque origin "null"
    };
    let origin_host = match (origin.host_str(), origin.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        _ => return false,
    };
    let public = public_base_url.origin().ascii_serialization();
    let host_header = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| {
            if host.contains(':') {
                host.to_owned()
            } else {
                format!("{host}:{}", origin.port_or_known_default().unwrap_or(80))
            }
        });
    origin.origin().ascii_serialization() == public
        || host_header.as_deref() == Some(origin_host.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    fn base() -> url::Url {
        "https://postmortems.example.com".parse().unwrap()
    }

    #[test]
    fn a_same_origin_fetch_is_allowed() {
        assert!(is_same_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &base()
        ));
    }

    #[test]
    fn a_cross_site_fetch_is_refused() {
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &base()
        ));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &base()
        ));
    }

    #[test]
    fn an_origin_matching_the_host_or_the_public_url_is_allowed() {
        assert!(is_same_site(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &base()
        ));
        assert!(is_same_site(
            &headers(&[
                ("origin", "https://postmortems.example.com"),
                ("host", "10.0.0.5:3000")
            ]),
            &base()
        ));
    }

    #[test]
    fn a_foreign_or_opaque_origin_is_refused() {
        assert!(!is_same_site(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            &base()
        ));
        assert!(!is_same_site(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            &base()
        ));
    }

    #[test]
    fn a_client_without_browser_headers_goes_on_to_authentication() {
        assert!(is_same_site(&HeaderMap::new(), &base()));
    }
}

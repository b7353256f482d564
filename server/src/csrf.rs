//! Refuses state-changing requests that a browser sends from another site (Sec-Fetch-Site, Origin),
//! on top of the SameSite=Lax session cookie.

use app::api::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use backend::AppState;

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
    if origin.origin() == public_base_url.origin() {
        return true;
    }
    // This server itself speaks plain HTTP: a browser talking to it directly has the origin
    // `http://` + the Host it sent (port 80 when Host names none), with no other scheme or port.
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
        .is_some_and(|direct| direct.origin() == origin.origin())
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
    fn the_host_header_does_not_lend_its_name_to_another_scheme_or_port() {
        assert!(!is_same_site(
            &headers(&[
                ("origin", "https://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &base()
        ));
        assert!(!is_same_site(
            &headers(&[
                ("origin", "http://intranet.example:8080"),
                ("host", "intranet.example")
            ]),
            &base()
        ));
        assert!(is_same_site(
            &headers(&[
                ("origin", "http://intranet.example"),
                ("host", "intranet.example")
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

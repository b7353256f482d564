//! Input arrives without control characters: the query string and form and JSON bodies are
//! cleaned (`backend::clean_text`) before anything reads them, the same way on both engines;
//! a form body is also kept with the request, so a failed read can name its field.
//! Webhooks are cleaned by their handlers after their signature is checked, since a signature
//! covers the bytes as sent.

use std::borrow::Cow;

use app::ssr::args::FormBody;
use backend::clean_text::{clean_json, clean_urlencoded, unwanted};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The middleware: cleans the query string and a form or JSON body. A path with a control
/// character in it names nothing here (404). Webhooks (`/hooks/…`) pass as they are.
pub async fn clean_request(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/hooks/") || path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    let decoded = percent_decoded(path);
    if decoded.chars().any(unwanted) {
        return (StatusCode::NOT_FOUND, "No such page.").into_response();
    }
    let (mut parts, body) = request.into_parts();
    if let Some(query) = parts
        .uri
        .query()
        .and_then(|q| clean_urlencoded(q.as_bytes()))
    {
        let path_and_query = format!("{}?{query}", parts.uri.path());
        let mut uri = parts.uri.clone().into_parts();
        match path_and_query.parse() {
            Ok(pq) => uri.path_and_query = Some(pq),
            Err(_) => return (StatusCode::BAD_REQUEST, "Unreadable address.").into_response(),
        }
        if let Ok(cleaned) = Uri::from_parts(uri) {
            parts.uri = cleaned;
        }
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if !form && !json {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // The body limit layer outside this one bounds what is read here.
    let bytes: Bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request is larger than this server accepts.",
            )
                .into_response();
        }
    };
    let cleaned = if form {
        clean_urlencoded(&bytes).map(String::into_bytes)
    } else {
        clean_json(&bytes)
    };
    let bytes = match cleaned {
        Some(cleaned) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Bytes::from(cleaned)
        }
        None => bytes,
    };
    if form {
        // Kept so that a server function that cannot read its arguments can name the field.
        parts.extensions.insert(FormBody(bytes.clone()));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The path with its `%XX` escapes decoded (invalid UTF-8 replaced: enough to look for controls).
fn percent_decoded(path: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(path).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_hidden_in_a_path_is_found() {
        assert!(percent_decoded("/services/a%00b").contains('\0'));
        assert_eq!(percent_decoded("/services/ledger"), "/services/ledger");
    }
}

//! Building GitHub-style answers: JSON bodies, error messages, pagination and common headers.

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const DOCS: &str = "https://docs.github.com/rest";

/// A JSON answer with GitHub's content type.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    let content_type = [(header::CONTENT_TYPE, "application/json; charset=utf-8")];
    (status, content_type, body.to_string()).into_response()
}

/// `{"message": .., "documentation_url": ..}` with this status.
pub(crate) fn message(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &json!({ "message": message, "documentation_url": DOCS }),
    )
}

/// 404 Not Found.
pub(crate) fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not Found")
}

/// 401 Bad credentials.
pub(crate) fn bad_credentials() -> Response {
    message(StatusCode::UNAUTHORIZED, "Bad credentials")
}

/// 403 for writes to a read-only repository.
pub(crate) fn not_writable() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Resource not accessible by personal access token",
    )
}

/// 400 for a body that is not the expected JSON.
pub(crate) fn problems_parsing_json() -> Response {
    message(StatusCode::BAD_REQUEST, "Problems parsing JSON")
}

/// 422 Validation Failed with these `errors`.
pub(crate) fn validation(errors: Value) -> Response {
    let body =
        json!({ "message": "Validation Failed", "errors": errors, "documentation_url": DOCS });
    json(StatusCode::UNPROCESSABLE_ENTITY, &body)
}

/// 422 Validation Failed with one `{resource, code, field}` error.
pub(crate) fn invalid(resource: &str, code: &str, field: &str) -> Response {
    validation(json!([{ "resource": resource, "code": code, "field": field }]))
}

/// An early (error) answer, so handlers can bail out with `?`.
#[derive(Debug)]
pub(crate) struct Reject(Box<Response>);

impl From<Response> for Reject {
    fn from(res: Response) -> Self {
        Reject(Box::new(res))
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// What handlers return: the answer, or an early one.
pub(crate) type Answer = Result<Response, Reject>;

/// The request body as a JSON object (an empty body counts as `{}`).
pub(crate) fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Reject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(problems_parsing_json().into()),
    }
}

/// Adds the headers GitHub puts on every answer (unless a fault already set them).
pub(crate) async fn common_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let reset = chrono::Utc::now().timestamp().unsigned_abs() + 3600;
    let request_id = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase();
    let headers = res.headers_mut();
    let defaults = [
        ("x-ratelimit-limit", HeaderValue::from(5000)),
        ("x-ratelimit-remaining", HeaderValue::from(4999)),
        ("x-ratelimit-used", HeaderValue::from(1)),
        ("x-ratelimit-reset", HeaderValue::from(reset)),
        ("x-ratelimit-resource", HeaderValue::from_static("core")),
        (
            "x-github-media-type",
            HeaderValue::from_static("github.v3; format=json"),
        ),
        (
            "x-github-request-id",
            HeaderValue::from_str(&request_id[..20]).unwrap(),
        ),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(name) {
            headers.insert(name, value);
        }
    }
    res
}

/// One page of `items` per `per_page` (default 30, max 100) and `page` (1-based),
/// with the `Link` header value pointing at the neighbouring pages.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    query: &HashMap<String, String>,
    base_url: &str,
    uri: &Uri,
) -> (Vec<T>, Option<String>) {
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let per_page = number("per_page", 30).clamp(1, 100);
    let page = number("page", 1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let others: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let link = |n: usize, rel: &str| {
        let mut params = others.clone();
        let page = format!("page={n}");
        params.push(&page);
        format!(
            "<{base_url}{}?{}>; rel=\"{rel}\"",
            uri.path(),
            params.join("&")
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link((page - 1).min(last), "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    let items = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    (items, (!links.is_empty()).then(|| links.join(", ")))
}

/// A JSON array answer with an optional `Link` header.
pub(crate) fn list(items: Vec<Value>, link: Option<String>) -> Response {
    let mut res = json(StatusCode::OK, &Value::Array(items));
    if let Some(value) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LINK, value);
    }
    res
}

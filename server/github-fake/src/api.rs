//! The router, and the GitHub routes for the user, repositories, labels and app installations.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Router, http::request::Parts};
use serde_json::{Value, json};

use crate::guard::{Counted, is_write};
use crate::reply::Answer;
use crate::state::{BOT, key};
use crate::{FakeGitHub, control, guard, issues, json, pulls, reply};

/// The whole fake: GitHub routes behind the guard, app-installation routes, `/_fake` control routes.
pub(crate) fn router(fake: FakeGitHub) -> Router {
    let github = Router::new()
        .route("/user", get(user))
        .route("/repos/{owner}/{repo}", get(repository))
        .route(
            "/repos/{owner}/{repo}/labels",
            get(list_labels).post(create_label),
        )
        .merge(issues::routes())
        .merge(pulls::routes())
        .method_not_allowed_fallback(not_found)
        .route_layer(from_fn_with_state(fake.clone(), guard::guard));
    let apps = Router::new()
        .route("/app/installations/{id}/access_tokens", post(mint_token))
        .route("/app/installations/{id}", get(installation))
        .route("/repos/{owner}/{repo}/installation", get(repo_installation))
        .method_not_allowed_fallback(not_found);
    Router::new()
        .merge(github)
        .merge(apps)
        .merge(control::routes())
        .merge(pulls::control_routes())
        .fallback(not_found)
        .layer(from_fn(reply::common_headers))
        .with_state(fake)
}

/// Any request no route knows: a loud warning and 404.
pub(crate) async fn not_found(
    State(fake): State<FakeGitHub>,
    counted: Option<Extension<Counted>>,
    req: Parts,
) -> Response {
    let (method, path) = (&req.method, req.uri.path());
    tracing::warn!(%method, %path, "github-fake: unexpected request");
    if is_write(method) && counted.is_none() && !path.starts_with("/_fake") {
        let matched = req.extensions.get::<MatchedPath>().map(MatchedPath::as_str);
        fake.count_write(guard::route_key(method, matched, path));
    }
    reply::not_found()
}

async fn user(State(fake): State<FakeGitHub>) -> Response {
    let st = fake.lock();
    let mut me = json::user(&st, BOT);
    me["name"] = json!("Postmortem Bot");
    me["email"] = Value::Null;
    reply::json(StatusCode::OK, &me)
}

async fn repository(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    let st = fake.lock();
    match st.repos.get(&key(&format!("{owner}/{name}"))) {
        Some(repo) => reply::json(StatusCode::OK, &json::repository(&st, repo)),
        None => reply::not_found(),
    }
}

async fn list_labels(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let st = fake.lock();
    let Some(repo) = st.repos.get(&key(&format!("{owner}/{name}"))) else {
        return reply::not_found();
    };
    let labels = repo
        .labels
        .iter()
        .map(|l| json::label(&st, repo, l))
        .collect();
    let (page, link) = reply::paginate(labels, &query, &st.base_url, &uri);
    reply::list(page, link)
}

async fn create_label(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let repo_key = key(&format!("{owner}/{name}"));
    let mut st = fake.lock();
    let refuse = st.check_writable(&repo_key)?.refuse_labels;
    let body = reply::object(&body)?;
    let text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_owned);
    let Some(label_name) = text("name").filter(|n| !n.trim().is_empty()) else {
        return Ok(reply::invalid("Label", "missing_field", "name"));
    };
    if refuse {
        return Ok(reply::invalid("Label", "invalid", "name"));
    }
    let color = text("color").unwrap_or_else(|| "ededed".to_owned());
    Ok(
        match st.create_label(&repo_key, &label_name, &color, text("description")) {
            Ok(label) => reply::json(
                StatusCode::CREATED,
                &json::label(&st, &st.repos[&repo_key], &label),
            ),
            Err(()) => reply::invalid("Label", "already_exists", "name"),
        },
    )
}

/// Whether the request carries an app JWT (`Bearer` with three dot-separated parts).
fn has_jwt(headers: &HeaderMap) -> bool {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let jwt = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "));
    jwt.is_some_and(|t| t.matches('.').count() == 2)
}

async fn mint_token(State(fake): State<FakeGitHub>, headers: HeaderMap) -> Response {
    if !has_jwt(&headers) {
        return reply::message(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        );
    }
    let token = format!("ghs_{}", uuid::Uuid::new_v4().simple());
    fake.add_token(&token);
    let expires_at = json::ts(crate::state::now() + chrono::Duration::hours(1));
    let body = json!({
        "token": token,
        "expires_at": expires_at,
        "permissions": { "issues": "write", "metadata": "read" },
        "repository_selection": "all",
    });
    reply::json(StatusCode::CREATED, &body)
}

async fn installation(
    State(fake): State<FakeGitHub>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !has_jwt(&headers) {
        return reply::message(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        );
    }
    let Ok(id) = id.parse::<u64>() else {
        return reply::not_found();
    };
    let st = fake.lock();
    let account = st
        .repos
        .values()
        .next()
        .map_or_else(|| BOT.to_owned(), |r| r.owner.clone());
    reply::json(StatusCode::OK, &json::installation(&st, id, &account))
}

async fn repo_installation(
    State(fake): State<FakeGitHub>,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !has_jwt(&headers) {
        return reply::message(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        );
    }
    let st = fake.lock();
    match st.repos.get(&key(&format!("{owner}/{name}"))) {
        Some(repo) => reply::json(StatusCode::OK, &json::installation(&st, 1, &repo.owner)),
        None => reply::not_found(),
    }
}

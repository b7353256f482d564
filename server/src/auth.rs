//! Who is asking, and may they: resolves the session or bearer token to a user, then applies the
//! endpoint table (`shared::access`) before any server function runs, and sends anonymous page
//! visits to the sign-in page (or to first-run setup on an empty instance).

use app::api::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::AppState;
use backend::auth::{
    CurrentUser, SESSION_PASSWORD_EPOCH, SESSION_RENEWED_AT, SESSION_SIGNED_IN_AT, SESSION_USER_ID,
    renewal_due, tokens, users,
};
use shared::access::{Access, PUBLIC_PAGES, endpoint_access};
use shared::domain::TokenScope;
use tower_sessions::Session;
use tower_sessions::session::Id;
use tower_sessions::session_store::SessionStore;

use crate::sessions;

/// The middleware itself.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_asset(&path) {
        return next.run(request).await;
    }
    let user = match identify(&state, &session, request.headers()).await {
        Ok(Some((user, credential))) => {
            request.extensions_mut().insert(user.clone());
            request.extensions_mut().insert(credential);
            Some(user)
        }
        Ok(None) => None,
        Err(response) => return response,
    };
    if path.starts_with("/api/") {
        return match (endpoint_access(&path), &user) {
            (None, _) => api_error(StatusCode::NOT_FOUND, ApiError::NotFound("Endpoint".into())),
            (Some(Access::Public), _) => next.run(request).await,
            (Some(_), None) if is_plain_form_post(&request) => {
                // A browser without JavaScript whose session ended: show it the sign-in page,
                // then bring it back to the form it came from.
                let back = referer_path(request.headers()).unwrap_or_else(|| "/services".into());
                sign_in_redirect(&back)
            }
            (Some(_), None) => api_error(StatusCode::UNAUTHORIZED, ApiError::Unauthorized),
            (Some(Access::Requires(permission)), Some(user)) if !user.can(permission) => {
                api_error(StatusCode::FORBIDDEN, ApiError::Forbidden)
            }
            (Some(_), Some(_)) => next.run(request).await,
        };
    }
    if user.is_some() || PUBLIC_PAGES.contains(&path.as_str()) || request.method() != Method::GET {
        return next.run(request).await;
    }
    match users::count(&state.db).await {
        Ok(0) => Redirect::to("/setup").into_response(),
        Ok(_) => {
            let wanted = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
            Redirect::to(&format!("/sign-in?next={next}")).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot count users");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

fn sign_in_redirect(back_to: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(back_to.as_bytes()).collect();
    Redirect::to(&format!("/sign-in?next={next}")).into_response()
}

/// A form submitted by a browser without JavaScript (it asks for HTML back).
fn is_plain_form_post(request: &Request) -> bool {
    request.method() == Method::POST
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// The path (and query) of the page a request came from, when it is on this site.
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = url::Url::parse(headers.get(header::REFERER)?.to_str().ok()?).ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let same_host = referer.host_str().map(|h| match referer.port() {
        Some(port) => format!("{h}:{port}"),
        None => h.to_owned(),
    });
    (same_host.as_deref() == Some(host)).then(|| match referer.query() {
        Some(query) => format!("{}?{query}", referer.path()),
        None => referer.path().to_owned(),
    })
}

/// Static files, health checks, webhooks, the pipelines' API (`/api/v1/`) and `/metrics` (which
/// carry their own credentials) need no signed-in identity.
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/hooks/")
        || path.starts_with("/api/v1/")
        || matches!(path, "/favicon.svg" | "/healthz" | "/readyz" | "/metrics")
}

/// The token of an `Authorization: Bearer <token>` header; empty for any other header.
pub(crate) fn bearer_token(authorization: &HeaderValue) -> &str {
    authorization
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
}

/// How a request proved who it is, kept with it so that a long-lived answer (a live stream) can
/// ask again later whether that still holds: the person may have signed out, been disabled or
/// changed their password since.
#[derive(Clone, Debug)]
pub enum Credential {
    Token(String),
    Session(Id),
}

/// The user behind a bearer token or the browser session. A bad token is refused outright rather
/// than falling back to the session, so automation never acts as someone unexpected.
async fn identify(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
) -> Result<Option<(CurrentUser, Credential)>, Response> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = bearer_token(value);
        return match tokens::authenticate(&state.db, token).await {
            Ok(Some(bearer)) if bearer.scope == TokenScope::Full => Ok(Some((
                current_user(bearer.user, true),
                Credential::Token(token.to_owned()),
            ))),
            // A pipeline token reports changes and deployments and does nothing else.
            Ok(Some(_)) => Err(api_error(StatusCode::FORBIDDEN, ApiError::Forbidden)),
            Ok(None) => Err(api_error(StatusCode::UNAUTHORIZED, ApiError::Unauthorized)),
            Err(error) => {
                tracing::error!(%error, "token lookup failed");
                Err(database_unavailable())
            }
        };
    }
    let user_id = match session.get::<i64>(SESSION_USER_ID).await {
        Ok(Some(user_id)) => user_id,
        Ok(None) => return Ok(None),
        // The session store is the database: while it is down nobody can be recognised, which
        // is no reason to treat them as signed out.
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            return Err(database_unavailable());
        }
    };
    let signed_in = SignedIn {
        user_id,
        at: stored_number(session, SESSION_SIGNED_IN_AT).await,
        epoch: stored_number(session, SESSION_PASSWORD_EPOCH).await,
    };
    let user = match signed_in.user(state).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(%error, "user lookup failed");
            return Err(database_unavailable());
        }
    };
    match (user, session.id()) {
        (Some(user), Some(id)) => {
            keep_alive(session, state.settings.session_idle_seconds).await;
            Ok(Some((current_user(user, false), Credential::Session(id))))
        }
        _ => {
            // Expired, disabled, or the password changed since: this session is over.
            if let Err(error) = session.flush().await {
                tracing::warn!(%error, "could not end a stale session");
            }
            Ok(None)
        }
    }
}

/// What a long-lived answer was opened with, to ask again later whether it still holds.
pub struct Recheck {
    pub sessions: sessions::Store,
    pub credential: Credential,
}

impl Recheck {
    /// Whether the credential still proves who the request was from. A failed lookup counts as
    /// no: a stream that cannot be checked is closed, and the browser asks again.
    pub async fn holds(&self, state: &AppState) -> bool {
        match &self.credential {
            Credential::Token(token) => {
                matches!(
                    tokens::authenticate(&state.db, token).await,
                    Ok(Some(bearer)) if bearer.scope == TokenScope::Full
                )
            }
            Credential::Session(id) => {
                let Ok(Some(record)) = self.sessions.load(id).await else {
                    return false;
                };
                let number = |key: &str| record.data.get(key).and_then(serde_json::Value::as_i64);
                let Some(user_id) = number(SESSION_USER_ID) else {
                    return false;
                };
                let signed_in = SignedIn {
                    user_id,
                    at: number(SESSION_SIGNED_IN_AT),
                    epoch: number(SESSION_PASSWORD_EPOCH),
                };
                record.expiry_date > tower_sessions::cookie::time::OffsetDateTime::now_utc()
                    && matches!(signed_in.user(state).await, Ok(Some(_)))
            }
        }
    }
}

/// What a session says about its sign-in.
struct SignedIn {
    user_id: i64,
    /// When (Unix seconds).
    at: Option<i64>,
    /// The password's change time then (microseconds), which ends the session when it moves.
    epoch: Option<i64>,
}

impl SignedIn {
    /// The person, while they are active, the session is younger than `SESSION_MAX_SECONDS` and
    /// their password has not changed since.
    async fn user(
        &self,
        state: &AppState,
    ) -> Result<Option<backend::entities::user::Model>, backend::AppError> {
        let too_old = chrono::Utc::now().timestamp() - self.at.unwrap_or(0)
            > state.settings.session_max_seconds;
        if too_old {
            return Ok(None);
        }
        let user = users::find_active(&state.db, self.user_id).await?;
        Ok(user.filter(|user| self.epoch == Some(user.password_changed_at.timestamp_micros())))
    }
}

/// Moves a used session's idle expiry forward (when due): changing the session makes the session
/// layer store it with a new expiry and send the cookie again after the response.
async fn keep_alive(session: &Session, idle_seconds: i64) {
    let now = chrono::Utc::now().timestamp();
    let renewed_at = stored_number(session, SESSION_RENEWED_AT)
        .await
        .unwrap_or(0);
    if renewal_due(now, renewed_at, idle_seconds)
        && let Err(error) = session.insert(SESSION_RENEWED_AT, now).await
    {
        tracing::warn!(%error, "could not renew a session");
    }
}

/// A number kept in the session under `key` (none when missing or unreadable).
async fn stored_number(session: &Session, key: &str) -> Option<i64> {
    session.get::<i64>(key).await.ok().flatten()
}

fn current_user(user: backend::entities::user::Model, via_token: bool) -> CurrentUser {
    CurrentUser {
        role: users::role_of(&user),
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        via_token,
    }
}

/// 503 with a retry hint: who is asking cannot be checked while the database is not answering.
fn database_unavailable() -> Response {
    let mut response = api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Unavailable("The database is not answering. Try again in a moment.".into()),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// An error in the same JSON form server functions use.
pub fn api_error(status: StatusCode, error: ApiError) -> Response {
    let body = serde_json::to_string(&error).unwrap_or_else(|_| "\"Internal\"".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

//! What a form's next page shows once: a notice ("Connection saved.") or a secret just made (a new
//! token), kept in the server-side session between the form's post and the page it leads to. Only
//! for forms whose browser never sees the server function's answer: those posted without
//! JavaScript, and those the form enhancer sends (it reloads the page after a success).

use serde::Serialize;
use serde::de::DeserializeOwned;

use backend::AppError;

/// The session key of the notice for the next page.
const NOTICE: &str = "shown_once_notice";

/// True for a form whose browser sees only the page it goes to next, not the server function's
/// answer: one submitted without JavaScript (it asks for HTML back), or by the form enhancer.
pub fn shows_only_next_page() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        let asks_for_html = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let enhanced = parts
            .headers
            .contains_key(shared::wire::ENHANCED_FORM_HEADER);
        parts.method == http::Method::POST && (asks_for_html || enhanced)
    })
}

/// Keeps `value` under `key` for the next page, when this request's browser will not see the
/// answer; script callers get it in the answer, and nothing is kept for them.
pub async fn keep<T: Serialize>(key: &str, value: &T) -> Result<(), AppError> {
    if !shows_only_next_page() {
        return Ok(());
    }
    session()
        .await?
        .insert(key, value)
        .await
        .map_err(session_error)
}

/// The value kept under `key`, removed from the session as it is read.
pub async fn take<T: DeserializeOwned>(key: &str) -> Result<Option<T>, AppError> {
    session()
        .await?
        .remove::<T>(key)
        .await
        .map_err(session_error)
}

/// Says `message` on the next page, for a form whose browser will not see the answer.
pub async fn notice(message: &str) -> Result<(), AppError> {
    keep(NOTICE, &message).await
}

/// The notice kept for this page, once.
pub async fn take_notice() -> Result<Option<String>, AppError> {
    take(NOTICE).await
}

async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|error| {
            tracing::error!(%error, "no session layer on this request");
            AppError::MissingState
        })
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::MissingState
}

//! How the back end's errors become the [`ApiError`] a server function answers, with the
//! answer's status set to match.

use backend::error::{AppError, Outage};

use crate::api::ApiError;
use shared::wire::postmortems::Saved;

impl From<AppError> for ApiError {
    /// Logs internal failures and sets the response status, so API clients see 404, 409, 422 or 500.
    ///
    /// Plain form posts (no JavaScript) are left alone: Leptos answers them with a redirect back to
    /// the form, carrying the error, and a status here would stop the browser from following it.
    fn from(error: AppError) -> Self {
        let api_error = match error.outage() {
            Some(Outage::DiskFull) => {
                tracing::error!(error = %error, "the database's disk is full");
                ApiError::Unavailable(
                    "The server's disk is full, so nothing was saved. Ask your administrator to free space, then try again.".into(),
                )
            }
            Some(Outage::Unreachable) => {
                tracing::error!(error = %error, "the database is unreachable");
                ApiError::Unavailable(
                    "The database is not answering, so nothing was saved. Try again in a moment."
                        .into(),
                )
            }
            None => match error {
                AppError::Validation(errors) => ApiError::Validation(errors),
                AppError::NotFound(what) => ApiError::NotFound(what.to_owned()),
                AppError::Conflict(message) => ApiError::Conflict(message),
                AppError::Unauthorized => ApiError::Unauthorized,
                AppError::Forbidden => ApiError::Forbidden,
                AppError::TooManyRequests(message) => ApiError::TooManyRequests(message),
                error @ (AppError::Db(_) | AppError::MissingState) => {
                    tracing::error!(error = %error, "request failed");
                    ApiError::Internal
                }
            },
        };
        set_response_status(&api_error);
        api_error
    }
}

/// Sets the status of this request's answer, except for a plain form post (a browser without
/// JavaScript, which Leptos answers with a redirect that a status would break). Returns the
/// answer's options when it set it, for headers to go with it.
pub fn set_status(status: http::StatusCode) -> Option<leptos_axum::ResponseOptions> {
    use leptos::prelude::use_context;
    let parts = use_context::<http::request::Parts>()?;
    let plain_form_post = parts.method == http::Method::POST
        && parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if plain_form_post {
        return None;
    }
    let options = use_context::<leptos_axum::ResponseOptions>()?;
    options.set_status(status);
    Some(options)
}

/// Sets the answer's status from `error`, except for a plain form post (see above).
pub fn set_response_status(error: &ApiError) {
    let Ok(status) = http::StatusCode::from_u16(error.status_code()) else {
        return;
    };
    if let Some(options) = set_status(status) {
        let retry_after = match error {
            // The limits recover within a minute.
            ApiError::TooManyRequests(_) => Some("60"),
            ApiError::Unavailable(_) => Some("5"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            options.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static(seconds),
            );
        }
    }
}

/// A versioned save's answer: 409 Conflict when someone else saved first (their version is in the
/// body), so an API client sees the refusal in the status as well as in the body.
pub fn answered<T>(saved: Saved<T>) -> Saved<T> {
    if matches!(saved, Saved::Conflict(_)) {
        set_status(http::StatusCode::CONFLICT);
    }
    saved
}

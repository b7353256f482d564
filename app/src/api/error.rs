//! The one error type every server function returns, shared by the server and the browser.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use shared::domain::FieldErrors;

/// What went wrong, in terms the person in front of the screen can act on.
///
/// Internal details (database messages, stack traces) never travel in here: the server logs them
/// and sends [`ApiError::Internal`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// Some submitted fields are invalid; each carries its own message.
    #[error("Some fields need your attention.")]
    Validation(FieldErrors),
    /// The named record does not exist.
    #[error("{0} was not found.")]
    NotFound(String),
    /// The change clashes with the record's current state (e.g. someone else saved first).
    #[error("{0}")]
    Conflict(String),
    /// Nobody is signed in, or the session has expired.
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthorized,
    /// The person may not do this.
    #[error("Your role does not allow this. Ask an administrator if you need it.")]
    Forbidden,
    /// Too many attempts in a short time.
    #[error("{0}")]
    TooManyRequests(String),
    /// The server cannot store anything now (its database is down or its disk is full); trying
    /// again later may work, and nothing was saved.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on the server; the details are in its log.
    #[error(
        "Something went wrong on our side. Try again; if it keeps happening, tell your administrator."
    )]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl ApiError {
    /// The HTTP status that describes this error.
    pub fn status_code(&self) -> u16 {
        match self {
            ApiError::Validation(_) => 422,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden => 403,
            ApiError::TooManyRequests(_) => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal => 500,
            ApiError::Transport(_) => 502,
        }
    }

    /// The field errors, when this is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            ApiError::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                malformed(&message)
            }
            // On the server, a body that cannot be read is the caller's mistake, not a fault.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(message) => malformed(&message),
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                ApiError::Transport(message)
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(message) => ApiError::Transport(message),
            _ => ApiError::Internal,
        };
        // Arguments are read before the server function runs, so nothing else sets the answer's
        // status: without this, a malformed request would be answered 500.
        #[cfg(feature = "ssr")]
        crate::ssr::error::set_response_status(&error);
        error
    }
}

/// A request whose arguments could not be read: a validation error on the field at fault, else
/// on the whole request. The reader names a missing field ("missing field `login`"); on the
/// server, a value of the wrong type is named by reading the request again (`server::args`),
/// since the reader's message names only the value ("unknown variant `x`", "invalid digit").
fn malformed(message: &str) -> ApiError {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty() && name.len() <= 64)
        .map(str::to_owned);
    #[cfg(feature = "ssr")]
    let missing = missing.or_else(crate::ssr::args::field_at_fault);
    let field = missing.as_deref().unwrap_or("request");
    let message = format!("This request could not be read: {message}");
    ApiError::Validation(FieldErrors(vec![shared::domain::FieldError::new(
        field, message,
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_named() {
        let error = malformed("missing field `login`");
        let errors = error.field_errors().unwrap();
        assert_eq!(errors.0[0].field, "login");
        assert_eq!(error.status_code(), 422);
    }

    #[test]
    fn an_unnamed_mistake_belongs_to_the_request() {
        let error = malformed("invalid digit found in string");
        assert_eq!(error.field_errors().unwrap().0[0].field, "request");
        // A quoted value is not a field's name.
        let error = malformed("unknown variant `SEV9`, expected one of `SEV1`, `SEV2`");
        assert_eq!(error.field_errors().unwrap().0[0].field, "request");
    }
}

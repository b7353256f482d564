//! One way for the handlers outside server functions (exports, the live stream) to answer with
//! the app's errors: the same status and message a server function would give, internal details
//! logged and never sent.

use app::api::error::ApiError;
use axum::Extension;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use backend::AppError;
use backend::auth::CurrentUser;
use shared::domain::Permission;

/// An [`AppError`] on its way out of an axum handler.
#[derive(Debug)]
pub struct HttpError(AppError);

impl From<AppError> for HttpError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let error = ApiError::from(self.0);
        let status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Refused fields are named, one `field: message` line each.
        let text = match error.field_errors() {
            Some(errors) => errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n"),
            None => error.to_string(),
        };
        (status, text).into_response()
    }
}

/// The signed-in person when their role has `permission`: 401 when nobody is signed in, 403 when
/// the role lacks it.
pub fn permitted(
    user: Option<Extension<CurrentUser>>,
    permission: Permission,
) -> Result<CurrentUser, HttpError> {
    let Some(Extension(user)) = user else {
        return Err(AppError::Unauthorized.into());
    };
    if user.can(permission) {
        Ok(user)
    } else {
        Err(AppError::Forbidden.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::Role;

    fn person(role: Role) -> Option<Extension<CurrentUser>> {
        Some(Extension(CurrentUser {
            id: 1,
            email: "someone@example.com".into(),
            display_name: "Someone".into(),
            role,
            via_token: false,
        }))
    }

    #[test]
    fn nobody_is_401_and_a_role_without_the_permission_is_403() {
        let status = |result: Result<CurrentUser, HttpError>| {
            result
                .map(|_| StatusCode::OK)
                .unwrap_or_else(|e| e.into_response().status())
        };
        assert_eq!(
            status(permitted(None, Permission::ViewRecords)),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(permitted(person(Role::Viewer), Permission::ManageUsers)),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(permitted(person(Role::Viewer), Permission::ViewRecords)),
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn a_refused_field_is_named() {
        let errors = shared::domain::FieldErrors(vec![shared::domain::FieldError::new(
            "from",
            "Give a date.",
        )]);
        let response = HttpError::from(AppError::Validation(errors)).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&body), "from: Give a date.");
    }

    #[test]
    fn a_missing_record_is_404_with_its_name() {
        let response = HttpError::from(AppError::NotFound("Postmortem")).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

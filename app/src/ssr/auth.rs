//! Who is calling a server function, and may they: the signed-in person the auth middleware put
//! with the request, checked against the access table (`shared::access`).

use backend::AppError;
use backend::auth::CurrentUser;
use leptos::prelude::use_context;
use shared::domain::Permission;

/// The signed-in person, if any, for the request being served.
pub fn current_user() -> Option<CurrentUser> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
}

/// The signed-in person if they may do `permission`; otherwise 401 (nobody signed in) or 403.
/// Server functions use [`authorize`], which takes the permission from the access table; this is
/// for a check beyond the table's (a record's history needs what that record's page needs).
pub fn require(permission: Permission) -> Result<CurrentUser, AppError> {
    let user = current_user().ok_or(AppError::Unauthorized)?;
    if user.can(permission) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The person calling the server function at `path` (its `ServerFn::PATH`), allowed as the access
/// table says (`shared::access`): the one place that says who may call it. The middleware
/// checks the same entry before an HTTP call; this check also covers a call made while a page is
/// rendered on the server. A path missing from the table is refused. Use [`crate::authorize!`].
pub fn authorize(path: &str) -> Result<CurrentUser, AppError> {
    use shared::access::{Access, endpoint_access};
    match endpoint_access(path) {
        Some(Access::Requires(permission)) => require(permission),
        Some(Access::SignedIn) => current_user().ok_or(AppError::Unauthorized),
        // A public function has nobody to authorise; one the table lacks may not run at all.
        Some(Access::Public) | None => Err(AppError::Forbidden),
    }
}

/// `authorize!(ListServices)`: [`authorize`] for the server function whose arguments are
/// `ListServices`, by its own path.
#[macro_export]
macro_rules! authorize {
    ($args:ty) => {
        $crate::ssr::auth::authorize(<$args as ::server_fn::ServerFn>::PATH)
    };
}

#[cfg(test)]
mod tests {
    use super::{AppError, authorize};

    #[test]
    fn a_function_missing_from_the_access_table_is_refused() {
        assert!(matches!(
            authorize("/api/not-in-the-table"),
            Err(AppError::Forbidden)
        ));
        // A public one has nobody to authorise either.
        assert!(matches!(
            authorize("/api/auth/sign-in"),
            Err(AppError::Forbidden)
        ));
        // A listed one needs someone signed in (nobody is, here).
        assert!(matches!(
            authorize("/api/services/list"),
            Err(AppError::Unauthorized)
        ));
    }
}

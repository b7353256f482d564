//! Server functions for administrators: the people who can sign in, and their roles.

pub use shared::wire::users::*;

use super::ApiError;
use leptos::prelude::*;

/// Every account.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListUsers)?;
    let users = backend::auth::users::list(&state.db).await?;
    Ok(users.into_iter().map(to_view).collect())
}

/// Creates an account with a first password the administrator passes on.
#[server(endpoint = "users/create")]
pub async fn create_user(
    display_name: String,
    email: String,
    role: String,
    password: String,
    password_confirmation: String,
) -> Result<UserView, ApiError> {
    use backend::auth::users::{self, NewUser};
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(CreateUser)?;
    let input = NewUser {
        display_name,
        email,
        role,
        password,
        password_confirmation,
    };
    Ok(to_view(
        users::create(&state.db, &admin.actor(), input).await?,
    ))
}

/// Changes an account's role.
#[server(endpoint = "users/set-role")]
pub async fn set_user_role(id: i64, role: String) -> Result<UserView, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(SetUserRole)?;
    Ok(to_view(
        backend::auth::users::set_role(&state.db, &admin.actor(), id, &role).await?,
    ))
}

/// Disables (`true`) or re-enables an account; a disabled account cannot sign in or use tokens.
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<UserView, ApiError> {
    let state = crate::ssr::app_state()?;
    let admin = crate::authorize!(SetUserDisabled)?;
    Ok(to_view(
        backend::auth::users::set_disabled(&state.db, &admin.actor(), id, disabled).await?,
    ))
}

#[cfg(feature = "ssr")]
fn to_view(user: backend::entities::user::Model) -> UserView {
    UserView {
        role: backend::auth::users::role_of(&user),
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        disabled: user.disabled_at.is_some(),
        created_at: user.created_at,
    }
}

//! Server functions for administrators: the people who can sign in, and their roles.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::Role;

/// An account as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// Every account.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, ApiError> {
    let state = crate::server::state::app_state()?;
    crate::authorize!(ListUsers)?;
    let users = crate::server::auth::users::list(&state.db).await?;
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
    use crate::server::auth::users::{self, NewUser};
    let state = crate::server::state::app_state()?;
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
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(SetUserRole)?;
    Ok(to_view(
        crate::server::auth::users::set_role(&state.db, &admin.actor(), id, &role).await?,
    ))
}

/// Disables (`true`) or re-enables an account; a disabled account cannot sign in or use tokens.
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<UserView, ApiError> {
    let state = crate::server::state::app_state()?;
    let admin = crate::authorize!(SetUserDisabled)?;
    Ok(to_view(
        crate::server::auth::users::set_disabled(&state.db, &admin.actor(), id, disabled).await?,
    ))
}

#[cfg(feature = "ssr")]
fn to_view(user: crate::server::entities::user::Model) -> UserView {
    UserView {
        role: crate::server::auth::users::role_of(&user),
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        disabled: user.disabled_at.is_some(),
        created_at: user.created_at,
    }
}

//! Server functions for signing in and out and for the first administrator of a new instance.

pub use shared::wire::auth::*;

use super::ApiError;
use leptos::prelude::*;

/// True while the instance has no account yet and offers to create the first administrator.
#[server(endpoint = "auth/setup-status")]
pub async fn needs_setup() -> Result<bool, ApiError> {
    let state = crate::ssr::app_state()?;
    Ok(backend::auth::users::count(&state.db).await? == 0)
}

/// Creates the first administrator of an empty instance and signs them in.
#[server(endpoint = "auth/setup")]
pub async fn create_first_admin(
    display_name: String,
    email: String,
    password: String,
    password_confirmation: String,
) -> Result<(), ApiError> {
    use backend::auth::users::{self, NewUser};
    let state = crate::ssr::app_state()?;
    let input = NewUser {
        display_name,
        email,
        role: String::new(),
        password,
        password_confirmation,
    };
    let admin = users::create_first_admin(&state.db, input).await?;
    crate::ssr::session::start(&admin).await?;
    leptos_axum::redirect("/services");
    Ok(())
}

/// Signs in with email and password, then goes to `next` (a page on this site).
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: String,
) -> Result<(), ApiError> {
    use backend::AppError;
    let state = crate::ssr::app_state()?;
    if !state.sign_in_limiter.allow(
        &email,
        crate::ssr::session::client_ip(&state.settings.trusted_proxies),
    ) {
        return Err(AppError::TooManyRequests(
            "Too many sign-in attempts. Wait a minute, then try again.".into(),
        )
        .into());
    }
    let user = backend::auth::users::verify_credentials(&state.db, &email, &password)
        .await?
        .ok_or_else(|| AppError::field("password", "The email or password is incorrect."))?;
    crate::ssr::session::start(&user).await?;
    leptos_axum::redirect(shared::domain::auth::safe_return_path(&next));
    Ok(())
}

/// Ends the session everywhere it is stored, then shows the sign-in page.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), ApiError> {
    crate::ssr::session::end().await?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// The notice a form left for the page it led to ("Connection saved."), once.
#[server(endpoint = "notice/take")]
pub async fn take_notice() -> Result<Option<String>, ApiError> {
    Ok(crate::ssr::shown_once::take_notice().await?)
}

/// The signed-in person, or `None`.
#[server(endpoint = "auth/current-user")]
pub async fn current_user() -> Result<Option<SessionUser>, ApiError> {
    Ok(crate::ssr::auth::current_user().map(|u| SessionUser {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        role: u.role,
    }))
}

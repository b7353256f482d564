//! The signed-in person, known to every component: who they are and what they may do.

use leptos::prelude::*;

use super::resource::{Json, resource};

use crate::api::ApiError;
use crate::api::auth::{CreateFirstAdmin, SessionUser, SignIn, SignOut, current_user};
use shared::domain::Permission;

/// The session as the views see it, with the actions that change it.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The signed-in person, as the page was rendered for them.
    pub user: Resource<Result<Option<SessionUser>, ApiError>, Json>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub setup: ServerAction<CreateFirstAdmin>,
}

/// Creates the session context; call once, in the app.
pub fn provide_auth() -> Auth {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let setup = ServerAction::<CreateFirstAdmin>::new();
    let user = resource(|| (), |_| current_user());
    let auth = Auth {
        user,
        sign_in,
        sign_out,
        setup,
    };
    provide_context(auth);
    auth
}

/// The session context.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Shows its children only to people whose role has `permission`. The server enforces the rule
/// anyway; this only keeps controls away from people who cannot use them.
#[component]
pub fn Can(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let allowed = auth.user.await.ok().flatten().is_some_and(|u| u.can(permission));
                    allowed.then(|| children())
                })
            }}
        </Transition>
    }
}

/// A page for people whose role has `permission` (the administration pages). Anyone else gets a
/// short explanation, answered 403, instead of forms the server would refuse; the page's own
/// data is not even asked for.
#[component]
pub fn Guarded(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let user = auth.user.await.ok().flatten();
                    if user.as_ref().is_some_and(|u| u.can(permission)) {
                        return children().into_any();
                    }
                    #[cfg(feature = "ssr")]
                    crate::ssr::error::set_status(http::StatusCode::FORBIDDEN);
                    let role = user.map(|u| u.role.label()).unwrap_or("no role");
                    view! {
                        <super::PageTitle text="Only for administrators · Postmortem" />
                        <h1>"Only for administrators"</h1>
                        <p data-testid="not-for-your-role">
                            {format!(
                                "This page changes how the instance works, so only administrators use it. Your role ({role}) reads every record; ask an administrator if something here needs changing."
                            )}
                        </p>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

//! The sign-in page.

use crate::components::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorNotice, Field, FieldKind, field_message, form_notice, use_auth};

/// Email and password, then back to the page that asked for them.
#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let result = Signal::derive(move || auth.sign_in.value().get().and_then(Result::err));
    let field_error = move |field: &'static str| field_message(result, field);
    let notice = form_notice(result);
    view! {
        <PageTitle text="Sign in · Postmortem" />
        <section class="auth-card">
            <h1>"Sign in"</h1>
            <ErrorNotice error=notice />
            <ActionForm action=auth.sign_in attr:class="form" attr:novalidate=true>
                <input type="hidden" name="next" value=next />
                <Field field="email" label="Email" value="" kind=FieldKind::Email required=true error=field_error("email") />
                <Field
                    field="password"
                    label="Password"
                    value=""
                    kind=FieldKind::CurrentPassword
                    required=true
                    error=field_error("password")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || auth.sign_in.pending().get()>
                        "Sign in"
                    </button>
                </div>
            </ActionForm>
            <p class="muted small">"No account? Ask an administrator to create one for you."</p>
        </section>
    }
}

//! First-run setup: an empty instance asks for its first administrator.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::auth::needs_setup;
use crate::components::{ErrorNotice, Field, FieldKind, field_message, use_auth};

/// Creates the first administrator, or says the instance is already set up.
#[component]
pub fn SetupPage() -> impl IntoView {
    let status = resource(|| (), |_| needs_setup());
    view! {
        <PageTitle text="Set up · Postmortem" />
        <Loaded>
            {move || Suspend::new(async move {
                status
                    .await
                    .map(|needed| {
                        if needed {
                            view! { <SetupForm /> }.into_any()
                        } else {
                            view! {
                                <section class="auth-card">
                                    <h1>"Already set up"</h1>
                                    <p>"This instance has its administrator."</p>
                                    <p>
                                        <a class="button primary" href="/sign-in">
                                            "Sign in"
                                        </a>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                    })
            })}
        </Loaded>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let auth = use_auth();
    let result = Signal::derive(move || auth.setup.value().get().and_then(Result::err));
    let field_error = move |field: &'static str| field_message(result, field);
    view! {
        <section class="auth-card">
            <h1>"Welcome to Postmortem"</h1>
            <p class="lede">
                "Create the first administrator. They can then add the rest of the team."
            </p>
            <ErrorNotice error=result />
            <ActionForm action=auth.setup attr:class="form" attr:novalidate=true>
                <Field field="display_name" label="Your name" value="" required=true error=field_error("display_name") />
                <Field field="email" label="Email" value="" kind=FieldKind::Email required=true error=field_error("email") />
                <Field
                    field="password"
                    label="Password"
                    value=""
                    kind=FieldKind::NewPassword
                    required=true
                    hint="At least 10 characters."
                    error=field_error("password")
                />
                <Field
                    field="password_confirmation"
                    label="Password again"
                    value=""
                    kind=FieldKind::NewPassword
                    required=true
                    error=field_error("password_confirmation")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary">
                        "Create administrator"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

//! Administration: the people who can sign in, their roles, new accounts.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::users::{CreateUser, SetUserDisabled, SetUserRole, UserView, list_users};
use crate::components::{DataTable, ErrorNotice, Field, FieldKind, field_message, form_notice};
use shared::domain::Role;

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let users = resource(|| (), |_| list_users());
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let change_error = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| set_disabled.value().get().and_then(Result::err))
    });
    view! {
        <PageTitle text="Users · Postmortem" />
        <h1>"Users"</h1>
        <ErrorNotice error=change_error />
        <Loaded keep=true>
            {move || Suspend::new(async move {
                users.await.map(|list| view! { <UserTable users=list set_role set_disabled /> })
            })}
        </Loaded>
        <section aria-labelledby="new-user" class="panel">
            <h2 id="new-user">"Add a person"</h2>
            <p class="muted">"Give them their first password; they can change it under “Your account”."</p>
            <ErrorNotice error=form_notice(create_error) />
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <div class="form-grid">
                    <Field field="display_name" label="Name" value="" required=true error=field_message(create_error, "display_name") />
                    <Field field="email" label="Email" value="" kind=FieldKind::Email required=true error=field_message(create_error, "email") />
                    <div class="field">
                        <label for="role">"Role"</label>
                        <select id="role" name="role">
                            {Role::ALL
                                .into_iter()
                                .map(|role| {
                                    view! {
                                        <option value=role.as_str() selected=role == Role::Member>
                                            {role.label()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div></div>
                    <Field
                        field="password"
                        label="First password"
                        value=""
                        kind=FieldKind::NewPassword
                        error=field_message(create_error, "password")
                    />
                    <Field
                        field="password_confirmation"
                        label="First password again"
                        value=""
                        kind=FieldKind::NewPassword
                        error=field_message(create_error, "password_confirmation")
                    />
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary">
                        "Add person"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(
    users: Vec<UserView>,
    set_role: ServerAction<SetUserRole>,
    set_disabled: ServerAction<SetUserDisabled>,
) -> impl IntoView {
    view! {
        <DataTable headings=&["Name", "Email", "Role", "Status"]>
                    {users
                        .into_iter()
                        .map(|user| {
                            let select_id = format!("role-{}", user.id);
                            let email = user.email.clone();
                            view! {
                                <tr class:archived=user.disabled data-email=email>
                                    <th scope="row">{user.display_name.clone()}</th>
                                    <td>{user.email.clone()}</td>
                                    <td>
                                        <ActionForm action=set_role attr:class="inline-form">
                                            <input type="hidden" name="id" value=user.id />
                                            <label for=select_id.clone() class="visually-hidden">
                                                "Role of " {user.email.clone()}
                                            </label>
                                            <select id=select_id name="role">
                                                {Role::ALL
                                                    .into_iter()
                                                    .map(|role| {
                                                        view! {
                                                            <option value=role.as_str() selected=role == user.role>
                                                                {role.label()}
                                                            </option>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </select>
                                            <button type="submit" class="button">
                                                "Change role"
                                            </button>
                                        </ActionForm>
                                    </td>
                                    <td>
                                        <ActionForm action=set_disabled attr:class="inline-form">
                                            <input type="hidden" name="id" value=user.id />
                                            <input type="hidden" name="disabled" value=(!user.disabled).to_string() />
                                            {if user.disabled {
                                                view! { <span class="badge badge-muted">"Disabled"</span> }.into_any()
                                            } else {
                                                view! { <span class="badge">"Active"</span> }.into_any()
                                            }}
                                            <button type="submit" class="button">
                                                {if user.disabled { "Enable" } else { "Disable" }}
                                            </button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </DataTable>
    }
}

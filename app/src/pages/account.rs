//! One's own account: change the password, create and revoke personal API tokens.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::{blocking_resource, resource};

use crate::api::account::{
    ChangePassword, CreateToken, RevokeToken, TokenView, list_tokens, take_new_token,
};
use crate::api::github::{SaveGithubLogin, my_github_login};
use crate::api::services::list_services;
use crate::components::{
    DataTable, ErrorNotice, Field, FieldKind, field_message, form_notice, use_auth,
};
use shared::domain::TokenScope;

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Your account · Postmortem" />
        <h1>"Your account"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                auth.user
                    .await
                    .ok()
                    .flatten()
                    .map(|user| {
                        view! {
                            <p class="muted">
                                {user.display_name} " · " {user.email} " · " {user.role.label()}
                            </p>
                        }
                    })
            })}
        </Transition>
        <PasswordForm />
        <GithubLogin />
        <Tokens />
    }
}

/// The person's GitHub login, so issues of the action items they own are assigned to them.
#[component]
fn GithubLogin() -> impl IntoView {
    let save = ServerAction::<SaveGithubLogin>::new();
    let current = resource(|| (), |_| my_github_login());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="github-heading" class="panel">
            <h2 id="github-heading">"GitHub account"</h2>
            <p class="muted">"Issues filed for action items you own are assigned to this GitHub login."</p>
            <ErrorNotice error=form_notice(error) />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let login = current.await.ok().flatten().unwrap_or_default();
                    view! {
                        <ActionForm action=save attr:class="form inline-form" attr:novalidate=true>
                            <Field field="github_login" label="GitHub login" value=login placeholder="octocat"
                                error=field_message(error, "github_login") />
                            <div class="form-actions">
                                <button type="submit" class="button">"Save GitHub login"</button>
                            </div>
                        </ActionForm>
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="password-heading" class="panel">
            <h2 id="password-heading">"Change password"</h2>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=change attr:class="form" attr:novalidate=true>
                <Field
                    field="current_password"
                    label="Current password"
                    value=""
                    kind=FieldKind::CurrentPassword
                    error=field_message(error, "current_password")
                />
                <Field
                    field="new_password"
                    label="New password"
                    value=""
                    kind=FieldKind::NewPassword
                    hint="At least 10 characters, not your email address."
                    error=field_message(error, "new_password")
                />
                <Field
                    field="new_password_confirmation"
                    label="New password again"
                    value=""
                    kind=FieldKind::NewPassword
                    error=field_message(error, "new_password_confirmation")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary">
                        "Change password"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

/// Personal API tokens: a new one is shown once, on the page its form leads to.
#[component]
fn Tokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = resource(|| (), |_| list_tokens());
    let services = resource(|| (), |_| list_services(false));
    let created = blocking_resource(|| (), |_| take_new_token());
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
    });
    view! {
        <section aria-labelledby="tokens-heading" class="panel">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="muted">
                "A token lets a script call the API as you, with your role, or only report a pipeline's changes and deployments: send it as "
                <code>"Authorization: Bearer <token>"</code> "."
            </p>
            <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                created.await.ok().flatten()
                    .map(|created| {
                        view! {
                            <div class="alert" role="status">
                                <p>
                                    "Token “" {created.token.name} "” created. Copy it now: it will not be shown again."
                                </p>
                                <p>
                                    <code class="secret" data-testid="new-token">
                                        {created.secret}
                                    </code>
                                </p>
                            </div>
                        }
                    })
            })}
            </Transition>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=create attr:class="form inline-form" attr:novalidate=true>
                <Field
                    field="name"
                    label="Token name"
                    value=""
                    placeholder="CI pipeline"
                    error=field_message(error, "name")
                />
                <div class="field">
                    <label for="token-scope">"May"</label>
                    <select id="token-scope" name="scope">
                        {TokenScope::ALL.iter().map(|scope| view! {
                            <option value=format!("{scope:?}")>{scope.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="token-service">"For (pipeline tokens)"</label>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let services = services.await.unwrap_or_default();
                            view! {
                                <select id="token-service" name="service" aria-describedby="token-service-hint">
                                    <option value="">"Every service"</option>
                                    {services.into_iter().map(|s| view! { <option value=s.slug>{s.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                    <p class="hint" id="token-service-hint">
                        "A pipeline token reports changes to the gate and deployments, and nothing else."
                    </p>
                    {move || field_message(error, "service").get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </div>
                <div class="form-actions">
                    <button type="submit" class="button">
                        "Create token"
                    </button>
                </div>
            </ActionForm>
            <Loaded keep=true>
                {move || Suspend::new(async move {
                    tokens.await.map(|list| view! { <TokenTable tokens=list revoke /> })
                })}
            </Loaded>
        </section>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenView>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="muted">"No tokens yet."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Name", "Starts with", "May", "Created", "Last used", "Status"]>
                    {tokens
                        .into_iter()
                        .map(|token| {
                            view! {
                                <tr class:archived=token.revoked>
                                    <th scope="row">{token.name.clone()}</th>
                                    <td class="mono">{token.prefix.clone()} "…"</td>
                                    <td>
                                        {match (token.scope, token.service.clone()) {
                                            (TokenScope::Pipeline, Some(service)) => format!("Report changes and deployments of {service}"),
                                            (scope, _) => scope.label().to_owned(),
                                        }}
                                    </td>
                                    <td>{token.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    <td>
                                        {token
                                            .last_used_at
                                            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                                            .unwrap_or_else(|| "never".into())}
                                    </td>
                                    <td>
                                        {if token.revoked {
                                            view! { <span class="badge badge-muted">"Revoked"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=token.id />
                                                    <button type="submit" class="button">
                                                        "Revoke " <span class="visually-hidden">{token.name}</span>
                                                    </button>
                                                </ActionForm>
                                            }
                                                .into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </DataTable>
    }
    .into_any()
}

//! Admin → GitHub: connect with a token or a GitHub App (optionally Enterprise), set the webhook
//! secret and the pace of writes, check what the credentials reach, and watch the sync: items
//! that failed or stopped (with "Retry"), "Sync now", the history, and webhook deliveries kept
//! because they were not understood.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::github::{
    CheckGithubConnection, ConnectionReport, ConnectionView, SaveGithubConnection, SyncOverview,
    github_connection, github_overview,
};
use crate::components::{
    DataTable, ErrorNotice, Field, FieldKind, SyncNowButton, field_message, form_notice,
};
use shared::domain::github::SyncState;
use shared::domain::github_connection::ConnectionMode;

/// The GitHub admin page.
#[component]
pub fn GithubPage() -> impl IntoView {
    view! {
        <PageTitle text="GitHub · Postmortem" />
        <h1>"GitHub"</h1>
        <p class="muted">
            "Action items become issues in their service's repository (from the service catalog); "
            "pipeline tests also join each repository's “Pipeline test backlog” issue. Closing an "
            "issue with a merged pull request marks its item verified."
        </p>
        <Connection />
        <SyncSection />
    }
}

/// The connection form and its check, with what they saved and found last.
#[component]
fn Connection() -> impl IntoView {
    let save = ServerAction::<SaveGithubConnection>::new();
    let connection = resource(|| (), |_| github_connection());
    view! {
        <Loaded keep=true>
            {move || Suspend::new(async move {
                connection.await.map(|c| view! { <ConnectionSection connection=c save /> })
            })}
        </Loaded>
    }
}

#[component]
fn ConnectionSection(
    connection: ConnectionView,
    save: ServerAction<SaveGithubConnection>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let check = ServerAction::<CheckGithubConnection>::new();
    let check_error = Signal::derive(move || check.value().get().and_then(Result::err));
    let last = connection.last_check.clone();
    let report = move || {
        check
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| last.clone())
    };
    let stored = |set: bool| {
        if set {
            "Stored. Leave blank to keep it."
        } else {
            ""
        }
    };
    let token_hint = stored(connection.has_token);
    let key_hint = stored(connection.has_private_key);
    let secret_hint = if connection.has_webhook_secret {
        "Stored. Leave blank to keep it."
    } else {
        "At least 16 characters; the same secret goes in the repository's webhook settings."
    };
    let is_app = connection.mode == ConnectionMode::App;
    view! {
        <section aria-labelledby="section-connection" class="panel">
            <h2 id="section-connection">"Connection"</h2>
            <p data-testid="connection-state">
                {if connection.connected { "Connected." } else { "Not connected." }}
            </p>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="form-mode">"Sign in as"</label>
                    <select id="form-mode" name="form[mode]">
                        <option value="token" selected=!is_app>"A token (personal or fine-grained)"</option>
                        <option value="app" selected=is_app>"A GitHub App installation"</option>
                    </select>
                </div>
                <Field form="form" field="token" label="Token" value="" kind=FieldKind::CurrentPassword
                    hint=if token_hint.is_empty() { "Needs read and write access to issues of the services' repositories." } else { token_hint }
                    error=field_message(error, "token") />
                <Field form="form" field="app_id" label="App id" value=connection.app_id.map(|i| i.to_string()).unwrap_or_default()
                    error=field_message(error, "app_id") />
                <Field form="form" field="installation_id" label="Installation id"
                    value=connection.installation_id.map(|i| i.to_string()).unwrap_or_default()
                    error=field_message(error, "installation_id") />
                <Field form="form" field="private_key" label="App private key (PEM)" value="" kind=FieldKind::Multiline
                    hint=if key_hint.is_empty() { "Only for a GitHub App." } else { key_hint }
                    error=field_message(error, "private_key") />
                <Field form="form" field="api_url" label="API address (GitHub Enterprise)" value=connection.api_url.clone().unwrap_or_default()
                    kind=FieldKind::Url placeholder="https://github.example.com/api/v3"
                    hint="Leave blank for github.com."
                    error=field_message(error, "api_url") />
                <Field form="form" field="webhook_secret" label="Webhook secret" value="" kind=FieldKind::CurrentPassword
                    hint=secret_hint error=field_message(error, "webhook_secret") />
                <Field form="form" field="write_pace_ms" label="Pause between writes (ms)" value=connection.write_pace_ms.to_string()
                    kind=FieldKind::Decimal hint="GitHub asks for one second between issue writes."
                    error=field_message(error, "write_pace_ms") />
                <div class="form-actions">
                    <button type="submit" class="button primary">"Save connection"</button>
                </div>
            </ActionForm>
            <p>
                "Webhook: in each repository (or the organisation), add a webhook to "
                <code data-testid="webhook-url">{connection.webhook_url.clone()}</code>
                " with content type application/json, the secret above, and the “Issues” event."
            </p>
            <Show when=move || connection.connected>
                <ActionForm action=check attr:class="inline">
                    <button type="submit" class="button" disabled=move || check.pending().get()>
                        {move || if check.pending().get() { "Checking…" } else { "Test connection" }}
                    </button>
                </ActionForm>
                " "
                <form method="post" action="/api/github/connection/delete" class="inline">
                    <button type="submit" class="button danger" data-testid="disconnect-github"
                        title="Forget the credentials and the webhook secret: nothing more is sent to GitHub. Issues already filed stay linked.">
                        "Disconnect GitHub"
                    </button>
                </form>
            </Show>
            <ErrorNotice error=check_error />
            {move || report().map(|r| view! { <CheckReport report=r /> })}
        </section>
    }
}

#[component]
fn CheckReport(report: ConnectionReport) -> impl IntoView {
    view! {
        <div class="check-report" data-testid="check-report" role="status">
            <p>
                {match (&report.login, &report.error) {
                    (_, Some(error)) => format!("The connection does not work: {error}"),
                    (Some(login), None) => format!("Signed in to GitHub as {login}."),
                    _ => String::new(),
                }}
                <span class="muted small">" Checked " {report.checked_at.format("%Y-%m-%d %H:%M UTC").to_string()}</span>
            </p>
            {(!report.repositories.is_empty()).then({ let repositories = report.repositories.clone(); move || view! {
                <DataTable headings=&["Service", "Repository", "Access"]>
                    {repositories.iter().map(|r| view! {
                        <tr>
                            <td>{r.service.clone()}</td>
                            <td class="mono">{r.repository.clone()}</td>
                            <td><span class=if r.ok { "badge badge-ok" } else { "badge badge-error" }>{if r.ok { "OK" } else { "Problem" }}</span> " " {r.outcome.clone()}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            }})}
            {(report.error.is_none() && report.repositories.is_empty()).then(|| view! {
                <p class="muted">"No service names a repository yet: add one in the service catalog."</p>
            })}
        </div>
    }
}

#[component]
fn SyncSection() -> impl IntoView {
    let overview = resource(|| (), |_| github_overview());
    view! {
        <section aria-labelledby="section-sync" class="panel">
            <h2 id="section-sync">"Sync"</h2>
            <SyncNowButton />
            <Loaded keep=true>
                {move || Suspend::new(async move { overview.await.map(|o| view! { <Overview overview=o /> }) })}
            </Loaded>
        </section>
    }
}

#[component]
fn Overview(overview: SyncOverview) -> impl IntoView {
    let p = overview.progress;
    view! {
        <p data-testid="sync-counts">
            {format!("{} synced · {} waiting · {} failed · {} stopped", p.synced, p.pending, p.failed, p.parked)}
        </p>
        <h3>"Items that failed"</h3>
        {if overview.troubled.is_empty() {
            view! { <p class="muted">"None."</p> }.into_any()
        } else {
            view! {
                <DataTable headings=&["Action item", "Postmortem", "State", "Attempts", "Why", ""]>
                    {overview.troubled.into_iter().map(|t| {
                        let badge = crate::api::github::SyncBadge { state: t.state, issue: None, error: None, verification: None, at: chrono::DateTime::default() };
                        view! {
                            <tr data-testid="troubled-item">
                                <td>{t.item.name.clone()}</td>
                                <td><a href=format!("/postmortems/{}", t.postmortem.id)>{t.postmortem.name.clone()}</a></td>
                                <td>{t.state.label()} {t.next_try.filter(|_| t.state == SyncState::Failed).map(|n| format!(" (next try {})", n.format("%H:%M:%S")))}</td>
                                <td>{t.attempts}</td>
                                <td class="small">{t.error.clone()}</td>
                                <td><crate::components::SyncBadgeView item=t.item.id badge=Some(badge) can_retry=true /></td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
        <h3>"History"</h3>
        <ul class="activity" data-testid="sync-activity">
            {overview.activity.into_iter().map(|a| view! {
                <li class:error=a.error>
                    <span class="muted small">{a.at.format("%Y-%m-%d %H:%M:%S").to_string()}</span> " "
                    {a.repository.map(|r| view! { <span class="mono small">{r}</span> })} " "
                    {a.message}
                </li>
            }).collect_view()}
        </ul>
        {(!overview.kept_deliveries.is_empty()).then(|| view! {
            <h3>"Webhook deliveries kept for a person"</h3>
            <DataTable headings=&["Received", "Event", "Why", "Payload"]>
                {overview.kept_deliveries.into_iter().map(|d| view! {
                    <tr>
                        <td>{d.received_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                        <td>{d.event} {d.action.map(|a| format!(".{a}"))}</td>
                        <td>{d.detail}</td>
                        <td><pre class="payload">{d.payload_excerpt}</pre></td>
                    </tr>
                }).collect_view()}
            </DataTable>
        })}
    }
}

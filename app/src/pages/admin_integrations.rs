//! Administration of monitoring integrations: the webhooks Alertmanager, Grafana and PagerDuty post
//! alerts to, their tokens (shown once, with ready-to-paste configuration) and flagged deliveries.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::ApiError;
use crate::api::integrations::{
    CreateIntegration, CreatedIntegration, IntegrationView, RotateIntegrationToken,
    SetIntegrationDisabled, SetIntegrationSecret, list_integrations, take_shown_once_token,
};
use crate::api::services::list_services;
use crate::components::{DataTable, ErrorNotice, Field, Guarded, field_message, form_notice};
use shared::domain::Permission;
use shared::domain::alerts::AlertSource;
use shared::domain::integration::{
    DEFAULT_SERVICE_LABEL, DEFAULT_SEVERITY_LABEL, DEFAULT_SIGNATURE_HEADER,
};

fn when(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

/// The integrations page.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let create = ServerAction::<CreateIntegration>::new();
    let set_disabled = ServerAction::<SetIntegrationDisabled>::new();
    let rotate = ServerAction::<RotateIntegrationToken>::new();
    let set_secret = ServerAction::<SetIntegrationSecret>::new();
    let integrations = resource(|| (), |_| list_integrations());
    // A token just made (creating or replacing one) comes back with the page its form leads to, once.
    let kept = resource(|| (), |_| take_shown_once_token());
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let change_error = Signal::derive(move || {
        set_disabled
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| rotate.value().get().and_then(Result::err))
            .or_else(|| set_secret.value().get().and_then(Result::err))
    });

    // Guarded inside the page, not on its route: the token shown once must be taken from the
    // session before the answer starts (a resource created later would take it too late).
    view! {
        <Guarded permission=Permission::ManageIntegrations>
        <PageTitle text="Integrations · Postmortem" />
        <h1>"Integrations"</h1>
        <p class="muted">
            "Monitoring systems post their alerts here, and each alert opens or updates an incident. "
            "An alert finds its service by the service label (or goes to the integration's fixed service), "
            "its severity by the severity label (critical → SEV1, high or error → SEV2, warning → SEV3, info → SEV4), "
            "and its runbook from the alert's " <code>"runbook_url"</code>
            " annotation, else the service's runbook."
        </p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                kept.await.ok().flatten().map(|created| view! { <ShownOnce created /> })
            })}
        </Transition>
        <ErrorNotice error=change_error />
        <Loaded keep=true>
            {move || Suspend::new(async move {
                integrations
                    .await
                    .map(|list| {
                        view! {
                            <IntegrationTable integrations=list.clone() set_disabled rotate set_secret />
                            <FlaggedDeliveries integrations=list />
                        }
                    })
            })}
        </Loaded>
        <NewIntegration create error=create_error />
        </Guarded>
    }
}

#[component]
fn IntegrationTable(
    integrations: Vec<IntegrationView>,
    set_disabled: ServerAction<SetIntegrationDisabled>,
    rotate: ServerAction<RotateIntegrationToken>,
    set_secret: ServerAction<SetIntegrationSecret>,
) -> impl IntoView {
    if integrations.is_empty() {
        return view! {
            <p class="muted">"No integrations yet. Add one below to receive alerts."</p>
        }
        .into_any();
    }
    view! {
        <DataTable headings=&[
            "Name",
            "Source",
            "Webhook URL",
            "Mapping",
            "Last delivery",
            "Status",
            "Actions",
        ]>
            {integrations
                .into_iter()
                .map(|integration| {
                    let name = integration.name.clone();
                    let (disable_name, rotate_name, secret_name) = (name.clone(), name.clone(), name.clone());
                    view! {
                        <tr
                            class:archived=integration.disabled
                            data-testid="integration-row"
                            data-name=name.clone()
                        >
                            <th scope="row">{name.clone()}</th>
                            <td>{integration.source.label()}</td>
                            <td>
                                <code data-testid="webhook-url">{integration.webhook_url.clone()}</code>
                                <p class="muted small">
                                    "Token " <span class="mono">{integration.token_prefix.clone()} "…"</span>
                                    {integration.signs.then_some(" · signed deliveries only")}
                                </p>
                            </td>
                            <td>
                                <Mapping integration=integration.clone() />
                            </td>
                            <td>
                                {match integration.last_delivery_at {
                                    Some(at) => {
                                        view! {
                                            {when(at)}
                                            <br />
                                            <span class="muted small">
                                                {integration.last_outcome.clone().unwrap_or_default()}
                                            </span>
                                        }
                                            .into_any()
                                    }
                                    None => view! { <span class="muted">"never"</span> }.into_any(),
                                }}
                            </td>
                            <td>
                                {if integration.disabled {
                                    view! { <span class="badge badge-muted">"Disabled"</span> }.into_any()
                                } else {
                                    view! { <span class="badge">"Active"</span> }.into_any()
                                }}
                                {(!integration.flagged.is_empty())
                                    .then(|| {
                                        view! {
                                            " "
                                            <a class="badge" href=format!("#flagged-{}", integration.id)>
                                                {integration.flagged.len()} " flagged"
                                            </a>
                                        }
                                    })}
                            </td>
                            <td>
                                <ActionForm action=set_disabled attr:class="inline-form">
                                    <input type="hidden" name="id" value=integration.id />
                                    <input
                                        type="hidden"
                                        name="disabled"
                                        value=(!integration.disabled).to_string()
                                    />
                                    <button type="submit" class="button">
                                        {if integration.disabled { "Enable" } else { "Disable" }}
                                        <span class="visually-hidden">" " {disable_name}</span>
                                    </button>
                                </ActionForm>
                                <ActionForm action=rotate attr:class="inline-form">
                                    <input type="hidden" name="id" value=integration.id />
                                    <button
                                        type="submit"
                                        class="button"
                                        title="Makes a new token; the current one stops working at once."
                                    >
                                        "New token"
                                        <span class="visually-hidden">" for " {rotate_name}</span>
                                    </button>
                                </ActionForm>
                                {(integration.source != AlertSource::Alertmanager).then(|| {
                                    let field = format!("secret-{}", integration.id);
                                    view! {
                                        <ActionForm action=set_secret attr:class="inline-form">
                                            <input type="hidden" name="id" value=integration.id />
                                            <label class="visually-hidden" for=field.clone()>
                                                "Signing secret for " {secret_name.clone()}
                                            </label>
                                            <input
                                                id=field
                                                type="password"
                                                name="signing_secret"
                                                autocomplete="off"
                                                placeholder="Signing secret (empty clears it)"
                                            />
                                            <button type="submit" class="button">"Set secret"</button>
                                        </ActionForm>
                                    }
                                })}
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
        .into_any()
}

/// How an integration's alerts find their service and severity. PagerDuty sends no labels of
/// ours: its incident's service and priority (or urgency) say it.
#[component]
fn Mapping(integration: IntegrationView) -> impl IntoView {
    let pagerduty = integration.source == AlertSource::PagerDuty;
    view! {
        <ul class="plain small" data-testid="integration-mapping">
            <li>
                {match (integration.service, pagerduty) {
                    (Some(slug), _) => {
                        view! {
                            "Service: always "
                            <a href=format!("/services/{slug}")>{slug.clone()}</a>
                        }
                            .into_any()
                    }
                    (None, true) => {
                        view! { "Service: the PagerDuty service's name, matched to a service's slug or name" }
                            .into_any()
                    }
                    (None, false) => {
                        view! {
                            "Service from label " <code>{integration.service_label}</code>
                        }
                            .into_any()
                    }
                }}
            </li>
            {if pagerduty {
                view! { <li>"Severity from PagerDuty's priority (P1 → SEV1 …), else its urgency"</li> }.into_any()
            } else {
                view! { <li>"Severity from label " <code>{integration.severity_label}</code></li> }.into_any()
            }}
            <li>
                {if integration.resolve_with_alert {
                    "Resolves the incident when its alerts resolve"
                } else {
                    "Notes resolved alerts on the timeline"
                }}
            </li>
        </ul>
    }
}

/// The token just made, with what to paste into the monitoring system. Shown once.
#[component]
fn ShownOnce(created: CreatedIntegration) -> impl IntoView {
    let CreatedIntegration { integration, token } = created;
    let url = integration.webhook_url.clone();
    let instructions = match integration.source {
        AlertSource::Alertmanager => {
            let yaml = alertmanager_yaml(&url, &token);
            view! {
                <p>
                    "In " <code>"alertmanager.yml"</code>
                    ", add this receiver and route the alerts you want to it:"
                </p>
                <pre data-testid="integration-config">{yaml}</pre>
                <p class="muted small">
                    "Alertmanager may send the token as the password of basic auth instead."
                </p>
            }
            .into_any()
        }
        AlertSource::Grafana => {
            let header = integration
                .signature_header
                .clone()
                .unwrap_or_else(|| DEFAULT_SIGNATURE_HEADER.to_owned());
            view! {
                <p>
                    "In Grafana, open Alerting → Contact points → Add contact point, "
                    "and choose the Webhook integration:"
                </p>
                <dl class="config" data-testid="integration-config">
                    <dt>"URL"</dt>
                    <dd><code>{url.clone()}</code></dd>
                    <dt>"HTTP method"</dt>
                    <dd><code>"POST"</code></dd>
                    <dt>"Authorization header – scheme"</dt>
                    <dd><code>"Bearer"</code></dd>
                    <dt>"Authorization header – credentials"</dt>
                    <dd><code>{token.clone()}</code></dd>
                    {integration
                        .signs
                        .then(|| {
                            view! {
                                <dt>"HMAC signature – secret"</dt>
                                <dd>"The signing secret you entered here"</dd>
                                <dt>"HMAC signature – header"</dt>
                                <dd><code>{header}</code></dd>
                            }
                        })}
                </dl>
            }
            .into_any()
        }
        AlertSource::PagerDuty => view! {
            <p>
                "In PagerDuty, open Integrations → Generic Webhooks (v3) → New Webhook:"
            </p>
            <dl class="config" data-testid="integration-config">
                <dt>"Webhook URL"</dt>
                <dd><code>{url.clone()}</code></dd>
                <dt>"Custom header"</dt>
                <dd>
                    <code>"Authorization"</code> " = " <code>"Bearer " {token.clone()}</code>
                </dd>
                <dt>"Signing secret"</dt>
                <dd>
                    "PagerDuty signs every delivery (" <code>"X-PagerDuty-Signature"</code>
                    ") with the subscription's secret: it must be the one entered here."
                </dd>
            </dl>
        }
        .into_any(),
    };
    view! {
        <section class="alert" role="status" aria-labelledby="shown-once-heading">
            <h2 id="shown-once-heading">"Token for “" {integration.name.clone()} "”"</h2>
            <p>"Copy it now: it will not be shown again."</p>
            <p>
                <code class="secret" data-testid="integration-token">{token.clone()}</code>
            </p>
            {instructions}
        </section>
    }
}

/// Alertmanager's receiver configuration for this webhook.
pub fn alertmanager_yaml(url: &str, token: &str) -> String {
    format!(
        "receivers:\n  - name: postmortem\n    webhook_configs:\n      - url: \"{url}\"\n        send_resolved: true\n        http_config:\n          authorization:\n            type: Bearer\n            credentials: \"{token}\"\n"
    )
}

/// Deliveries that were valid but not understood, per integration, for a person to look at.
#[component]
fn FlaggedDeliveries(integrations: Vec<IntegrationView>) -> impl IntoView {
    let flagged: Vec<IntegrationView> = integrations
        .into_iter()
        .filter(|i| !i.flagged.is_empty())
        .collect();
    view! {
        <section aria-labelledby="flagged-heading" class="panel">
            <h2 id="flagged-heading">"Flagged deliveries"</h2>
            <p class="muted">
                "Deliveries that were genuine and valid but had something we did not understand. "
                "The alerts we could read were still handled; look at these to see what was missed."
            </p>
            {if flagged.is_empty() {
                view! { <p class="muted">"Nothing flagged."</p> }.into_any()
            } else {
                flagged
                    .into_iter()
                    .map(|integration| {
                        view! {
                            <article id=format!("flagged-{}", integration.id) data-testid="flagged-deliveries">
                                <h3>{integration.name}</h3>
                                <ul class="plain">
                                    {integration
                                        .flagged
                                        .into_iter()
                                        .map(|delivery| {
                                            view! {
                                                <li>
                                                    <p>
                                                        <span class="muted">{when(delivery.received_at)}</span>
                                                        " · "
                                                        {delivery.detail}
                                                    </p>
                                                    <pre>{delivery.payload_excerpt}</pre>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </article>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}

/// The form adding an integration.
#[component]
fn NewIntegration(
    create: ServerAction<CreateIntegration>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let services = resource(|| (), |_| list_services(false));
    let source_error = field_message(error, "source");
    let service_error = field_message(error, "service");
    view! {
        <section aria-labelledby="new-integration" class="panel">
            <h2 id="new-integration">"Add an integration"</h2>
            <p class="muted">
                "Each integration gets its own webhook address and token; the token is shown once."
            </p>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <div class="form-grid">
                    <Field
                        form="integration"
                        field="name"
                        label="Name"
                        value=""
                        placeholder="Production Alertmanager"
                        required=true
                        error=field_message(error, "name")
                    />
                    <div class="field" class:has-error=move || source_error.get().is_some()>
                        <label for="integration-source">"Source"</label>
                        <select
                            id="integration-source"
                            name="integration[source]"
                            aria-invalid=move || source_error.get().is_some().then_some("true")
                        >
                            {AlertSource::ALL
                                .into_iter()
                                .map(|source| {
                                    view! {
                                        <option
                                            value=source.as_str()
                                            selected=source == AlertSource::Alertmanager
                                        >
                                            {source.label()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <ErrorLine field="source" message=source_error />
                    </div>
                    <div class="field" class:has-error=move || service_error.get().is_some()>
                        <label for="integration-service">"Service"</label>
                        <Transition fallback=|| {
                            view! {
                                <select id="integration-service" name="integration[service]">
                                    <option value="">"From the service label"</option>
                                </select>
                            }
                        }>
                            {move || Suspend::new(async move {
                                let services = services.await.unwrap_or_default();
                                view! {
                                    <select
                                        id="integration-service"
                                        name="integration[service]"
                                        aria-describedby="integration-service-hint"
                                        aria-invalid=move || {
                                            service_error.get().is_some().then_some("true")
                                        }
                                    >
                                        <option value="">"From the service label"</option>
                                        {services
                                            .into_iter()
                                            .map(|s| {
                                                let label = format!("{} ({})", s.name, s.slug);
                                                view! { <option value=s.slug>{label}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                }
                            })}
                        </Transition>
                        <p class="hint" id="integration-service-hint">
                            "Pick one to send every alert to it, whatever its labels say."
                        </p>
                        <ErrorLine field="service" message=service_error />
                    </div>
                    <div></div>
                    <Field
                        form="integration"
                        field="service_label"
                        label="Service label"
                        value=DEFAULT_SERVICE_LABEL
                        hint="The alert label naming the service's slug or name."
                        error=field_message(error, "service_label")
                    />
                    <Field
                        form="integration"
                        field="severity_label"
                        label="Severity label"
                        value=DEFAULT_SEVERITY_LABEL
                        hint="critical → SEV1, high/error → SEV2, warning → SEV3, info → SEV4."
                        error=field_message(error, "severity_label")
                    />
                    <Field
                        form="integration"
                        field="signing_secret"
                        label="Signing secret"
                        value=""
                        hint="Optional, at least 16 characters. PagerDuty: the webhook subscription's signing secret. Grafana: an HMAC secret of your choice. When set, unsigned deliveries are refused."
                        error=field_message(error, "signing_secret")
                    />
                    <Field
                        form="integration"
                        field="signature_header"
                        label="Signature header (Grafana)"
                        value=""
                        placeholder=DEFAULT_SIGNATURE_HEADER
                        hint="Only with a Grafana signing secret; empty means X-Grafana-Alerting-Signature."
                        error=field_message(error, "signature_header")
                    />
                </div>
                <div class="field checkbox">
                    <label>
                        <input
                            type="checkbox"
                            name="integration[resolve_with_alert]"
                            value="on"
                            checked=true
                        />
                        " Resolve the incident when all its alerts resolve"
                    </label>
                    <p class="hint">"Otherwise a resolved alert is only noted on the incident's timeline."</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary">
                        "Add integration"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

/// A validation message under a field that is not a [`Field`] (a select).
#[component]
fn ErrorLine(field: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|message| {
            view! {
                <p class="field-error" data-field=field>
                    {message}
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alertmanager_snippet_has_the_url_token_and_resolved_alerts() {
        let yaml = alertmanager_yaml("https://pm.example.com/hooks/alertmanager/3", "pmw_abc");
        assert!(yaml.contains("webhook_configs:"));
        assert!(yaml.contains("url: \"https://pm.example.com/hooks/alertmanager/3\""));
        assert!(yaml.contains("send_resolved: true"));
        assert!(yaml.contains("type: Bearer"));
        assert!(yaml.contains("credentials: \"pmw_abc\""));
    }
}

//! Guardrails (`/guardrails`): the rules postmortems and problems asked for, each linked to where
//! it was learned, enforced by the change gate until retired; and freeze windows. *Add a
//! guardrail* (`/guardrails/new?source=factor&id=N`) starts from a contributing factor, a problem
//! or a pipeline test.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::policies::{
    AddFreeze, AddGuardrail, EndFreeze, GuardrailStartView, GuardrailsPage as Page,
    RetireGuardrail, guardrail_start, list_guardrails,
};
use crate::components::{
    Can, DataTable, ErrorNotice, Field, FieldKind, Loaded, PageTitle, field_message, form_notice,
    resource,
};
use shared::domain::Permission;
use shared::domain::guardrail::GuardrailTemplate;
use shared::wire::policies::{FreezeRow, GuardrailRow};

/// The guardrails page.
#[component]
pub fn GuardrailsPage() -> impl IntoView {
    let page = resource(|| (), |_| list_guardrails());
    view! {
        <PageTitle text="Guardrails · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/changes">"Changes"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Guardrails"</h1>
                <p class="lede">"What postmortems and problems learned, enforced where changes happen. Add one from a contributing factor, a problem or a pipeline test; the change policy reads every active guardrail of a change's service."</p>
            </div>
            <div class="actions">
                <a class="button" href="/policy">"Change policy"</a>
            </div>
        </div>
        <Loaded>
            {move || Suspend::new(async move { page.await.map(|page| view! { <Overview page /> }) })}
        </Loaded>
    }
}

#[component]
fn Overview(page: Page) -> impl IntoView {
    let retire = ServerAction::<RetireGuardrail>::new();
    let retire_error = Signal::derive(move || retire.value().get().and_then(Result::err));
    view! {
        <section class="panel">
            <h2>"Active"</h2>
            <ErrorNotice error=form_notice(retire_error) />
            {if page.active.is_empty() {
                view! { <p class="muted" data-testid="no-guardrails">"No guardrail is active. Add one from a postmortem's contributing factor, a problem or a pipeline test."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {page.active.into_iter().map(|g| view! { <Guardrail g retire /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <Freezes freezes=page.freezes services=page.services />
        {(!page.retired.is_empty()).then(|| view! {
            <section class="panel">
                <h2>"Retired"</h2>
                <DataTable headings=&["Guardrail", "Learned from", "Retired", "Why"]>
                    {page.retired.into_iter().map(|g| view! {
                        <tr data-testid="retired-guardrail">
                            <th scope="row">{format!("#{} {}", g.id, g.title)}</th>
                            <td><Origin origin=g.origin /></td>
                            <td class="small">{g.retired_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string())}</td>
                            <td>{g.retired_reason}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            </section>
        })}
    }
}

#[component]
fn Origin(origin: Vec<(String, String)>) -> impl IntoView {
    origin
        .into_iter()
        .map(|(label, href)| view! { <a href=href>{label}</a>" " })
        .collect_view()
}

#[component]
fn Guardrail(g: GuardrailRow, retire: ServerAction<RetireGuardrail>) -> impl IntoView {
    let anchor = format!("guardrail-{}", g.id);
    view! {
        <li class="panel" id=anchor data-testid="guardrail">
            <h3>{format!("#{} {}", g.id, g.title)}</h3>
            <p class="small">
                <span class="badge badge-muted">{g.template.label()}</span>" "
                "Learned from "<Origin origin=g.origin />
                " · added by "{g.created_by}" on "{g.created_at.format("%Y-%m-%d").to_string()}
                {g.until_verified.then_some(" · retires itself when its pipeline test is verified")}
            </p>
            <Can permission=Permission::ManageGuardrails>
                <ActionForm action=retire attr:class="form inline">
                    <input type="hidden" name="id" value=g.id />
                    <label for=format!("retire-{}", g.id)>"Why it is no longer needed"</label>
                    <input id=format!("retire-{}", g.id) name="reason" required />
                    <button type="submit" class="button">"Retire"</button>
                </ActionForm>
            </Can>
        </li>
    }
}

#[component]
fn Freezes(freezes: Vec<FreezeRow>, services: Vec<(String, String)>) -> impl IntoView {
    let services = StoredValue::new(services);
    let add = ServerAction::<AddFreeze>::new();
    let end = ServerAction::<EndFreeze>::new();
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let end_error = Signal::derive(move || end.value().get().and_then(Result::err));
    view! {
        <section class="panel">
            <h2>"Freeze windows"</h2>
            <p class="muted">"While a window is active, the default policy denies changes to its services (emergency changes go ahead and are reviewed). Times are UTC."</p>
            <ErrorNotice error=end_error />
            {if freezes.is_empty() {
                view! { <p class="muted" data-testid="no-freezes">"No freeze window is active or planned."</p> }.into_any()
            } else {
                view! {
                    <DataTable headings=&["Reason", "Services", "From", "Until", ""]>
                        {freezes.into_iter().map(|f| view! {
                            <tr data-testid="freeze">
                                <th scope="row">{f.reason}" "{f.active.then(|| view! { <span class="badge badge-warn">"Active"</span> })}</th>
                                <td>{f.service.unwrap_or_else(|| "Every service".into())}</td>
                                <td class="small">{f.starts_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                <td class="small">{f.ends_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                <td>
                                    <Can permission=Permission::ManageGuardrails>
                                        <ActionForm action=end attr:class="form inline">
                                            <input type="hidden" name="id" value=f.id />
                                            <button type="submit" class="button">{if f.active { "End now" } else { "Call off" }}</button>
                                        </ActionForm>
                                    </Can>
                                </td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <Can permission=Permission::ManageGuardrails>
                <details class="panel">
                    <summary>"Add a freeze window"</summary>
                    <ErrorNotice error=form_notice(error) />
                    <ActionForm action=add attr:class="form" attr:data-testid="freeze-form">
                        <div class="form-grid">
                            <Field form="freeze" field="reason" label="Reason" value="" placeholder="Year-end trading peak" error=field_message(error, "reason") />
                            <div class="field">
                                <label for="freeze-service">"Service"</label>
                                <select id="freeze-service" name="freeze[service]">
                                    <option value="">"Every service"</option>
                                    {services.get_value().into_iter().map(|(slug, name)| view! { <option value=slug>{name}</option> }).collect_view()}
                                </select>
                            </div>
                            <Field form="freeze" field="starts_at" label="From (UTC)" value="" kind=FieldKind::DateTime error=field_message(error, "starts_at") />
                            <Field form="freeze" field="ends_at" label="Until (UTC)" value="" kind=FieldKind::DateTime error=field_message(error, "ends_at") />
                        </div>
                        <div class="form-actions">
                            <button type="submit" class="button primary">"Add freeze window"</button>
                        </div>
                    </ActionForm>
                </details>
            </Can>
        </section>
    }
}

/// *Add a guardrail*, from the source named in the address.
#[component]
pub fn NewGuardrailPage() -> impl IntoView {
    let query = use_query_map();
    let (source, id) = query.with_untracked(|q| {
        (
            q.get("source").unwrap_or_default(),
            q.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or_default(),
        )
    });
    let start = resource(
        move || (source.clone(), id),
        |(source, id)| guardrail_start(source, id),
    );
    view! {
        <PageTitle text="Add a guardrail · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/guardrails">"Guardrails"</a>
        </nav>
        <h1>"Add a guardrail"</h1>
        <Loaded>
            {move || Suspend::new(async move { start.await.map(|start| view! { <GuardrailForm start /> }) })}
        </Loaded>
    }
}

#[component]
fn GuardrailForm(start: GuardrailStartView) -> impl IntoView {
    let add = ServerAction::<AddGuardrail>::new();
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let message = move |field: &'static str| field_message(error, field);
    let likely = start
        .services
        .first()
        .map(|(slug, _)| slug.clone())
        .unwrap_or_default();
    view! {
        <p class="lede">"Learned from "<a href=start.href.clone() data-testid="guardrail-source">{start.label.clone()}</a></p>
        <ErrorNotice error=form_notice(error) />
        <ActionForm action=add attr:class="form" attr:data-testid="guardrail-form">
            <input type="hidden" name="guardrail[source]" value=start.source.as_str() />
            <input type="hidden" name="guardrail[source_id]" value=start.source_id />
            <div class="form-grid">
                <div class="field">
                    <label for="guardrail-service">"Service it guards"</label>
                    <select id="guardrail-service" name="guardrail[service]">
                        {start.all_services.iter().map(|(slug, name)| view! {
                            <option value=slug.clone() selected=*slug == likely>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    {move || message("service").get().map(|m| view! { <p class="field-error" data-field="service">{m}</p> })}
                </div>
                <div class="field">
                    <label for="guardrail-template">"What it asks for"</label>
                    <select id="guardrail-template" name="guardrail[template]">
                        {GuardrailTemplate::ALL.iter().map(|t| view! {
                            <option value=t.as_str() selected=*t == start.template>{t.label()}</option>
                        }).collect_view()}
                    </select>
                    {move || message("template").get().map(|m| view! { <p class="field-error" data-field="template">{m}</p> })}
                </div>
                <Field form="guardrail" field="parameter" label="Parameter" value=start.parameter.clone() placeholder="migrations/ · contract-tests · SEV2" hint="A path (folder or file) for paths that need review, a check's name for a check that must pass, a severity for no deploys during an incident." error=message("parameter") />
            </div>
            {start.can_wait.then(|| view! {
                <label class="check">
                    <input type="checkbox" name="guardrail[until_verified]" checked=true />
                    " Retire it when this pipeline test is verified"
                </label>
            })}
            <div class="form-actions">
                <button type="submit" class="button primary">"Add guardrail"</button>
                <a class="button" href=start.href>"Cancel"</a>
            </div>
        </ActionForm>
        <section class="panel small">
            <h2>"Templates"</h2>
            <ul>
                {GuardrailTemplate::ALL.iter().map(|t| view! { <li><strong>{t.label()}</strong>": "{t.parameter_label()}</li> }).collect_view()}
            </ul>
        </section>
    }
}

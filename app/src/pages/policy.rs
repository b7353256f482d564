//! The change policy (`/policy`): the version that decides changes now with its rules, every
//! version, and for administrators the editor; one version (`/policy/:id`) with its own tests,
//! activation, and a backtest against the last 90 days of changes (`?backtest=90`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::changes_list::DecisionBadge;
use crate::api::policies::{
    ActivatePolicy, BacktestReport, PolicyPageView, PolicyVersionView, SavePolicy, backtest_policy,
    policy_page, policy_version,
};
use crate::components::{
    Can, DataTable, ErrorNotice, Field, FieldKind, Loaded, PageTitle, field_message, form_notice,
    resource,
};
use shared::domain::Permission;
use shared::wire::policies::PolicyVersionRow;

/// The policy page.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let page = resource(|| (), |_| policy_page());
    view! {
        <PageTitle text="Change policy · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/changes">"Changes"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Change policy"</h1>
                <p class="lede">"Policy as code, in Rego: rules in package gate add findings to deny, review and allow. Any deny denies a change, else any review sends it to a person, else it is allowed; an emergency change goes ahead and is reviewed after the fact."</p>
            </div>
            <div class="actions">
                <a class="button" href="/guardrails">"Guardrails"</a>
            </div>
        </div>
        <Loaded>
            {move || Suspend::new(async move { page.await.map(|page| view! { <PolicyOverview page /> }) })}
        </Loaded>
    }
}

#[component]
fn PolicyOverview(page: PolicyPageView) -> impl IntoView {
    let active = match &page.active {
        Some(v) => format!(
            "Version {} decides changes, activated by {} on {}.",
            v.id,
            v.activated_by.clone().unwrap_or_default(),
            v.activated_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        ),
        None => {
            "The built-in default policy decides changes: no version has been activated yet.".into()
        }
    };
    let draft = StoredValue::new(page.source.clone());
    view! {
        <section class="panel" data-testid="policy-active">
            <h2>"In effect"</h2>
            <p>{active}</p>
            <Rules rules=page.rules.clone() />
            <details>
                <summary>"Source"</summary>
                <pre class="code" data-testid="policy-source">{page.source.clone()}</pre>
            </details>
        </section>
        <Can permission=Permission::ManagePolicies>
            <Editor heading="Write a new version" source=draft.get_value() />
        </Can>
        <section class="panel">
            <h2>"Versions"</h2>
            <Versions versions=page.versions />
        </section>
    }
}

/// The editor of a new version, starting from `source`.
#[component]
fn Editor(heading: &'static str, source: String) -> impl IntoView {
    let save = ServerAction::<SavePolicy>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="panel">
            <h2>{heading}</h2>
            <p class="muted">"Saving checks the Rego (a mistake is shown with its line and column) and runs the policy's own test_* rules. A version can be activated once every test passes; the version in effect stays until then."</p>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=save attr:class="form" attr:data-testid="policy-form">
                <Field field="source" label="Policy (Rego)" value=source kind=FieldKind::Multiline error=field_message(error, "source") />
                <Field field="note" label="What changes" value="" placeholder="Review changes to infra/ as well" error=field_message(error, "note") />
                <div class="form-actions">
                    <button type="submit" class="button primary">"Check and save"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Rules(rules: Vec<String>) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p class="muted">"Its findings name no rules."</p> }.into_any();
    }
    view! {
        <p>"Rules: "
            {rules.into_iter().map(|r| view! { <span class="badge badge-muted mono" data-testid="policy-rule">{r}</span>" " }).collect_view()}
        </p>
    }
    .into_any()
}

/// How a version stands: in effect, ready to activate, or failing its tests.
fn status(v: &PolicyVersionRow) -> (&'static str, &'static str) {
    if v.active {
        ("In effect", "badge badge-ok")
    } else if v.ready {
        ("Ready", "badge")
    } else {
        ("Tests failing", "badge badge-error")
    }
}

#[component]
fn Versions(versions: Vec<PolicyVersionRow>) -> impl IntoView {
    if versions.is_empty() {
        return view! { <p class="muted">"No version saved yet."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Version", "What changes", "Saved", "Tests", "Status"]>
            {versions.into_iter().map(|v| {
                let (label, class) = status(&v);
                let passed = v.tests.iter().filter(|(_, p)| *p).count();
                view! {
                    <tr data-testid="policy-version">
                        <th scope="row"><a href=format!("/policy/{}", v.id)>{format!("Version {}", v.id)}</a></th>
                        <td>{v.note.clone()}</td>
                        <td class="small">{v.created_by.clone()}" · "{v.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                        <td>{format!("{passed} of {}", v.tests.len())}</td>
                        <td><span class=class>{label}</span></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

/// One version: its tests, activation, backtest and source.
#[component]
pub fn PolicyVersionPage() -> impl IntoView {
    let id = super::route::record_id();
    let version = resource(id, policy_version);
    let query = use_query_map();
    let backtest = query.read_untracked().get("backtest").is_some();
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                version.await.map(|version| view! { <VersionDetail version backtest /> })
            })}
        </Loaded>
    }
}

#[component]
fn VersionDetail(version: PolicyVersionView, backtest: bool) -> impl IntoView {
    let id = version.version.id;
    let activate = ServerAction::<ActivatePolicy>::new();
    let activate_error = Signal::derive(move || activate.value().get().and_then(Result::err));
    let v = version.version.clone();
    let (label, class) = status(&v);
    let can_activate = v.ready && !v.active;
    let draft = StoredValue::new(version.source.clone());
    view! {
        <PageTitle text=format!("Policy version {} · Postmortem", v.id) />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/changes">"Changes"</a>
            <a href="/policy">"Change policy"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>{format!("Policy version {}", v.id)}" "<span class=class data-testid="policy-status">{label}</span></h1>
                <p class="lede">{v.note.clone()}</p>
                <p class="muted small">{format!("Saved by {} on {}", v.created_by, v.created_at.format("%Y-%m-%d %H:%M UTC"))}</p>
            </div>
            <div class="actions">
                <Can permission=Permission::ManagePolicies>
                    <a class="button" href=format!("/policy/{id}?backtest=90") data-testid="run-backtest">"Backtest on 90 days"</a>
                </Can>
            </div>
        </div>
        <Can permission=Permission::ManagePolicies>
            <ErrorNotice error=activate_error />
            {can_activate.then(|| view! {
                <ActionForm action=activate attr:class="form inline" attr:data-testid="activate-form">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button primary">"Activate this version"</button>
                </ActionForm>
            })}
        </Can>
        {backtest.then(|| view! { <Backtest id /> })}
        <section class="panel">
            <h2>"Its tests"</h2>
            {if v.tests.is_empty() {
                view! { <p class="muted">"This version has no test_* rules."</p> }.into_any()
            } else {
                view! {
                    <DataTable headings=&["Test", "Result"]>
                        {v.tests.iter().map(|(name, passed)| view! {
                            <tr data-testid="policy-test">
                                <th scope="row" class="mono">{name.clone()}</th>
                                <td>{if *passed { view! { <span class="badge badge-ok">"Passed"</span> } } else { view! { <span class="badge badge-error">"Failed"</span> } }}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
        <section class="panel">
            <h2>"Rules"</h2>
            <Rules rules=version.rules.clone() />
            <pre class="code" data-testid="policy-source">{version.source.clone()}</pre>
        </section>
        <Can permission=Permission::ManagePolicies>
            <Editor heading="Edit as a new version" source=draft.get_value() />
        </Can>
    }
}

/// The backtest's report, run when the page is opened with `?backtest`.
#[component]
fn Backtest(id: i64) -> impl IntoView {
    let report = resource(move || id, backtest_policy);
    view! {
        <section class="panel" data-testid="backtest">
            <h2>"Backtest: the last 90 days"</h2>
            <Loaded>
                {move || Suspend::new(async move { report.await.map(|report| view! { <BacktestView report /> }) })}
            </Loaded>
        </section>
    }
}

#[component]
fn BacktestView(report: BacktestReport) -> impl IntoView {
    let summary = format!(
        "Decided {} changes again in {} ms: {} the same, {} held that were allowed ({} of them caused incidents), {} allowed that were held ({} of them caused incidents), {} other differences.",
        report.evaluated,
        report.elapsed_ms,
        report.unchanged,
        report.would_hold,
        report.would_hold_that_failed,
        report.would_allow,
        report.would_allow_that_failed,
        report.other_changes,
    );
    let skipped = (report.without_input + report.errors > 0).then(|| {
        format!(
            "{} changes were decided before their input was kept and are left out; {} could not be decided by this version.",
            report.without_input, report.errors
        )
    });
    view! {
        <p data-testid="backtest-summary">{summary}</p>
        {skipped.map(|text| view! { <p class="muted">{text}</p> })}
        {(!report.differences.is_empty()).then(|| view! {
            <DataTable headings=&["Change", "Service", "Was", "Would be", "Because", "Incidents"]>
                {report.differences.into_iter().map(|d| view! {
                    <tr data-testid="backtest-difference">
                        <th scope="row"><a href=format!("/changes/{}", d.change_id)>{format!("#{} {}", d.change_id, d.title)}</a></th>
                        <td>{d.service}</td>
                        <td><DecisionBadge decision=d.was /></td>
                        <td><DecisionBadge decision=d.would_be /></td>
                        <td class="mono small">{d.rules.join(", ")}</td>
                        <td>{d.incidents}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        })}
    }
}

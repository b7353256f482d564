//! The audit trail: every change, who made it and when, filterable; and one record's history.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::domain::audit::AuditAction;

use crate::api::audit::{AUDIT_PAGE_SIZE, AuditEntry, list_audit, record_history};
use crate::components::{DataTable, Loaded, PageTitle, resource};

/// The audit page, filtered by the query string (`type`, `action`, `actor`, `before`).
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let entries = resource(
        move || {
            (
                param("type"),
                param("action"),
                param("actor"),
                param("before").parse::<i64>().ok(),
            )
        },
        |(entity_type, action, actor, before)| list_audit(entity_type, action, actor, before),
    );
    let initial = query.read_untracked();
    let (entity_type, action, actor) = (
        initial.get("type").unwrap_or_default(),
        initial.get("action").unwrap_or_default(),
        initial.get("actor").unwrap_or_default(),
    );
    view! {
        <PageTitle text="Audit trail · Postmortem" />
        <h1>"Audit trail"</h1>
        <form method="get" action="/admin/audit" class="toolbar" role="search">
            <label for="audit-type">"Record"</label>
            <select id="audit-type" name="type">
                {[("", "Any"), ("service", "Services"), ("change", "Changes"), ("change_policy", "Change policy"), ("guardrail", "Guardrails"), ("freeze_window", "Freeze windows"), ("user", "Users"), ("api_token", "API tokens")]
                    .into_iter()
                    .map(|(value, label)| {
                        view! { <option value=value selected=entity_type == value>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <label for="audit-action">"Action"</label>
            <input
                id="audit-action"
                name="action"
                value=action
                placeholder="service.updated"
                list="audit-actions"
            />
            <datalist id="audit-actions">
                {AuditAction::ALL
                    .iter()
                    .map(|action| view! { <option value=action.as_str()>{action.label()}</option> })
                    .collect_view()}
            </datalist>
            <label for="audit-actor">"By"</label>
            <input id="audit-actor" name="actor" value=actor placeholder="email" />
            <button type="submit" class="button">
                "Filter"
            </button>
        </form>
        <Loaded>
            {move || Suspend::new(async move {
                entries
                    .await
                    .map(|list| {
                        let older = (list.len() as u64 == AUDIT_PAGE_SIZE)
                            .then(|| list.last().map(|e| e.id))
                            .flatten()
                            .map(|id| {
                                let q = query.read_untracked();
                                format!(
                                    "/admin/audit?type={}&action={}&actor={}&before={id}",
                                    q.get("type").unwrap_or_default(),
                                    q.get("action").unwrap_or_default(),
                                    q.get("actor").unwrap_or_default(),
                                )
                            });
                        view! {
                            <AuditTable entries=list />
                            {older.map(|href| view! { <p><a href=href>"Older changes"</a></p> })}
                        }
                    })
            })}
        </Loaded>
    }
}

/// One record's history, newest first (shown on the record's own page).
#[component]
pub fn History(entity_type: &'static str, entity_id: String) -> impl IntoView {
    let entries = resource(
        move || entity_id.clone(),
        move |id| record_history(entity_type.to_owned(), id),
    );
    view! {
        <section aria-labelledby="history" class="panel">
            <h2 id="history">"History"</h2>
            <Loaded keep=true>
                {move || Suspend::new(async move {
                    entries.await.map(|list| view! { <AuditTable entries=list /> })
                })}
            </Loaded>
        </section>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"No changes recorded."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["When (UTC)", "Who", "What", "Record", "Change"] class="audit">
                    {entries
                        .into_iter()
                        .map(|entry| {
                            view! {
                                <tr>
                                    <td class="mono small">{entry.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                    <td>{entry.actor}</td>
                                    <td class="mono">{entry.action}</td>
                                    <td>{entry.entity_label} <span class="muted small">" (" {entry.entity_type} " " {entry.entity_id} ")"</span></td>
                                    <td>
                                        <details>
                                            <summary>"Before / after"</summary>
                                            <div class="diff">
                                                <pre aria-label="Before">{entry.before.unwrap_or_else(|| "—".into())}</pre>
                                                <pre aria-label="After">{entry.after.unwrap_or_else(|| "—".into())}</pre>
                                            </div>
                                        </details>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </DataTable>
    }
    .into_any()
}

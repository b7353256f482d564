//! Step 5, action items: each names one change, its kind (a pipeline test is a regression test or
//! CI guardrail for the service's pipeline), an owner, a due date, a priority and the factor it
//! addresses.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::items::{ItemConflict, SaveErrors, messages};
use super::state::use_doc;
use crate::api::postmortems::{ActionView, LiveEvent, Saved, delete_action, save_action};
use crate::components::{DataTable, SyncBadgeView};
use crate::domain::postmortem::{ActionForm, ActionKind, ActionPriority, ActionStatus};

#[component]
pub fn ActionsStep() -> impl IntoView {
    let doc = use_doc();
    let adding = RwSignal::new(false);
    view! {
        <DataTable headings=&["Action", "Kind", "Owner", "Due", "Priority", "Addresses", "Status", "GitHub", ""]>
            <For each=move || doc.actions.get() key=|a| (a.id, a.version, a.sync.clone()) let:action>
                <ActionRow action />
            </For>
        </DataTable>
        <Show when=move || doc.editable()>
            <Show
                when=move || adding.get()
                fallback=move || view! { <button type="button" class="button" on:click=move |_| adding.set(true)>"Add an action item"</button> }
            >
                <ActionEditor existing=None on_done=Callback::new(move |_| adding.set(false)) />
            </Show>
        </Show>
    }
}

#[component]
fn ActionRow(action: ActionView) -> impl IntoView {
    let doc = use_doc();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = action.id;
    let factor = action.factor_id.map(|f| {
        move || {
            doc.factors.with(|all| {
                all.iter()
                    .find(|x| x.id == f)
                    .map(|x| x.title.clone())
                    .unwrap_or_default()
            })
        }
    });
    let remove = move |_| {
        spawn_local(async move {
            match delete_action(id).await {
                Ok(()) => doc.apply(LiveEvent::ActionRemoved(id)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let for_edit = action.clone();
    view! {
        <Show
            when=move || editing.get()
            fallback=move || {
                let a = action.clone();
                view! {
                    <tr data-testid="action-row">
                        <td>
                            <strong>{a.title.clone()}</strong>
                            {(!a.description.is_empty()).then(|| view! { <br /><span class="small">{a.description.clone()}</span> })}
                        </td>
                        <td><span class="badge" class:badge-pipeline=a.kind == ActionKind::PipelineTest>{a.kind.label()}</span></td>
                        <td>{a.owner.clone()}</td>
                        <td>{a.due_on.map(|d| d.to_string()).unwrap_or_default()}</td>
                        <td>{a.priority.label()}</td>
                        <td>{factor}</td>
                        <td>{a.status.label()}</td>
                        <td><SyncBadgeView item=a.id badge=a.sync.clone() can_retry=doc.editable() /></td>
                        <td>
                            <Show when=move || doc.editable()>
                                <button type="button" class="button small" on:click=move |_| editing.set(true)>"Edit"</button>
                                " "
                                <button type="button" class="button small danger" on:click=remove>"Remove"</button>
                            </Show>
                            {move || error.get().map(|e| view! { <p class="small" role="alert">{e}</p> })}
                        </td>
                    </tr>
                }
            }
        >
            <tr><td colspan="9"><ActionEditor existing=Some(for_edit.clone()) on_done=Callback::new(move |_| editing.set(false)) /></td></tr>
        </Show>
    }
}

#[component]
fn ActionEditor(existing: Option<ActionView>, on_done: Callback<()>) -> impl IntoView {
    let doc = use_doc();
    let form = existing
        .as_ref()
        .map(ActionView::to_form)
        .unwrap_or_else(|| ActionForm {
            kind: ActionKind::Fix.as_str().into(),
            priority: ActionPriority::Medium.as_str().into(),
            status: ActionStatus::Open.as_str().into(),
            ..Default::default()
        });
    let id = existing.as_ref().map(|e| e.id).unwrap_or(0);
    let version = RwSignal::new(existing.as_ref().map(|e| e.version).unwrap_or(0));
    let fields = RwSignal::new(form);
    let errors = RwSignal::new(Vec::<String>::new());
    let conflict = RwSignal::new(None::<ActionView>);
    let save = move || {
        let form = fields.get_untracked();
        spawn_local(async move {
            match save_action(doc.id, id, version.get_untracked(), form).await {
                Ok(Saved::Saved(view)) => {
                    doc.apply(LiveEvent::Action(view));
                    errors.set(vec![]);
                    on_done.run(());
                }
                Ok(Saved::Conflict(theirs)) => {
                    doc.apply(LiveEvent::Action(theirs.clone()));
                    conflict.set(Some(theirs));
                }
                Err(error) => errors.set(messages(&error)),
            }
        });
    };
    let theirs = Signal::derive(move || {
        conflict.get().map(|t| {
            (
                t.updated_by.clone(),
                format!(
                    "{} ({}, {}, due {})",
                    t.title,
                    t.kind.label(),
                    t.owner,
                    t.due_on.map(|d| d.to_string()).unwrap_or_default()
                ),
            )
        })
    });
    let keep_mine = Callback::new(move |_| {
        if let Some(t) = conflict.get_untracked() {
            version.set(t.version);
            conflict.set(None);
            save();
        }
    });
    let use_theirs = Callback::new(move |_| {
        if let Some(t) = conflict.get_untracked() {
            fields.set(t.to_form());
            version.set(t.version);
            conflict.set(None);
        }
    });
    let p = if id == 0 {
        "new-action".to_owned()
    } else {
        format!("action-{id}")
    };
    let text = move |get: fn(&ActionForm) -> &String| move || fields.with(|f| get(f).clone());
    let select = move |set: fn(&mut ActionForm, String)| {
        move |ev| fields.update(|f| set(f, event_target_value(&ev)))
    };
    let users = doc.fixed.with_value(|v| v.users.clone());
    view! {
        <form class="form item-editor" data-testid="action-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <SaveErrors errors />
            <ItemConflict theirs keep_mine use_theirs />
            <label for=format!("{p}-title")>"What will change"</label>
            <input id=format!("{p}-title") name="title" maxlength="200" prop:value=text(|f| &f.title) on:input=select(|f, v| f.title = v) />
            <label for=format!("{p}-description")>"Description"</label>
            <textarea id=format!("{p}-description") name="description" rows="2" prop:value=text(|f| &f.description) on:input=select(|f, v| f.description = v)></textarea>
            <div class="row">
                <span>
                    <label for=format!("{p}-kind")>"Kind"</label>
                    <select id=format!("{p}-kind") name="kind" on:change=select(|f, v| f.kind = v)>
                        {ActionKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=move || fields.with(|f| f.kind == k.as_str())>{k.label()}</option> }).collect_view()}
                    </select>
                </span>
                <span>
                    <label for=format!("{p}-owner")>"Owner"</label>
                    <select id=format!("{p}-owner") name="owner" on:change=select(|f, v| f.owner = v)>
                        <option value="">"Nobody yet"</option>
                        {users.into_iter().map(|u| { let value = u.id.to_string(); let v2 = value.clone(); view! { <option value=value selected=move || fields.with(|f| f.owner == v2)>{u.name}</option> } }).collect_view()}
                    </select>
                </span>
                <span>
                    <label for=format!("{p}-due")>"Due"</label>
                    <input id=format!("{p}-due") type="date" name="due_on" prop:value=text(|f| &f.due_on) on:input=select(|f, v| f.due_on = v) />
                </span>
                <span>
                    <label for=format!("{p}-priority")>"Priority"</label>
                    <select id=format!("{p}-priority") name="priority" on:change=select(|f, v| f.priority = v)>
                        {ActionPriority::ALL.iter().map(|k| view! { <option value=k.as_str() selected=move || fields.with(|f| f.priority == k.as_str())>{k.label()}</option> }).collect_view()}
                    </select>
                </span>
                <span>
                    <label for=format!("{p}-factor")>"Addresses"</label>
                    <select id=format!("{p}-factor") name="factor" on:change=select(|f, v| f.factor = v)>
                        <option value="">"No particular factor"</option>
                        {move || doc.factors.get().into_iter().map(|x| { let value = x.id.to_string(); let v2 = value.clone(); view! { <option value=value selected=move || fields.with(|f| f.factor == v2)>{x.title}</option> } }).collect_view()}
                    </select>
                </span>
                <span>
                    <label for=format!("{p}-status")>"Status"</label>
                    <select id=format!("{p}-status") name="status" on:change=select(|f, v| f.status = v)>
                        {ActionStatus::ALL.iter().map(|k| view! { <option value=k.as_str() selected=move || fields.with(|f| f.status == k.as_str())>{k.label()}</option> }).collect_view()}
                    </select>
                </span>
            </div>
            <button type="submit" class="button primary">{if id == 0 { "Add action item" } else { "Save action item" }}</button>
            " "
            <button type="button" class="button" on:click=move |_| on_done.run(())>"Cancel"</button>
        </form>
    }
}

//! Step 5, action items: each names one change, its kind (a pipeline test is a regression test or
//! CI guardrail for the service's pipeline), an owner, a due date, a priority, the factor it
//! addresses, the service it belongs to (whose repository gets its issue), and where it stands
//! with GitHub. Rendered on the server; the browser refreshes it
//! when someone changes an item or GitHub sync moves it on.

use crate::components::textarea_html;
use leptos::prelude::*;

use crate::components::select_option;

use crate::components::marks::Mark;

use super::items::{conflict_notice, edit, editor, hidden, remove_form, save_buttons};
use super::parts::Part;
use crate::api::postmortems::{ActionView, PostmortemView};
use crate::components::SyncBadgeView;
use shared::domain::action_service::default_service;
use shared::domain::postmortem::{ActionForm, ActionKind, ActionPriority, ActionStatus};

/// The items, and (for editors) a way to add one.
pub fn part(view: &PostmortemView, open: Option<&str>) -> impl IntoView + use<> {
    let editable = super::editable(view);
    let rows = view
        .actions
        .iter()
        .map(|a| row(view, a, editable, open))
        .collect_view();
    view! {
        {view.actions.is_empty().then(|| view! { <p class="muted">"No action items yet."</p> })}
        <ul class="action-list">{rows}</ul>
        {editable.then(|| editor("add-action".into(), "Add an action item", action_form(view, None).into_any(), false))}
    }
}

fn row(
    view: &PostmortemView,
    a: &ActionView,
    editable: bool,
    open: Option<&str>,
) -> impl IntoView + use<> {
    let factor = a
        .factor_id
        .and_then(|f| view.factors.iter().find(|x| x.id == f))
        .map(|x| x.title.clone());
    let service = a
        .service_id
        .and_then(|s| view.services.iter().find(|x| x.id == s))
        .map(|s| match &s.repository {
            Some(repository) => format!("{} ({repository})", s.name),
            None => format!("{} (no repository)", s.name),
        })
        .unwrap_or_else(|| "None".into());
    let id = a.id;
    view! {
        <li class="action-item" data-testid="action-row" id=Part::Actions.item_key(id)>
            <div class="action-head">
                <strong>{a.title.clone()}</strong>
                " " <span class="badge" class:badge-pipeline=a.kind == ActionKind::PipelineTest>{a.kind.label()}</span>
                " " <span class="badge">{a.status.label()}</span>
            </div>
            {(!a.description.is_empty()).then(|| view! { <p class="small">{a.description.clone()}</p> })}
            <dl class="action-facts small">
                <div><dt>"Owner"</dt><dd>{if a.owner.is_empty() { "Nobody yet".to_owned() } else { a.owner.clone() }}</dd></div>
                <div><dt>"Due"</dt><dd>{a.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>"Priority"</dt><dd>{a.priority.label()}</dd></div>
                <div><dt>"Service"</dt><dd data-testid="action-service">{service}</dd></div>
                {factor.map(|f| view! { <div><dt>"Addresses"</dt><dd>{f}</dd></div> })}
                {a.sync.clone().map(|badge| view! {
                    <div><dt>"GitHub"</dt><dd><SyncBadgeView item=id badge=Some(badge) can_retry=editable /></dd></div>
                })}
            </dl>
            {(view.can_guard && a.kind == ActionKind::PipelineTest).then(|| view! {
                <a class="button small" data-testid="guard-action" href=format!("/guardrails/new?source=action_item&id={id}") title="Enforce this pipeline test's lesson in the change gate until the test is verified">"Add a guardrail"</a>
            })}
            {editable.then(|| view! {
                {remove_form("/api/postmortems/actions/delete", id)}
                {edit(&Part::Actions.item_key(id), open, || action_form(view, Some(a)).into_any())}
            })}
        </li>
    }
}

/// The editor of action item `id`, opened.
#[cfg(feature = "ssr")]
pub fn action_editor(view: &PostmortemView, id: i64) -> Option<AnyView> {
    let action = view.actions.iter().find(|a| a.id == id)?;
    Some(super::items::opened(
        &Part::Actions.item_key(id),
        action_form(view, Some(action)).into_any(),
    ))
}

/// The editor of one item, or of a new one (`None`).
fn action_form(view: &PostmortemView, existing: Option<&ActionView>) -> impl IntoView + use<> {
    let f = existing
        .map(ActionView::to_form)
        .unwrap_or_else(|| ActionForm {
            kind: ActionKind::Fix.as_str().into(),
            priority: ActionPriority::Medium.as_str().into(),
            status: ActionStatus::Open.as_str().into(),
            service: default_service(&view.services)
                .map(|id| id.to_string())
                .unwrap_or_default(),
            ..Default::default()
        });
    let id = existing.map(|e| e.id).unwrap_or(0);
    let p = if id == 0 {
        "new-action".to_owned()
    } else {
        format!("action-{id}")
    };
    let kinds = ActionKind::ALL
        .iter()
        .map(|k| select_option(k.as_str(), k.label(), &f.kind))
        .collect_view();
    let owners = view
        .users
        .iter()
        .map(|u| select_option(u.id.to_string(), u.name.clone(), &f.owner))
        .collect_view();
    let priorities = ActionPriority::ALL
        .iter()
        .map(|k| select_option(k.as_str(), k.label(), &f.priority))
        .collect_view();
    let factors = view
        .factors
        .iter()
        .map(|x| select_option(x.id.to_string(), x.title.clone(), &f.factor))
        .collect_view();
    let services = view
        .services
        .iter()
        .map(|s| {
            let label = match (s.affected, &s.repository) {
                (0, Some(r)) => format!("{} · {r}", s.name),
                (0, None) => format!("{} · no repository", s.name),
                (n, Some(r)) => format!("{} · {r} · affected in {n}", s.name),
                (n, None) => format!("{} · no repository · affected in {n}", s.name),
            };
            select_option(s.id.to_string(), label, &f.service)
        })
        .collect_view();
    let statuses = ActionStatus::ALL
        .iter()
        .map(|k| select_option(k.as_str(), k.label(), &f.status))
        .collect_view();
    view! {
        <form {..Mark::MeetingForm.on()} method="post" action="/api/postmortems/actions/save" class="form item-editor" data-testid="action-editor">
            {hidden("postmortem_id", view.id)}
            {hidden("id", id)}
            {hidden("version", existing.map(|e| e.version).unwrap_or(0))}
            {conflict_notice()}
            <div class="field">
                <label for=format!("{p}-title")>"What will change"</label>
                <input id=format!("{p}-title") name="action[title]" maxlength="200" value=f.title />
            </div>
            <div class="field">
                <label for=format!("{p}-description")>"Description"</label>
                <textarea id=format!("{p}-description") name="action[description]" rows="2" inner_html=textarea_html(&f.description)></textarea>
            </div>
            <div class="row">
                <div class="field">
                    <label for=format!("{p}-kind")>"Kind"</label>
                    <select id=format!("{p}-kind") name="action[kind]">{kinds}</select>
                </div>
                <div class="field">
                    <label for=format!("{p}-owner")>"Owner"</label>
                    <select id=format!("{p}-owner") name="action[owner]">
                        <option value="" selected=f.owner.is_empty()>"Nobody yet"</option>
                        {owners}
                    </select>
                </div>
                <div class="field">
                    <label for=format!("{p}-due")>"Due"</label>
                    <input id=format!("{p}-due") type="date" name="action[due_on]" value=f.due_on />
                </div>
                <div class="field">
                    <label for=format!("{p}-priority")>"Priority"</label>
                    <select id=format!("{p}-priority") name="action[priority]">{priorities}</select>
                </div>
                <div class="field">
                    <label for=format!("{p}-factor")>"Addresses"</label>
                    <select id=format!("{p}-factor") name="action[factor]">
                        <option value="" selected=f.factor.is_empty()>"No particular factor"</option>
                        {factors}
                    </select>
                </div>
                <div class="field">
                    <label for=format!("{p}-status")>"Status"</label>
                    <select id=format!("{p}-status") name="action[status]">{statuses}</select>
                </div>
                <div class="field">
                    <label for=format!("{p}-service")>"Service"</label>
                    <select id=format!("{p}-service") name="action[service]" aria-describedby=format!("{p}-service-hint")>
                        <option value="" selected=f.service.is_empty()>"The most affected service"</option>
                        {services}
                    </select>
                    <small class="hint" id=format!("{p}-service-hint")>"Its GitHub issue goes to this service's repository; moving it moves the issue."</small>
                </div>
            </div>
            {save_buttons(if id == 0 { "Add action item" } else { "Save action item" })}
        </form>
    }
}

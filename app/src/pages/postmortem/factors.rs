//! Step 3, contributing factors: a causal board grouped by category, each factor with its
//! "5 whys" chain, its evidence (links, or curated timeline entries as `#N`) and the coach's
//! hints. Rendered on the server; the browser refreshes it when someone changes it.

use crate::components::textarea_html;
use leptos::prelude::*;

use crate::components::marks::Mark;

use super::coach::hints_html;
use super::items::{conflict_notice, edit, editor, hidden, remove_form, save_buttons};
use super::parts::Part;
use crate::api::postmortems::{FactorView, PmTimelineView, PostmortemView};
use shared::domain::postmortem::{Evidence, FactorCategory, FactorForm};
use shared::domain::time_text;

/// The board, one column per category, and (for editors) a way to add a factor.
pub fn part(view: &PostmortemView, open: Option<&str>) -> impl IntoView + use<> {
    let editable = super::editable(view);
    let pm = view.id;
    let columns = FactorCategory::ALL
        .iter()
        .map(|category| {
            let cards = view
                .factors
                .iter()
                .filter(|f| f.category == *category)
                .map(|f| card(view, f, editable, open))
                .collect_view();
            view! {
                <section class="board-column" data-testid=format!("category-{}", category.as_str())>
                    <h3>{category.label()}</h3>
                    {cards}
                </section>
            }
        })
        .collect_view();
    view! {
        <div class="causal-board" data-testid="causal-board">{columns}</div>
        {editable.then(|| editor("add-factor".into(), "Add a contributing factor", factor_form(pm, None).into_any(), false))}
    }
}

fn card(
    view: &PostmortemView,
    factor: &FactorView,
    editable: bool,
    open: Option<&str>,
) -> impl IntoView + use<> {
    let id = factor.id;
    let coach = hints_html(&(factor.description.clone() + "\n" + &factor.whys.join("\n")));
    let evidence = factor
        .evidence
        .iter()
        .map(|e| match e {
            Evidence::Link(url) => view! { <li><a href=url.clone() rel="external noopener noreferrer">{url.clone()}</a></li> }.into_any(),
            Evidence::TimelineEntry(entry) => view! { <li>{timeline_label(&view.timeline, *entry)}</li> }.into_any(),
        })
        .collect_view();
    view! {
        <article class="factor-card" data-testid="factor-card" id=Part::Factors.item_key(id)>
            <h4>{factor.title.clone()}</h4>
            {(!factor.description.is_empty()).then(|| view! { <p>{factor.description.clone()}</p> })}
            {(!factor.whys.is_empty()).then(|| view! {
                <p class="small muted whys-label">"Why, asked again each time:"</p>
                <ol class="whys">{factor.whys.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ol>
            })}
            {(!factor.evidence.is_empty()).then(|| view! { <ul class="evidence">{evidence}</ul> })}
            <div inner_html=coach></div>
            <p class="small muted">"Last changed by " {factor.updated_by.clone()}</p>
            {view.can_promote.then(|| view! {
                <form method="post" action="/api/problems/promote-factor" class="form inline">
                    {hidden("factor", id)}
                    <button type="submit" class="button small" data-testid="promote-factor" title="Track this factor as a problem, with the postmortem's incidents and the action items that address it">"Promote to problem"</button>
                </form>
            })}
            {view.can_guard.then(|| view! {
                <a class="button small" data-testid="guard-factor" href=format!("/guardrails/new?source=factor&id={id}") title="Turn what this factor taught into a rule the change gate enforces">"Add a guardrail"</a>
            })}
            {editable.then(|| view! {
                {remove_form("/api/postmortems/factors/delete", id)}
                {edit(&Part::Factors.item_key(id), open, || factor_form(view.id, Some(factor)).into_any())}
            })}
        </article>
    }
}

/// The editor of factor `id`, opened.
#[cfg(feature = "ssr")]
pub fn factor_editor(view: &PostmortemView, id: i64) -> Option<AnyView> {
    let factor = view.factors.iter().find(|f| f.id == id)?;
    Some(super::items::opened(
        &Part::Factors.item_key(id),
        factor_form(view.id, Some(factor)).into_any(),
    ))
}

/// A curated timeline entry cited as evidence, by its number, time and text.
fn timeline_label(timeline: &[PmTimelineView], entry: i64) -> String {
    timeline
        .iter()
        .find(|x| x.id == entry)
        .map(|x| {
            format!(
                "Timeline #{entry}: {} {}",
                time_text::clock(x.occurred_at),
                x.body
            )
        })
        .unwrap_or_else(|| format!("Timeline #{entry}"))
}

/// The editor of one factor, or of a new one (`None`). The coach reads the condition and the
/// whys as they are typed.
fn factor_form(pm: i64, existing: Option<&FactorView>) -> impl IntoView + use<> {
    let form = existing
        .map(FactorView::to_form)
        .unwrap_or_else(|| FactorForm {
            category: FactorCategory::Technical.as_str().into(),
            ..Default::default()
        });
    let id = existing.map(|e| e.id).unwrap_or(0);
    let p = if id == 0 {
        "new-factor".to_owned()
    } else {
        format!("factor-{id}")
    };
    view! {
        <form {..Mark::MeetingForm.on()} method="post" action="/api/postmortems/factors/save" class="form item-editor" data-testid="factor-editor">
            {hidden("postmortem_id", pm)}
            {hidden("id", id)}
            {hidden("version", existing.map(|e| e.version).unwrap_or(0))}
            {conflict_notice()}
            <div class="field">
                <label for=format!("{p}-title")>"Factor"</label>
                <input id=format!("{p}-title") name="factor[title]" value=form.title required maxlength="200" />
            </div>
            <div class="field">
                <label for=format!("{p}-category")>"Category"</label>
                <select id=format!("{p}-category") name="factor[category]">
                    {FactorCategory::ALL.iter().map(|c| view! { <option value=c.as_str() selected=c.as_str() == form.category>{c.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=format!("{p}-description")>"What was the condition?"</label>
                <textarea {..Mark::Coach.on()} id=format!("{p}-description") name="factor[description]" rows="2" inner_html=textarea_html(&form.description)></textarea>
            </div>
            <div class="field">
                <label for=format!("{p}-whys")>"5 whys: one answer per line, each asking why of the one before"</label>
                <textarea {..Mark::Coach.on()} id=format!("{p}-whys") name="factor[whys]" rows="4" inner_html=textarea_html(&form.whys)></textarea>
            </div>
            <div class="field">
                <label for=format!("{p}-evidence")>"Evidence: one link (https://…) or timeline entry (#N) per line"</label>
                <textarea id=format!("{p}-evidence") name="factor[evidence]" rows="2" inner_html=textarea_html(&form.evidence)></textarea>
            </div>
            <div {..Mark::CoachOut.on()}></div>
            {save_buttons(if id == 0 { "Add factor" } else { "Save factor" })}
        </form>
    }
}

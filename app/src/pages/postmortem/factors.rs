//! Step 3, contributing factors: a causal board grouped by category, each factor with its
//! "5 whys" chain and evidence (links, or curated timeline entries as `#N`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::coach::CoachHints;
use super::items::{ItemConflict, SaveErrors, messages};
use super::state::use_doc;
use crate::api::postmortems::{FactorView, LiveEvent, Saved, delete_factor, save_factor};
use crate::domain::postmortem::{Evidence, FactorCategory, FactorForm};

#[component]
pub fn FactorsStep() -> impl IntoView {
    let doc = use_doc();
    let adding = RwSignal::new(false);
    view! {
        <div class="causal-board" data-testid="causal-board">
            {FactorCategory::ALL.iter().map(|category| {
                let category = *category;
                let factors = move || doc.factors.get().into_iter().filter(|f| f.category == category).collect::<Vec<_>>();
                view! {
                    <section class="board-column" data-testid=format!("category-{}", category.as_str())>
                        <h3>{category.label()}</h3>
                        <For each=factors key=|f| (f.id, f.version) let:factor>
                            <FactorCard factor />
                        </For>
                    </section>
                }
            }).collect_view()}
        </div>
        <Show when=move || doc.editable()>
            <Show
                when=move || adding.get()
                fallback=move || view! { <button type="button" class="button" on:click=move |_| adding.set(true)>"Add a contributing factor"</button> }
            >
                <FactorEditor existing=None on_done=Callback::new(move |_| adding.set(false)) />
            </Show>
        </Show>
    }
}

#[component]
fn FactorCard(factor: FactorView) -> impl IntoView {
    let doc = use_doc();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = factor.id;
    let remove = move |_| {
        spawn_local(async move {
            match delete_factor(id).await {
                Ok(()) => doc.apply(LiveEvent::FactorRemoved(id)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let for_edit = factor.clone();
    view! {
        <article class="factor-card" data-testid="factor-card">
            <Show
                when=move || editing.get()
                fallback=move || {
                    let factor = factor.clone();
                    let text = factor.description.clone() + "\n" + &factor.whys.join("\n");
                    view! {
                        <h4>{factor.title.clone()}</h4>
                        {(!factor.description.is_empty()).then(|| view! { <p>{factor.description.clone()}</p> })}
                        {(!factor.whys.is_empty()).then(|| view! {
                            <ol class="whys">{factor.whys.iter().map(|w| view! { <li><span class="muted">"Why? "</span>{w.clone()}</li> }).collect_view()}</ol>
                        })}
                        {(!factor.evidence.is_empty()).then(|| view! {
                            <ul class="evidence">{factor.evidence.iter().map(|e| match e {
                                Evidence::Link(url) => view! { <li><a href=url.clone() rel="external noopener noreferrer">{url.clone()}</a></li> }.into_any(),
                                Evidence::TimelineEntry(entry) => {
                                    let entry = *entry;
                                    let label = move || doc.timeline.with(|t| t.iter().find(|x| x.id == entry).map(|x| format!("Timeline #{entry}: {} {}", crate::domain::time_text::clock(x.occurred_at), x.body)).unwrap_or_else(|| format!("Timeline #{entry}")));
                                    view! { <li>{label}</li> }.into_any()
                                }
                            }).collect_view()}</ul>
                        })}
                        <CoachHints text=Signal::derive(move || text.clone()) />
                        <p class="small muted">"Last changed by " {factor.updated_by.clone()}</p>
                        {doc.fixed.with_value(|v| v.can_promote).then(|| view! {
                            <form method="post" action="/api/problems/promote-factor" class="form inline">
                                <input type="hidden" name="factor" value=id />
                                <button type="submit" class="button small" data-testid="promote-factor" title="Track this factor as a problem, with the postmortem's incidents and the action items that address it">"Promote to problem"</button>
                            </form>
                        })}
                        <Show when=move || doc.editable()>
                            <button type="button" class="button small" on:click=move |_| editing.set(true)>"Edit"</button>
                            " "
                            <button type="button" class="button small danger" on:click=remove>"Remove"</button>
                        </Show>
                    }
                }
            >
                <FactorEditor existing=Some(for_edit.clone()) on_done=Callback::new(move |_| editing.set(false)) />
            </Show>
            {move || error.get().map(|e| view! { <p class="small" role="alert">{e}</p> })}
        </article>
    }
}

#[component]
fn FactorEditor(existing: Option<FactorView>, on_done: Callback<()>) -> impl IntoView {
    let doc = use_doc();
    let form = existing
        .as_ref()
        .map(FactorView::to_form)
        .unwrap_or_else(|| FactorForm {
            category: FactorCategory::Technical.as_str().into(),
            ..Default::default()
        });
    let id = existing.as_ref().map(|e| e.id).unwrap_or(0);
    let version = RwSignal::new(existing.as_ref().map(|e| e.version).unwrap_or(0));
    let title = RwSignal::new(form.title);
    let category = RwSignal::new(form.category);
    let description = RwSignal::new(form.description);
    let whys = RwSignal::new(form.whys);
    let evidence = RwSignal::new(form.evidence);
    let errors = RwSignal::new(Vec::<String>::new());
    let conflict = RwSignal::new(None::<FactorView>);
    let save = move || {
        let form = FactorForm {
            title: title.get_untracked(),
            category: category.get_untracked(),
            description: description.get_untracked(),
            whys: whys.get_untracked(),
            evidence: evidence.get_untracked(),
        };
        spawn_local(async move {
            match save_factor(doc.id, id, version.get_untracked(), form).await {
                Ok(Saved::Saved(view)) => {
                    doc.apply(LiveEvent::Factor(view));
                    errors.set(vec![]);
                    on_done.run(());
                }
                Ok(Saved::Conflict(theirs)) => {
                    doc.apply(LiveEvent::Factor(theirs.clone()));
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
                format!("{}\n{}", t.title, t.description),
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
            let form = t.to_form();
            title.set(form.title);
            category.set(form.category);
            description.set(form.description);
            whys.set(form.whys);
            evidence.set(form.evidence);
            version.set(t.version);
            conflict.set(None);
        }
    });
    let p = if id == 0 {
        "new-factor".to_owned()
    } else {
        format!("factor-{id}")
    };
    let coach_text = Signal::derive(move || description.get() + "\n" + &whys.get());
    view! {
        <form class="form item-editor" data-testid="factor-editor" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <SaveErrors errors />
            <ItemConflict theirs keep_mine use_theirs />
            <label for=format!("{p}-title")>"Factor"</label>
            <input id=format!("{p}-title") name="title" bind:value=title required maxlength="200" />
            <label for=format!("{p}-category")>"Category"</label>
            <select id=format!("{p}-category") name="category" on:change=move |ev| category.set(event_target_value(&ev))>
                {FactorCategory::ALL.iter().map(|c| view! { <option value=c.as_str() selected=move || category.get() == c.as_str()>{c.label()}</option> }).collect_view()}
            </select>
            <label for=format!("{p}-description")>"What was the condition?"</label>
            <textarea id=format!("{p}-description") name="description" rows="2" bind:value=description></textarea>
            <label for=format!("{p}-whys")>"5 whys: one answer per line, each asking why of the one before"</label>
            <textarea id=format!("{p}-whys") name="whys" rows="4" bind:value=whys></textarea>
            <label for=format!("{p}-evidence")>"Evidence: one link (https://…) or timeline entry (#N) per line"</label>
            <textarea id=format!("{p}-evidence") name="evidence" rows="2" bind:value=evidence></textarea>
            <CoachHints text=coach_text />
            <button type="submit" class="button primary">{if id == 0 { "Add factor" } else { "Save factor" }}</button>
            " "
            <button type="button" class="button" on:click=move |_| on_done.run(())>"Cancel"</button>
        </form>
    }
}

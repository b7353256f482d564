//! Administrators choose which postmortem sections each severity requires before review; anyone
//! else who may read records sees the same templates, read-only.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::postmortems::{SaveTemplate, TemplateRow, list_templates};
use crate::components::ErrorNotice;
use shared::domain::Permission;
use shared::domain::postmortem::Step;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let rows = resource(|| (), |_| list_templates());
    let auth = crate::components::use_auth();
    view! {
        <PageTitle text="Postmortem templates · Postmortem" />
        <h1>"Postmortem templates"</h1>
        <p class="muted">"The sections a postmortem must complete before it can go to review, by the severity of its most severe incident. Postmortems already started keep their template."</p>
        <ErrorNotice error />
        <Loaded>
            {move || Suspend::new(async move {
                let can_edit = auth.user.await.ok().flatten().is_some_and(|u| u.can(Permission::ConfigurePostmortems));
                rows.await.map(|rows| {
                    if can_edit {
                        rows.into_iter().map(|row| view! { <TemplateForm row save /> }).collect_view().into_any()
                    } else {
                        view! {
                            <p class="muted" data-testid="templates-read-only">"Only an administrator changes these."</p>
                            <dl class="facts">{rows.into_iter().map(|row| view! { <TemplateFacts row /> }).collect_view()}</dl>
                        }.into_any()
                    }
                })
            })}
        </Loaded>
    }
}

/// One severity's template as text: the sections it requires.
#[component]
fn TemplateFacts(row: TemplateRow) -> impl IntoView {
    let required = Step::SECTIONS
        .iter()
        .filter(|step| row.required.contains(step))
        .map(|step| step.label())
        .collect::<Vec<_>>();
    let required = if required.is_empty() {
        "Nothing required".to_owned()
    } else {
        required.join(", ")
    };
    view! {
        <div data-testid=format!("template-{}", row.severity)>
            <dt>{row.severity.to_string()}</dt>
            <dd>{required}</dd>
        </div>
    }
}

/// One severity's template: a box per section, ticked when the section is required.
#[component]
fn TemplateForm(row: TemplateRow, save: ServerAction<SaveTemplate>) -> impl IntoView {
    let severity = row.severity.to_string();
    let testid = format!("template-{severity}");
    view! {
        <ActionForm action=save attr:class="form template" attr:data-testid=testid>
            <input type="hidden" name="severity" value=severity.clone() />
            <fieldset>
                <legend>{severity.clone()}</legend>
                {Step::SECTIONS.iter().map(|step| {
                    let step = *step;
                    view! {
                        <label class="check">
                            <input type="checkbox" name="required[]" value=step.as_str() checked=row.required.contains(&step) />
                            " " {step.label()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="button">"Save " {severity}</button>
        </ActionForm>
    }
}

//! Recording a problem: the record's fields, the priority the matrix derives (shown, not typed),
//! and the incidents it caused (prefilled from `?incidents=`).

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;
use leptos_router::hooks::use_query_map;

use crate::api::problems::{CreateProblem, Named, problem_choices};
use crate::components::{ErrorNotice, Field, FieldKind, field_message, form_notice};
use shared::domain::problem::{Level, PriorityMatrix, ProblemCategory, ProblemForm};

#[component]
pub fn NewProblemPage() -> impl IntoView {
    let query = use_query_map();
    let incidents = StoredValue::new(query.read_untracked().get("incidents").unwrap_or_default());
    let choices = resource(|| (), |_| problem_choices());
    let create = ServerAction::<CreateProblem>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <PageTitle text="New problem · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/problems">"Problems"</a></nav>
        <h1>"New problem"</h1>
        <p class="muted">"A problem is the cause, or possible cause, of one or more incidents."</p>
        <ErrorNotice error=form_notice(error) />
        <Loaded>
            {move || {
                let incidents = incidents.get_value();
                Suspend::new(async move {
                    choices.await.map(|c| view! {
                        <ActionForm action=create attr:class="form">
                            <ProblemFields form=ProblemForm { impact: "medium".into(), urgency: "medium".into(), ..ProblemForm::default() } services=c.services coordinators=c.coordinators matrix=c.matrix error=error.get_untracked() />
                            <Field field="incidents" label="Incidents" value=incidents hint="Incident numbers separated by commas, e.g. 12, 15." error=field_message(error, "incidents") />
                            <button type="submit" class="button primary" data-testid="create-problem">"Record problem"</button>
                        </ActionForm>
                    })
                })
            }}
        </Loaded>
    }
}

/// The problem record's fields (named `problem[…]`), shared by the new and edit forms; `error` is
/// the last submission's, shown beside its fields.
#[component]
pub fn ProblemFields(
    form: ProblemForm,
    services: Vec<Named>,
    coordinators: Vec<Named>,
    matrix: PriorityMatrix,
    error: Option<crate::api::ApiError>,
) -> impl IntoView {
    let text = |field: &str| {
        error
            .as_ref()
            .and_then(|e| e.field_errors())
            .and_then(|errors| errors.message_for(field))
            .map(str::to_owned)
    };
    let message = move |field: &'static str| {
        text(field).map(|m| view! { <p class="field-error" data-field=field>{m}</p> })
    };
    let chosen =
        shared::domain::problem::parse_ids(form.services.as_str(), "service").unwrap_or_default();
    let errors = Signal::stored(error.clone());
    view! {
        <Field form="problem" field="title" label="Title" value=form.title.clone() required=true error=field_message(errors, "title") />
        <Field form="problem" field="statement" label="Problem statement" value=form.statement.clone() kind=FieldKind::Multiline hint="What goes wrong, where, and how it shows. Markdown." error=field_message(errors, "statement") />
        <div class="field">
            <label for="problem-category">"Category"</label>
            <select id="problem-category" name="problem[category]">
                {ProblemCategory::ALL.iter().map(|c| view! { <option value=c.as_str() selected=form.category == c.as_str()>{c.label()}</option> }).collect_view()}
            </select>
            {message("category")}
        </div>
        <Priority
            matrix
            impact=form.impact.clone()
            urgency=form.urgency.clone()
            impact_error=text("impact")
            urgency_error=text("urgency")
        />
        <fieldset>
            <legend>"Affected services"</legend>
            {services.into_iter().map(|s| view! {
                <label class="check">
                    <input type="checkbox" name="problem[services][]" value=s.id checked=chosen.contains(&s.id) />
                    " " {s.name}
                </label>
            }).collect_view()}
            {message("services")}
        </fieldset>
        <div class="field">
            <label for="problem-coordinator">"Problem coordinator"</label>
            <select id="problem-coordinator" name="problem[coordinator]">
                <option value="">"Nobody yet"</option>
                {coordinators.into_iter().map(|c| view! { <option value=c.id selected=form.coordinator == c.id.to_string()>{c.name}</option> }).collect_view()}
            </select>
            {message("coordinator")}
        </div>
    }
}

/// Impact, urgency and the priority the matrix derives from them, which follows the two choices
/// in the browser.
#[island]
fn Priority(
    matrix: PriorityMatrix,
    impact: String,
    urgency: String,
    impact_error: Option<String>,
    urgency_error: Option<String>,
) -> impl IntoView {
    let impact = RwSignal::new(impact);
    let urgency = RwSignal::new(urgency);
    let priority = move || match (Level::parse(&impact.get()), Level::parse(&urgency.get())) {
        (Some(i), Some(u)) => matrix.priority(i, u).label(),
        _ => "—".into(),
    };
    let level = move |name: &'static str,
                      label: &'static str,
                      signal: RwSignal<String>,
                      error: Option<String>| {
        view! {
            <div class="field">
                <label for=format!("problem-{name}")>{label}</label>
                <select id=format!("problem-{name}") name=format!("problem[{name}]") on:change=move |ev| signal.set(event_target_value(&ev))>
                    {Level::ALL.iter().map(|l| view! { <option value=l.as_str() selected=signal.get_untracked() == l.as_str()>{l.label()}</option> }).collect_view()}
                </select>
                {error.map(|m| view! { <p class="field-error" data-field=name>{m}</p> })}
            </div>
        }
    };
    view! {
        <div class="field-row">
            {level("impact", "Impact", impact, impact_error)}
            {level("urgency", "Urgency", urgency, urgency_error)}
            <div class="field">
                <span class="label">"Priority"</span>
                <p><output data-testid="derived-priority" class="badge">{priority}</output></p>
                <p class="hint">"From impact and urgency by the priority matrix."</p>
            </div>
        </div>
    }
}

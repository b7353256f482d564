//! The fields of the incident form, shared by "declare" and "edit": what, where, how bad, and when.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::{ErrorNotice, Field, FieldKind, field_message};
use shared::domain::{IncidentForm, Milestones, Severity};

/// Every field of an incident, pre-filled from `initial`, each with its own message.
#[component]
pub fn IncidentFields(
    initial: IncidentForm,
    #[prop(into)] error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let message = move |field: &'static str| field_message(error, field);
    let times = [
        ("impact_started_at", initial.impact_started_at.clone()),
        ("detected_at", initial.detected_at.clone()),
        ("acknowledged_at", initial.acknowledged_at.clone()),
        ("mitigated_at", initial.mitigated_at.clone()),
        ("resolved_at", initial.resolved_at.clone()),
    ];
    let labels = Milestones::default().fields().map(|(_, label, _)| label);
    view! {
        <ErrorNotice error />
        <Field
            form="incident"
            field="title"
            label="What is wrong?"
            value=initial.title
            required=true
            placeholder="Checkout returns 502 for some customers"
            error=message("title")
        />
        <div class="form-grid">
            <SeveritySelect selected=initial.severity error=message("severity") />
            <Field
                form="incident"
                field="services"
                label="Affected services"
                value=initial.services
                placeholder="payments-api, checkout-web"
                hint="Slugs from the service catalog, separated by commas."
                error=message("services")
            />
            <Field
                form="incident"
                field="commander"
                label="Incident commander"
                value=initial.commander
                placeholder="Who coordinates the response"
                error=message("commander")
            />
        </div>
        <Field
            form="incident"
            field="summary"
            label="Impact summary"
            value=initial.summary
            kind=FieldKind::Multiline
            hint="Markdown: who is affected, how, and how badly."
            error=message("summary")
        />
        <fieldset class="checks">
            <legend>"Flags"</legend>
            <Check name="data_loss" label="Data was lost or corrupted" checked=initial.data_loss.is_some() />
            <Check name="escalated" label="On-call escalated beyond the first responder" checked=initial.escalated.is_some() />
        </fieldset>
        <fieldset>
            <legend>"Milestones (UTC)"</legend>
            <p class="hint">
                "Leave unknown ones empty. Durations are worked out from these; they must be in order."
            </p>
            <div class="form-grid">
                {times
                    .into_iter()
                    .zip(labels)
                    .map(|((field, value), label)| {
                        view! { <Field form="incident" field label value kind=FieldKind::DateTime error=message(field) /> }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

#[component]
fn SeveritySelect(selected: String, error: Signal<Option<String>>) -> impl IntoView {
    let selected = Severity::parse(&selected);
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for="incident-severity">"Severity" <span class="required" aria-hidden="true">" *"</span></label>
            <select id="incident-severity" name="incident[severity]" aria-describedby="incident-severity-hint">
                <option value="" selected=selected.is_none()>"Choose…"</option>
                {Severity::ALL
                    .into_iter()
                    .map(|s| {
                        view! {
                            <option value=s.as_str() selected=selected == Some(s)>
                                {format!("{s} — {}", s.definition())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="hint" id="incident-severity-hint">"SEV1 is the worst."</p>
            {move || error.get().map(|m| view! { <p class="field-error" data-field="severity">{m}</p> })}
        </div>
    }
}

#[component]
fn Check(name: &'static str, label: &'static str, checked: bool) -> impl IntoView {
    let id = format!("incident-{}", name.replace('_', "-"));
    let label_for = id.clone();
    view! {
        <label class="check" for=label_for>
            <input id=id type="checkbox" name=format!("incident[{name}]") checked=checked />
            {label}
        </label>
    }
}

//! The fields of the service form, shared by the "add" and "edit" pages.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::{ErrorNotice, Field, FieldKind, field_message};
use shared::domain::ServiceForm;

/// Every field of a service, pre-filled from `initial`, each with its own validation message.
#[component]
pub fn ServiceFields(
    initial: ServiceForm,
    #[prop(into)] error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let message = move |field: &'static str| field_message(error, field);
    view! {
        <ErrorNotice error />
        <div class="form-grid">
            <Field
                form="service"
                field="name"
                label="Name"
                value=initial.name
                required=true
                placeholder="Payments API"
                error=message("name")
            />
            <Field
                form="service"
                field="slug"
                label="Slug"
                value=initial.slug
                placeholder="payments-api"
                hint="Lowercase letters, digits and hyphens. Left empty, it is made from the name."
                error=message("slug")
            />
            <Field
                form="service"
                field="team"
                label="Owning team"
                value=initial.team
                placeholder="Payments"
                error=message("team")
            />
            <Field
                form="service"
                field="repository"
                label="GitHub repository"
                value=initial.repository
                placeholder="acme/payments-api"
                hint="owner/name. Follow-up issues are filed here."
                error=message("repository")
            />
            <Field
                form="service"
                field="runbook_url"
                label="Runbook"
                value=initial.runbook_url
                kind=FieldKind::Url
                placeholder="https://wiki.example.com/runbooks/payments"
                error=message("runbook_url")
            />
            <Field
                form="service"
                field="on_call"
                label="On-call / contact"
                value=initial.on_call
                placeholder="#payments-oncall"
                error=message("on_call")
            />
            <Field
                form="service"
                field="slo_target"
                label="Availability SLO (%)"
                value=initial.slo_target
                kind=FieldKind::Decimal
                placeholder="99.9"
                hint="Above 0 and below 100."
                error=message("slo_target")
            />
        </div>
        <Field
            form="service"
            field="description"
            label="Description"
            value=initial.description
            kind=FieldKind::Multiline
            hint="Markdown: what the service does, what it depends on, who uses it."
            error=message("description")
        />
    }
}

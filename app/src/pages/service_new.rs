//! "Add a service": the catalog's create form.

use crate::components::PageTitle;
use leptos::prelude::*;

use super::service_form::ServiceFields;
use crate::api::services::CreateService;
use shared::domain::ServiceForm;

/// The form that adds a service; on success it goes to the new service's page.
#[component]
pub fn NewServicePage() -> impl IntoView {
    let create = ServerAction::<CreateService>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <PageTitle text="Add a service · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/services">"Services"</a>
        </nav>
        <h1>"Add a service"</h1>
        <ActionForm action=create attr:class="form" attr:novalidate=true>
            <ServiceFields initial=ServiceForm::default() error />
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    "Add service"
                </button>
                <a class="button" href="/services">
                    "Cancel"
                </a>
            </div>
        </ActionForm>
    }
}

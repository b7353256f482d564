//! "Declare an incident": the incident form, empty, with the severity definitions at hand.

use crate::components::PageTitle;
use leptos::prelude::*;

use super::incident_form::IncidentFields;
use crate::api::incidents::DeclareIncident;
use shared::domain::IncidentForm;

/// The page.
#[component]
pub fn DeclareIncidentPage() -> impl IntoView {
    let declare = ServerAction::<DeclareIncident>::new();
    let error = Signal::derive(move || declare.value().get().and_then(Result::err));
    view! {
        <PageTitle text="Declare an incident · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/incidents">"Incidents"</a>
        </nav>
        <h1>"Declare an incident"</h1>
        <p class="lede">
            "Say what is wrong now; you can fill in the rest as you learn more. The timeline starts here."
        </p>
        <ActionForm action=declare attr:class="form" attr:novalidate=true>
            <IncidentFields initial=IncidentForm::default() error />
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || declare.pending().get()>
                    "Declare incident"
                </button>
                <a class="button" href="/incidents">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

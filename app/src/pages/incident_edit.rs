//! "Edit an incident": the form pre-filled, guarded against lost updates by the version.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use super::incident_form::IncidentFields;
use crate::api::incidents::{IncidentView, UpdateIncident, get_incident};

/// Loads the incident, then shows the edit form.
#[component]
pub fn EditIncidentPage() -> impl IntoView {
    let id = super::route::record_id();
    let incident = resource(id, get_incident);
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                incident.await.map(|incident| view! { <EditForm incident /> })
            })}
        </Loaded>
    }
}

#[component]
fn EditForm(incident: IncidentView) -> impl IntoView {
    let update = ServerAction::<UpdateIncident>::new();
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let back = format!("/incidents/{}", incident.id);
    view! {
        <PageTitle text=format!("Edit #{} · Postmortem", incident.id) />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/incidents">"Incidents"</a>
            <span aria-hidden="true">" / "</span>
            <a href=back.clone()>{format!("#{} {}", incident.id, incident.title)}</a>
        </nav>
        <h1>"Edit incident #" {incident.id}</h1>
        <ActionForm action=update attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value=incident.id />
            <input type="hidden" name="version" value=incident.version />
            <IncidentFields initial=incident.to_form() error />
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || update.pending().get()>
                    "Save changes"
                </button>
                <a class="button" href=back>"Cancel"</a>
            </div>
        </ActionForm>
    }
}

//! "Edit a service": the form pre-filled with the saved values, guarded against lost updates.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use super::service_form::ServiceFields;
use crate::api::services::{ServiceView, UpdateService, get_service};

/// Loads the service, then shows the edit form.
#[component]
pub fn EditServicePage() -> impl IntoView {
    let slug = super::route::record_slug();
    let service = resource(slug, get_service);
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                service.await.map(|service| view! { <EditForm service /> })
            })}
        </Loaded>
    }
}

#[component]
fn EditForm(service: ServiceView) -> impl IntoView {
    let update = ServerAction::<UpdateService>::new();
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let title = format!("Edit {} · Postmortem", service.name);
    let back = format!("/services/{}", service.slug);
    view! {
        <PageTitle text=title />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/services">"Services"</a>
            <span aria-hidden="true">" / "</span>
            <a href=back.clone()>{service.name.clone()}</a>
        </nav>
        <h1>"Edit " {service.name.clone()}</h1>
        <ActionForm action=update attr:class="form" attr:novalidate=true>
            <input type="hidden" name="slug" value=service.slug.clone() />
            <input type="hidden" name="version" value=service.version />
            <ServiceFields initial=service.to_form() error />
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || update.pending().get()>
                    "Save changes"
                </button>
                <a class="button" href=back>
                    "Cancel"
                </a>
            </div>
        </ActionForm>
    }
}

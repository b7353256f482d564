//! One service's page: its facts, rendered description, and the archive/restore actions.

use crate::components::Loaded;
use crate::components::web_address;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::services::{ArchiveService, RestoreService, ServiceView, get_service, github_url};
use crate::components::{Can, ErrorNotice};
use crate::pages::History;
use shared::domain::Permission;

/// Loads the service named in the address and shows it.
#[component]
pub fn ServicePage() -> impl IntoView {
    let slug = super::route::record_slug();
    let archive = ServerAction::<ArchiveService>::new();
    let restore = ServerAction::<RestoreService>::new();
    let service = resource(slug, get_service);
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                service.await.map(|service| view! { <ServiceDetail service archive restore /> })
            })}
        </Loaded>
    }
}

#[component]
fn ServiceDetail(
    service: ServiceView,
    archive: ServerAction<ArchiveService>,
    restore: ServerAction<RestoreService>,
) -> impl IntoView {
    let error = Signal::derive(move || {
        archive
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| restore.value().get().and_then(Result::err))
    });
    let archived = service.archived_at.is_some();
    let slo = service.slo();
    let edit_href = format!("/services/{}/edit", service.slug);
    let slug = service.slug.clone();
    view! {
        <PageTitle text=format!("{} · Postmortem", service.name) />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/services">"Services"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>
                    {service.name.clone()}
                    {archived.then(|| view! { <span class="badge badge-muted">"Archived"</span> })}
                </h1>
                <p class="muted mono">{service.slug.clone()}</p>
            </div>
            <Can permission=Permission::EditServices>
            <div class="actions">
                {let slug = slug.clone(); let edit_href = edit_href.clone(); if archived {
                    view! {
                        <ActionForm action=restore>
                            <input type="hidden" name="slug" value=slug.clone() />
                            <button type="submit" class="button">
                                "Restore"
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                } else {
                    view! {
                        <a class="button primary" href=edit_href>
                            "Edit"
                        </a>
                        <ActionForm action=archive>
                            <input type="hidden" name="slug" value=slug.clone() />
                            <button type="submit" class="button">
                                "Archive"
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }}
            </div>
            </Can>
        </div>
        <ErrorNotice error />
        {archived
            .then(|| {
                view! {
                    <p class="alert">
                        "This service is archived: it is hidden from the catalog and cannot be edited. Restore it to make changes."
                    </p>
                }
            })}
        <dl class="facts">
            <div>
                <dt>"Owning team"</dt>
                <dd>{or_dash(service.team.clone())}</dd>
            </div>
            <div>
                <dt>"Repository"</dt>
                <dd>
                    {match service.repository.clone() {
                        Some(repo) => {
                            let href = github_url(&repo);
                            view! {
                                <a href=href rel="external noopener noreferrer" class="mono">
                                    {repo}
                                </a>
                            }
                                .into_any()
                        }
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt>"Runbook"</dt>
                <dd>
                    {match service.runbook_url.as_deref().and_then(web_address) {
                        Some(url) => {
                            view! {
                                <a href=url.clone() rel="external noopener noreferrer">
                                    {url.clone()}
                                </a>
                            }
                                .into_any()
                        }
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt>"On-call / contact"</dt>
                <dd>{or_dash(service.on_call.clone())}</dd>
            </div>
            <div>
                <dt>"Availability SLO"</dt>
                <dd>
                    {match slo {
                        Some(slo) => {
                            format!(
                                "{slo} — error budget {:.1} min per 30 days",
                                slo.allowed_downtime_minutes_per_30_days(),
                            )
                        }
                        None => "—".to_owned(),
                    }}
                </dd>
            </div>
        </dl>
        <section aria-labelledby="about">
            <h2 id="about">"About"</h2>
            {if service.description.is_empty() {
                view! { <p class="muted">"No description yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=service.description_html.clone()></div> }
                    .into_any()
            }}
        </section>
        <History entity_type="service" entity_id=service.id.to_string() />
        <p class="muted small">
            "Added " {service.created_at.format("%Y-%m-%d %H:%M UTC").to_string()} " · last changed "
            {service.updated_at.format("%Y-%m-%d %H:%M UTC").to_string()}
        </p>
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

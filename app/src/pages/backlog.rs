//! The pipeline-test backlog: per service, the regression tests and CI guardrails its pipeline
//! should gain, with verified / closed-unverified / open counts, each item's age, the incidents
//! and problem it protects against, and its GitHub issue.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::github::{BacklogService, BacklogView, pipeline_backlog};
use crate::components::{DataTable, SyncBadgeView, SyncNowButton};

/// The backlog page.
#[component]
pub fn BacklogPage() -> impl IntoView {
    let backlog = resource(|| (), |_| pipeline_backlog());
    view! {
        <PageTitle text="Pipeline-test backlog · Postmortem" />
        <h1>"Pipeline-test backlog"</h1>
        <p class="muted">
            "Regression tests and CI guardrails from postmortems. A test counts as verified when its "
            "issue is closed as completed and a merged pull request references it."
        </p>
        <Loaded keep=true>
            {move || Suspend::new(async move { backlog.await.map(|b| view! { <Backlog backlog=b /> }) })}
        </Loaded>
    }
}

#[component]
fn Backlog(backlog: BacklogView) -> impl IntoView {
    if backlog.services.is_empty() {
        return view! { <p class="muted">"No pipeline tests yet: add an action item of kind “Pipeline test” to a postmortem."</p> }.into_any();
    }
    let connected = backlog.connected;
    let can_sync = backlog.can_sync;
    let summary = backlog.services.clone();
    view! {
        {(connected && can_sync).then(|| view! { <SyncNowButton /> })}
        {(!connected).then(|| view! { <p class="muted">"GitHub is not connected: items are tracked here only."</p> })}
        <DataTable headings=&["Service", "Repository", "Verified", "Closed, unverified", "Open"] class="backlog-summary">
            {summary.iter().map(|s| view! {
                <tr data-testid="backlog-summary">
                    <th scope="row"><a href=format!("#service-{}", s.service.id)>{s.service.name.clone()}</a></th>
                    <td class="mono">{s.repository.clone().unwrap_or_else(|| "—".into())}</td>
                    <td data-testid="verified">{s.verified}</td>
                    <td data-testid="closed-unverified">{s.closed_unverified}</td>
                    <td data-testid="open">{s.open}</td>
                </tr>
            }).collect_view()}
        </DataTable>
        {backlog.services.into_iter().map(|s| view! { <ServiceBacklog service=s can_retry=can_sync /> }).collect_view()}
    }
    .into_any()
}

#[component]
fn ServiceBacklog(service: BacklogService, can_retry: bool) -> impl IntoView {
    let id = format!("service-{}", service.service.id);
    let heading = format!("{id}-heading");
    view! {
        <section aria-labelledby=heading.clone() class="panel" id=id>
            <h2 id=heading.clone()>{service.service.name.clone()}</h2>
            <DataTable headings=&["Pipeline test", "Status", "Age", "Protects against", "Owner", "GitHub"]>
                {service.items.into_iter().map(|item| view! {
                    <tr data-testid="backlog-item">
                        <td>
                            <strong>{item.title.clone()}</strong><br />
                            <a class="small" href=format!("/postmortems/{}", item.postmortem.id)>{item.postmortem.name.clone()}</a>
                        </td>
                        <td>{item.status.label()}</td>
                        <td>{format!("{} d", item.age_days)}</td>
                        <td class="small">
                            {item.incidents.iter().map(|i| view! { <a href=format!("/incidents/{}", i.id)>{format!("#{} {}", i.id, i.name)}</a><br /> }).collect_view()}
                            {item.problem.clone().map(|p| view! { <a href=format!("/problems/{}", p.id)>{format!("Problem: {}", p.name)}</a> })}
                        </td>
                        <td>{item.owner.clone()}</td>
                        <td><SyncBadgeView item=item.id badge=item.sync.clone() can_retry /></td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
    }
}

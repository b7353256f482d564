//! The deployment list (`/deployments`): what shipped, where and when, and the incidents each
//! caused; the dashboard's deployment figures link here with their period and filters.

use crate::components::Loaded;
use crate::components::web_address;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::{resource, use_filter};

use crate::api::deployments::{DeploymentListRow, DeploymentQuery, list_deployments};
use crate::components::DataTable;

/// The page.
#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let query = use_filter::<DeploymentQuery>();
    let rows = resource(query, list_deployments);
    view! {
        <PageTitle text="Deployments · Postmortem" />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/dashboard">"Dashboard"</a>
        </nav>
        <h1>{move || if query().failed == "true" { "Deployments linked to an incident" } else { "Deployments" }}</h1>
        <p class="muted">
            {move || {
                let q = query();
                let mut parts = Vec::new();
                if !q.from.is_empty() { parts.push(format!("from {}", q.from.replace('T', " "))); }
                if !q.to.is_empty() { parts.push(format!("until {}", q.to.replace('T', " "))); }
                if !q.service.is_empty() { parts.push(format!("service {}", q.service)); }
                if !q.team.is_empty() { parts.push(format!("team {}", q.team)); }
                if parts.is_empty() { "The newest 500.".to_owned() } else { format!("{} (UTC); the newest 500.", parts.join(", ")) }
            }}
            " Change figures count successful deployments to production."
        </p>
        <Loaded keep=true>
            {move || Suspend::new(async move { rows.await.map(|rows| view! { <Deployments rows /> }) })}
        </Loaded>
    }
}

#[component]
fn Deployments(rows: Vec<DeploymentListRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No deployments match."</p> }.into_any();
    }
    view! {
        <DataTable headings=&["Deployed (UTC)", "Service", "Version", "Environment", "Result", "Caused"]>
            {rows.into_iter().map(|d| view! {
                <tr data-testid="deployment-row">
                    <td class="mono small">{d.deployed_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                    <td>{d.service}</td>
                    <td>
                        {match d.url.as_deref().and_then(web_address) {
                            Some(url) => view! { <a href=url rel="external noopener noreferrer">{d.version.clone()}</a> }.into_any(),
                            None => view! { <span>{d.version.clone()}</span> }.into_any(),
                        }}
                    </td>
                    <td>{d.environment}</td>
                    <td>{d.status}</td>
                    <td class="small">
                        {d.incidents.into_iter().map(|(id, title)| view! {
                            <a href=format!("/incidents/{id}")>{format!("#{id} {title}")}</a><br />
                        }).collect_view()}
                    </td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

//! The postmortem list: status, author, review due date and the overdue ones first to the eye.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::postmortems::list_postmortems;
use crate::components::DataTable;

#[component]
pub fn PostmortemsPage() -> impl IntoView {
    let rows = resource(|| (), |_| list_postmortems());
    view! {
        <PageTitle text="Postmortems · Postmortem" />
        <div class="page-header">
            <h1>"Postmortems"</h1>
            <p class="muted">"Start one from an incident's page."</p>
        </div>
        <Loaded>
            {move || Suspend::new(async move {
                rows.await.map(|rows| {
                    if rows.is_empty() {
                        return view! { <p class="empty-state">"No postmortems yet."</p> }.into_any();
                    }
                    view! {
                        <DataTable headings=&["Postmortem", "Status", "Severity", "Owner", "Incidents", "Review due"]>
                            {rows.into_iter().map(|row| view! {
                                <tr data-testid="postmortem-row" class:overdue=row.overdue>
                                    <td><a href=format!("/postmortems/{}", row.id)>{row.title}</a></td>
                                    <td><span class="badge">{row.status.label()}</span></td>
                                    <td>{row.severity.to_string()}</td>
                                    <td>{row.author}</td>
                                    <td>{row.incident_ids.iter().map(|i| view! { <a href=format!("/incidents/{i}")>"#" {*i}</a> " " }).collect_view()}</td>
                                    <td>
                                        {row.review_due_on.map(|d| d.to_string()).unwrap_or_default()}
                                        {row.overdue.then(|| view! { " " <span class="badge badge-warn" data-testid="overdue">"Overdue"</span> })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </DataTable>
                    }.into_any()
                })
            })}
        </Loaded>
    }
}

//! One incident's page: what, how bad, where it stands, the derived durations, runbooks, alerts
//! and the timeline, with the actions to move it along.

use crate::components::Loaded;
use crate::components::web_address;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use super::incident_timeline::{Timeline, TimelineActions};
use super::incidents_list::{SeverityBadge, StatusBadge};
use crate::api::deployments::{DeploymentRow, LinkDeployment, incident_deployments};
use crate::api::incidents::{IncidentView, PostmortemState, SetIncidentStatus, get_incident};
use crate::api::problems::incident_problems;
use crate::components::{Can, DataTable, ErrorNotice};
use crate::pages::History;
use shared::domain::incident::format_duration;
use shared::domain::{IncidentStatus, Permission};

/// Loads the incident named in the address and shows it; reloads after every action.
#[component]
pub fn IncidentPage() -> impl IntoView {
    let id = super::route::record_id();
    let set_status = ServerAction::<SetIncidentStatus>::new();
    let timeline = TimelineActions::new();
    let incident = resource(
        move || (id(), set_status.version().get(), timeline.version()),
        |(id, ..)| get_incident(id),
    );
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                incident
                    .await
                    .map(|incident| view! { <Detail incident set_status timeline /> })
            })}
        </Loaded>
    }
}

#[component]
fn Detail(
    incident: IncidentView,
    set_status: ServerAction<SetIncidentStatus>,
    timeline: TimelineActions,
) -> impl IntoView {
    let error = Signal::derive(move || set_status.value().get().and_then(Result::err));
    let id = incident.id;
    let runbooks: Vec<(String, String)> = incident
        .runbooks()
        .into_iter()
        .filter_map(|(label, url)| web_address(&url).map(|url| (label, url)))
        .collect();
    view! {
        <PageTitle text=format!("#{} {} · Postmortem", incident.id, incident.title) />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/incidents">"Incidents"</a>
        </nav>
        <div class="page-header">
            <div>
                <h1>
                    <span class="muted">"#" {incident.id} " "</span>
                    {incident.title.clone()}
                </h1>
                <p class="badges">
                    <SeverityBadge severity=incident.severity />
                    " "
                    <span data-testid="incident-status"><StatusBadge status=incident.status /></span>
                    {incident.data_loss.then(|| view! { " " <span class="badge badge-warn">"Data loss"</span> })}
                    {incident.escalated.then(|| view! { " " <span class="badge badge-warn">"Escalated"</span> })}
                </p>
            </div>
            <Can permission=Permission::EditIncidents>
                <div class="actions">
                    <a class="button" href=format!("/incidents/{id}/edit")>"Edit"</a>
                </div>
            </Can>
        </div>
        <ErrorNotice error />
        {incident.service_unknown.then(|| view! {
            <p class="alert" data-testid="service-unknown">
                "Service unknown: no service in the catalog matched this alert. Edit the incident to set the affected service."
            </p>
        })}
        <KnownProblems id />
        <Postmortem id state=incident.postmortem postmortems=incident.postmortems.clone() />
        <Can permission=Permission::EditIncidents>
            <StatusMoves id version=incident.version current=incident.status set_status />
        </Can>
        {(!runbooks.is_empty()).then(|| view! {
            <section class="runbooks" aria-label="Runbooks">
                <h2 class="visually-hidden">"Runbooks"</h2>
                {runbooks.into_iter().map(|(label, url)| view! {
                    <a class="button" data-testid="runbook-link" href=url rel="external noopener noreferrer">{label}</a>
                }).collect_view()}
            </section>
        })}
        <Facts incident=incident.clone() />
        <Durations incident=incident.clone() />
        <section aria-labelledby="impact">
            <h2 id="impact">"Impact"</h2>
            {if incident.summary.is_empty() {
                view! { <p class="muted">"No impact summary yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=incident.summary_html.clone()></div> }.into_any()
            }}
        </section>
        <Alerts incident=incident.clone() />
        <Deployments id timeline_version=timeline.version() />
        <Timeline incident_id=id entries=incident.timeline.clone() actions=timeline />
        <History entity_type="incident" entity_id=id.to_string() />
    }
}

/// The known errors this incident matches (their workaround first) and its problems.
#[component]
fn KnownProblems(id: i64) -> impl IntoView {
    let linked = resource(move || id, incident_problems);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                linked.await.ok().map(|linked| view! {
                    {linked.known_errors.into_iter().map(|m| view! {
                        <section class="panel known-error" data-testid="known-error" aria-label="Known error">
                            <h2>"Known error: " <a href=format!("/problems/{}", m.article.problem_id)>{m.article.problem_title.clone()}</a></h2>
                            <p class="muted small">{m.reason}</p>
                            <h3>"Workaround"</h3>
                            <div class="markdown" data-testid="workaround" inner_html=m.article.workaround_html></div>
                            {m.article.runbook_url.as_deref().and_then(web_address).map(|url| view! { <p><a class="button" href=url rel="external noopener noreferrer">"Runbook"</a></p> })}
                        </section>
                    }).collect_view()}
                    <section class="panel" data-testid="problems-panel">
                        {if linked.problems.is_empty() {
                            view! { <p class="muted">"No problem linked."</p> }.into_any()
                        } else {
                            view! {
                                <p>"Problems:"</p>
                                <ul class="plain">
                                    {linked.problems.into_iter().map(|(pid, title, state)| view! {
                                        <li><a href=format!("/problems/{pid}") data-testid="problem-link">"#" {pid} " " {title}</a> " " <span class="badge">{state.label()}</span></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <Can permission=Permission::TriageProblems>
                            <a class="button" href=format!("/problems/new?incidents={id}")>"Record a problem"</a>
                        </Can>
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn Postmortem(
    id: i64,
    state: PostmortemState,
    postmortems: Vec<(i64, String, shared::domain::postmortem::PostmortemStatus)>,
) -> impl IntoView {
    let note = match state {
        _ if !postmortems.is_empty() => "Reviewed in:",
        PostmortemState::Waiting => {
            "A postmortem is required for this incident and has not started."
        }
        _ => "A postmortem is optional for this incident.",
    };
    let start = postmortems.is_empty();
    view! {
        <section class="panel postmortem-panel" data-testid="postmortem-panel">
            <p>{note}</p>
            <ul class="plain">
                {postmortems.into_iter().map(|(pm, title, status)| view! {
                    <li>
                        <a href=format!("/postmortems/{pm}") data-testid="postmortem-link">{title}</a>
                        " "
                        <span class="badge">{status.label()}</span>
                    </li>
                }).collect_view()}
            </ul>
            {start.then(|| view! {
                <Can permission=Permission::EditPostmortems>
                    <a class="button primary" href=format!("/postmortems/new?incidents={id}")>"Start postmortem"</a>
                </Can>
            })}
        </section>
    }
}

#[component]
fn StatusMoves(
    id: i64,
    version: i32,
    current: IncidentStatus,
    set_status: ServerAction<SetIncidentStatus>,
) -> impl IntoView {
    view! {
        <section class="status-moves" aria-label="Change status">
            <ActionForm action=set_status attr:class="form inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <label for="status-note" class="visually-hidden">"Note for the timeline"</label>
                <input id="status-note" type="text" name="note" placeholder="Optional note for the timeline" />
                {current
                    .moves()
                    .map(|to| {
                        let primary = to == IncidentStatus::Resolved;
                        view! {
                            <button
                                type="submit"
                                name="status"
                                value=to.as_str()
                                class="button"
                                class:primary=primary
                                title=to.meaning()
                            >
                                {if current == IncidentStatus::Resolved { format!("Reopen as {}", to.label()) } else { format!("Mark {}", to.label().to_lowercase()) }}
                            </button>
                        }
                    })
                    .collect_view()}
            </ActionForm>
        </section>
    }
}

#[component]
fn Facts(incident: IncidentView) -> impl IntoView {
    let services = if incident.services.is_empty() {
        view! { <span class="muted">"None recorded"</span> }.into_any()
    } else {
        incident
            .services
            .into_iter()
            .map(|s| view! { <a href=format!("/services/{}", s.slug)>{s.name}</a> " " })
            .collect_view()
            .into_any()
    };
    let source = match incident.source.as_str() {
        "person" => "Declared by a person".to_owned(),
        other => format!("Opened by {other}"),
    };
    view! {
        <dl class="facts">
            <div><dt>"Services"</dt><dd>{services}</dd></div>
            <div><dt>"Commander"</dt><dd>{if incident.commander.is_empty() { "—".to_owned() } else { incident.commander }}</dd></div>
            <div><dt>"Source"</dt><dd>{source}</dd></div>
            <div><dt>"Opened"</dt><dd>{incident.opened_at.format("%Y-%m-%d %H:%M UTC").to_string()}</dd></div>
        </dl>
    }
}

#[component]
fn Durations(incident: IncidentView) -> impl IntoView {
    let d = incident.durations;
    let show =
        |value: Option<chrono::Duration>| value.map(format_duration).unwrap_or_else(|| "—".into());
    let milestones = incident.milestones.fields();
    view! {
        <section aria-labelledby="durations-heading" class="panel">
            <h2 id="durations-heading">"Durations"</h2>
            <p class="hint">"Worked out from the milestones; edit the incident to correct a time."</p>
            <dl class="facts durations" data-testid="durations">
                <div><dt>"Time to detect"</dt><dd data-testid="time-to-detect">{show(d.to_detect)}</dd></div>
                <div><dt>"Time to acknowledge"</dt><dd data-testid="time-to-acknowledge">{show(d.to_acknowledge)}</dd></div>
                <div><dt>"Time to mitigate"</dt><dd data-testid="time-to-mitigate">{show(d.to_mitigate)}</dd></div>
                <div><dt>"Time to resolve"</dt><dd data-testid="time-to-resolve">{show(d.to_resolve)}</dd></div>
            </dl>
            <dl class="facts milestones">
                {milestones
                    .into_iter()
                    .map(|(_, label, at)| view! {
                        <div>
                            <dt>{label}</dt>
                            <dd class="mono small">{at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into())}</dd>
                        </div>
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// The deployments this incident is linked to (each a failed change) and those of its services
/// around its impact, with Link / Unlink; change entries in the timeline link them by themselves.
#[component]
fn Deployments(id: i64, timeline_version: usize) -> impl IntoView {
    let link = ServerAction::<LinkDeployment>::new();
    let deployments = resource(
        move || (id, timeline_version, link.version().get()),
        |(id, ..)| incident_deployments(id),
    );
    let error = Signal::derive(move || link.value().get().and_then(Result::err));
    let row = move |d: DeploymentRow, linked: bool| {
        let when = d.deployed_at.format("%Y-%m-%d %H:%M UTC").to_string();
        let by = match (&d.linked_by, d.automatic) {
            (_, true) => "a change entry in the timeline".to_owned(),
            (Some(by), false) => by.clone(),
            (None, false) => String::new(),
        };
        view! {
            <tr data-testid=if linked { "linked-deployment" } else { "candidate-deployment" }>
                <th scope="row">
                    {match d.url.as_deref().and_then(web_address) {
                        Some(url) => view! { <a href=url rel="external noopener noreferrer">{format!("{} {}", d.service, d.version)}</a> }.into_any(),
                        None => view! { <span>{format!("{} {}", d.service, d.version)}</span> }.into_any(),
                    }}
                </th>
                <td>{d.environment.clone()}{(d.status != "success").then(|| format!(" ({})", d.status))}</td>
                <td class="mono small">{when}</td>
                <td class="small">{by}</td>
                <td>
                    <Can permission=Permission::EditIncidents>
                        <ActionForm action=link attr:class="form inline">
                            <input type="hidden" name="incident" value=id />
                            <input type="hidden" name="deployment" value=d.id />
                            <input type="hidden" name="linked" value=(!linked).to_string() />
                            <button type="submit" class="button small">{if linked { "Unlink" } else { "Link" }}</button>
                        </ActionForm>
                    </Can>
                </td>
            </tr>
        }
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                deployments.await.ok().map(|d| {
                    let empty = d.linked.is_empty() && d.candidates.is_empty();
                    (!empty).then(|| view! {
                        <section aria-labelledby="deployments-heading" class="panel" data-testid="deployments-panel">
                            <h2 id="deployments-heading">"Deployments"</h2>
                            <p class="hint">"A linked deployment counts as a failed change on the dashboard."</p>
                            <ErrorNotice error />
                            <DataTable headings=&["Deployment", "Environment", "Deployed", "Linked by", ""] class="compact">
                                {d.linked.into_iter().map(|r| row(r, true)).collect_view()}
                                {d.candidates.into_iter().map(|r| row(r, false)).collect_view()}
                            </DataTable>
                        </section>
                    })
                })
            })}
        </Suspense>
    }
}

#[component]
fn Alerts(incident: IncidentView) -> impl IntoView {
    (!incident.alerts.is_empty()).then(|| {
        view! {
            <section aria-labelledby="alerts-heading">
                <h2 id="alerts-heading">"Alerts"</h2>
                <DataTable headings=&["Alert", "State", "Started", "Received", "Labels"]>
                    {incident
                        .alerts
                        .into_iter()
                        .map(|alert| view! {
                            <tr>
                                <th scope="row">
                                    {match alert.source_url.as_deref().and_then(web_address) {
                                        Some(url) => view! { <a href=url rel="external noopener noreferrer">{alert.title.clone()}</a> }.into_any(),
                                        None => view! { <span>{alert.title.clone()}</span> }.into_any(),
                                    }}
                                    <div class="muted mono small">{alert.fingerprint}</div>
                                </th>
                                <td>{alert.state}</td>
                                <td class="mono small">{alert.starts_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                <td>{format!("{}×", alert.receive_count)}</td>
                                <td class="small mono">
                                    {alert.labels.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")}
                                </td>
                            </tr>
                        })
                        .collect_view()}
                </DataTable>
            </section>
        }
    })
}

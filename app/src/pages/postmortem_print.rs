//! The printable postmortem: every section on one page, read-only, laid out for paper.

use crate::components::Loaded;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use crate::api::postmortems::{PostmortemView, get_postmortem};
use shared::domain::incident::format_duration;
use shared::domain::postmortem::{Evidence, Moment, NarrativeField, Step};

#[component]
pub fn PrintPostmortemPage() -> impl IntoView {
    let id = super::route::record_id();
    let postmortem = resource(id, get_postmortem);
    view! {
        <Loaded>
            {move || Suspend::new(async move { postmortem.await.map(|view| view! { <Printable view /> }) })}
        </Loaded>
    }
}

#[component]
fn Printable(view: PostmortemView) -> impl IntoView {
    let narrative = |step: Step| {
        NarrativeField::of_step(step)
            .into_iter()
            .map(|f| {
                let html = view.field(f).map(|v| v.html.clone()).unwrap_or_default();
                view! { <h3>{f.label()}</h3> <div class="markdown" inner_html=html></div> }
            })
            .collect_view()
    };
    let durations = view.durations();
    let shown = |d: Option<chrono::Duration>| d.map(format_duration).unwrap_or_else(|| "—".into());
    view! {
        <PageTitle text=format!("Postmortem #{}: {}", view.id, view.title) />
        <article class="printable" data-testid="printable-postmortem">
            <p class="no-print"><a href=format!("/postmortems/{}", view.id)>"Back to the meeting"</a> " · Use your browser's Print command."</p>
            <h1>"Postmortem: " {view.title.clone()}</h1>
            <p>{view.meta.status.label()} " · " {view.severity.to_string()} " · by " {view.author.clone()}</p>
            <ul>{view.incidents.iter().map(|i| view! { <li>"Incident #" {i.id} ": " {i.title.clone()}</li> }).collect_view()}</ul>
            <h2>"1. " {Step::Summary.label()}</h2>
            {narrative(Step::Summary)}
            <h2>"2. " {Step::Timeline.label()}</h2>
            <p>"Time to detect " {shown(durations.to_detect)} " · to diagnose " {shown(durations.to_diagnose)} " · to mitigate " {shown(durations.to_mitigate)}</p>
            <table class="catalog">
                <thead><tr><th scope="col">"Time (UTC)"</th><th scope="col">"Kind"</th><th scope="col">"Moment"</th><th scope="col">"What happened"</th></tr></thead>
                <tbody>
                    {view.timeline.iter().filter(|e| !e.hidden).map(|e| view! {
                        <tr>
                            <td>{e.occurred_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                            <td>{e.kind.label()}</td>
                            <td>{if e.moment == Moment::Unmarked { "" } else { e.moment.label() }}</td>
                            <td class="markdown" inner_html=e.html.clone()></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h2>"3. " {Step::Factors.label()}</h2>
            {view.factors.iter().map(|f| view! {
                <h3>{f.title.clone()} " (" {f.category.label()} ")"</h3>
                <p>{f.description.clone()}</p>
                {(!f.whys.is_empty()).then(|| view! { <p>"Why, asked again each time:"</p> })}
                <ol>{f.whys.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ol>
                <ul>{f.evidence.iter().map(|e| view! { <li>{match e { Evidence::Link(u) => u.clone(), Evidence::TimelineEntry(i) => format!("Timeline entry #{i}") }}</li> }).collect_view()}</ul>
            }).collect_view()}
            <h2>"4. " {Step::Learnings.label()}</h2>
            {narrative(Step::Learnings)}
            <h2>"5. " {Step::Actions.label()}</h2>
            <table class="catalog">
                <thead><tr><th scope="col">"Action"</th><th scope="col">"Kind"</th><th scope="col">"Owner"</th><th scope="col">"Due"</th><th scope="col">"Priority"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>
                    {view.actions.iter().map(|a| view! {
                        <tr><td>{a.title.clone()}</td><td>{a.kind.label()}</td><td>{a.owner.clone()}</td><td>{a.due_on.map(|d| d.to_string()).unwrap_or_default()}</td><td>{a.priority.label()}</td><td>{a.status.label()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h2>"6. " {Step::Review.label()}</h2>
            <ul>{view.meta.activity.iter().map(|a| view! { <li>{a.at.format("%Y-%m-%d %H:%M").to_string()} " " {a.action.replace('_', " ")} " by " {a.actor.clone()} {(!a.comment.is_empty()).then(|| format!(": {}", a.comment))}</li> }).collect_view()}</ul>
        </article>
    }
}

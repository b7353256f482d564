//! The problem manager's triage queue: counts per state, filters in the address, suggested
//! problems from recurring incidents, the problems by priority and age, bulk moves and keyboard
//! shortcuts for the common ones.

use leptos::prelude::*;

use crate::components::select_option;

use crate::components::PageTitle;
use crate::components::{resource, use_filter};

use crate::api::problems::{
    AcceptSuggestion, BulkUpdate, DismissSuggestion, Named, ProblemRow, QueueFilter, QueueView,
    Suggestion, triage_queue,
};
use crate::components::{Can, DataTable, ErrorNotice, ErrorsView};
use shared::domain::Permission;
use shared::domain::problem::{Level, ProblemState};

/// The page.
#[component]
pub fn ProblemsPage() -> impl IntoView {
    let filter = use_filter::<QueueFilter>();
    let accept = ServerAction::<AcceptSuggestion>::new();
    let dismiss = ServerAction::<DismissSuggestion>::new();
    let queue = resource(filter, triage_queue);
    view! {
        <PageTitle text="Problems · Postmortem" />
        <div class="page-header">
            <div>
                <h1>"Problems"</h1>
                <p class="lede">"The causes behind incidents: triage new and suggested problems, find root causes, publish known errors."</p>
            </div>
            <Can permission=Permission::TriageProblems>
                <a class="button primary" href="/problems/new" aria-keyshortcuts="n">"New problem"</a>
            </Can>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the queue…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorsView errors /> }>
                {move || Suspend::new(async move {
                    queue.await.map(|queue| view! { <Queue queue filter=filter() accept dismiss /> })
                })}
            </ErrorBoundary>
        </Suspense>
        <Shortcuts />
    }
}

#[component]
fn Queue(
    queue: QueueView,
    filter: QueueFilter,
    accept: ServerAction<AcceptSuggestion>,
    dismiss: ServerAction<DismissSuggestion>,
) -> impl IntoView {
    let can_triage = queue.can_triage;
    view! {
        <nav class="state-counts" aria-label="Problems by state">
            <a href="/problems" class:current=filter.state.is_empty()>"Open"</a>
            {queue.counts.iter().map(|(state, n)| view! {
                <a
                    href=format!("/problems?state={}", state.as_str())
                    class:current=filter.state == state.as_str()
                    data-testid=format!("count-{}", state.as_str())
                >
                    {state.label()} " " <span class="badge">{*n}</span>
                </a>
            }).collect_view()}
            <a href="/problems?state=all" class:current=filter.state == "all">"All"</a>
        </nav>
        <Filters filter=filter.clone() services=queue.services.clone() coordinators=queue.coordinators.clone() />
        <Suggestions suggestions=queue.suggestions.clone() can_triage accept dismiss />
        <Problems rows=queue.problems.clone() can_triage coordinators=queue.coordinators.clone() />
    }
}

#[component]
fn Filters(filter: QueueFilter, services: Vec<Named>, coordinators: Vec<Named>) -> impl IntoView {
    view! {
        <form method="get" action="/problems" class="toolbar filters" role="search" aria-label="Filter problems">
            <label>
                "State "
                <select name="state" id="filter-state">
                    {select_option(String::new(), "Open", &filter.state)}
                    {select_option("all", "All", &filter.state)}
                    {ProblemState::ALL.iter().map(|s| select_option(s.as_str(), s.label(), &filter.state)).collect_view()}
                </select>
            </label>
            <label>
                "Service "
                <select name="service">
                    {select_option(String::new(), "Any", &filter.service)}
                    {services.into_iter().map(|s| select_option(s.id.to_string(), s.name, &filter.service)).collect_view()}
                </select>
            </label>
            <label>
                "Coordinator "
                <select name="coordinator">
                    {select_option(String::new(), "Anyone", &filter.coordinator)}
                    {coordinators.into_iter().map(|c| select_option(c.id.to_string(), c.name, &filter.coordinator)).collect_view()}
                </select>
            </label>
            <label>
                "Priority "
                <select name="priority">
                    {select_option(String::new(), "Any", &filter.priority)}
                    {(1..=5).map(|p| select_option(p.to_string(), format!("P{p}"), &filter.priority)).collect_view()}
                </select>
            </label>
            <button type="submit" class="button">"Filter"</button>
        </form>
    }
}

#[component]
fn Suggestions(
    suggestions: Vec<Suggestion>,
    can_triage: bool,
    accept: ServerAction<AcceptSuggestion>,
    dismiss: ServerAction<DismissSuggestion>,
) -> impl IntoView {
    let error = Signal::derive(move || {
        accept
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| dismiss.value().get().and_then(Result::err))
    });
    if suggestions.is_empty() {
        return view! {
            <section aria-labelledby="suggested">
                <h2 id="suggested">"Suggested problems"</h2>
                <p class="muted">"No recurring incidents without a problem in the last 90 days."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section aria-labelledby="suggested">
            <h2 id="suggested">"Suggested problems"</h2>
            <p class="muted">"Incidents that repeat and that no problem covers yet."</p>
            <ErrorNotice error />
            <ul class="plain suggestions">
                {suggestions.into_iter().map(|s| {
                    let (accept_key, dismiss_key) = (s.key.clone(), s.key.clone());
                    view! {
                    <li class="panel suggestion" data-testid="suggestion">
                        <p><strong>{s.headline()}</strong></p>
                        <ul class="plain small">
                            {s.incidents.iter().map(|i| view! {
                                <li><a href=format!("/incidents/{}", i.id)>"#" {i.id}</a> " " {i.name.clone()}</li>
                            }).collect_view()}
                        </ul>
                        {can_triage.then(|| view! {
                            <ActionForm action=accept attr:class="form inline">
                                <input type="hidden" name="incidents" value=accept_key />
                                <button type="submit" class="button primary" data-testid="accept-suggestion">"Accept as problem"</button>
                            </ActionForm>
                            " "
                            <ActionForm action=dismiss attr:class="form inline">
                                <input type="hidden" name="incidents" value=dismiss_key />
                                <button type="submit" class="button" data-testid="dismiss-suggestion" title="These incidents are not one recurring problem: stop suggesting them">"Not a problem"</button>
                            </ActionForm>
                        })}
                    </li>
                }}).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The queue with its bulk form; each row's box belongs to that form, so the ticked problems are
/// sent with it (also without JavaScript).
#[component]
fn Problems(rows: Vec<ProblemRow>, can_triage: bool, coordinators: Vec<Named>) -> impl IntoView {
    let bulk = ServerAction::<BulkUpdate>::new();
    let error = Signal::derive(move || bulk.value().get().and_then(Result::err));
    if rows.is_empty() {
        return view! { <p class="empty-state">"No problems match."</p> }.into_any();
    }
    let duplicate_choices = rows
        .iter()
        .map(|r| view! { <option value=r.id.to_string()>{format!("#{} · {}", r.id, r.title)}</option> })
        .collect_view();
    view! {
        <section aria-labelledby="queue">
            <h2 id="queue">"Queue"</h2>
            {can_triage.then(|| view! {
                <ActionForm action=bulk attr:class="form inline bulk" attr:data-testid="bulk-form" attr:id="bulk-form">
                    <SelectedCount />
                    <label>
                        "Action "
                        <select name="operation" id="bulk-operation">
                            <option value="levels">"Set impact and urgency"</option>
                            <option value="assign">"Assign coordinator"</option>
                            <option value="link">"Link incidents"</option>
                            <option value="duplicate">"Mark duplicate of"</option>
                        </select>
                    </label>
                    // Only the chosen action's fields show (style/main.css, by the selected
                    // option; no script needed); the server reads only those.
                    <span class="bulk-fields bulk-levels">
                        <LevelSelect name="impact" label="Impact" />
                        <LevelSelect name="urgency" label="Urgency" />
                    </span>
                    <label class="bulk-fields bulk-assign">
                        "Coordinator "
                        <select name="coordinator">
                            <option value="">"Nobody"</option>
                            {coordinators.iter().map(|c| view! { <option value=c.id>{c.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="bulk-fields bulk-link">"Incidents " <input type="text" name="incidents" id="bulk-incidents" placeholder="e.g. 12, 15" /></label>
                    <label class="bulk-fields bulk-duplicate">
                        "Problem "
                        <input type="text" name="duplicate_of" list="bulk-duplicate-choices" placeholder="Type a title or number" autocomplete="off" />
                        <datalist id="bulk-duplicate-choices">
                            {duplicate_choices}
                        </datalist>
                    </label>
                    <button type="submit" class="button" data-testid="bulk-apply">"Apply"</button>
                </ActionForm>
                <ErrorNotice error />
            })}
            <DataTable headings=&["", "Problem", "Priority", "State", "Services", "Coordinator", "Incidents", "Age"] class="queue">
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <tr data-testid="problem-row" data-id=id tabindex="-1">
                            <td>
                                {can_triage.then(|| view! {
                                    <input
                                        type="checkbox"
                                        class="select-row"
                                        name="problems[]"
                                        value=id
                                        form="bulk-form"
                                        aria-label=format!("Select problem #{id}")
                                    />
                                })}
                            </td>
                            <td>
                                <a href=format!("/problems/{id}") class="row-link">"#" {id} " " {row.title.clone()}</a>
                                {row.known_error.then(|| view! { " " <span class="badge">"Known error"</span> })}
                                {(row.recurred_after_resolution > 0).then(|| view! {
                                    " " <span class="badge badge-warn" data-testid="recurred">
                                        {format!("Recurred {}× after resolution: re-analyse?", row.recurred_after_resolution)}
                                    </span>
                                })}
                            </td>
                            <td>
                                <span class=format!("badge priority-{}", row.priority.rank()) title=format!("Impact {}, urgency {}", row.impact.label().to_lowercase(), row.urgency.label().to_lowercase())>
                                    {row.priority.label()}
                                </span>
                            </td>
                            <td><span class="badge">{row.state.label()}</span></td>
                            <td>{row.services.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ")}</td>
                            <td>{row.coordinator.map(|c| c.name).unwrap_or_default()}</td>
                            <td>{row.incidents}</td>
                            <td>{format!("{} d", row.age_days)}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </section>
    }
    .into_any()
}

#[component]
fn LevelSelect(name: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <label>
            {label} " "
            <select name=name>
                {Level::ALL.iter().map(|l| view! { <option value=l.as_str() selected=*l == Level::Medium>{l.label()}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// How many problems are ticked for the bulk form, counted in the browser as boxes change.
#[island]
fn SelectedCount() -> impl IntoView {
    let count = RwSignal::new(0_usize);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::change, move |_| {
            let ticked = document()
                .query_selector_all("input.select-row:checked")
                .map(|list| list.length() as usize)
                .unwrap_or_default();
            count.set(ticked);
        });
        on_cleanup(move || handle.remove());
    }
    view! { <span class="muted" aria-live="polite">{move || format!("{} selected", count.get())}</span> }
}

/// The shortcut help and, in the browser, the key handling: j/k move, x selects, o or Enter
/// opens, n starts a new problem, / goes to the filters, ? shows this help.
#[island]
fn Shortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    keys::listen(help);
    view! {
        <details class="shortcuts" data-testid="shortcuts" prop:open=move || help.get()>
            // The signal stays the one truth of whether the help is open, however it was opened.
            <summary on:click=move |ev| {
                ev.prevent_default();
                help.update(|h| *h = !*h);
            }>"Keyboard shortcuts"</summary>
            <dl class="small">
                <dt><kbd>"j"</kbd> " / " <kbd>"k"</kbd></dt><dd>"next / previous problem"</dd>
                <dt><kbd>"x"</kbd></dt><dd>"select the problem for a bulk action"</dd>
                <dt><kbd>"o"</kbd> " or " <kbd>"Enter"</kbd></dt><dd>"open the problem"</dd>
                <dt><kbd>"a"</kbd></dt><dd>"accept the first suggested problem"</dd>
                <dt><kbd>"n"</kbd></dt><dd>"new problem"</dd>
                <dt><kbd>"/"</kbd></dt><dd>"filters"</dd>
                <dt><kbd>"?"</kbd></dt><dd>"this help"</dd>
                <dt><kbd>"Esc"</kbd></dt><dd>"close it"</dd>
            </dl>
        </details>
    }
}

#[cfg(feature = "hydrate")]
mod keys {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::HtmlElement;

    fn rows() -> Vec<HtmlElement> {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return Vec::new();
        };
        let Ok(list) = document.query_selector_all("[data-testid=problem-row]") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
            .collect()
    }

    fn click(selector: &str) {
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            element.click();
        }
    }

    /// Clicks the element matching `selector` inside `row`, if both exist.
    fn click_within(row: Option<&HtmlElement>, selector: &str) {
        if let Some(element) = row
            .and_then(|r| r.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            element.click();
        }
    }

    /// Handles the queue's keys while no form field has the focus.
    pub fn listen(help: RwSignal<bool>) {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let document = web_sys::window().and_then(|w| w.document());
            let active = document.as_ref().and_then(|d| d.active_element());
            let typing = active
                .as_ref()
                .map(|a| matches!(a.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
                .unwrap_or(false);
            if typing {
                return;
            }
            let rows = rows();
            let current = active
                .as_ref()
                .and_then(|a| rows.iter().position(|r| r.is_same_node(Some(a))));
            let focus = |i: usize| {
                if let Some(row) = rows.get(i) {
                    let _ = row.focus();
                }
            };
            match ev.key().as_str() {
                "j" => focus(current.map_or(0, |c| (c + 1).min(rows.len().saturating_sub(1)))),
                "k" => focus(current.map_or(0, |c| c.saturating_sub(1))),
                "x" => click_within(current.and_then(|c| rows.get(c)), ".select-row"),
                "o" | "Enter" => click_within(current.and_then(|c| rows.get(c)), ".row-link"),
                "a" => click("[data-testid=accept-suggestion]"),
                "n" => click("a[href='/problems/new']"),
                "/" => {
                    ev.prevent_default();
                    if let Some(select) = document
                        .and_then(|d| d.get_element_by_id("filter-state"))
                        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                    {
                        let _ = select.focus();
                    }
                }
                "?" => help.update(|h| *h = !*h),
                "Escape" => help.set(false),
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
}

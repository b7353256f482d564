//! One problem: its record and priority, the lifecycle moves, linked incidents, root causes,
//! workaround and fix, the known-error article, the fix's action items, the contributing factors
//! it came from, and its history.

use crate::components::Loaded;
use crate::components::web_address;
use leptos::prelude::*;

use crate::components::PageTitle;
use crate::components::resource;

use super::incidents_list::{SeverityBadge, StatusBadge};
use super::problem_new::ProblemFields;
use crate::api::problems::{
    AddRootCause, KnownErrorView, LinkAction, LinkIncidents, Named, ProblemView, PublishKnownError,
    RetireKnownError, SaveWorkaround, TransitionProblem, UnlinkIncident, UpdateProblem,
    get_problem,
};
use crate::components::{Can, ErrorNotice, Field, FieldKind, field_message, form_notice};
use shared::domain::Permission;
use shared::domain::postmortem::{ActionKind, ActionStatus};
use shared::domain::problem::{ProblemAction, ProblemCategory};

/// Every action of the page, so the problem reloads after any of them.
#[derive(Clone, Copy)]
struct Actions {
    transition: ServerAction<TransitionProblem>,
    update: ServerAction<UpdateProblem>,
    link: ServerAction<LinkIncidents>,
    unlink: ServerAction<UnlinkIncident>,
    link_action: ServerAction<LinkAction>,
    root_cause: ServerAction<AddRootCause>,
    workaround: ServerAction<SaveWorkaround>,
    publish: ServerAction<PublishKnownError>,
    retire: ServerAction<RetireKnownError>,
}

impl Actions {
    fn new() -> Self {
        Self {
            transition: ServerAction::new(),
            update: ServerAction::new(),
            link: ServerAction::new(),
            unlink: ServerAction::new(),
            link_action: ServerAction::new(),
            root_cause: ServerAction::new(),
            workaround: ServerAction::new(),
            publish: ServerAction::new(),
            retire: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes.
    fn version(&self) -> usize {
        self.transition.version().get()
            + self.update.version().get()
            + self.link.version().get()
            + self.unlink.version().get()
            + self.link_action.version().get()
            + self.root_cause.version().get()
            + self.workaround.version().get()
            + self.publish.version().get()
            + self.retire.version().get()
    }
}

/// The last error of one of the page's actions.
macro_rules! failed {
    ($action:expr) => {{
        let action = $action;
        Signal::derive(move || action.value().get().and_then(Result::err))
    }};
}

/// Loads the problem named in the address.
#[component]
pub fn ProblemPage() -> impl IntoView {
    let id = super::route::record_id();
    let actions = Actions::new();
    let problem = resource(move || (id(), actions.version()), |(id, _)| get_problem(id));
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                problem.await.map(|problem| view! { <Detail problem actions /> })
            })}
        </Loaded>
    }
}

#[component]
fn Detail(mut problem: ProblemView, actions: Actions) -> impl IntoView {
    let id = problem.id;
    // An ended problem cannot change: its page offers no edits the server would refuse.
    let ended = problem.state.has_ended();
    if ended {
        problem.can_triage = false;
        problem.can_manage_known_errors = false;
    }
    view! {
        <PageTitle text=format!("#{} {} · Problems · Postmortem", problem.id, problem.title) />
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/problems">"Problems"</a></nav>
        <div class="page-header">
            <div>
                <h1><span class="muted">"#" {id} " "</span>{problem.title.clone()}</h1>
                <p class="badges">
                    <span class="badge" data-testid="problem-state">{problem.state.label()}</span>
                    " "
                    <span class=format!("badge priority-{}", problem.priority.rank()) data-testid="problem-priority">{problem.priority.label()}</span>
                    " "
                    <span class="muted small">
                        {format!("impact {}, urgency {} · {}", problem.impact.label().to_lowercase(), problem.urgency.label().to_lowercase(), problem.category.label())}
                    </span>
                </p>
                <p class="muted small">
                    "Coordinator: " {problem.coordinator.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| "nobody yet".into())}
                    " · Services: " {if problem.services.is_empty() { "none recorded".to_owned() } else { problem.services.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ") }}
                </p>
            </div>
            <div class="actions">
                <Can permission=Permission::ManageGuardrails>
                    <a class="button" data-testid="guard-problem" href=format!("/guardrails/new?source=problem&id={id}")>"Add a guardrail"</a>
                </Can>
            </div>
        </div>
        {problem.duplicate_of.clone().map(|d| view! {
            <p class="alert" data-testid="duplicate-of">"Duplicate of " <a href=format!("/problems/{}", d.id)>"#" {d.id} " " {d.name}</a></p>
        })}
        {(!problem.resolution.is_empty()).then(|| view! {
            <p class="alert">"Resolution: " {problem.resolution.clone()}</p>
        })}
        {problem.known_error.clone().map(|article| view! { <KnownErrorArticle article /> })}
        {ended.then(|| view! {
            <p class="muted" data-testid="problem-ended">
                {format!("This problem is {}; it can no longer change.", problem.state.label().to_lowercase())}
            </p>
        })}
        {problem.can_triage.then(|| view! { <Lifecycle problem=problem.clone() actions /> })}
        <section aria-labelledby="section-statement">
            <h2 id="section-statement">"Problem statement"</h2>
            {if problem.statement.is_empty() {
                view! { <p class="muted">"No statement yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=problem.statement_html.clone()></div> }.into_any()
            }}
            {problem.can_triage.then(|| view! { <EditRecord problem=problem.clone() actions /> })}
        </section>
        <Incidents problem=problem.clone() actions />
        <RootCauses problem=problem.clone() actions />
        <Workaround problem=problem.clone() actions />
        <KnownErrorForm problem=problem.clone() actions />
        <Fix problem=problem.clone() actions />
        {(!problem.factors.is_empty()).then(|| view! {
            <section aria-labelledby="section-factors">
                <h2 id="section-factors">"Contributing factors"</h2>
                <ul class="plain">
                    {problem.factors.iter().map(|f| view! {
                        <li>{f.title.clone()} " · " <a href=format!("/postmortems/{}", f.postmortem_id)>{f.postmortem_title.clone()}</a></li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {(!problem.duplicates.is_empty()).then(|| view! {
            <section aria-labelledby="section-duplicates">
                <h2 id="section-duplicates">"Duplicates of this problem"</h2>
                <ul class="plain">
                    {problem.duplicates.iter().map(|d| view! { <li><a href=format!("/problems/{}", d.id)>"#" {d.id} " " {d.name.clone()}</a></li> }).collect_view()}
                </ul>
            </section>
        })}
        <section aria-labelledby="section-history">
            <h2 id="section-history">"History"</h2>
            <ol class="plain history" data-testid="problem-history">
                {problem.history.iter().map(|h| view! {
                    <li>
                        <span class="muted small">{h.at.format("%Y-%m-%d %H:%M").to_string()} " · " {h.actor.clone()}</span>
                        " "
                        {match (h.from_state, h.to_state) {
                            (Some(from), Some(to)) => format!("{} → {}. ", from.label(), to.label()),
                            _ => String::new(),
                        }}
                        {h.note.clone()}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn KnownErrorArticle(article: KnownErrorView) -> impl IntoView {
    view! {
        <section class="panel known-error" data-testid="known-error" aria-labelledby=format!("known-error-{}", article.problem_id)>
            <h2 id=format!("known-error-{}", article.problem_id)>
                "Known error"
                {(!article.valid).then(|| view! { " " <span class="badge badge-warn">"Expired"</span> })}
            </h2>
            <h3>"Symptoms"</h3>
            <div class="markdown" inner_html=article.symptoms_html.clone()></div>
            <h3>"Workaround"</h3>
            <div class="markdown" data-testid="workaround" inner_html=article.workaround_html.clone()></div>
            <p class="muted small">
                {article.runbook_url.as_deref().and_then(web_address).map(|url| view! { <a href=url rel="external noopener noreferrer">"Runbook"</a> " · " })}
                {article.valid_until.map(|d| format!("Valid until {d} · ")).unwrap_or_default()}
                "Published " {article.published_at.format("%Y-%m-%d").to_string()} " by " {article.published_by.clone()}
            </p>
        </section>
    }
}

/// The moves the problem can make now, each with only the fields it needs: a plain move is one
/// button; a move that needs a reason, the problem it duplicates, or a reason to resolve past the
/// pipeline-test guardrail opens its own small form.
#[component]
fn Lifecycle(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.transition);
    let guardrail = problem.possible_actions.contains(&ProblemAction::Resolve)
        && problem.open_pipeline_tests > 0;
    if problem.possible_actions.is_empty() {
        return view! { <p class="muted">"This problem has ended; nothing more happens to it."</p> }.into_any();
    }
    let id = problem.id;
    let open_tests = problem.open_pipeline_tests;
    let duplicate_choices = pairs(&problem.duplicate_candidates);
    let button = move |action: ProblemAction, primary: bool| {
        view! {
            <button
                type="submit"
                name="action"
                value=action.as_str()
                class="button"
                class:primary=primary
                data-testid=format!("move-{}", action.as_str())
            >
                {action.label()}
            </button>
        }
    };
    let possible = problem.possible_actions.clone();
    let plain: Vec<ProblemAction> = possible
        .iter()
        .copied()
        .filter(|a| {
            !a.needs_reason()
                && *a != ProblemAction::MarkDuplicate
                && !(*a == ProblemAction::Resolve && guardrail)
        })
        .collect();
    let with_reason: Vec<ProblemAction> = possible
        .iter()
        .copied()
        .filter(|a| a.needs_reason())
        .collect();
    let plain_moves = plain
        .into_iter()
        .map(|action| {
            view! {
                <ActionForm action=actions.transition attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    {button(action, true)}
                </ActionForm>
            }
        })
        .collect_view();
    // A move with fields of its own opens its small form; the moves that need a reason share one.
    let opened = move |testid: &'static str, summary: String, fields: AnyView, buttons: AnyView| {
        view! {
            <details class="lifecycle-move" data-testid=testid>
                <summary class="button">{summary}</summary>
                <ActionForm action=actions.transition attr:class="form">
                    <input type="hidden" name="id" value=id />
                    {fields}
                    <div class="actions">{buttons}</div>
                </ActionForm>
            </details>
        }
    };
    let resolve = (guardrail && possible.contains(&ProblemAction::Resolve)).then(|| {
        opened(
            "open-resolve",
            "Resolve…".into(),
            view! {
                <p class="alert" data-testid="guardrail">
                    {format!("{open_tests} pipeline-test action item{} of the fix {} still open.", if open_tests == 1 { "" } else { "s" }, if open_tests == 1 { "is" } else { "are" })}
                </p>
                <Field field="guardrail_reason" label="Resolve anyway because" value="" hint="Accepting the risk of resolving without those tests; audited." error=field_message(error, "guardrail_reason") />
            }
            .into_any(),
            button(ProblemAction::Resolve, false).into_any(),
        )
    });
    let duplicate = possible.contains(&ProblemAction::MarkDuplicate).then(|| {
        opened(
            "open-mark_duplicate",
            "Mark as duplicate…".into(),
            view! {
                <Field field="duplicate_of" label="Duplicate of problem" value="" placeholder="Type a title or number" hint="Pick from the open problems, those on the same services first." choices=duplicate_choices.clone() error=field_message(error, "duplicate_of") />
            }
            .into_any(),
            button(ProblemAction::MarkDuplicate, false).into_any(),
        )
    });
    let reasoned = (!with_reason.is_empty()).then(|| {
        let summary = format!(
            "{}…",
            with_reason.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")
        );
        let buttons = with_reason
            .iter()
            .map(|a| button(*a, false))
            .collect_view()
            .into_any();
        opened(
            "open-with-reason",
            summary,
            view! {
                <Field field="reason" label="Reason" value="" hint="Recorded in the history." error=field_message(error, "reason") />
            }
            .into_any(),
            buttons,
        )
    });
    let moves = view! { {plain_moves} {resolve} {duplicate} {reasoned} };
    view! {
        <section class="panel" aria-labelledby="section-lifecycle">
            <h2 id="section-lifecycle">"Move the problem on"</h2>
            <ErrorNotice error=form_notice(error) />
            <div class="actions lifecycle" data-testid="lifecycle-form">{moves}</div>
        </section>
    }
    .into_any()
}

#[component]
fn EditRecord(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.update);
    view! {
        <details>
            <summary>"Edit the record"</summary>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=actions.update attr:class="form">
                <input type="hidden" name="id" value=problem.id />
                <input type="hidden" name="version" value=problem.version />
                <ProblemFields form=problem.to_form() services=problem.all_services.clone() coordinators=problem.coordinators.clone() matrix=problem.matrix error=error.get_untracked() />
                <button type="submit" class="button primary">"Save"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn Incidents(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.link);
    let unlink_error = failed!(actions.unlink);
    let id = problem.id;
    let can = problem.can_triage;
    view! {
        <section aria-labelledby="section-incidents">
            <h2 id="section-incidents">"Incidents " <span class="badge">{problem.incidents.len()}</span></h2>
            <ErrorNotice error=unlink_error />
            <ul class="plain" data-testid="problem-incidents">
                {problem.incidents.iter().map(|i| {
                    let incident = i.id;
                    view! {
                        <li data-testid="problem-incident">
                            <a href=format!("/incidents/{incident}")>"#" {incident} " " {i.title.clone()}</a>
                            " " <SeverityBadge severity=i.severity /> " " <StatusBadge status=i.status />
                            " " <span class="muted small">{i.opened_at.format("%Y-%m-%d").to_string()}</span>
                            {i.recurrence.then(|| view! { " " <span class="badge badge-warn">"Recurrence"</span> })}
                            {can.then(|| view! {
                                <ActionForm action=actions.unlink attr:class="form inline">
                                    <input type="hidden" name="id" value=id />
                                    <input type="hidden" name="incident" value=incident />
                                    <button type="submit" class="button small">"Unlink"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {can.then(|| view! {
                <ActionForm action=actions.link attr:class="form inline">
                    <input type="hidden" name="id" value=id />
                    <Field field="incidents" label="Link incidents" value="" placeholder="e.g. 12, 15" error=field_message(error, "incidents") />
                    <button type="submit" class="button" data-testid="link-incidents">"Link"</button>
                </ActionForm>
                <ErrorNotice error=form_notice(error) />
            })}
        </section>
    }
}

#[component]
fn RootCauses(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.root_cause);
    let category_error = field_message(error, "category");
    view! {
        <section aria-labelledby="section-root-causes">
            <h2 id="section-root-causes">"Root causes"</h2>
            {if problem.root_causes.is_empty() {
                view! { <p class="muted">"Not known yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {problem.root_causes.iter().map(|c| view! {
                            <li class="panel" data-testid="root-cause">
                                <span class="badge">{c.category.label()}</span>
                                <div class="markdown" inner_html=c.description_html.clone()></div>
                                {(!c.evidence.is_empty()).then(|| view! {
                                    <p class="small">"Evidence:"</p>
                                    <ul class="small">{c.evidence.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
                                })}
                                <p class="muted small">{c.recorded_by.clone()} " · " {c.created_at.format("%Y-%m-%d").to_string()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {problem.can_triage.then(|| view! {
                <details open=problem.root_causes.is_empty()>
                    <summary>"Record a root cause"</summary>
                    <ErrorNotice error=form_notice(error) />
                    <ActionForm action=actions.root_cause attr:class="form">
                        <input type="hidden" name="id" value=problem.id />
                        <Field form="cause" field="description" label="Root cause" value="" kind=FieldKind::Multiline error=field_message(error, "description") />
                        <div class="field">
                            <label for="cause-category">"Category"</label>
                            <select id="cause-category" name="cause[category]">
                                {ProblemCategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                            </select>
                            {move || category_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                        </div>
                        <Field form="cause" field="evidence" label="Evidence" value="" kind=FieldKind::Multiline hint="One link or note per line: graphs, logs, commits, timeline entries." error=field_message(error, "evidence") />
                        <button type="submit" class="button primary" data-testid="add-root-cause">"Record root cause"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

#[component]
fn Workaround(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.workaround);
    view! {
        <section aria-labelledby="section-workaround">
            <h2 id="section-workaround">"Workaround and fix"</h2>
            <h3>"Workaround"</h3>
            {if problem.workaround.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=problem.workaround_html.clone()></div> }.into_any()
            }}
            <h3>"Fix"</h3>
            {if problem.fix.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=problem.fix_html.clone()></div> }.into_any()
            }}
            {problem.can_triage.then(|| view! {
                <details>
                    <summary>"Edit workaround and fix"</summary>
                    <ErrorNotice error=form_notice(error) />
                    <ActionForm action=actions.workaround attr:class="form">
                        <input type="hidden" name="id" value=problem.id />
                        <Field field="workaround" label="Workaround" value=problem.workaround.clone() kind=FieldKind::Multiline hint="Steps that restore service until the fix lands. Markdown." error=field_message(error, "workaround") />
                        <Field field="fix" label="Fix" value=problem.fix.clone() kind=FieldKind::Multiline hint="The permanent fix. Markdown." error=field_message(error, "fix") />
                        <button type="submit" class="button primary" data-testid="save-workaround">"Save"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

#[component]
fn KnownErrorForm(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.publish);
    let retire_error = failed!(actions.retire);
    if !problem.can_manage_known_errors {
        return ().into_any();
    }
    let current = problem.known_error.clone();
    let published = current.is_some();
    let symptoms = current
        .as_ref()
        .map(|a| a.symptoms.clone())
        .unwrap_or_else(|| problem.title.clone());
    let runbook = current
        .as_ref()
        .and_then(|a| a.runbook_url.clone())
        .unwrap_or_default();
    let valid_until = current
        .as_ref()
        .and_then(|a| a.valid_until)
        .map(|d| d.to_string())
        .unwrap_or_default();
    view! {
        <section aria-labelledby="section-publish-known-error">
            <h2 id="section-publish-known-error">{if published { "Update the known error" } else { "Publish a known error" }}</h2>
            <p class="muted">"When a new incident matches this problem (same service and alert, or similar text), its page shows the workaround at once."</p>
            <ErrorNotice error=form_notice(error) />
            <ActionForm action=actions.publish attr:class="form" attr:data-testid="known-error-form">
                <input type="hidden" name="id" value=problem.id />
                <Field form="article" field="symptoms" label="Symptoms" value=symptoms kind=FieldKind::Multiline hint="What people see when this problem strikes." error=field_message(error, "symptoms") />
                <Field form="article" field="workaround" label="Workaround steps" value=problem.workaround.clone() kind=FieldKind::Multiline error=field_message(error, "workaround") />
                <Field form="article" field="runbook_url" label="Runbook" value=runbook kind=FieldKind::Url placeholder="https://…" error=field_message(error, "runbook_url") />
                <Field form="article" field="valid_until" label="Valid until" value=valid_until hint="YYYY-MM-DD; empty for no end." error=field_message(error, "valid_until") />
                <button type="submit" class="button primary" data-testid="publish-known-error">"Publish known error"</button>
            </ActionForm>
            {published.then(|| view! {
                <ActionForm action=actions.retire attr:class="form inline">
                    <input type="hidden" name="id" value=problem.id />
                    <button type="submit" class="button">"Retire the article"</button>
                </ActionForm>
                <ErrorNotice error=retire_error />
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Fix(problem: ProblemView, actions: Actions) -> impl IntoView {
    let error = failed!(actions.link_action);
    view! {
        <section aria-labelledby="section-fix-items">
            <h2 id="section-fix-items">"Action items of the fix"</h2>
            {if problem.actions.is_empty() {
                view! { <p class="muted">"None linked."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {problem.actions.iter().map(|a| view! {
                            <li data-testid="fix-item">
                                <a href=format!("/postmortems/{}#action-{}", a.postmortem_id, a.id)>"#" {a.id} " " {a.title.clone()}</a>
                                " " <span class="badge">{a.kind.label()}</span>
                                " " <span class="badge" class:badge-warn=a.kind == ActionKind::PipelineTest && a.status != ActionStatus::Done>{a.status.label()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {problem.can_triage.then(|| view! {
                <ActionForm action=actions.link_action attr:class="form inline">
                    <input type="hidden" name="id" value=problem.id />
                    <Field field="action_item" label="Link action item" value="" placeholder="Type a title or number" hint="Pick from the action items, those of postmortems on this problem's incidents first." choices=pairs(&problem.action_candidates) error=field_message(error, "action_item") />
                    <button type="submit" class="button">"Link"</button>
                </ActionForm>
                <ErrorNotice error=form_notice(error) />
            })}
        </section>
    }
}

/// Records as a pick list's (number, label) pairs.
fn pairs(records: &[Named]) -> Vec<(i64, String)> {
    records.iter().map(|r| (r.id, r.name.clone())).collect()
}

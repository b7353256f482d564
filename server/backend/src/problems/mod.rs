//! Problem storage: recording and editing problems, reading one with everything linked to it,
//! root causes, workaround and fix, and the history every change writes.

pub mod known_errors;
pub mod lifecycle;
pub mod links;
pub mod picks;
pub mod triage;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::audit::{self, Actor, Subject};
use super::auth::CurrentUser;
use super::entities::action_item::{self, Entity as ActionItem};
use super::entities::contributing_factor::{self, Entity as Factor};
use super::entities::incident::{self, Entity as Incident};
use super::entities::postmortem::{self, Entity as Postmortem};
use super::entities::problem::{self, Entity as Problem};
use super::entities::problem_factor::{self, Entity as ProblemFactor};
use super::entities::problem_history::{self, Entity as History};
use super::entities::problem_incident::{self, Entity as ProblemIncident};
use super::entities::problem_service::{self, Entity as ProblemService};
use super::entities::root_cause::{self, Entity as RootCause};
use super::entities::service::{self, Entity as Service};
use super::entities::user::{self, Entity as User};
use super::markdown::render_markdown;
use super::postmortems::user_name;
use super::{AppError, AppState};
use shared::domain::audit::AuditAction;
use shared::domain::incident::Severity;
use shared::domain::postmortem::{ActionKind, ActionStatus};
use shared::domain::problem::{
    Level, Priority, PriorityMatrix, ProblemDraft, ProblemState, RootCauseDraft, TEXT_MAX,
    possible_actions,
};
use shared::wire::problems::{
    ChoicesView, HistoryEntry, LinkedAction, LinkedFactor, LinkedIncident, Named, ProblemView,
    RootCauseView,
};

/// The problem with this id, or 404.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<problem::Model, AppError> {
    Problem::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("problem"))
}

/// The stored state of a problem.
pub fn state_of(problem: &problem::Model) -> ProblemState {
    problem.state
}

/// The stored priority as a [`Priority`].
pub fn priority_of(problem: &problem::Model) -> Priority {
    u8::try_from(problem.priority)
        .ok()
        .and_then(Priority::new)
        .unwrap_or(Priority::new(3).expect("3 is a priority"))
}

/// The audit subject of a problem.
fn subject(problem: &problem::Model) -> Subject<'_> {
    Subject {
        entity_type: "problem",
        entity_id: problem.id.to_string(),
        label: &problem.title,
    }
}

/// Appends one entry to a problem's history.
pub async fn record(
    db: &impl ConnectionTrait,
    problem_id: i64,
    actor: &Actor,
    kind: &str,
    states: Option<(ProblemState, ProblemState)>,
    note: &str,
) -> Result<(), AppError> {
    problem_history::ActiveModel {
        problem_id: Set(problem_id),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.clone()),
        kind: Set(kind.to_owned()),
        from_state: Set(states.map(|(from, _)| from.as_str().to_owned())),
        to_state: Set(states.map(|(_, to)| to.as_str().to_owned())),
        note: Set(note.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Checks that every id names a service, naming the first that does not.
async fn check_services(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = Service::find()
        .filter(service::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|s| s.id == **id)) {
        return Err(AppError::field(
            "services",
            &format!("There is no service #{missing}."),
        ));
    }
    Ok(())
}

/// Checks that the coordinator is an active account.
async fn check_coordinator(db: &impl ConnectionTrait, id: Option<i64>) -> Result<(), AppError> {
    let Some(id) = id else { return Ok(()) };
    match User::find_by_id(id).one(db).await? {
        Some(u) if u.disabled_at.is_none() => Ok(()),
        _ => Err(AppError::field(
            "coordinator",
            "The coordinator must be a person with an active account.",
        )),
    }
}

async fn set_services(
    db: &impl ConnectionTrait,
    problem_id: i64,
    ids: &[i64],
) -> Result<(), AppError> {
    ProblemService::delete_many()
        .filter(problem_service::Column::ProblemId.eq(problem_id))
        .exec(db)
        .await?;
    for id in ids {
        problem_service::ActiveModel {
            problem_id: Set(problem_id),
            service_id: Set(*id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Records a new problem (state New) with its services and incidents.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    draft: &ProblemDraft,
    incidents: &[i64],
    note: &str,
) -> Result<i64, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let id = insert(&txn, &state.settings.priority_matrix, &user.actor(), draft).await?;
    links::link_incident_ids(&txn, id, incidents).await?;
    record(&txn, id, &user.actor(), "created", None, note).await?;
    txn.commit().await?;
    tracing::info!(id, "problem recorded");
    Ok(id)
}

/// Inserts a problem row and its services; the caller links incidents and writes history.
pub async fn insert(
    db: &impl ConnectionTrait,
    matrix: &PriorityMatrix,
    actor: &Actor,
    draft: &ProblemDraft,
) -> Result<i64, AppError> {
    check_services(db, &draft.services).await?;
    check_coordinator(db, draft.coordinator).await?;
    let now = Utc::now();
    let created = problem::ActiveModel {
        title: Set(draft.title.clone()),
        statement: Set(draft.statement.clone()),
        category: Set(draft.category),
        impact: Set(draft.impact),
        urgency: Set(draft.urgency),
        priority: Set(i16::from(
            matrix.priority(draft.impact, draft.urgency).rank(),
        )),
        state: Set(ProblemState::New),
        coordinator_id: Set(draft.coordinator),
        duplicate_of_id: Set(None),
        workaround: Set(String::new()),
        fix: Set(String::new()),
        resolution: Set(String::new()),
        created_by: Set(actor.id),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(db)
    .await?;
    set_services(db, created.id, &draft.services).await?;
    audit::record(
        db,
        actor,
        AuditAction::ProblemCreated,
        subject(&created),
        None,
        Some(&created),
    )
    .await?;
    Ok(created.id)
}

/// Saves an edit made from `version`; a stale version is a conflict, nothing is overwritten.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i32,
    draft: &ProblemDraft,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let before = find(&txn, id).await?;
    if before.version != version {
        return Err(AppError::Conflict(
            "Someone else changed this problem since you opened it. Reload to see their \
             change, then edit again."
                .into(),
        ));
    }
    check_services(&txn, &draft.services).await?;
    check_coordinator(&txn, draft.coordinator).await?;
    let priority = state
        .settings
        .priority_matrix
        .priority(draft.impact, draft.urgency);
    let mut row: problem::ActiveModel = before.clone().into();
    row.title = Set(draft.title.clone());
    row.statement = Set(draft.statement.clone());
    row.category = Set(draft.category);
    row.impact = Set(draft.impact);
    row.urgency = Set(draft.urgency);
    row.priority = Set(i16::from(priority.rank()));
    row.coordinator_id = Set(draft.coordinator);
    row.version = Set(version + 1);
    row.updated_at = Set(Utc::now());
    let after = row.update(&txn).await?;
    set_services(&txn, id, &draft.services).await?;
    let mut changes = Vec::new();
    if before.priority != after.priority {
        changes.push(format!("priority P{} → {priority}", before.priority));
    }
    if before.coordinator_id != after.coordinator_id {
        changes.push("coordinator changed".to_owned());
    }
    if before.title != after.title {
        changes.push("title changed".to_owned());
    }
    let note = if changes.is_empty() {
        "Record edited.".to_owned()
    } else {
        format!("Record edited: {}.", changes.join(", "))
    };
    record(&txn, id, &user.actor(), "edited", None, &note).await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::ProblemUpdated,
        subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Bumps the version and update time of a problem whose linked records changed.
pub async fn touch(db: &impl ConnectionTrait, id: i64) -> Result<(), AppError> {
    Problem::update_many()
        .col_expr(
            problem::Column::Version,
            Expr::col(problem::Column::Version).add(1),
        )
        .col_expr(problem::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(problem::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a root cause.
pub async fn add_root_cause(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    draft: &RootCauseDraft,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let problem = find(&txn, id).await?;
    refuse_if_ended(&problem)?;
    let cause = root_cause::ActiveModel {
        problem_id: Set(id),
        description: Set(draft.description.clone()),
        category: Set(draft.category),
        evidence: Set(draft.evidence.join("\n")),
        actor_label: Set(user.display_name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, id).await?;
    record(
        &txn,
        id,
        &user.actor(),
        "root_cause",
        None,
        &format!("Root cause recorded ({}).", draft.category.label()),
    )
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::ProblemRootCauseAdded,
        subject(&problem),
        None,
        Some(&cause),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Saves the workaround and the fix.
pub async fn save_workaround(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    workaround: &str,
    fix: &str,
) -> Result<(), AppError> {
    for (field, text) in [("workaround", workaround), ("fix", fix)] {
        if text.trim().chars().count() > TEXT_MAX {
            return Err(AppError::field(
                field,
                &format!("Keep the {field} under {TEXT_MAX} characters."),
            ));
        }
    }
    let txn = crate::db::begin_write(db).await?;
    let before = find(&txn, id).await?;
    refuse_if_ended(&before)?;
    let mut row: problem::ActiveModel = before.clone().into();
    row.workaround = Set(workaround.trim().to_owned());
    row.fix = Set(fix.trim().to_owned());
    row.version = Set(before.version + 1);
    row.updated_at = Set(Utc::now());
    let after = row.update(&txn).await?;
    record(
        &txn,
        id,
        &user.actor(),
        "workaround",
        None,
        "Workaround and fix updated.",
    )
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::ProblemWorkaroundSaved,
        subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Refuses changes to a problem that has ended (duplicate, risk accepted, cancelled).
pub fn refuse_if_ended(problem: &problem::Model) -> Result<(), AppError> {
    let state = state_of(problem);
    if state.has_ended() {
        return Err(AppError::Conflict(format!(
            "This problem is {}; it can no longer change.",
            state.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Active people by name, for coordinator choices and names.
pub async fn people(db: &impl ConnectionTrait) -> Result<Vec<Named>, AppError> {
    Ok(User::find()
        .filter(user::Column::DisabledAt.is_null())
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?
        .iter()
        .map(|u| Named {
            id: u.id,
            name: user_name(u),
        })
        .collect())
}

/// Every service in the catalog (archived ones too, so old links keep their names).
pub async fn services(db: &impl ConnectionTrait) -> Result<Vec<Named>, AppError> {
    Ok(Service::find()
        .order_by_asc(service::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Named {
            id: s.id,
            name: s.name,
        })
        .collect())
}

/// What the new-problem form offers.
pub async fn choices(state: &AppState) -> Result<ChoicesView, AppError> {
    Ok(ChoicesView {
        services: services(&state.db).await?,
        coordinators: people(&state.db).await?,
        matrix: state.settings.priority_matrix,
    })
}

/// Service ids per problem.
pub async fn services_of(
    db: &impl ConnectionTrait,
    problem_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, AppError> {
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in ProblemService::find()
        .filter(problem_service::Column::ProblemId.is_in(problem_ids.to_vec()))
        .all(db)
        .await?
    {
        map.entry(row.problem_id).or_default().push(row.service_id);
    }
    Ok(map)
}

/// Pipeline-test action items of the problem's fix that are not done.
pub async fn open_pipeline_tests(db: &impl ConnectionTrait, id: i64) -> Result<usize, AppError> {
    let items = ActionItem::find()
        .filter(action_item::Column::ProblemId.eq(id))
        .filter(action_item::Column::Kind.eq(ActionKind::PipelineTest.as_str()))
        .all(db)
        .await?;
    Ok(items
        .iter()
        .filter(|a| a.status != ActionStatus::Done)
        .count())
}

/// One problem with everything linked to it.
pub async fn view(state: &AppState, id: i64) -> Result<ProblemView, AppError> {
    let db = &state.db;
    let problem = find(db, id).await?;
    let all_services = services(db).await?;
    let people = people(db).await?;
    let name_of = |list: &[Named], id: i64| {
        list.iter().find(|n| n.id == id).cloned().unwrap_or(Named {
            id,
            name: format!("#{id}"),
        })
    };
    let service_ids = services_of(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let links = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.eq(id))
        .all(db)
        .await?;
    let incident_rows = Incident::find()
        .filter(incident::Column::Id.is_in(links.iter().map(|l| l.incident_id).collect::<Vec<_>>()))
        .order_by_desc(incident::Column::OpenedAt)
        .all(db)
        .await?;
    let incidents = incident_rows
        .into_iter()
        .map(|i| LinkedIncident {
            id: i.id,
            recurrence: links.iter().any(|l| l.incident_id == i.id && l.recurrence),
            title: i.title,
            severity: Severity::from_rank(i.severity),
            status: i.status,
            opened_at: i.opened_at,
        })
        .collect();
    let root_causes = RootCause::find()
        .filter(root_cause::Column::ProblemId.eq(id))
        .order_by_asc(root_cause::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| RootCauseView {
            id: c.id,
            description_html: render_markdown(&c.description),
            description: c.description,
            category: c.category,
            evidence: c.evidence.lines().map(str::to_owned).collect(),
            recorded_by: c.actor_label,
            created_at: c.created_at,
        })
        .collect();
    let factor_ids: Vec<i64> = ProblemFactor::find()
        .filter(problem_factor::Column::ProblemId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.factor_id)
        .collect();
    let factor_rows = Factor::find()
        .filter(contributing_factor::Column::Id.is_in(factor_ids))
        .all(db)
        .await?;
    let pm_titles: HashMap<i64, String> = Postmortem::find()
        .filter(
            postmortem::Column::Id.is_in(
                factor_rows
                    .iter()
                    .map(|f| f.postmortem_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let factors = factor_rows
        .into_iter()
        .map(|f| LinkedFactor {
            id: f.id,
            postmortem_title: pm_titles.get(&f.postmortem_id).cloned().unwrap_or_default(),
            postmortem_id: f.postmortem_id,
            title: f.title,
        })
        .collect();
    let actions: Vec<LinkedAction> = ActionItem::find()
        .filter(action_item::Column::ProblemId.eq(id))
        .order_by_asc(action_item::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| LinkedAction {
            id: a.id,
            kind: a.kind,
            status: a.status,
            postmortem_id: a.postmortem_id,
            title: a.title,
        })
        .collect();
    let open_pipeline_tests = actions
        .iter()
        .filter(|a| a.kind == ActionKind::PipelineTest && a.status != ActionStatus::Done)
        .count();
    let duplicates = Problem::find()
        .filter(problem::Column::DuplicateOfId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| Named {
            id: p.id,
            name: p.title,
        })
        .collect();
    let duplicate_of = match problem.duplicate_of_id {
        Some(other) => Problem::find_by_id(other).one(db).await?.map(|p| Named {
            id: p.id,
            name: p.title,
        }),
        None => None,
    };
    let history = History::find()
        .filter(problem_history::Column::ProblemId.eq(id))
        .order_by_desc(problem_history::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|h| HistoryEntry {
            at: h.created_at,
            actor: h.actor_label,
            kind: h.kind,
            from_state: h.from_state.as_deref().and_then(ProblemState::parse),
            to_state: h.to_state.as_deref().and_then(ProblemState::parse),
            note: h.note,
        })
        .collect();
    let current = state_of(&problem);
    let incident_ids: Vec<i64> = links.iter().map(|l| l.incident_id).collect();
    let action_candidates = picks::action_items(db, id, &incident_ids).await?;
    let duplicate_candidates = picks::duplicate_targets(db, id, &service_ids).await?;
    Ok(ProblemView {
        id,
        statement_html: render_markdown(&problem.statement),
        workaround_html: render_markdown(&problem.workaround),
        fix_html: render_markdown(&problem.fix),
        category: problem.category,
        impact: problem.impact,
        urgency: problem.urgency,
        priority: priority_of(&problem),
        state: current,
        coordinator: problem.coordinator_id.map(|c| name_of(&people, c)),
        duplicate_of,
        duplicates,
        services: service_ids
            .iter()
            .map(|s| name_of(&all_services, *s))
            .collect(),
        incidents,
        root_causes,
        factors,
        actions,
        known_error: known_errors::article(db, &problem).await?,
        history,
        possible_actions: possible_actions(current),
        open_pipeline_tests,
        version: problem.version,
        created_at: problem.created_at,
        matrix: state.settings.priority_matrix,
        all_services,
        coordinators: people,
        action_candidates,
        duplicate_candidates,
        can_triage: false,
        can_manage_known_errors: false,
        title: problem.title,
        statement: problem.statement,
        workaround: problem.workaround,
        fix: problem.fix,
        resolution: problem.resolution,
    })
}

/// Re-derives every stored priority from `matrix` (after the configured matrix changed).
pub async fn reprioritise(
    db: &DatabaseConnection,
    matrix: &PriorityMatrix,
) -> Result<u64, AppError> {
    let mut changed = 0;
    for impact in Level::ALL {
        for urgency in Level::ALL {
            let priority = i16::from(matrix.priority(*impact, *urgency).rank());
            changed += Problem::update_many()
                .col_expr(problem::Column::Priority, Expr::value(priority))
                .filter(problem::Column::Impact.eq(impact.as_str()))
                .filter(problem::Column::Urgency.eq(urgency.as_str()))
                .filter(problem::Column::Priority.ne(priority))
                .exec(db)
                .await?
                .rows_affected;
        }
    }
    Ok(changed)
}

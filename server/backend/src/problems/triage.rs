//! The triage queue: problems sorted by priority and age with filters and counts per state,
//! suggested problems from recurring incidents that no problem covers, accepting a suggestion,
//! and bulk moves applied to several problems in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{find, people, priority_of, record, services, services_of, state_of, touch};
use crate::auth::CurrentUser;
use crate::entities::dismissed_suggestion::{self, Entity as DismissedSuggestion};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::known_error::{self, Entity as KnownError};
use crate::entities::problem::{self, Entity as Problem};
use crate::entities::problem_incident::{self, Entity as ProblemIncident};
use crate::entities::problem_service::{self, Entity as ProblemService};
use crate::{AppError, AppState};
use shared::domain::audit::AuditAction;
use shared::domain::incident::Severity;
use shared::domain::problem::{
    Level, ProblemAction, ProblemCategory, ProblemDraft, ProblemState, parse_level,
};
use shared::domain::recurrence::{IncidentSignal, Params, groups};
use shared::wire::problems::{Named, ProblemRow, QueueFilter, QueueView, Suggestion};

/// How far back the queue looks for recurring incidents.
const SUGGESTION_DAYS: i64 = 90;
/// The most recent incidents the queue groups (the grouping itself is linear; this bounds the
/// page's database read).
const SUGGESTION_INCIDENTS: u64 = 20_000;
/// Suggestions shown at once.
const SUGGESTIONS_SHOWN: usize = 20;

/// The queue for `filter`.
pub async fn queue(state: &AppState, filter: &QueueFilter) -> Result<QueueView, AppError> {
    let db = &state.db;
    let all_services = services(db).await?;
    let coordinators = people(db).await?;
    let counts = counts(db).await?;
    let mut query = Problem::find();
    match filter.state.trim() {
        "" => {
            let open: Vec<&str> = ProblemState::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.as_str())
                .collect();
            query = query.filter(problem::Column::State.is_in(open));
        }
        "all" => {}
        other => {
            let state = ProblemState::parse(other)
                .ok_or_else(|| AppError::field("state", "Choose a state from the list."))?;
            query = query.filter(problem::Column::State.eq(state.as_str()));
        }
    }
    let service = optional_id(&filter.service, "service")?;
    if let Some(service) = service {
        query = query.filter(
            problem::Column::Id.in_subquery(
                Query::select()
                    .column(problem_service::Column::ProblemId)
                    .from(ProblemService)
                    .and_where(Expr::col(problem_service::Column::ServiceId).eq(service))
                    .to_owned(),
            ),
        );
    }
    if let Some(coordinator) = optional_id(&filter.coordinator, "coordinator")? {
        query = query.filter(problem::Column::CoordinatorId.eq(coordinator));
    }
    match filter.priority.trim().trim_start_matches(['P', 'p']) {
        "" => {}
        p => {
            let p = p
                .parse::<i16>()
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or_else(|| AppError::field("priority", "Choose a priority from P1 to P5."))?;
            query = query.filter(problem::Column::Priority.eq(p));
        }
    }
    let problems = query
        .order_by_asc(problem::Column::Priority)
        .order_by_asc(problem::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    let ids: Vec<i64> = problems.iter().map(|p| p.id).collect();
    let services_by_problem = services_of(db, &ids).await?;
    let links = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.is_in(ids.clone()))
        .all(db)
        .await?;
    let known: HashSet<i64> = KnownError::find()
        .filter(known_error::Column::ProblemId.is_in(ids.clone()))
        .filter(known_error::Column::RetiredAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|k| k.problem_id)
        .collect();
    let name = |list: &[Named], id: i64| list.iter().find(|n| n.id == id).cloned();
    let now = Utc::now();
    let rows = problems
        .iter()
        .map(|p| {
            let state = state_of(p);
            let mine = links.iter().filter(|l| l.problem_id == p.id);
            let recurred = match (state, p.resolved_at) {
                (ProblemState::Resolved | ProblemState::Closed, Some(resolved)) => mine
                    .clone()
                    .filter(|l| l.recurrence && l.linked_at > resolved)
                    .count(),
                _ => 0,
            };
            ProblemRow {
                id: p.id,
                title: p.title.clone(),
                state,
                priority: priority_of(p),
                impact: p.impact,
                urgency: p.urgency,
                services: services_by_problem
                    .get(&p.id)
                    .map(|s| s.iter().filter_map(|s| name(&all_services, *s)).collect())
                    .unwrap_or_default(),
                coordinator: p.coordinator_id.and_then(|c| name(&coordinators, c)),
                incidents: mine.count(),
                created_at: p.created_at,
                age_days: (now - p.created_at).num_days(),
                known_error: known.contains(&p.id),
                recurred_after_resolution: recurred,
            }
        })
        .collect();
    let suggestions = suggestions(db, service, &all_services).await?;
    Ok(QueueView {
        problems: rows,
        suggestions,
        counts,
        services: all_services,
        coordinators,
        matrix: state.settings.priority_matrix,
        can_triage: false,
    })
}

fn optional_id(input: &str, what: &str) -> Result<Option<i64>, AppError> {
    match input.trim() {
        "" => Ok(None),
        id => id
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::field(what, &format!("Choose a {what} from the list."))),
    }
}

/// Problems per state, every state listed.
async fn counts(db: &DatabaseConnection) -> Result<Vec<(ProblemState, usize)>, AppError> {
    let rows: Vec<(String, i64)> = Problem::find()
        .select_only()
        .column(problem::Column::State)
        .column_as(problem::Column::Id.count(), "n")
        .group_by(problem::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ProblemState::ALL
        .iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(state, _)| state == s.as_str())
                .map(|(_, n)| usize::try_from(*n).unwrap_or_default())
                .unwrap_or_default();
            (*s, n)
        })
        .collect())
}

/// Recent incidents that no problem covers, grouped by recurrence.
async fn suggestions(
    db: &DatabaseConnection,
    service: Option<i64>,
    all_services: &[Named],
) -> Result<Vec<Suggestion>, AppError> {
    let since = Utc::now() - Duration::days(SUGGESTION_DAYS);
    let incidents = Incident::find()
        .filter(incident::Column::OpenedAt.gte(since))
        .filter(
            incident::Column::Id.not_in_subquery(
                Query::select()
                    .column(problem_incident::Column::IncidentId)
                    .from(ProblemIncident)
                    .to_owned(),
            ),
        )
        .filter(
            incident::Column::Id.not_in_subquery(
                Query::select()
                    .column(dismissed_suggestion::Column::IncidentId)
                    .from(DismissedSuggestion)
                    .to_owned(),
            ),
        )
        .order_by_desc(incident::Column::OpenedAt)
        .limit(SUGGESTION_INCIDENTS)
        .all(db)
        .await?;
    let mut first_service: HashMap<i64, i64> = HashMap::new();
    for chunk in incidents.chunks(1_000) {
        for row in IncidentService::find()
            .filter(
                incident_service::Column::IncidentId
                    .is_in(chunk.iter().map(|i| i.id).collect::<Vec<_>>()),
            )
            .order_by_asc(incident_service::Column::ServiceId)
            .all(db)
            .await?
        {
            first_service
                .entry(row.incident_id)
                .or_insert(row.service_id);
        }
    }
    let signals: Vec<IncidentSignal> = incidents
        .iter()
        .filter(|i| service.is_none() || first_service.get(&i.id) == service.as_ref())
        .map(|i| IncidentSignal {
            id: i.id,
            service_id: first_service.get(&i.id).copied(),
            fingerprint: i.fingerprint.clone(),
            title: i.title.clone(),
            summary: i.summary.clone(),
            opened_at: i.opened_at,
        })
        .collect();
    let titles: HashMap<i64, &str> = incidents.iter().map(|i| (i.id, i.title.as_str())).collect();
    Ok(groups(&signals, &Params::default())
        .into_iter()
        .take(SUGGESTIONS_SHOWN)
        .map(|g| Suggestion {
            key: g
                .incident_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            service: g
                .service_id
                .and_then(|s| all_services.iter().find(|n| n.id == s).cloned()),
            incidents: g
                .incident_ids
                .iter()
                .map(|id| Named {
                    id: *id,
                    name: titles.get(id).copied().unwrap_or_default().to_owned(),
                })
                .collect(),
            span_days: g.span_days(),
            last_at: g.last_at,
            reason: g.reason,
        })
        .collect())
}

/// Accepts a suggestion: a new problem for the incidents, none of which may have one already.
pub async fn accept(
    state: &AppState,
    user: &CurrentUser,
    incident_ids: &[i64],
) -> Result<i64, AppError> {
    if incident_ids.len() < 2 {
        return Err(AppError::field(
            "incidents",
            "A suggested problem groups at least two incidents.",
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(taken) = ProblemIncident::find()
        .filter(problem_incident::Column::IncidentId.is_in(incident_ids.to_vec()))
        .one(&txn)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "Incident #{} is already linked to problem #{}; this suggestion was taken. Reload \
             the queue.",
            taken.incident_id, taken.problem_id
        )));
    }
    let incidents = Incident::find()
        .filter(incident::Column::Id.is_in(incident_ids.to_vec()))
        .order_by_asc(incident::Column::OpenedAt)
        .all(&txn)
        .await?;
    if incidents.len() != incident_ids.len() {
        return Err(AppError::field(
            "incidents",
            "Some of these incidents no longer exist.",
        ));
    }
    let mut services: Vec<i64> = IncidentService::find()
        .filter(incident_service::Column::IncidentId.is_in(incident_ids.to_vec()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.service_id)
        .collect();
    services.sort_unstable();
    services.dedup();
    let worst = incidents
        .iter()
        .map(|i| Severity::from_rank(i.severity))
        .min()
        .unwrap_or(Severity::Sev4);
    let impact = match worst {
        Severity::Sev1 | Severity::Sev2 => Level::High,
        Severity::Sev3 => Level::Medium,
        Severity::Sev4 => Level::Low,
    };
    let urgency = if incidents.len() >= 5 {
        Level::High
    } else {
        Level::Medium
    };
    let first = &incidents[0];
    let title: String = format!("Recurring: {}", first.title)
        .chars()
        .take(shared::domain::problem::TITLE_MAX)
        .collect();
    let listing: String = incidents
        .iter()
        .map(|i| {
            format!(
                "- #{} {} ({})\n",
                i.id,
                i.title,
                i.opened_at.format("%Y-%m-%d")
            )
        })
        .collect();
    let draft = ProblemDraft {
        title,
        statement: format!(
            "{} incidents that look alike, found by recurrence detection:\n\n{listing}",
            incidents.len()
        ),
        category: ProblemCategory::Unknown,
        impact,
        urgency,
        services,
        coordinator: Some(user.id),
    };
    let actor = user.actor();
    let id = super::insert(&txn, &state.settings.priority_matrix, &actor, &draft).await?;
    super::links::link_incident_ids(&txn, id, incident_ids).await?;
    record(
        &txn,
        id,
        &actor,
        "created",
        None,
        &format!(
            "Accepted from the triage queue's suggestions with {}.",
            super::links::numbered(incident_ids)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Dismisses a suggestion: its incidents are not a recurring problem, and the queue stops
/// suggesting them (they can still be linked to a problem by hand). Audited per incident.
pub async fn dismiss(
    db: &DatabaseConnection,
    user: &CurrentUser,
    incident_ids: &[i64],
    reason: &str,
) -> Result<usize, AppError> {
    if incident_ids.is_empty() {
        return Err(AppError::field(
            "incidents",
            "Give the suggestion's incidents.",
        ));
    }
    let reason = reason.trim();
    if reason.chars().count() > shared::domain::problem::REASON_MAX {
        return Err(AppError::field("reason", "Keep the reason short."));
    }
    let txn = crate::db::begin_write(db).await?;
    let found = Incident::find()
        .filter(incident::Column::Id.is_in(incident_ids.to_vec()))
        .all(&txn)
        .await?;
    if found.len() != incident_ids.len() {
        return Err(AppError::field(
            "incidents",
            "Some of these incidents no longer exist.",
        ));
    }
    let already: Vec<i64> = DismissedSuggestion::find()
        .filter(dismissed_suggestion::Column::IncidentId.is_in(incident_ids.to_vec()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| d.incident_id)
        .collect();
    let now = Utc::now();
    for incident in &found {
        if already.contains(&incident.id) {
            continue;
        }
        let row = dismissed_suggestion::ActiveModel {
            incident_id: Set(incident.id),
            actor_label: Set(user.display_name.clone()),
            reason: Set(reason.to_owned()),
            dismissed_at: Set(now),
        }
        .insert(&txn)
        .await?;
        crate::audit::record(
            &txn,
            &user.actor(),
            AuditAction::IncidentSuggestionDismissed,
            crate::audit::Subject {
                entity_type: "incident",
                entity_id: incident.id.to_string(),
                label: &incident.title,
            },
            None,
            Some(&row),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(found.len() - already.len())
}

/// One move applied to several problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BulkOperation {
    Link(Vec<i64>),
    Levels(Level, Level),
    Assign(Option<i64>),
    Duplicate(String),
}

impl BulkOperation {
    /// The operation named `operation`, with the fields it needs checked.
    pub fn parse(
        operation: &str,
        incidents: &str,
        impact: &str,
        urgency: &str,
        coordinator: &str,
        duplicate_of: &str,
    ) -> Result<Self, AppError> {
        match operation {
            "link" => {
                let ids = shared::domain::problem::parse_ids(incidents, "incident")
                    .map_err(|e| AppError::field("incidents", &e))?;
                if ids.is_empty() {
                    return Err(AppError::field("incidents", "Give the incidents to link."));
                }
                Ok(Self::Link(ids))
            }
            "levels" => Ok(Self::Levels(
                parse_level(impact, "impact").map_err(|e| AppError::field("impact", &e))?,
                parse_level(urgency, "urgency").map_err(|e| AppError::field("urgency", &e))?,
            )),
            "assign" => Ok(Self::Assign(optional_id(coordinator, "coordinator")?)),
            "duplicate" => Ok(Self::Duplicate(duplicate_of.to_owned())),
            _ => Err(AppError::field(
                "operation",
                "Choose what to do with the selected problems.",
            )),
        }
    }
}

/// Applies `op` to every problem in `ids`, all or nothing; an error names the problem.
pub async fn bulk(
    state: &AppState,
    user: &CurrentUser,
    ids: &[i64],
    op: &BulkOperation,
) -> Result<usize, AppError> {
    if ids.is_empty() {
        return Err(AppError::field("problems", "Select at least one problem."));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    for id in ids {
        apply_one(state, &txn, user, *id, op)
            .await
            .map_err(|e| name_problem(*id, e))?;
    }
    txn.commit().await?;
    Ok(ids.len())
}

async fn apply_one(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    user: &CurrentUser,
    id: i64,
    op: &BulkOperation,
) -> Result<(), AppError> {
    let problem = find(txn, id).await?;
    match op {
        BulkOperation::Link(incidents) => {
            super::refuse_if_ended(&problem)?;
            super::links::link_incident_ids(txn, id, incidents).await?;
            touch(txn, id).await?;
            let note = format!("Linked {} (bulk).", super::links::numbered(incidents));
            record(txn, id, &user.actor(), "link", None, &note).await?;
        }
        BulkOperation::Levels(impact, urgency) => {
            let priority = state.settings.priority_matrix.priority(*impact, *urgency);
            Problem::update_many()
                .col_expr(problem::Column::Impact, Expr::value(impact.as_str()))
                .col_expr(problem::Column::Urgency, Expr::value(urgency.as_str()))
                .col_expr(
                    problem::Column::Priority,
                    Expr::value(i16::from(priority.rank())),
                )
                .filter(problem::Column::Id.eq(id))
                .exec(txn)
                .await?;
            touch(txn, id).await?;
            let note = format!(
                "Impact {}, urgency {}: priority {priority} (bulk).",
                impact.label().to_lowercase(),
                urgency.label().to_lowercase()
            );
            record(txn, id, &user.actor(), "edited", None, &note).await?;
        }
        BulkOperation::Assign(coordinator) => {
            super::check_coordinator(txn, *coordinator).await?;
            Problem::update_many()
                .col_expr(problem::Column::CoordinatorId, Expr::value(*coordinator))
                .filter(problem::Column::Id.eq(id))
                .exec(txn)
                .await?;
            touch(txn, id).await?;
            record(
                txn,
                id,
                &user.actor(),
                "edited",
                None,
                "Coordinator assigned (bulk).",
            )
            .await?;
        }
        BulkOperation::Duplicate(target) => {
            super::lifecycle::apply_in(txn, user, id, ProblemAction::MarkDuplicate, "", target, "")
                .await?;
        }
    }
    Ok(())
}

/// Prefixes a message with the problem it is about.
fn name_problem(id: i64, error: AppError) -> AppError {
    match error {
        AppError::Validation(mut errors) => {
            for e in &mut errors.0 {
                e.message = format!("Problem #{id}: {}", e.message);
            }
            AppError::Validation(errors)
        }
        AppError::Conflict(message) => AppError::Conflict(format!("Problem #{id}: {message}")),
        AppError::NotFound(_) => {
            AppError::field("problems", &format!("There is no problem #{id}."))
        }
        other => other,
    }
}

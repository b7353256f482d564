//! The policy's input document: the change as reported, and what the app knows about its
//! service (open incidents by severity, the SLO and the error budget left, overdue pipeline
//! tests promised by postmortems, active known errors, the recent change failure rate), the
//! active guardrails and the freeze windows. Each list is bounded, so a decision's work does not
//! grow with the size of the history. The README documents the schema.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use crate::AppError;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::deployment::{self, Entity as Deployment};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_deployment::{self, Entity as IncidentDeployment};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::known_error::{self, Entity as KnownError};
use crate::entities::problem::{self, Entity as Problem};
use crate::entities::problem_service::{self, Entity as ProblemService};
use crate::entities::service;
use shared::domain::IncidentStatus;
use shared::domain::change::ChangeDraft;
use shared::domain::deployment::PRODUCTION;
use shared::domain::guardrail::error_budget_left;
use shared::domain::metrics::change_failure_rate;
use shared::domain::postmortem::{ActionKind, ActionStatus};

/// Most open incidents (the most severe, newest first), overdue pipeline tests (the longest
/// overdue first) and known errors the policy reads: enough for any rule about them, and a
/// bound on each decision's work however many there are.
pub const INPUT_LIST_MAX: u64 = 50;
/// The window of the error budget and the change failure rate.
pub const WINDOW_DAYS: i64 = 30;
/// Most incidents of the window counted against the error budget.
const BUDGET_INCIDENTS_MAX: u64 = 1_000;

/// What the policy reads: the change, and what the app knows about its service.
pub async fn document(
    db: &impl ConnectionTrait,
    service: &service::Model,
    draft: &ChangeDraft,
) -> Result<Value, AppError> {
    let now = Utc::now();
    let open = most_severe_open(db, service.id).await?;
    let error_budget = match service.slo_target {
        Some(target) => Some(budget_left(db, service.id, target, &open).await?),
        None => None,
    };
    let open_incidents: Vec<Value> = open
        .iter()
        .map(|i| json!({"id": i.id, "severity": i.severity, "title": i.title}))
        .collect();
    let (deployments, failed) = deployments_and_failures(db, service.id).await?;
    Ok(json!({
        "change": draft_json(draft),
        "service": {
            "id": service.id,
            "slug": service.slug,
            "name": service.name,
            "team": service.team,
            "open_incidents": open_incidents,
            "slo_target": service.slo_target,
            "error_budget_left": error_budget,
            "overdue_pipeline_tests": overdue_pipeline_tests(db, service.id).await?,
            "known_errors": known_errors(db, service.id).await?,
            "deployments_30d": deployments,
            "change_failure_rate": change_failure_rate(deployments, failed),
        },
        "guardrails": super::guardrails::input_for(db, service.id).await?,
        "freezes": super::guardrails::freezes_for(db, service.id, now).await?,
        "now": now.to_rfc3339(),
    }))
}

/// An open incident as the policy reads it.
struct Open {
    id: i64,
    severity: i16,
    title: String,
    opened_at: DateTime<Utc>,
    impact_started_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
}

/// The service's most severe open incidents, newest first within a severity, at most
/// [`INPUT_LIST_MAX`]. The service's own rows carry their incident's status, severity and times,
/// so one short index range per open status finds them, however many incidents other services
/// have open or this one has closed; only their titles are read from the incidents.
async fn most_severe_open(
    db: &impl ConnectionTrait,
    service_id: i64,
) -> Result<Vec<Open>, AppError> {
    let mut found: Vec<incident_service::Model> = Vec::new();
    for status in IncidentStatus::ALL.iter().copied().filter(|s| s.is_open()) {
        found.extend(
            IncidentService::find()
                .filter(incident_service::Column::ServiceId.eq(service_id))
                .filter(incident_service::Column::Status.eq(status))
                .order_by_asc(incident_service::Column::Severity)
                .order_by_desc(incident_service::Column::OpenedAt)
                .limit(INPUT_LIST_MAX)
                .all(db)
                .await?,
        );
    }
    found.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.opened_at.cmp(&a.opened_at))
    });
    found.truncate(INPUT_LIST_MAX as usize);
    let titles: HashMap<i64, String> = Incident::find()
        .select_only()
        .columns([incident::Column::Id, incident::Column::Title])
        .filter(incident::Column::Id.is_in(found.iter().map(|row| row.incident_id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(found
        .into_iter()
        .map(|row| Open {
            id: row.incident_id,
            severity: row.severity,
            title: titles.get(&row.incident_id).cloned().unwrap_or_default(),
            opened_at: row.opened_at,
            impact_started_at: row.impact_started_at,
            mitigated_at: row.mitigated_at,
        })
        .collect())
}

/// An incident's opening, impact start, mitigation and resolution.
type ImpactRow = (
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The share of the error budget left over the window: the impact of the service's incidents
/// opened in it (the newest [`BUDGET_INCIDENTS_MAX`], read from the service's rows alone), and
/// of those still open (from `open`), against what the SLO allows.
async fn budget_left(
    db: &impl ConnectionTrait,
    service_id: i64,
    target: f64,
    open: &[Open],
) -> Result<f64, AppError> {
    let now = Utc::now();
    let window = Duration::days(WINDOW_DAYS);
    let rows: Vec<ImpactRow> = IncidentService::find()
        .select_only()
        .columns([
            incident_service::Column::OpenedAt,
            incident_service::Column::ImpactStartedAt,
            incident_service::Column::MitigatedAt,
            incident_service::Column::ResolvedAt,
        ])
        .filter(incident_service::Column::ServiceId.eq(service_id))
        .filter(incident_service::Column::OpenedAt.gte(now - window))
        .order_by_desc(incident_service::Column::OpenedAt)
        .limit(BUDGET_INCIDENTS_MAX)
        .into_tuple()
        .all(db)
        .await?;
    // An open incident of the window comes twice; the budget counts overlapping time once.
    let impacts: Vec<_> = rows
        .into_iter()
        .map(|(opened, impact, mitigated, resolved)| {
            (impact.unwrap_or(opened), mitigated.or(resolved))
        })
        .chain(
            open.iter()
                .map(|i| (i.impact_started_at.unwrap_or(i.opened_at), i.mitigated_at)),
        )
        .collect();
    Ok(error_budget_left(target, window, now, &impacts))
}

/// Open pipeline tests of the service past their due date, the longest overdue first.
async fn overdue_pipeline_tests(
    db: &impl ConnectionTrait,
    service_id: i64,
) -> Result<Vec<Value>, AppError> {
    let today = Utc::now().date_naive();
    Ok(ActionItem::find()
        .filter(action_item::Column::ServiceId.eq(service_id))
        .filter(action_item::Column::Kind.eq(ActionKind::PipelineTest))
        .filter(action_item::Column::Status.eq(ActionStatus::Open))
        .filter(action_item::Column::DueOn.lt(today))
        .order_by_asc(action_item::Column::DueOn)
        .limit(INPUT_LIST_MAX)
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id,
                "title": a.title,
                "postmortem_id": a.postmortem_id,
                "problem_id": a.problem_id,
                "due_on": a.due_on.map(|d| d.to_string()),
            })
        })
        .collect())
}

/// Problems on the service with a known error not retired (the newest first).
async fn known_errors(db: &impl ConnectionTrait, service_id: i64) -> Result<Vec<Value>, AppError> {
    let known = Query::select()
        .column(known_error::Column::ProblemId)
        .from(KnownError)
        .and_where(Expr::col(known_error::Column::RetiredAt).is_null())
        .to_owned();
    let on_service = Query::select()
        .column(problem_service::Column::ProblemId)
        .from(ProblemService)
        .and_where(Expr::col(problem_service::Column::ServiceId).eq(service_id))
        .to_owned();
    let rows: Vec<(i64, String)> = Problem::find()
        .select_only()
        .columns([problem::Column::Id, problem::Column::Title])
        .filter(problem::Column::Id.in_subquery(known))
        .filter(problem::Column::Id.in_subquery(on_service))
        .order_by_desc(problem::Column::Id)
        .limit(INPUT_LIST_MAX)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title)| {
            json!({
                "problem_id": id,
                "title": title,
                "links": [format!("/problems/{id}")],
            })
        })
        .collect())
}

/// Successful production deployments of the service in the window, and how many of them an
/// incident was linked to (the dashboard's change failure rate, for one service).
async fn deployments_and_failures(
    db: &impl ConnectionTrait,
    service_id: i64,
) -> Result<(u64, u64), AppError> {
    let counted = || {
        Deployment::find()
            .filter(deployment::Column::ServiceId.eq(service_id))
            .filter(deployment::Column::DeployedAt.gte(Utc::now() - Duration::days(WINDOW_DAYS)))
            .filter(deployment::Column::Status.eq("success"))
            .filter(deployment::Column::Environment.is_in(PRODUCTION))
    };
    let deployments = counted().count(db).await?;
    if deployments == 0 {
        return Ok((0, 0));
    }
    let failing = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(IncidentDeployment)
            .and_where(
                Expr::col((
                    IncidentDeployment,
                    incident_deployment::Column::DeploymentId,
                ))
                .equals((Deployment, deployment::Column::Id)),
            )
            .and_where(
                Expr::col((IncidentDeployment, incident_deployment::Column::DismissedBy)).is_null(),
            )
            .to_owned(),
    );
    let failed = counted().filter(failing).count(db).await?;
    Ok((deployments, failed))
}

fn draft_json(draft: &ChangeDraft) -> Value {
    json!({
        "environment": draft.environment,
        "kind": draft.kind.as_str(),
        "commit": draft.commit,
        "branch": draft.branch,
        "pull_request": draft.pull_request.as_ref().map(|pr| json!({"number": pr.number, "url": pr.url})),
        "author": draft.author,
        "title": draft.title,
        "paths": draft.paths,
        "labels": draft.labels,
        "checks": draft.checks.iter().map(|c| json!({"name": c.name, "status": c.status.as_str(), "url": c.url})).collect::<Vec<_>>(),
    })
}

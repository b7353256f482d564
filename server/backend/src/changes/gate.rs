//! The gate: a pipeline reports a change, the app gathers what it knows about the service (open
//! incidents, overdue pipeline tests promised by postmortems), the policy decides, and the change
//! is stored with its decision. A repeat of the same service, environment and commit answers the
//! change already decided.

use std::sync::LazyLock;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::policy::{DEFAULT_POLICY, Policy, PolicyError};
use crate::audit::Actor;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::change::{self, Entity as Change};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::service;
use crate::{AppError, AppState};
use shared::domain::IncidentStatus;
use shared::domain::audit::AuditAction;
use shared::domain::change::{
    ChangeDraft, Decided, Decision, Reason, ReviewOutcome, awaits_review, decide,
    effective_decision,
};
use shared::domain::postmortem::{ActionKind, ActionStatus};

/// What the gate answers a pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GateAnswer {
    pub id: i64,
    /// `allow`, `review` or `deny`, as pipelines read it: for a change sent to review, the
    /// reviewer's decision once there is one.
    #[serde(serialize_with = "crate::entities::as_key")]
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    /// Whether the change waits for a person (an emergency change is reviewed after the fact).
    pub awaiting_review: bool,
    /// The review, once someone gave it.
    pub review: Option<ReviewAnswer>,
    /// The change's page.
    pub url: String,
    /// False for a repeat of a change already decided.
    #[serde(skip)]
    pub created: bool,
}

/// A person's review, as the pipeline reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewAnswer {
    #[serde(serialize_with = "crate::entities::as_key")]
    pub outcome: ReviewOutcome,
    pub by: String,
    pub comment: Option<String>,
}

/// Decides and stores a reported change, or answers the one already stored for its service,
/// environment and commit.
pub async fn report(
    state: &AppState,
    draft: &ChangeDraft,
    reported_by: &Actor,
) -> Result<GateAnswer, AppError> {
    let (row, created) = decide_and_store(&state.db, draft, reported_by).await?;
    Ok(answer(state, row, created))
}

/// Decides and stores a reported change; with whether it is new (false: the change already
/// stored for its service, environment and commit).
pub async fn decide_and_store(
    db: &sea_orm::DatabaseConnection,
    draft: &ChangeDraft,
    reported_by: &Actor,
) -> Result<(change::Model, bool), AppError> {
    let service = crate::services::find_reported(db, &draft.service).await?;
    if let Some(found) = existing(db, service.id, draft).await? {
        return Ok((found, false));
    }
    let input = input_document(db, &service, draft).await?;
    let decided = evaluate(&input, draft);
    let now = Utc::now();
    let row = change::ActiveModel {
        service_id: Set(service.id),
        environment: Set(draft.environment.clone()),
        kind: Set(draft.kind),
        commit_sha: Set(draft.commit.clone()),
        branch: Set(draft.branch.clone()),
        pull_request: Set(draft
            .pull_request
            .as_ref()
            .map(|pr| i64::try_from(pr.number).unwrap_or(i64::MAX))),
        pull_request_url: Set(draft.pull_request.as_ref().and_then(|pr| pr.url.clone())),
        author: Set(draft.author.clone()),
        title: Set(draft.title.clone()),
        paths: Set(to_json(&draft.paths)),
        labels: Set(to_json(&draft.labels)),
        checks: Set(to_json(&draft.checks)),
        decision: Set(decided.decision),
        reasons: Set(to_json(&decided.reasons)),
        reported_by: Set(reported_by.label.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match store(db, row, reported_by).await {
        Ok(stored) => Ok((stored, true)),
        // The same change reported twice at once: the other request stored it first.
        Err(error) => match existing(db, service.id, draft).await? {
            Some(found) => Ok((found, false)),
            None => Err(error),
        },
    }
}

/// Stores a decided change with its audit event.
async fn store(
    db: &sea_orm::DatabaseConnection,
    row: change::ActiveModel,
    reported_by: &Actor,
) -> Result<change::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let stored = row.insert(&txn).await?;
    crate::audit::record(
        &txn,
        reported_by,
        AuditAction::ChangeDecided,
        super::records::subject(&stored),
        None,
        Some(&stored),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

/// A change's reasons as stored.
pub fn reasons_of(row: &change::Model) -> Vec<Reason> {
    serde_json::from_str(&row.reasons).unwrap_or_default()
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub fn answer(state: &AppState, row: change::Model, created: bool) -> GateAnswer {
    let base = state
        .settings
        .public_base_url
        .as_str()
        .trim_end_matches('/');
    let review = match (row.review_outcome, &row.reviewed_by) {
        (Some(outcome), Some(by)) => Some(ReviewAnswer {
            outcome,
            by: by.clone(),
            comment: row.review_comment.clone(),
        }),
        _ => None,
    };
    GateAnswer {
        id: row.id,
        decision: effective_decision(row.decision, row.review_outcome),
        reasons: reasons_of(&row),
        awaiting_review: awaits_review(row.kind, row.decision, row.review_outcome),
        review,
        url: format!("{base}/changes/{}", row.id),
        created,
    }
}

async fn existing(
    db: &impl ConnectionTrait,
    service_id: i64,
    draft: &ChangeDraft,
) -> Result<Option<change::Model>, AppError> {
    Ok(Change::find()
        .filter(change::Column::ServiceId.eq(service_id))
        .filter(change::Column::Environment.eq(&draft.environment))
        .filter(change::Column::CommitSha.eq(&draft.commit))
        .one(db)
        .await?)
}

/// The default policy, compiled once for the process; each decision evaluates a clone of it.
static DEFAULT: LazyLock<Result<Policy, PolicyError>> =
    LazyLock::new(|| Policy::compile(DEFAULT_POLICY));

/// Runs the policy; a policy that fails asks for review, naming the failure.
fn evaluate(input: &Value, draft: &ChangeDraft) -> Decided {
    let findings = DEFAULT
        .clone()
        .and_then(|mut policy| policy.findings(input));
    match findings {
        Ok(findings) => decide(draft.kind, findings),
        Err(error) => {
            tracing::error!(%error, "the change policy failed");
            let message = match error {
                PolicyError::Invalid(m) | PolicyError::Failed(m) => m,
            };
            Decided {
                decision: Decision::Review,
                reasons: vec![Reason {
                    rule: "policy_error".into(),
                    message: format!("The policy could not decide: {message}"),
                    links: Vec::new(),
                }],
            }
        }
    }
}

/// Most open incidents (the most severe, newest first) and overdue pipeline tests (the longest
/// overdue first) the policy reads: enough for any rule about them, and a bound on each
/// decision's work however many there are.
pub const INPUT_LIST_MAX: u64 = 50;

/// The service's most severe open incidents, newest first within a severity, at most
/// [`INPUT_LIST_MAX`]. One query per open status, each walking the status's incidents in
/// (severity, opened) order and stopping at enough on this service, so the work is bounded by
/// how many it needs, not by how many are open.
async fn most_severe_open(
    db: &impl ConnectionTrait,
    service_id: i64,
) -> Result<Vec<incident::Model>, AppError> {
    let mut found = Vec::new();
    for status in IncidentStatus::ALL
        .iter()
        .copied()
        .filter(|s| *s != IncidentStatus::Resolved)
    {
        let on_service = Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(IncidentService)
                .and_where(
                    Expr::col((IncidentService, incident_service::Column::IncidentId))
                        .equals((Incident, incident::Column::Id)),
                )
                .and_where(
                    Expr::col((IncidentService, incident_service::Column::ServiceId))
                        .eq(service_id),
                )
                .to_owned(),
        );
        found.extend(
            Incident::find()
                .filter(incident::Column::Status.eq(status))
                .filter(on_service)
                .order_by_asc(incident::Column::Severity)
                .order_by_desc(incident::Column::OpenedAt)
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
    Ok(found)
}

/// What the policy reads: the change, and what the app knows about its service.
pub async fn input_document(
    db: &impl ConnectionTrait,
    service: &service::Model,
    draft: &ChangeDraft,
) -> Result<Value, AppError> {
    let open_incidents: Vec<Value> = most_severe_open(db, service.id)
        .await?
        .into_iter()
        .map(|i| json!({"id": i.id, "severity": i.severity, "title": i.title}))
        .collect();
    let today = Utc::now().date_naive();
    let overdue: Vec<Value> = ActionItem::find()
        .filter(action_item::Column::ServiceId.eq(service.id))
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
                "due_on": a.due_on.map(|d| d.to_string()),
            })
        })
        .collect();
    Ok(json!({
        "change": draft_json(draft),
        "service": {
            "id": service.id,
            "slug": service.slug,
            "name": service.name,
            "open_incidents": open_incidents,
            "overdue_pipeline_tests": overdue,
            "error_budget_left": null,
        },
        "freezes": [],
    }))
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

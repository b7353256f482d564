//! Known errors: publishing and retiring a problem's article, and matching each new incident
//! against known errors and resolved problems (same service and alert, or similar text), so the
//! incident shows the workaround at once and the problem records the recurrence.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{find, record, state_of, subject, touch};
use crate::AppError;
use crate::audit::{self, Actor};
use crate::auth::CurrentUser;
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_alert::{self, Entity as IncidentAlert};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::known_error::{self, Entity as KnownError};
use crate::entities::problem::{self, Entity as Problem};
use crate::entities::problem_incident::{self, Entity as ProblemIncident};
use crate::entities::problem_service::{self, Entity as ProblemService};
use crate::entities::root_cause::{self, Entity as RootCause};
use crate::markdown::render_markdown;
use shared::domain::audit::AuditAction;
use shared::domain::problem::{KnownErrorDraft, ProblemState, known_error_valid};
use shared::domain::recurrence::similarity;
use shared::wire::problems::{IncidentLinks, KnownErrorMatch, KnownErrorView};

/// Lowest text similarity at which a new incident matches a known error.
pub const MATCH_THRESHOLD: f64 = 0.6;
/// How long after resolution a recurrence still suggests re-analysis.
const RESOLVED_LOOKBACK_DAYS: i64 = 180;

/// Publishes the problem's known-error article; the workaround steps become the problem's.
pub async fn publish(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    draft: &KnownErrorDraft,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let before = find(&txn, id).await?;
    if matches!(
        state_of(&before),
        ProblemState::Duplicate | ProblemState::Cancelled
    ) {
        return Err(AppError::Conflict(format!(
            "This problem is {}; publish the known error on the problem that carries the work.",
            state_of(&before).label().to_lowercase()
        )));
    }
    let has_root_cause = RootCause::find()
        .filter(root_cause::Column::ProblemId.eq(id))
        .one(&txn)
        .await?
        .is_some();
    if !has_root_cause {
        return Err(AppError::field(
            "symptoms",
            "Record the root cause first: a known error is a problem whose cause is understood.",
        ));
    }
    let mut row: problem::ActiveModel = before.clone().into();
    row.workaround = Set(draft.workaround.clone());
    row.version = Set(before.version + 1);
    row.updated_at = Set(Utc::now());
    let after = row.update(&txn).await?;
    KnownError::delete_by_id(id).exec(&txn).await?;
    let article = known_error::ActiveModel {
        problem_id: Set(id),
        symptoms: Set(draft.symptoms.clone()),
        runbook_url: Set(draft.runbook_url.clone()),
        valid_until: Set(draft.valid_until),
        actor_label: Set(user.display_name.clone()),
        published_at: Set(Utc::now()),
        retired_at: Set(None),
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        id,
        &user.actor(),
        "known_error",
        None,
        "Known-error article published.",
    )
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::ProblemKnownErrorPublished,
        subject(&after),
        None,
        Some(&article),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Retires the article: it stays readable on the problem but no longer matches incidents.
pub async fn retire(db: &DatabaseConnection, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let problem = find(&txn, id).await?;
    let article = KnownError::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.retired_at.is_none())
        .ok_or(AppError::NotFound("published known error"))?;
    let mut row: known_error::ActiveModel = article.into();
    row.retired_at = Set(Some(Utc::now()));
    row.update(&txn).await?;
    touch(&txn, id).await?;
    record(
        &txn,
        id,
        &user.actor(),
        "known_error",
        None,
        "Known-error article retired.",
    )
    .await?;
    audit::record::<()>(
        &txn,
        &user.actor(),
        AuditAction::ProblemKnownErrorRetired,
        subject(&problem),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn article_view(problem: &problem::Model, row: known_error::Model) -> KnownErrorView {
    KnownErrorView {
        problem_id: problem.id,
        problem_title: problem.title.clone(),
        symptoms_html: render_markdown(&row.symptoms),
        symptoms: row.symptoms,
        workaround_html: render_markdown(&problem.workaround),
        runbook_url: row.runbook_url,
        valid_until: row.valid_until,
        published_at: row.published_at,
        published_by: row.actor_label,
        valid: row.retired_at.is_none() && known_error_valid(row.valid_until, Utc::now()),
    }
}

/// The problem's published (not retired) article.
pub async fn article(
    db: &impl ConnectionTrait,
    problem: &problem::Model,
) -> Result<Option<KnownErrorView>, AppError> {
    Ok(KnownError::find_by_id(problem.id)
        .one(db)
        .await?
        .filter(|a| a.retired_at.is_none())
        .map(|row| article_view(problem, row)))
}

/// The problems an incident is linked to, and the valid known errors among them.
pub async fn for_incident(
    db: &DatabaseConnection,
    incident_id: i64,
) -> Result<IncidentLinks, AppError> {
    let links = ProblemIncident::find()
        .filter(problem_incident::Column::IncidentId.eq(incident_id))
        .all(db)
        .await?;
    let problems = Problem::find()
        .filter(problem::Column::Id.is_in(links.iter().map(|l| l.problem_id).collect::<Vec<_>>()))
        .order_by_asc(problem::Column::Id)
        .all(db)
        .await?;
    let mut known_errors = Vec::new();
    for problem in &problems {
        if let Some(article) = article(db, problem).await?.filter(|a| a.valid) {
            let recurrence = links
                .iter()
                .any(|l| l.problem_id == problem.id && l.recurrence);
            known_errors.push(KnownErrorMatch {
                article,
                reason: if recurrence {
                    "Matched this known error when the incident came in.".into()
                } else {
                    "Linked to this problem.".into()
                },
            });
        }
    }
    Ok(IncidentLinks {
        problems: problems
            .iter()
            .map(|p| (p.id, p.title.clone(), state_of(p)))
            .collect(),
        known_errors,
    })
}

/// A problem a new incident may recur: one with a valid known error, or one resolved lately.
struct Candidate {
    problem: problem::Model,
    known_error: Option<known_error::Model>,
    services: HashSet<i64>,
}

/// Matches a just-inserted incident against known errors and recently resolved problems, and
/// links it to each problem it recurs (in the caller's transaction). Returns the problem ids.
pub async fn match_new_incident(
    db: &impl ConnectionTrait,
    incident: &incident::Model,
    service_ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    let mut by_service: Vec<i64> = if service_ids.is_empty() {
        Vec::new()
    } else {
        ProblemService::find()
            .filter(problem_service::Column::ServiceId.is_in(service_ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.problem_id)
            .collect()
    };
    let mut same_alert: HashSet<i64> = HashSet::new();
    if let Some(fingerprint) = incident.fingerprint.as_deref().filter(|f| !f.is_empty()) {
        let earlier: Vec<i64> = IncidentAlert::find()
            .filter(incident_alert::Column::Fingerprint.eq(fingerprint))
            .filter(incident_alert::Column::IncidentId.ne(incident.id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.incident_id)
            .collect();
        if !earlier.is_empty() {
            same_alert = ProblemIncident::find()
                .filter(problem_incident::Column::IncidentId.is_in(earlier))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.problem_id)
                .collect();
        }
    }
    by_service.extend(same_alert.iter().copied());
    by_service.sort_unstable();
    by_service.dedup();
    if by_service.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = candidates(db, &by_service).await?;
    let texts = [
        incident.title.clone(),
        format!("{} {}", incident.title, incident.summary),
    ];
    let mut matched = Vec::new();
    for candidate in candidates {
        let shares_service = candidate.services.is_empty()
            || service_ids.iter().any(|s| candidate.services.contains(s));
        let reason = if same_alert.contains(&candidate.problem.id) && shares_service {
            Some("the same alert".to_owned())
        } else if shares_service && !service_ids.is_empty() {
            let score = best_similarity(db, &candidate, &texts).await?;
            (score >= MATCH_THRESHOLD)
                .then(|| format!("similar text ({:.0} % alike)", score * 100.0))
        } else {
            None
        };
        let Some(reason) = reason else { continue };
        let id = candidate.problem.id;
        problem_incident::ActiveModel {
            problem_id: Set(id),
            incident_id: Set(incident.id),
            recurrence: Set(true),
            linked_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
        let state = state_of(&candidate.problem);
        let note = if matches!(state, ProblemState::Resolved | ProblemState::Closed) {
            format!(
                "Incident #{} recurred after resolution ({reason}); consider re-analysis.",
                incident.id
            )
        } else {
            format!(
                "Incident #{} matched the known error ({reason}).",
                incident.id
            )
        };
        record(
            db,
            id,
            &Actor::system("recurrence detection"),
            "recurrence",
            None,
            &note,
        )
        .await?;
        touch(db, id).await?;
        matched.push(id);
    }
    if !matched.is_empty() {
        tracing::info!(incident = incident.id, problems = ?matched, "incident matched known problems");
    }
    Ok(matched)
}

async fn candidates(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Candidate>, AppError> {
    let now = Utc::now();
    let problems = Problem::find()
        .filter(problem::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let mut articles: HashMap<i64, known_error::Model> = KnownError::find()
        .filter(known_error::Column::ProblemId.is_in(ids.to_vec()))
        .filter(known_error::Column::RetiredAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|a| known_error_valid(a.valid_until, now))
        .map(|a| (a.problem_id, a))
        .collect();
    let mut services: HashMap<i64, HashSet<i64>> = HashMap::new();
    for row in ProblemService::find()
        .filter(problem_service::Column::ProblemId.is_in(ids.to_vec()))
        .all(db)
        .await?
    {
        services
            .entry(row.problem_id)
            .or_default()
            .insert(row.service_id);
    }
    let recent = now - Duration::days(RESOLVED_LOOKBACK_DAYS);
    Ok(problems
        .into_iter()
        .filter_map(|problem| {
            let state = state_of(&problem);
            let known_error = articles
                .remove(&problem.id)
                .filter(|_| !matches!(state, ProblemState::Duplicate | ProblemState::Cancelled));
            let resolved_lately = matches!(state, ProblemState::Resolved | ProblemState::Closed)
                && problem.resolved_at.is_some_and(|at| at >= recent);
            (known_error.is_some() || resolved_lately).then(|| Candidate {
                services: services.remove(&problem.id).unwrap_or_default(),
                problem,
                known_error,
            })
        })
        .collect())
}

/// How alike the incident's text is to the problem: its title, its known error's symptoms and
/// the titles of its incidents, whichever is closest.
async fn best_similarity(
    db: &impl ConnectionTrait,
    candidate: &Candidate,
    incident: &[String],
) -> Result<f64, AppError> {
    let mut texts = vec![candidate.problem.title.clone()];
    if let Some(article) = &candidate.known_error {
        texts.push(article.symptoms.clone());
    }
    let linked: Vec<i64> = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.eq(candidate.problem.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    texts.extend(
        Incident::find()
            .filter(incident::Column::Id.is_in(linked))
            .order_by_desc(incident::Column::OpenedAt)
            .all(db)
            .await?
            .into_iter()
            .take(50)
            .map(|i| i.title),
    );
    Ok(texts
        .iter()
        .flat_map(|t| incident.iter().map(move |i| similarity(t, i)))
        .fold(0.0, f64::max))
}

/// The services of an incident, for matching.
pub async fn incident_services(
    db: &impl ConnectionTrait,
    incident_id: i64,
) -> Result<Vec<i64>, AppError> {
    Ok(IncidentService::find()
        .filter(incident_service::Column::IncidentId.eq(incident_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.service_id)
        .collect())
}

//! The services an action item of a postmortem may belong to, and the one it takes when nobody
//! chose (the rule is [`shared::domain::action_service::default_service`]).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::AppError;
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::postmortem_incident::{self, Entity as PostmortemIncident};
use crate::entities::problem_service::{self, Entity as ProblemService};
use crate::entities::service::{self, Entity as Service};
use shared::domain::action_service::{ServiceChoice, default_service, in_list_order};

/// How many of the postmortem's incidents affect each service, by service id.
pub async fn affected(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
) -> Result<HashMap<i64, u32>, AppError> {
    let incidents: Vec<i64> = PostmortemIncident::find()
        .filter(postmortem_incident::Column::PostmortemId.eq(postmortem_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    let mut affected: HashMap<i64, u32> = HashMap::new();
    for link in IncidentService::find()
        .filter(incident_service::Column::IncidentId.is_in(incidents))
        .all(db)
        .await?
    {
        *affected.entry(link.service_id).or_default() += 1;
    }
    Ok(affected)
}

/// Every active service, with how many of the postmortem's incidents affect it and whether the
/// problem (if any) names it; in the order an editor lists them.
pub async fn choices(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
    problem_id: Option<i64>,
) -> Result<Vec<ServiceChoice>, AppError> {
    let affected = affected(db, postmortem_id).await?;
    let of_problem: Vec<i64> = match problem_id {
        Some(id) => ProblemService::find()
            .filter(problem_service::Column::ProblemId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.service_id)
            .collect(),
        None => Vec::new(),
    };
    let mut choices: Vec<ServiceChoice> = Service::find()
        .filter(service::Column::ArchivedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|s| ServiceChoice {
            affected: affected.get(&s.id).copied().unwrap_or(0),
            of_problem: of_problem.contains(&s.id),
            repository: s.repository.filter(|r| !r.trim().is_empty()),
            id: s.id,
            name: s.name,
        })
        .collect();
    in_list_order(&mut choices);
    Ok(choices)
}

/// The service an item of the postmortem (fixing `problem_id`, if any) takes by default.
pub async fn default_for(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
    problem_id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    Ok(default_service(
        &choices(db, postmortem_id, problem_id).await?,
    ))
}

/// Checks a chosen service: it must exist and be active (an item keeps an archived service it
/// already had).
pub async fn check_chosen(
    db: &impl ConnectionTrait,
    chosen: i64,
    current: Option<i64>,
) -> Result<bool, AppError> {
    let Some(found) = Service::find_by_id(chosen).one(db).await? else {
        return Ok(false);
    };
    Ok(found.archived_at.is_none() || current == Some(chosen))
}

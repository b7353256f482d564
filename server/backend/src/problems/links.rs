//! What a problem links to: its incidents (each once), the action items of its fix, and the
//! contributing factor it was promoted from.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{find, record, refuse_if_ended, touch};
use crate::auth::CurrentUser;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::contributing_factor::{self, Entity as Factor};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::incident_service::{self, Entity as IncidentService};
use crate::entities::postmortem_incident::{self, Entity as PostmortemIncident};
use crate::entities::problem;
use crate::entities::problem_factor;
use crate::entities::problem_incident::{self, Entity as ProblemIncident};
use crate::{AppError, AppState};
use shared::domain::postmortem::FactorCategory;
use shared::domain::problem::{Level, ProblemCategory, ProblemDraft, ProblemState};

/// Links incidents that must exist and must not be linked yet; names the first that is wrong.
pub async fn link_incident_ids(
    db: &impl ConnectionTrait,
    problem_id: i64,
    ids: &[i64],
) -> Result<usize, AppError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let found: Vec<i64> = Incident::find()
        .filter(incident::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(AppError::field(
            "incidents",
            &format!("There is no incident #{missing}."),
        ));
    }
    let linked: Vec<i64> = ProblemIncident::find()
        .filter(problem_incident::Column::ProblemId.eq(problem_id))
        .filter(problem_incident::Column::IncidentId.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    if let Some(twice) = linked.first() {
        return Err(AppError::field(
            "incidents",
            &format!("Incident #{twice} is already linked to this problem."),
        ));
    }
    for id in ids {
        problem_incident::ActiveModel {
            problem_id: Set(problem_id),
            incident_id: Set(*id),
            recurrence: Set(false),
            linked_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(ids.len())
}

/// Links incidents to a problem, with a history entry.
pub async fn link_incidents(
    db: &DatabaseConnection,
    user: &CurrentUser,
    problem_id: i64,
    ids: &[i64],
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::field(
            "incidents",
            "Give at least one incident number.",
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let problem = find(&txn, problem_id).await?;
    refuse_if_ended(&problem)?;
    link_incident_ids(&txn, problem_id, ids).await?;
    touch(&txn, problem_id).await?;
    record(
        &txn,
        problem_id,
        &user.actor(),
        "link",
        None,
        &format!("Linked {}.", numbered(ids)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `incident #3` or `incidents #3, #5`.
pub fn numbered(ids: &[i64]) -> String {
    let list = ids
        .iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() == 1 {
        format!("incident {list}")
    } else {
        format!("incidents {list}")
    }
}

/// Removes one incident from a problem.
pub async fn unlink_incident(
    db: &DatabaseConnection,
    user: &CurrentUser,
    problem_id: i64,
    incident_id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let problem = find(&txn, problem_id).await?;
    refuse_if_ended(&problem)?;
    let removed = ProblemIncident::delete_many()
        .filter(problem_incident::Column::ProblemId.eq(problem_id))
        .filter(problem_incident::Column::IncidentId.eq(incident_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed == 0 {
        return Err(AppError::NotFound("linked incident"));
    }
    touch(&txn, problem_id).await?;
    record(
        &txn,
        problem_id,
        &user.actor(),
        "unlink",
        None,
        &format!("Unlinked incident #{incident_id}."),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes an action item part of the problem's fix.
pub async fn link_action(
    db: &DatabaseConnection,
    user: &CurrentUser,
    problem_id: i64,
    item_id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let problem = find(&txn, problem_id).await?;
    refuse_if_ended(&problem)?;
    let item = ActionItem::find_by_id(item_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "action_item",
                &format!("There is no action item #{item_id}."),
            )
        })?;
    if item.problem_id == Some(problem_id) {
        return Err(AppError::field(
            "action_item",
            &format!("Action item #{item_id} is already part of this problem's fix."),
        ));
    }
    let mut row: action_item::ActiveModel = item.clone().into();
    row.problem_id = Set(Some(problem_id));
    row.update(&txn).await?;
    // The issue now names the problem it fixes.
    crate::github::outbox::enqueue(&txn, item_id).await?;
    touch(&txn, problem_id).await?;
    record(
        &txn,
        problem_id,
        &user.actor(),
        "link",
        None,
        &format!(
            "Action item #{item_id} \"{}\" implements the fix.",
            item.title
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a factor's category suggests as the problem's category.
fn category_for(factor: FactorCategory) -> ProblemCategory {
    match factor {
        FactorCategory::Technical => ProblemCategory::Software,
        FactorCategory::External => ProblemCategory::Dependency,
        FactorCategory::Process
        | FactorCategory::Communication
        | FactorCategory::Organisational => ProblemCategory::Process,
        _ => ProblemCategory::Unknown,
    }
}

/// Promotes a contributing factor to a problem: the factor's title and description become the
/// problem, the postmortem's incidents and their services are linked, and the action items that
/// address the factor become the fix. A factor already promoted leads to its problem.
pub async fn promote_factor(
    state: &AppState,
    user: &CurrentUser,
    factor_id: i64,
) -> Result<i64, AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let factor = Factor::find_by_id(factor_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("contributing factor"))?;
    if let Some(existing) = problem_factor::Entity::find()
        .filter(problem_factor::Column::FactorId.eq(factor_id))
        .one(&txn)
        .await?
    {
        return Ok(existing.problem_id);
    }
    let incidents: Vec<i64> = PostmortemIncident::find()
        .filter(postmortem_incident::Column::PostmortemId.eq(factor.postmortem_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    let mut services: Vec<i64> = IncidentService::find()
        .filter(incident_service::Column::IncidentId.is_in(incidents.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.service_id)
        .collect();
    services.sort_unstable();
    services.dedup();
    let mut statement = factor.description.clone();
    let whys: Vec<&str> = factor
        .whys
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    if !whys.is_empty() {
        statement.push_str("\n\n**Five whys from the postmortem:**\n\n");
        for (n, why) in whys.iter().enumerate() {
            statement.push_str(&format!("{}. {why}\n", n + 1));
        }
    }
    let draft = ProblemDraft {
        title: factor
            .title
            .chars()
            .take(shared::domain::problem::TITLE_MAX)
            .collect(),
        statement: statement.trim().to_owned(),
        category: category_for(factor.category),
        impact: Level::Medium,
        urgency: Level::Medium,
        services,
        coordinator: Some(user.id),
    };
    let actor = user.actor();
    let id = super::insert(&txn, &state.settings.priority_matrix, &actor, &draft).await?;
    link_incident_ids(&txn, id, &incidents).await?;
    problem_factor::ActiveModel {
        problem_id: Set(id),
        factor_id: Set(factor_id),
    }
    .insert(&txn)
    .await?;
    let fixes = ActionItem::find()
        .filter(action_item::Column::FactorId.eq(factor_id))
        .filter(action_item::Column::ProblemId.is_null())
        .all(&txn)
        .await?;
    for item in &fixes {
        let mut row: action_item::ActiveModel = item.clone().into();
        row.problem_id = Set(Some(id));
        row.update(&txn).await?;
        crate::github::outbox::enqueue(&txn, item.id).await?;
    }
    record(
        &txn,
        id,
        &actor,
        "created",
        None,
        &format!(
            "Promoted from the contributing factor \"{}\" of postmortem #{}, with {} and {} \
             action item{}.",
            factor.title,
            factor.postmortem_id,
            if incidents.is_empty() {
                "no incidents".to_owned()
            } else {
                numbered(&incidents)
            },
            fixes.len(),
            if fixes.len() == 1 { "" } else { "s" }
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// The problems linked to a postmortem: through its incidents, or promoted from its factors.
pub async fn for_postmortem(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
    incident_ids: &[i64],
) -> Result<Vec<(i64, String, ProblemState)>, AppError> {
    let factors: Vec<i64> = Factor::find()
        .filter(contributing_factor::Column::PostmortemId.eq(postmortem_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let mut ids: Vec<i64> = problem_factor::Entity::find()
        .filter(problem_factor::Column::FactorId.is_in(factors))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.problem_id)
        .collect();
    ids.extend(
        ProblemIncident::find()
            .filter(problem_incident::Column::IncidentId.is_in(incident_ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.problem_id),
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(problem::Entity::find()
        .filter(problem::Column::Id.is_in(ids))
        .order_by_asc(problem::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|p| (p.id, p.title.clone(), super::state_of(p)))
        .collect())
}

//! What a problem page offers to pick from, so nobody types an internal number: the action items
//! that could join its fix (those of postmortems on its incidents first) and the problems it
//! could duplicate (those on its services first). Each list is capped; a number typed by hand
//! still works.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{services_of, state_of};
use crate::AppError;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::postmortem_incident::{self, Entity as PostmortemIncident};
use crate::entities::problem::{self, Entity as Problem};
use shared::wire::problems::Named;

/// The most a pick list holds.
const CAP: u64 = 300;

/// Action items not yet part of this problem's fix, labelled with their postmortem; those of
/// postmortems on `incidents` first, then the newest.
pub async fn action_items(
    db: &impl ConnectionTrait,
    problem_id: i64,
    incidents: &[i64],
) -> Result<Vec<Named>, AppError> {
    let related: Vec<i64> = PostmortemIncident::find()
        .filter(postmortem_incident::Column::IncidentId.is_in(incidents.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.postmortem_id)
        .collect();
    let not_ours = action_item::Column::ProblemId
        .is_null()
        .or(action_item::Column::ProblemId.ne(problem_id));
    let mut items = ActionItem::find()
        .filter(not_ours.clone())
        .filter(action_item::Column::PostmortemId.is_in(related.clone()))
        .order_by_desc(action_item::Column::Id)
        .limit(CAP)
        .all(db)
        .await?;
    let room = CAP.saturating_sub(items.len() as u64);
    if room > 0 {
        items.extend(
            ActionItem::find()
                .filter(not_ours)
                .filter(action_item::Column::PostmortemId.is_not_in(related))
                .order_by_desc(action_item::Column::Id)
                .limit(room)
                .all(db)
                .await?,
        );
    }
    let titles: HashMap<i64, String> = Postmortem::find()
        .filter(postmortem::Column::Id.is_in(items.iter().map(|i| i.postmortem_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    Ok(items
        .into_iter()
        .map(|item| Named {
            id: item.id,
            name: match titles.get(&item.postmortem_id) {
                Some(pm) => format!("{} ({pm})", item.title),
                None => item.title,
            },
        })
        .collect())
}

/// Problems this one could duplicate: the others that have not ended, those on one of
/// `services` first, then the newest.
pub async fn duplicate_targets(
    db: &impl ConnectionTrait,
    problem_id: i64,
    services: &[i64],
) -> Result<Vec<Named>, AppError> {
    let mut others: Vec<problem::Model> = Problem::find()
        .filter(problem::Column::Id.ne(problem_id))
        .order_by_desc(problem::Column::Id)
        .limit(CAP * 4)
        .all(db)
        .await?
        .into_iter()
        .filter(|p| !state_of(p).has_ended())
        .collect();
    let ids: Vec<i64> = others.iter().map(|p| p.id).collect();
    let theirs = services_of(db, &ids).await?;
    let shares = |p: &problem::Model| {
        theirs
            .get(&p.id)
            .is_some_and(|s| s.iter().any(|id| services.contains(id)))
    };
    // A stable sort keeps the newest first within each group.
    others.sort_by_key(|p| !shares(p));
    others.truncate(CAP as usize);
    Ok(others
        .into_iter()
        .map(|p| Named {
            id: p.id,
            name: p.title,
        })
        .collect())
}

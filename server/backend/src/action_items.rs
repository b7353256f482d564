//! The action-item list across postmortems: by kind, owner, status (overdue included), when made,
//! and the service, team or severity of the postmortem's incidents.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::AppError;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::service::Entity as Service;
use crate::entities::user::{self, Entity as User};
use crate::metrics::sql::{Scope, Sql};
use shared::domain::incident::parse_time;
use shared::domain::postmortem::{ActionKind, ActionStatus};
use shared::wire::action_items::{ActionListRow, ActionQuery};
use shared::wire::problems::Named;

/// The newest 500 items matching `query`, as of `today` for "overdue".
pub async fn list(
    db: &impl ConnectionTrait,
    query: &ActionQuery,
    today: NaiveDate,
) -> Result<Vec<ActionListRow>, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT a.id AS id FROM action_items a WHERE 1 = 1");
    if !query.kind.is_empty() {
        let kind = ActionKind::parse(&query.kind)
            .ok_or_else(|| AppError::field("kind", "Choose an action kind."))?;
        sql.push(" AND a.kind = ").bind(kind.as_str());
    }
    match query.owner.as_str() {
        "" => {}
        "none" => {
            sql.push(" AND a.owner_id IS NULL");
        }
        id => {
            let id: i64 = id
                .parse()
                .map_err(|_| AppError::field("owner", "Choose an owner."))?;
            sql.push(" AND a.owner_id = ").bind(id);
        }
    }
    match query.status.as_str() {
        "" => {}
        "open" | "done" => {
            sql.push(" AND a.status = ").bind(query.status.clone());
        }
        "overdue" => {
            sql.push(" AND a.status = 'open' AND a.due_on < ")
                .bind(today);
        }
        _ => return Err(AppError::field("status", "Choose open, done or overdue.")),
    }
    let from = parse_time(&query.from).map_err(|m| AppError::field("from", &m))?;
    let to = parse_time(&query.to).map_err(|m| AppError::field("to", &m))?;
    if let Some(from) = from {
        sql.push(" AND a.created_at >= ").bind(from);
    }
    if let Some(to) = to {
        sql.push(" AND a.created_at < ").bind(to);
    }
    let scope = Scope::new(
        Some(query.service.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(query.team.trim().to_owned()).filter(|s| !s.is_empty()),
        Scope::severity_rank(&query.severity)?,
        &Service::find().all(db).await?,
    );
    sql.action_scope(&scope, (from, to));
    sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT 500");
    let ids: Vec<i64> = sql
        .all(db)
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    let mut items = ActionItem::find()
        .filter(action_item::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    let order: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    items.sort_by_key(|item| order.get(&item.id).copied());
    let postmortems: HashMap<i64, String> = Postmortem::find()
        .filter(postmortem::Column::Id.is_in(items.iter().map(|i| i.postmortem_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let owners: HashMap<i64, String> = User::find()
        .filter(user::Column::Id.is_in(items.iter().filter_map(|i| i.owner_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |names: &HashMap<i64, String>, id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(items
        .into_iter()
        .map(|item| {
            let status = item.status;
            ActionListRow {
                id: item.id,
                kind: item.kind,
                overdue: status == ActionStatus::Open && item.due_on.is_some_and(|d| d < today),
                status,
                owner: item
                    .owner_id
                    .map(|id| name(&owners, id))
                    .unwrap_or_default(),
                due_on: item.due_on,
                postmortem: Named {
                    id: item.postmortem_id,
                    name: name(&postmortems, item.postmortem_id),
                },
                created_at: item.created_at,
                title: item.title,
            }
        })
        .collect())
}

//! The pipeline-test backlog: action items of kind "pipeline test" per service, with their age,
//! the incidents and problem each protects against, and verified / unverified / open counts.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::AppError;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::incident::{self, Entity as Incident};
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::postmortem_incident::{self, Entity as PostmortemIncident};
use crate::entities::problem::{self, Entity as Problem};
use crate::entities::service::{self, Entity as Service};
use crate::entities::user::{self, Entity as User};
use shared::domain::github::Verification;
use shared::domain::postmortem::{ActionKind, ActionStatus};
use shared::wire::github::{BacklogItem, BacklogService, BacklogView};
use shared::wire::problems::Named;

/// The backlog, services by name; items without a service come last.
pub async fn view(db: &DatabaseConnection) -> Result<BacklogView, AppError> {
    let items = ActionItem::find()
        .filter(action_item::Column::Kind.eq(ActionKind::PipelineTest.as_str()))
        .order_by_asc(action_item::Column::CreatedAt)
        .all(db)
        .await?;
    let postmortem_ids: Vec<i64> = items.iter().map(|i| i.postmortem_id).collect();
    let problem_ids: Vec<i64> = items.iter().filter_map(|i| i.problem_id).collect();
    let postmortems: HashMap<i64, String> = Postmortem::find()
        .filter(postmortem::Column::Id.is_in(postmortem_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let links = PostmortemIncident::find()
        .filter(postmortem_incident::Column::PostmortemId.is_in(postmortem_ids))
        .all(db)
        .await?;
    let incident_ids: Vec<i64> = links.iter().map(|l| l.incident_id).collect();
    let incidents: HashMap<i64, String> = Incident::find()
        .filter(incident::Column::Id.is_in(incident_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.title))
        .collect();
    let problems: HashMap<i64, String> = Problem::find()
        .filter(problem::Column::Id.is_in(problem_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let services: HashMap<i64, crate::entities::service::Model> = Service::find()
        .filter(service::Column::Id.is_in(items.iter().filter_map(|i| i.service_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let owners: HashMap<i64, String> = User::find()
        .filter(user::Column::Id.is_in(items.iter().filter_map(|i| i.owner_id)))
        .all(db)
        .await?
        .iter()
        .map(|u| (u.id, crate::postmortems::user_name(u)))
        .collect();
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut badges = super::outbox::badges(db, &ids).await?;
    let now = Utc::now();
    let mut groups: BTreeMap<(bool, String, i64), BacklogService> = BTreeMap::new();
    for item in items {
        let item_incidents: Vec<i64> = links
            .iter()
            .filter(|l| l.postmortem_id == item.postmortem_id)
            .map(|l| l.incident_id)
            .collect();
        let service = item.service_id.and_then(|id| services.get(&id));
        let key = match service {
            Some(s) => (false, s.name.to_lowercase(), s.id),
            None => (true, String::new(), 0),
        };
        let group = groups.entry(key).or_insert_with(|| BacklogService {
            service: match service {
                Some(s) => Named {
                    id: s.id,
                    name: s.name.clone(),
                },
                None => Named {
                    id: 0,
                    name: "No service".into(),
                },
            },
            repository: service.and_then(|s| s.repository.clone()),
            open: 0,
            closed_unverified: 0,
            verified: 0,
            items: Vec::new(),
        });
        let sync = badges.remove(&item.id);
        let status = item.status;
        let verification = sync
            .as_ref()
            .and_then(|b| b.verification)
            .unwrap_or(match status {
                ActionStatus::Open => Verification::Open,
                ActionStatus::Done => Verification::ClosedUnverified,
            });
        match verification {
            Verification::Open => group.open += 1,
            Verification::ClosedUnverified => group.closed_unverified += 1,
            Verification::Verified => group.verified += 1,
        }
        group.items.push(BacklogItem {
            id: item.id,
            title: item.title.clone(),
            kind: ActionKind::PipelineTest,
            status,
            owner: item
                .owner_id
                .and_then(|id| owners.get(&id).cloned())
                .unwrap_or_default(),
            age_days: (now - item.created_at).num_days(),
            postmortem: Named {
                id: item.postmortem_id,
                name: postmortems
                    .get(&item.postmortem_id)
                    .cloned()
                    .unwrap_or_default(),
            },
            incidents: item_incidents
                .iter()
                .map(|id| Named {
                    id: *id,
                    name: incidents.get(id).cloned().unwrap_or_default(),
                })
                .collect(),
            problem: item.problem_id.map(|id| Named {
                id,
                name: problems.get(&id).cloned().unwrap_or_default(),
            }),
            sync,
        });
    }
    let connected = super::connection::load(db).await?.is_some();
    Ok(BacklogView {
        connected,
        can_sync: false,
        services: groups.into_values().collect(),
    })
}

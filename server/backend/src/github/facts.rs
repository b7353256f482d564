//! What an action item's issue is made of: the item, its postmortem's story, the factor it
//! addresses, the problem it fixes, the owner's GitHub login, and the repository of its service.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::AppError;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::contributing_factor::Entity as Factor;
use crate::entities::postmortem::Entity as Postmortem;
use crate::entities::postmortem_field::{self, Entity as Field};
use crate::entities::problem::Entity as Problem;
use crate::entities::service::Entity as Service;
use crate::entities::user::Entity as User;
use shared::domain::github::ItemFacts;

/// The longest "what happened" an issue repeats from the postmortem, in characters.
const WHAT_HAPPENED_CHARS: usize = 600;

/// An item with what its issue needs.
#[derive(Clone, Debug)]
pub struct ItemTarget {
    pub item: action_item::Model,
    /// `owner/name`, from the item's service.
    pub repository: Option<String>,
    pub facts: ItemFacts,
}

/// The repository of the item's service, when it names one.
pub async fn repository_of(
    db: &impl ConnectionTrait,
    service_id: Option<i64>,
) -> Result<Option<String>, AppError> {
    let Some(id) = service_id else {
        return Ok(None);
    };
    Ok(Service::find_by_id(id)
        .one(db)
        .await?
        .and_then(|s| s.repository)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty()))
}

/// The item and its issue's facts; `None` when the item no longer exists.
pub async fn target(
    db: &impl ConnectionTrait,
    item_id: i64,
    public_base_url: &url::Url,
) -> Result<Option<ItemTarget>, AppError> {
    let Some(item) = ActionItem::find_by_id(item_id).one(db).await? else {
        return Ok(None);
    };
    let postmortem = Postmortem::find_by_id(item.postmortem_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Postmortem"))?;
    let summary = Field::find()
        .filter(postmortem_field::Column::PostmortemId.eq(item.postmortem_id))
        .filter(postmortem_field::Column::Field.eq("summary"))
        .one(db)
        .await?
        .map(|f| f.body)
        .unwrap_or_default();
    let factor = match item.factor_id {
        Some(id) => Factor::find_by_id(id).one(db).await?.map(|f| f.title),
        None => None,
    };
    let base = public_base_url.as_str().trim_end_matches('/');
    let problem = match item.problem_id {
        Some(id) => Problem::find_by_id(id)
            .one(db)
            .await?
            .map(|p| (p.title, format!("{base}/problems/{id}"))),
        None => None,
    };
    let owner_login = match item.owner_id {
        Some(id) => User::find_by_id(id)
            .one(db)
            .await?
            .and_then(|u| u.github_login),
        None => None,
    };
    let repository = repository_of(db, item.service_id).await?;
    let facts = ItemFacts {
        id: item.id,
        title: item.title.clone(),
        description: item.description.clone(),
        kind: item.kind,
        priority: item.priority,
        due_on: item.due_on,
        factor,
        postmortem_title: postmortem.title.clone(),
        what_happened: shorten(&summary),
        postmortem_url: format!("{base}/postmortems/{}", postmortem.id),
        problem,
        owner_login,
    };
    Ok(Some(ItemTarget {
        item,
        repository,
        facts,
    }))
}

/// The summary's first paragraph, cut at a word boundary if long.
fn shorten(summary: &str) -> String {
    let first = summary
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .trim();
    if first.is_empty() {
        return "See the postmortem.".into();
    }
    if first.chars().count() <= WHAT_HAPPENED_CHARS {
        return first.to_owned();
    }
    let cut: String = first.chars().take(WHAT_HAPPENED_CHARS).collect();
    let end = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..end])
}

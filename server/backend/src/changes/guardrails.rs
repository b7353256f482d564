//! Guardrails and freeze windows: what postmortems and problems learned, kept as rules the gate
//! enforces. A guardrail is added from a contributing factor, a problem or a pipeline test (a
//! template and one parameter, on one service), retired by a person or, when it waits for its
//! pipeline test, as soon as that test is verified. Each one, and each freeze window, reaches
//! the policy's input document with links to where it was learned. Every change is audited.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::AppError;
use crate::audit::{self, Actor, Subject};
use crate::entities::action_item::Entity as ActionItem;
use crate::entities::contributing_factor::Entity as Factor;
use crate::entities::freeze_window::{self, Entity as FreezeWindow};
use crate::entities::guardrail::{self, Entity as Guardrail};
use crate::entities::problem::Entity as Problem;
use crate::entities::problem_service::{self, Entity as ProblemService};
use crate::entities::service;
use shared::domain::audit::AuditAction;
use shared::domain::guardrail::{FreezeDraft, GuardrailDraft, GuardrailSource, GuardrailTemplate};
use shared::domain::postmortem::ActionKind;
use shared::wire::policies::{FreezeRow, GuardrailRow, GuardrailStart, GuardrailsPage};

/// Most retired guardrails the page lists.
const RETIRED_LISTED: u64 = 100;
/// Most active guardrails of one service the policy reads.
pub const INPUT_GUARDRAILS_MAX: u64 = 200;

/// Where a guardrail comes from, as found in the database.
struct Origin {
    label: String,
    href: String,
    postmortem_id: Option<i64>,
    factor_id: Option<i64>,
    problem_id: Option<i64>,
    action_item_id: Option<i64>,
    /// Service ids it concerns, likeliest first.
    services: Vec<i64>,
    /// A pipeline test (the guardrail may wait for its verification).
    pipeline_test: bool,
}

async fn origin(
    db: &impl ConnectionTrait,
    source: GuardrailSource,
    id: i64,
) -> Result<Origin, AppError> {
    let missing = || AppError::field("source_id", "No such record to learn from.");
    Ok(match source {
        GuardrailSource::Factor => {
            let factor = Factor::find_by_id(id).one(db).await?.ok_or_else(missing)?;
            Origin {
                label: format!(
                    "Contributing factor of postmortem #{}: {}",
                    factor.postmortem_id, factor.title
                ),
                href: format!("/postmortems/{}", factor.postmortem_id),
                services: postmortem_services(db, factor.postmortem_id).await?,
                postmortem_id: Some(factor.postmortem_id),
                factor_id: Some(factor.id),
                problem_id: None,
                action_item_id: None,
                pipeline_test: false,
            }
        }
        GuardrailSource::Problem => {
            let problem = Problem::find_by_id(id).one(db).await?.ok_or_else(missing)?;
            Origin {
                label: format!("Problem #{}: {}", problem.id, problem.title),
                href: format!("/problems/{}", problem.id),
                services: ProblemService::find()
                    .filter(problem_service::Column::ProblemId.eq(problem.id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|s| s.service_id)
                    .collect(),
                postmortem_id: None,
                factor_id: None,
                problem_id: Some(problem.id),
                action_item_id: None,
                pipeline_test: false,
            }
        }
        GuardrailSource::ActionItem => {
            let item = ActionItem::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            let mut services: Vec<i64> = item.service_id.into_iter().collect();
            for other in postmortem_services(db, item.postmortem_id).await? {
                if !services.contains(&other) {
                    services.push(other);
                }
            }
            Origin {
                label: format!(
                    "Action item #{} of postmortem #{}: {}",
                    item.id, item.postmortem_id, item.title
                ),
                href: format!("/postmortems/{}", item.postmortem_id),
                services,
                postmortem_id: Some(item.postmortem_id),
                factor_id: item.factor_id,
                problem_id: item.problem_id,
                action_item_id: Some(item.id),
                pipeline_test: item.kind == ActionKind::PipelineTest,
            }
        }
    })
}

/// The services of a postmortem's incidents, the most affected first.
async fn postmortem_services(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
) -> Result<Vec<i64>, AppError> {
    let mut affected: Vec<(i64, u32)> = crate::postmortems::services::affected(db, postmortem_id)
        .await?
        .into_iter()
        .collect();
    affected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(affected.into_iter().map(|(id, _)| id).collect())
}

/// What *Add a guardrail* offers for a source.
pub async fn start(
    db: &DatabaseConnection,
    source: GuardrailSource,
    id: i64,
) -> Result<GuardrailStart, AppError> {
    let found = origin(db, source, id).await?;
    let catalog = crate::services::list(db, false).await?;
    let named = |s: &service::Model| (s.slug.clone(), s.name.clone());
    let services = found
        .services
        .iter()
        .filter_map(|id| catalog.iter().find(|s| s.id == *id))
        .map(named)
        .collect();
    let (template, parameter) = match source {
        GuardrailSource::ActionItem => (GuardrailTemplate::CheckMustPass, String::new()),
        GuardrailSource::Problem => (GuardrailTemplate::NoDeploysDuringIncident, "2".into()),
        GuardrailSource::Factor => (GuardrailTemplate::PathsNeedReview, String::new()),
    };
    Ok(GuardrailStart {
        source,
        source_id: id,
        label: found.label,
        href: found.href,
        services,
        all_services: catalog.iter().map(named).collect(),
        template,
        parameter,
        can_wait: found.pipeline_test,
    })
}

/// Adds a guardrail. Audited.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    draft: &GuardrailDraft,
) -> Result<guardrail::Model, AppError> {
    let found = origin(db, draft.source, draft.source_id).await?;
    if draft.until_verified && !found.pipeline_test {
        return Err(AppError::field(
            "until_verified",
            "Only a guardrail from a pipeline test can wait for it to be verified.",
        ));
    }
    let service = crate::services::named(db, &draft.service).await?;
    let mut title = draft.template.describe(&draft.parameter, &service.slug);
    if let (true, Some(item)) = (draft.until_verified, found.action_item_id) {
        title.push_str(&format!(" until pipeline test #{item} is verified"));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = guardrail::ActiveModel {
        service_id: Set(service.id),
        template: Set(draft.template),
        parameter: Set(draft.parameter.clone()),
        title: Set(title),
        postmortem_id: Set(found.postmortem_id),
        factor_id: Set(found.factor_id),
        problem_id: Set(found.problem_id),
        action_item_id: Set(found.action_item_id),
        until_verified: Set(draft.until_verified),
        created_by: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::GuardrailAdded,
        subject(&row),
        None,
        Some(&row),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Retires a guardrail by hand, saying why. Audited; one retired already is refused.
pub async fn retire(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "Say why the guardrail is no longer needed.",
        ));
    }
    if reason.chars().count() > shared::domain::guardrail::TEXT_MAX {
        return Err(AppError::field("reason", "At most 300 characters."));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = Guardrail::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Guardrail"))?;
    if row.retired_at.is_some() {
        return Err(AppError::Conflict(
            "This guardrail is retired already.".into(),
        ));
    }
    retire_row(&txn, actor, row, reason).await?;
    txn.commit().await?;
    Ok(())
}

async fn retire_row(
    db: &impl ConnectionTrait,
    actor: &Actor,
    row: guardrail::Model,
    reason: &str,
) -> Result<(), AppError> {
    let before = row.clone();
    let mut active: guardrail::ActiveModel = row.into();
    active.retired_at = Set(Some(Utc::now()));
    active.retired_reason = Set(Some(reason.to_owned()));
    let after = active.update(db).await?;
    audit::record(
        db,
        actor,
        AuditAction::GuardrailRetired,
        subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(())
}

/// Retires the guardrails waiting for this pipeline test, now that it is verified. Call it in
/// the transaction that records the verification.
pub async fn retire_verified(db: &impl ConnectionTrait, item_id: i64) -> Result<usize, AppError> {
    let rows = Guardrail::find()
        .filter(guardrail::Column::ActionItemId.eq(item_id))
        .filter(guardrail::Column::UntilVerified.eq(true))
        .filter(guardrail::Column::RetiredAt.is_null())
        .all(db)
        .await?;
    let count = rows.len();
    let actor = Actor::system("GitHub");
    for row in rows {
        retire_row(
            db,
            &actor,
            row,
            &format!("Pipeline test #{item_id} is verified."),
        )
        .await?;
    }
    Ok(count)
}

/// The guardrails page.
pub async fn page(db: &DatabaseConnection) -> Result<GuardrailsPage, AppError> {
    let active = Guardrail::find()
        .filter(guardrail::Column::RetiredAt.is_null())
        .order_by_desc(guardrail::Column::Id)
        .all(db)
        .await?;
    let retired = Guardrail::find()
        .filter(guardrail::Column::RetiredAt.is_not_null())
        .order_by_desc(guardrail::Column::RetiredAt)
        .limit(RETIRED_LISTED)
        .all(db)
        .await?;
    let now = Utc::now();
    let freezes = FreezeWindow::find()
        .filter(freeze_window::Column::EndsAt.gt(now))
        .order_by_asc(freeze_window::Column::StartsAt)
        .all(db)
        .await?;
    let services = crate::services::by_id(
        db,
        active
            .iter()
            .chain(&retired)
            .map(|g| g.service_id)
            .chain(freezes.iter().filter_map(|f| f.service_id)),
    )
    .await?;
    let row = |g: guardrail::Model| {
        let (name, slug) = services
            .get(&g.service_id)
            .map(|s| (s.name.clone(), s.slug.clone()))
            .unwrap_or_default();
        GuardrailRow {
            origin: links_of(&g)
                .into_iter()
                .map(|href| (origin_label(&href), href))
                .collect(),
            id: g.id,
            service: name,
            service_slug: slug,
            template: g.template,
            parameter: g.parameter,
            title: g.title,
            until_verified: g.until_verified,
            created_by: g.created_by,
            created_at: g.created_at,
            retired_at: g.retired_at,
            retired_reason: g.retired_reason,
        }
    };
    Ok(GuardrailsPage {
        active: active.into_iter().map(row).collect(),
        retired: retired.into_iter().map(row).collect(),
        freezes: freezes
            .into_iter()
            .map(|f| FreezeRow {
                service: f
                    .service_id
                    .and_then(|id| services.get(&id))
                    .map(|s| s.name.clone()),
                active: f.starts_at <= now,
                id: f.id,
                reason: f.reason,
                starts_at: f.starts_at,
                ends_at: f.ends_at,
                created_by: f.created_by,
            })
            .collect(),
        services: crate::services::list(db, false)
            .await?
            .into_iter()
            .map(|s| (s.slug, s.name))
            .collect(),
    })
}

/// The records a guardrail was learned from, as addresses in the app.
fn links_of(g: &guardrail::Model) -> Vec<String> {
    let mut links = Vec::new();
    if let Some(id) = g.postmortem_id {
        links.push(format!("/postmortems/{id}"));
    }
    if let Some(id) = g.problem_id {
        links.push(format!("/problems/{id}"));
    }
    links
}

fn origin_label(href: &str) -> String {
    let id = href.rsplit('/').next().unwrap_or_default();
    if href.starts_with("/problems/") {
        format!("Problem #{id}")
    } else {
        format!("Postmortem #{id}")
    }
}

/// The active guardrails of a service, as the policy reads them (`input.guardrails`).
pub async fn input_for(db: &impl ConnectionTrait, service_id: i64) -> Result<Vec<Value>, AppError> {
    Ok(Guardrail::find()
        .filter(guardrail::Column::ServiceId.eq(service_id))
        .filter(guardrail::Column::RetiredAt.is_null())
        .order_by_asc(guardrail::Column::Id)
        .limit(INPUT_GUARDRAILS_MAX)
        .all(db)
        .await?
        .into_iter()
        .map(|g| {
            json!({
                "id": g.id,
                "template": g.template.as_str(),
                "parameter": g.parameter,
                "title": g.title,
                "pipeline_test_id": g.action_item_id,
                "links": links_of(&g),
            })
        })
        .collect())
}

/// Freeze windows of a service (or of every service) not over yet, as the policy reads them
/// (`input.freezes`): each with `active` true once it has started.
pub async fn freezes_for(
    db: &impl ConnectionTrait,
    service_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, AppError> {
    Ok(FreezeWindow::find()
        .filter(freeze_window::Column::EndsAt.gt(now))
        .filter(
            Condition::any()
                .add(freeze_window::Column::ServiceId.is_null())
                .add(freeze_window::Column::ServiceId.eq(service_id)),
        )
        .order_by_asc(freeze_window::Column::StartsAt)
        .limit(20)
        .all(db)
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "id": f.id,
                "reason": f.reason,
                "starts_at": f.starts_at.to_rfc3339(),
                "until": f.ends_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                "active": f.starts_at <= now,
            })
        })
        .collect())
}

/// Adds a freeze window. Audited.
pub async fn add_freeze(
    db: &DatabaseConnection,
    actor: &Actor,
    draft: &FreezeDraft,
) -> Result<freeze_window::Model, AppError> {
    let service_id = match &draft.service {
        Some(slug) => Some(crate::services::named(db, slug).await?.id),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let row = freeze_window::ActiveModel {
        service_id: Set(service_id),
        reason: Set(draft.reason.clone()),
        starts_at: Set(draft.starts_at),
        ends_at: Set(draft.ends_at),
        created_by: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::FreezeAdded,
        freeze_subject(&row),
        None,
        Some(&row),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Ends a freeze window now (one not started yet is called off). Audited.
pub async fn end_freeze(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let row = FreezeWindow::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Freeze window"))?;
    let now = Utc::now();
    if row.ends_at <= now {
        return Err(AppError::Conflict(
            "This freeze window is over already.".into(),
        ));
    }
    let before = row.clone();
    let mut active: freeze_window::ActiveModel = row.into();
    active.ends_at = Set(now);
    if before.starts_at > now {
        active.starts_at = Set(now);
    }
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::FreezeEnded,
        freeze_subject(&after),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn subject(row: &guardrail::Model) -> Subject<'_> {
    Subject {
        entity_type: "guardrail",
        entity_id: row.id.to_string(),
        label: &row.title,
    }
}

fn freeze_subject(row: &freeze_window::Model) -> Subject<'_> {
    Subject {
        entity_type: "freeze_window",
        entity_id: row.id.to_string(),
        label: &row.reason,
    }
}

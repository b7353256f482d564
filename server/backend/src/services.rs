//! Service catalog storage: queries and the create/edit/archive workflows, with their checks.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, SqlErr,
};

use super::AppError;
use super::audit::{self, Actor, Subject};
use super::entities::service::{self, Entity as Service};
use super::markdown::render_markdown;
use shared::domain::audit::AuditAction;
use shared::domain::{FieldError, FieldErrors, ServiceDraft};
use shared::wire::services::{ServiceSummary, ServiceView};

/// The catalog sorted by name; archived services are left out unless `include_archived`.
pub async fn list(
    db: &DatabaseConnection,
    include_archived: bool,
) -> Result<Vec<service::Model>, AppError> {
    let mut query = Service::find();
    if !include_archived {
        query = query.filter(service::Column::ArchivedAt.is_null());
    }
    let mut services = query.all(db).await?;
    // Sorted here rather than in SQL so the order is the same whatever the database's collation.
    services.sort_by_cached_key(|s| (s.name.to_lowercase(), s.slug.clone()));
    Ok(services)
}

/// The service with this slug.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<service::Model, AppError> {
    Service::find()
        .filter(service::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Service"))
}

/// The service a form or filter names by slug in its `service` field: one the catalog lacks is
/// a mistake in that field (422), not a missing page.
pub async fn named(db: &impl ConnectionTrait, slug: &str) -> Result<service::Model, AppError> {
    match find_by_slug(db, slug).await {
        Err(AppError::NotFound(_)) => Err(AppError::field("service", "No service has this slug.")),
        found => found,
    }
}

/// The services with these ids, by id (archived ones included): the one lookup behind every
/// list that names the services of its rows.
pub async fn by_id(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, service::Model>, AppError> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(Service::find()
        .filter(service::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// The service a pipeline or webhook names by slug or by name (case-insensitive); a name the
/// catalog lacks is a mistake in the `service` field.
pub async fn find_reported(
    db: &impl ConnectionTrait,
    reported: &str,
) -> Result<service::Model, AppError> {
    let wanted = reported.to_lowercase();
    Service::find()
        .filter(
            sea_orm::Condition::any()
                .add(service::Column::Slug.eq(wanted.clone()))
                .add(Expr::expr(Func::lower(Expr::col(service::Column::Name))).eq(wanted)),
        )
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "service",
                &format!("No service `{reported}` in the catalog."),
            )
        })
}

/// Adds a service. A slug already in use is reported against the slug field.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    draft: &ServiceDraft,
) -> Result<service::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    ensure_slug_free(&txn, draft.slug.as_str()).await?;
    let now = Utc::now();
    let mut model = service::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    };
    apply_draft(&mut model, draft);
    let created = model.insert(&txn).await.map_err(slug_taken_or_db)?;
    audit::record(
        &txn,
        actor,
        AuditAction::ServiceCreated,
        subject(&created),
        None,
        Some(&created),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(slug = %created.slug, "service created");
    Ok(created)
}

/// Saves an edit made from `version`. If the service changed since, nothing is saved and the
/// person is told to reload, so nobody overwrites a colleague's change without seeing it.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    slug: &str,
    version: i32,
    draft: &ServiceDraft,
) -> Result<service::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find_by_slug(&txn, slug).await?;
    if current.archived_at.is_some() {
        return Err(AppError::Conflict(
            "This service is archived. Restore it before editing it.".into(),
        ));
    }
    if current.version != version {
        return Err(stale_edit());
    }
    if draft.slug.as_str() != current.slug {
        ensure_slug_free(&txn, draft.slug.as_str()).await?;
    }
    let mut model = service::ActiveModel {
        version: Set(version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    apply_draft(&mut model, draft);
    let result = Service::update_many()
        .set(model)
        .filter(service::Column::Id.eq(current.id))
        .filter(service::Column::Version.eq(version))
        .exec(&txn)
        .await
        .map_err(slug_taken_or_db)?;
    if result.rows_affected == 0 {
        return Err(stale_edit());
    }
    let updated = Service::find_by_id(current.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Service"))?;
    audit::record(
        &txn,
        actor,
        AuditAction::ServiceUpdated,
        subject(&updated),
        Some(&current),
        Some(&updated),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(slug = %updated.slug, version = updated.version, "service updated");
    Ok(updated)
}

/// Archives (`true`) or restores (`false`) a service. Doing it twice changes nothing the second time.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &Actor,
    slug: &str,
    archived: bool,
) -> Result<service::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find_by_slug(&txn, slug).await?;
    if current.archived_at.is_some() == archived {
        return Ok(current);
    }
    let now = Utc::now();
    let version = current.version;
    let before = current.clone();
    let mut model: service::ActiveModel = current.into();
    model.archived_at = Set(archived.then_some(now));
    model.updated_at = Set(now);
    model.version = Set(version + 1);
    let saved = model.update(&txn).await?;
    let action = if archived {
        AuditAction::ServiceArchived
    } else {
        AuditAction::ServiceRestored
    };
    audit::record(
        &txn,
        actor,
        action,
        subject(&saved),
        Some(&before),
        Some(&saved),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(slug = %saved.slug, archived, "service archive state changed");
    Ok(saved)
}

/// Counts the services, archived or not.
pub async fn count_all(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(Service::find().count(db).await?)
}

/// The catalog row shown in lists.
impl From<service::Model> for ServiceSummary {
    fn from(s: service::Model) -> Self {
        Self {
            slug: s.slug,
            name: s.name,
            team: s.team,
            repository: s.repository,
            runbook_url: s.runbook_url,
            on_call: s.on_call,
            slo_target: s.slo_target,
            archived: s.archived_at.is_some(),
        }
    }
}

/// The full view of a service, with its description rendered to safe HTML.
pub fn to_view(s: service::Model) -> ServiceView {
    ServiceView {
        id: s.id,
        description_html: render_markdown(&s.description),
        slug: s.slug,
        name: s.name,
        team: s.team,
        repository: s.repository,
        runbook_url: s.runbook_url,
        on_call: s.on_call,
        slo_target: s.slo_target,
        description: s.description,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
        archived_at: s.archived_at,
    }
}

fn subject(service: &service::Model) -> Subject<'_> {
    Subject {
        entity_type: "service",
        entity_id: service.id.to_string(),
        label: &service.name,
    }
}

fn apply_draft(model: &mut service::ActiveModel, draft: &ServiceDraft) {
    model.slug = Set(draft.slug.as_str().to_owned());
    model.name = Set(draft.name.as_str().to_owned());
    model.team = Set(draft.team.clone());
    model.repository = Set(draft.repository.as_ref().map(ToString::to_string));
    model.runbook_url = Set(draft.runbook_url.as_ref().map(|u| u.as_str().to_owned()));
    model.on_call = Set(draft.on_call.clone());
    model.slo_target = Set(draft.slo_target.map(|s| s.percent()));
    model.description = Set(draft.description.clone());
}

async fn ensure_slug_free(db: &impl ConnectionTrait, slug: &str) -> Result<(), AppError> {
    match find_by_slug(db, slug).await {
        Ok(_) => Err(slug_taken()),
        Err(AppError::NotFound(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

fn slug_taken() -> AppError {
    AppError::Validation(FieldErrors(vec![FieldError::new(
        "slug",
        "Another service already uses this slug. Choose a different one.",
    )]))
}

/// Two people creating the same slug at once: the database's unique index decides.
fn slug_taken_or_db(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => slug_taken(),
        _ => AppError::Db(err),
    }
}

fn stale_edit() -> AppError {
    AppError::Conflict(
        "Someone else changed this service after you opened it. Reload to see their change, then make yours again."
            .into(),
    )
}

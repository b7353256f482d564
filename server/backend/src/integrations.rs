//! Monitoring integrations storage: create, list, disable, rotate tokens, flagged deliveries, views.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

use super::AppError;
use super::audit::{self, Actor, Subject};
use super::auth::tokens::token_hash;
use super::entities::integration::{self, Entity as Integration};
use super::entities::service::{self, Entity as Service};
use super::entities::webhook_delivery::{self, Entity as WebhookDelivery};
use shared::domain::alerts::AlertSource;
use shared::domain::audit::AuditAction;
use shared::domain::integration::IntegrationDraft;
use shared::domain::{FieldError, FieldErrors};
use shared::wire::integrations::{CreatedIntegration, FlaggedDelivery, IntegrationView};

/// Every integration token starts with this, so secret scanners and people recognise it.
pub const TOKEN_PREFIX: &str = "pmw_";
/// How many characters of a token are kept in clear, to tell tokens apart.
const SHOWN_PREFIX_CHARS: usize = 12;
/// How many flagged deliveries of each integration the admin page shows.
pub const FLAGGED_SHOWN: u64 = 10;
/// How much of a flagged payload the admin page shows, in characters.
pub const PAYLOAD_EXCERPT_CHARS: usize = 2_000;
/// The delivery outcome of a payload that was valid but not understood.
pub const OUTCOME_FLAGGED: &str = "flagged";

/// Where a source posts its alerts for integration `id`, e.g. `/hooks/alertmanager/3`.
pub fn webhook_path(source: &str, id: i64) -> String {
    format!("/hooks/{source}/{id}")
}

/// The full address of an integration's webhook under the app's public address (which may
/// itself have a path, when the app is served under one).
pub fn webhook_url(public_base_url: &url::Url, source: &str, id: i64) -> String {
    format!(
        "{}{}",
        public_base_url.as_str().trim_end_matches('/'),
        webhook_path(source, id)
    )
}

/// A new random token: the prefix and 64 hex digits (256 bits).
fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

fn shown_prefix(token: &str) -> String {
    token.chars().take(SHOWN_PREFIX_CHARS).collect()
}

/// Every integration, sorted by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<integration::Model>, AppError> {
    let mut integrations = Integration::find().all(db).await?;
    integrations.sort_by_cached_key(|i| (i.name.to_lowercase(), i.id));
    Ok(integrations)
}

/// The integration with this id, disabled or not.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<integration::Model, AppError> {
    Integration::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Integration"))
}

/// Adds an integration; returns it with its token, which is shown this once and stored hashed.
/// An unknown service slug is reported against `service`, a name in use against `name`.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    draft: &IntegrationDraft,
) -> Result<(integration::Model, String), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let service_id = match &draft.service {
        Some(slug) => Some(fixed_service(&txn, slug.as_str()).await?),
        None => None,
    };
    ensure_name_free(&txn, &draft.name).await?;
    let token = new_token();
    let created = integration::ActiveModel {
        name: Set(draft.name.clone()),
        source: Set(draft.source),
        token_hash: Set(token_hash(&token)),
        token_prefix: Set(shown_prefix(&token)),
        signing_secret: Set(draft.signing_secret.clone()),
        signature_header: Set(draft.signature_header.clone()),
        service_id: Set(service_id),
        service_label: Set(draft.service_label.clone()),
        severity_label: Set(draft.severity_label.clone()),
        resolve_with_alert: Set(draft.resolve_with_alert),
        created_at: Set(Utc::now()),
        last_delivery_at: Set(None),
        last_outcome: Set(None),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(name_taken_or_db)?;
    audit::record(
        &txn,
        actor,
        AuditAction::IntegrationCreated,
        subject(&created),
        None,
        Some(&snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        id = created.id,
        source = created.source.as_str(),
        "integration created"
    );
    Ok((created, token))
}

/// Disables (`true`) or re-enables (`false`) an integration; a disabled one's deliveries are
/// refused. Doing it twice changes nothing the second time.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    disabled: bool,
) -> Result<integration::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.disabled_at.is_some() == disabled {
        return Ok(current);
    }
    let before = snapshot(&current);
    let mut model: integration::ActiveModel = current.into();
    model.disabled_at = Set(disabled.then(Utc::now));
    let saved = model.update(&txn).await?;
    let action = if disabled {
        AuditAction::IntegrationDisabled
    } else {
        AuditAction::IntegrationEnabled
    };
    audit::record(
        &txn,
        actor,
        action,
        subject(&saved),
        Some(&before),
        Some(&snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(id = saved.id, disabled, "integration state changed");
    Ok(saved)
}

/// Replaces an integration's token: the old one stops working at once. Returns the new token,
/// shown this once.
pub async fn rotate_token(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<(integration::Model, String), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find(&txn, id).await?;
    let before = snapshot(&current);
    let token = new_token();
    let mut model: integration::ActiveModel = current.into();
    model.token_hash = Set(token_hash(&token));
    model.token_prefix = Set(shown_prefix(&token));
    let saved = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::IntegrationTokenRotated,
        subject(&saved),
        Some(&before),
        Some(&snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(id = saved.id, "integration token rotated");
    Ok((saved, token))
}

/// Sets (or, with `None`, clears) the signing secret: with one, deliveries must be signed with it;
/// without, they must carry the token. PagerDuty shows its secret only after the subscription
/// exists, so it is added here once the integration's URL has been registered there.
pub async fn set_signing_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    secret: Option<String>,
) -> Result<integration::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.source == AlertSource::Alertmanager && secret.is_some() {
        return Err(AppError::field(
            "signing_secret",
            "Alertmanager does not sign deliveries; it authenticates with the token.",
        ));
    }
    let before = snapshot(&current);
    let header =
        match (&secret, current.source.as_str()) {
            (Some(_), "grafana") => Some(current.signature_header.clone().unwrap_or_else(|| {
                shared::domain::integration::DEFAULT_SIGNATURE_HEADER.to_owned()
            })),
            _ => None,
        };
    let mut model: integration::ActiveModel = current.into();
    model.signing_secret = Set(secret);
    model.signature_header = Set(header);
    let saved = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::IntegrationSecretChanged,
        subject(&saved),
        Some(&before),
        Some(&snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The newest deliveries of an integration that were valid but not understood, at most `limit`.
pub async fn flagged_deliveries(
    db: &impl ConnectionTrait,
    integration_id: i64,
    limit: u64,
) -> Result<Vec<webhook_delivery::Model>, AppError> {
    Ok(WebhookDelivery::find()
        .filter(webhook_delivery::Column::IntegrationId.eq(integration_id))
        .filter(webhook_delivery::Column::Outcome.eq(OUTCOME_FLAGGED))
        .order_by_desc(webhook_delivery::Column::ReceivedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How administrators see integrations: webhook addresses, the fixed service's slug and the
/// latest flagged deliveries. Never the token or the signing secret.
pub async fn to_views(
    db: &impl ConnectionTrait,
    public_base_url: &url::Url,
    integrations: Vec<integration::Model>,
) -> Result<Vec<IntegrationView>, AppError> {
    let service_ids: Vec<i64> = integrations.iter().filter_map(|i| i.service_id).collect();
    let slugs: HashMap<i64, String> = if service_ids.is_empty() {
        HashMap::new()
    } else {
        Service::find()
            .filter(service::Column::Id.is_in(service_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.slug))
            .collect()
    };
    let mut views = Vec::with_capacity(integrations.len());
    for model in integrations {
        let flagged = flagged_deliveries(db, model.id, FLAGGED_SHOWN).await?;
        let service = model.service_id.and_then(|id| slugs.get(&id).cloned());
        views.push(to_view(public_base_url, model, service, flagged));
    }
    Ok(views)
}

/// One integration as administrators see it.
pub async fn to_view_one(
    db: &impl ConnectionTrait,
    public_base_url: &url::Url,
    model: integration::Model,
) -> Result<IntegrationView, AppError> {
    let mut views = to_views(db, public_base_url, vec![model]).await?;
    views.pop().ok_or(AppError::NotFound("Integration"))
}

fn to_view(
    public_base_url: &url::Url,
    model: integration::Model,
    service: Option<String>,
    flagged: Vec<webhook_delivery::Model>,
) -> IntegrationView {
    IntegrationView {
        id: model.id,
        webhook_url: webhook_url(public_base_url, model.source.as_str(), model.id),
        signs: model.signing_secret.is_some(),
        name: model.name,
        source: model.source,
        token_prefix: model.token_prefix,
        signature_header: model.signature_header,
        service,
        service_label: model.service_label,
        severity_label: model.severity_label,
        resolve_with_alert: model.resolve_with_alert,
        disabled: model.disabled_at.is_some(),
        created_at: model.created_at,
        last_delivery_at: model.last_delivery_at,
        last_outcome: model.last_outcome,
        flagged: flagged
            .into_iter()
            .map(|d| FlaggedDelivery {
                received_at: d.received_at,
                detail: d.detail,
                payload_excerpt: d
                    .payload
                    .map(|p| p.chars().take(PAYLOAD_EXCERPT_CHARS).collect())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

// ---- a token created without JavaScript, shown once on the page the form leads to ------------

/// The integration created or rotated with `token`, while that is still its token (not rotated
/// again since): what the page after a form posted without JavaScript shows, once.
pub async fn created_if_current(
    db: &impl ConnectionTrait,
    public_base_url: &url::Url,
    id: i64,
    token: String,
) -> Result<Option<CreatedIntegration>, AppError> {
    match Integration::find_by_id(id).one(db).await? {
        Some(model) if model.token_hash == token_hash(&token) => Ok(Some(CreatedIntegration {
            integration: to_view_one(db, public_base_url, model).await?,
            token,
        })),
        _ => Ok(None),
    }
}

// ---- checks and audit ---------------------------------------------------------------------------

/// The id of the service alerts are pinned to; an unknown or archived slug is a field error.
async fn fixed_service(db: &impl ConnectionTrait, slug: &str) -> Result<i64, AppError> {
    match super::services::find_by_slug(db, slug).await {
        Ok(service) if service.archived_at.is_some() => Err(AppError::field(
            "service",
            "This service is archived. Restore it first, or choose another one.",
        )),
        Ok(service) => Ok(service.id),
        Err(AppError::NotFound(_)) => Err(AppError::field(
            "service",
            "No service in the catalog has this slug. Check it, or leave this empty to read the service from the alert's labels.",
        )),
        Err(other) => Err(other),
    }
}

/// Names are compared without regard to case, so "Grafana" and "grafana" are not both created.
async fn ensure_name_free(db: &impl ConnectionTrait, name: &str) -> Result<(), AppError> {
    let wanted = name.to_lowercase();
    let names: Vec<String> = Integration::find()
        .select_only()
        .column(integration::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    if names.iter().any(|n| n.to_lowercase() == wanted) {
        Err(name_taken())
    } else {
        Ok(())
    }
}

fn name_taken() -> AppError {
    AppError::Validation(FieldErrors(vec![FieldError::new(
        "name",
        "Another integration already has this name. Choose a different one.",
    )]))
}

/// Two people creating the same name at once: the database's unique index decides. (The token
/// hash is unique too, but 256 random bits do not collide.)
fn name_taken_or_db(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => name_taken(),
        _ => AppError::Db(err),
    }
}

fn subject(integration: &integration::Model) -> Subject<'_> {
    Subject {
        entity_type: "integration",
        entity_id: integration.id.to_string(),
        label: &integration.name,
    }
}

/// What the audit trail keeps: never the token's hash or the signing secret, only whether there is one.
fn snapshot(integration: &integration::Model) -> serde_json::Value {
    serde_json::json!({
        "id": integration.id,
        "name": integration.name,
        "source": integration.source,
        "token_prefix": integration.token_prefix,
        "signs": integration.signing_secret.is_some(),
        "signature_header": integration.signature_header,
        "service_id": integration.service_id,
        "service_label": integration.service_label,
        "severity_label": integration.severity_label,
        "resolve_with_alert": integration.resolve_with_alert,
        "disabled_at": integration.disabled_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integration_token_is_long_random_and_recognisable() {
        let (a, b) = (new_token(), new_token());
        assert!(a.starts_with("pmw_"));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_eq!(shown_prefix(&a).len(), 12);
        assert!(a.starts_with(&shown_prefix(&a)));
    }

    #[test]
    fn the_webhook_path_names_the_source_and_id() {
        assert_eq!(webhook_path("alertmanager", 3), "/hooks/alertmanager/3");
    }

    #[test]
    fn the_webhook_url_sits_under_the_public_address() {
        let root = url::Url::parse("https://postmortem.example.com").unwrap();
        assert_eq!(
            webhook_url(&root, "grafana", 7),
            "https://postmortem.example.com/hooks/grafana/7"
        );
        let under_path = url::Url::parse("https://tools.example.com/postmortem/").unwrap();
        assert_eq!(
            webhook_url(&under_path, "pagerduty", 12),
            "https://tools.example.com/postmortem/hooks/pagerduty/12"
        );
    }

    #[test]
    fn the_audit_snapshot_has_neither_token_hash_nor_secret() {
        let model = integration::Model {
            id: 1,
            name: "PD".into(),
            source: AlertSource::PagerDuty,
            token_hash: "abc123hash".into(),
            token_prefix: "pmw_01234567".into(),
            signing_secret: Some("super-secret-signing-key".into()),
            signature_header: None,
            service_id: None,
            service_label: "service".into(),
            severity_label: "severity".into(),
            resolve_with_alert: true,
            created_at: Utc::now(),
            last_delivery_at: None,
            last_outcome: None,
            disabled_at: None,
        };
        let text = snapshot(&model).to_string();
        assert!(!text.contains("abc123hash"));
        assert!(!text.contains("super-secret-signing-key"));
        assert!(text.contains("\"signs\":true"));
    }
}

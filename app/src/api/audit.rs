//! Server functions for the audit trail: the filterable list and one record's history.

pub use shared::wire::audit::*;

use super::ApiError;
use leptos::prelude::*;

/// The newest changes, filtered; `before_id` pages back in time.
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    #[server(default)] entity_type: String,
    #[server(default)] action: String,
    #[server(default)] actor: String,
    #[server(default)] before_id: Option<i64>,
) -> Result<Vec<AuditEntry>, ApiError> {
    use backend::audit::{self, AuditFilter};
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListAudit)?;
    let some = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter = AuditFilter {
        entity_type: some(entity_type),
        action: some(action),
        actor: some(actor),
        before_id,
    };
    let rows = audit::list(&state.db, &filter, AUDIT_PAGE_SIZE)
        .await
        .map_err(backend::AppError::from)?;
    Ok(rows.into_iter().map(to_entry).collect())
}

/// The history of one record, newest first, for whoever may open that record's page.
#[server(endpoint = "audit/history")]
pub async fn record_history(
    entity_type: String,
    entity_id: String,
) -> Result<Vec<AuditEntry>, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(RecordHistory)?;
    // Beyond the table's entry: the history of a record needs what its page needs.
    crate::ssr::auth::require(shared::domain::auth::history_permission(&entity_type))?;
    let rows = backend::audit::history(&state.db, &entity_type, &entity_id)
        .await
        .map_err(backend::AppError::from)?;
    Ok(rows.into_iter().map(to_entry).collect())
}

#[cfg(feature = "ssr")]
fn to_entry(row: backend::entities::audit_event::Model) -> AuditEntry {
    let pretty = |json: Option<String>| {
        json.map(|text| {
            serde_json::from_str::<serde_json::Value>(&text)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(text)
        })
    };
    AuditEntry {
        id: row.id,
        occurred_at: row.occurred_at,
        actor: row.actor_label,
        action: row.action,
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        entity_label: row.entity_label,
        before: pretty(row.before),
        after: pretty(row.after),
    }
}

//! sea-orm entities: one file per table, mirroring the migrations.

pub mod action_item;
pub mod api_token;
pub mod audit_event;
pub mod change;
pub mod change_policy;
pub mod contributing_factor;
pub mod deployment;
pub mod dismissed_suggestion;
pub mod freeze_window;
pub mod github_connection;
pub mod github_delivery;
pub mod github_issue;
pub mod github_repository;
pub mod guardrail;
pub mod incident;
pub mod incident_alert;
pub mod incident_deployment;
pub mod incident_service;
pub mod integration;
pub mod known_error;
pub mod pm_timeline_entry;
pub mod postmortem;
pub mod postmortem_activity;
pub mod postmortem_event;
pub mod postmortem_field;
pub mod postmortem_incident;
pub mod postmortem_presence;
pub mod postmortem_template;
pub mod problem;
pub mod problem_factor;
pub mod problem_history;
pub mod problem_incident;
pub mod problem_service;
pub mod root_cause;
pub mod service;
pub mod sync_activity;
pub mod sync_job;
pub mod timeline_entry;
pub mod user;
pub mod webhook_delivery;

/// Writes a stored choice (a column holding one of the domain's enums) as its stored key, as the
/// audit log's before and after copies of a record have always shown it.
pub fn as_key<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: sea_orm::ActiveEnum<Value = String>,
    S: serde::Serializer,
{
    serializer.serialize_str(&value.to_value())
}

/// Writes an optional stored choice as its stored key, or null.
pub fn as_key_opt<T, S>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: sea_orm::ActiveEnum<Value = String>,
    S: serde::Serializer,
{
    match value {
        Some(value) => serializer.serialize_str(&value.to_value()),
        None => serializer.serialize_none(),
    }
}

/// A choice read back from its column: the enum its stored key names or, for a key this version
/// does not know (written by hand, or by a newer version before a downgrade), `fallback`, with an
/// error in the log naming the type and the stored key, so a bad value is never silently read as
/// another.
pub fn stored<T>(parsed: Option<T>, key: &str, fallback: T) -> T {
    parsed.unwrap_or_else(|| {
        tracing::error!(
            kind = std::any::type_name::<T>(),
            stored = key,
            "a stored value is not one this version knows; it is read as the default"
        );
        fallback
    })
}

#[cfg(test)]
mod tests {
    use super::stored;

    #[test]
    fn a_known_key_is_read_and_an_unknown_one_falls_back() {
        assert_eq!(stored(Some(3), "3", 0), 3);
        assert_eq!(stored(None::<i32>, "bogus", 0), 0);
    }
}

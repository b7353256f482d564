//! Versions of the change policy: an administrator saves a version (Rego that does not compile
//! is refused with its line and column; a version whose own `test_*` rules fail is kept, but
//! cannot be activated), activates one (audited), and the gate decides with the active version,
//! compiled once per version and process. Without any version the built-in default decides.

use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::policy::{DEFAULT_POLICY, Policy, PolicyError};
use crate::AppError;
use crate::audit::{self, Actor, Subject};
use crate::entities::change_policy::{self, Entity as ChangePolicy};
use shared::domain::audit::AuditAction;
use shared::wire::policies::{PolicyPage, PolicyVersionRow, PolicyVersionView};

/// Longest policy source.
pub const SOURCE_MAX: usize = 200_000;
/// Longest note.
pub const NOTE_MAX: usize = 300;
/// Most versions the policy page lists.
const VERSIONS_LISTED: u64 = 50;

/// The built-in default, compiled once for the process.
static DEFAULT: LazyLock<Result<Policy, PolicyError>> =
    LazyLock::new(|| Policy::compile(DEFAULT_POLICY));

/// When a version was made active, which with its id names one activation of one database.
type Activation = (i64, Option<DateTime<Utc>>);

/// The active version's compiled policy, by its activation, so each decision only asks which
/// version is active (other instances may activate one) and compiles only a new one.
static ACTIVE: Mutex<Option<(Activation, Policy)>> = Mutex::new(None);

/// The policy that decides changes now: its version (None: the built-in default) and the
/// compiled policy, or why it cannot be used.
pub async fn active(
    db: &impl ConnectionTrait,
) -> Result<(Option<i64>, Result<Policy, PolicyError>), AppError> {
    let activation: Option<Activation> = ChangePolicy::find()
        .select_only()
        .columns([
            change_policy::Column::Id,
            change_policy::Column::ActivatedAt,
        ])
        .filter(change_policy::Column::Active.eq(true))
        .into_tuple()
        .one(db)
        .await?;
    let Some(activation) = activation else {
        return Ok((None, DEFAULT.clone()));
    };
    let id = activation.0;
    if let Some((cached, policy)) = ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && *cached == activation
    {
        return Ok((Some(id), Ok(policy.clone())));
    }
    let compiled = Policy::compile(&find(db, id).await?.source);
    if let Ok(policy) = &compiled {
        *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some((activation, policy.clone()));
    }
    Ok((Some(id), compiled))
}

/// Saves a version: compiled and its tests run now. Rego that does not compile is refused (a
/// 422 naming `source`, with line and column); one whose tests fail is kept as a draft. Audited.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    source: &str,
    note: &str,
) -> Result<change_policy::Model, AppError> {
    if source.trim().is_empty() {
        return Err(AppError::field(
            "source",
            "Write the policy: a Rego module in package gate.",
        ));
    }
    if source.len() > SOURCE_MAX {
        return Err(AppError::field(
            "source",
            &format!("A policy is at most {SOURCE_MAX} bytes."),
        ));
    }
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::field(
            "note",
            &format!("A note is at most {NOTE_MAX} characters."),
        ));
    }
    let owned = source.to_owned();
    let checked = tokio::task::spawn_blocking(move || {
        Policy::compile(&owned).map(|mut policy| policy.run_tests())
    })
    .await
    .map_err(|e| AppError::Conflict(format!("The policy could not be checked: {e}")))?;
    let tests = match checked {
        Ok(tests) => tests,
        Err(PolicyError::Invalid(m) | PolicyError::Failed(m)) => {
            return Err(AppError::field("source", &format!("Not valid Rego: {m}")));
        }
    };
    let tests_passed = tests.iter().all(|(_, passed)| *passed);
    let txn = crate::db::begin_write(db).await?;
    let row = change_policy::ActiveModel {
        source: Set(source.to_owned()),
        note: Set(note.to_owned()),
        tests: Set(serde_json::to_string(&tests).unwrap_or_else(|_| "[]".into())),
        tests_passed: Set(tests_passed),
        active: Set(false),
        created_by: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditAction::PolicySaved,
        subject(&row),
        None,
        Some(&Summary::of(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Makes a version the one that decides changes. A version that fails its own tests is refused,
/// and the active one stays. Audited.
pub async fn activate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<change_policy::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    if !row.tests_passed {
        return Err(AppError::Conflict(format!(
            "Version {id} fails its own tests; fix them in a new version first."
        )));
    }
    if row.active {
        return Err(AppError::Conflict(format!(
            "Version {id} is active already."
        )));
    }
    let before = ChangePolicy::find()
        .filter(change_policy::Column::Active.eq(true))
        .one(&txn)
        .await?;
    ChangePolicy::update_many()
        .col_expr(change_policy::Column::Active, false.into())
        .filter(change_policy::Column::Active.eq(true))
        .exec(&txn)
        .await?;
    let mut active: change_policy::ActiveModel = row.into();
    active.active = Set(true);
    active.activated_by = Set(Some(actor.label.clone()));
    active.activated_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::PolicyActivated,
        subject(&row),
        before.as_ref().map(Summary::of).as_ref(),
        Some(&Summary::of(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The policy page: the active version (or the built-in default) and the newest versions.
pub async fn page(db: &DatabaseConnection) -> Result<PolicyPage, AppError> {
    let rows = ChangePolicy::find()
        .order_by_desc(change_policy::Column::Id)
        .limit(VERSIONS_LISTED)
        .all(db)
        .await?;
    let active = match rows.iter().find(|r| r.active) {
        Some(row) => Some(row.clone()),
        None => {
            ChangePolicy::find()
                .filter(change_policy::Column::Active.eq(true))
                .one(db)
                .await?
        }
    };
    let source = active
        .as_ref()
        .map(|r| r.source.clone())
        .unwrap_or_else(|| DEFAULT_POLICY.to_owned());
    Ok(PolicyPage {
        active: active.as_ref().map(row_of),
        rules: rule_names(&source),
        source,
        versions: rows.iter().map(row_of).collect(),
    })
}

/// One version with its source.
pub async fn version(db: &DatabaseConnection, id: i64) -> Result<PolicyVersionView, AppError> {
    let row = find(db, id).await?;
    Ok(PolicyVersionView {
        version: row_of(&row),
        rules: rule_names(&row.source),
        source: row.source,
    })
}

/// The source of a version, to be compiled for a backtest.
pub async fn source_of(db: &DatabaseConnection, id: i64) -> Result<String, AppError> {
    Ok(find(db, id).await?.source)
}

/// Version `id`, or 404.
async fn find(db: &impl ConnectionTrait, id: i64) -> Result<change_policy::Model, AppError> {
    ChangePolicy::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Policy version"))
}

fn row_of(row: &change_policy::Model) -> PolicyVersionRow {
    PolicyVersionRow {
        id: row.id,
        note: row.note.clone(),
        created_by: row.created_by.clone(),
        created_at: row.created_at,
        active: row.active,
        tests: serde_json::from_str(&row.tests).unwrap_or_default(),
        ready: row.tests_passed,
        activated_by: row.activated_by.clone(),
        activated_at: row.activated_at,
    }
}

/// The rule names a policy's findings cite (`"rule": "name"`), in order of first mention.
pub fn rule_names(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for piece in source.split("\"rule\"").skip(1) {
        let rest = piece.trim_start().trim_start_matches(':').trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let name: String = rest.chars().take_while(|c| *c != '"').collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// What the audit trail keeps of a version: everything but the (long) source, and its size.
#[derive(serde::Serialize)]
struct Summary<'a> {
    id: i64,
    note: &'a str,
    bytes: usize,
    tests_passed: bool,
    active: bool,
}

impl<'a> Summary<'a> {
    fn of(row: &'a change_policy::Model) -> Self {
        Self {
            id: row.id,
            note: &row.note,
            bytes: row.source.len(),
            tests_passed: row.tests_passed,
            active: row.active,
        }
    }
}

fn subject(row: &change_policy::Model) -> Subject<'static> {
    Subject {
        entity_type: "change_policy",
        entity_id: row.id.to_string(),
        label: "Change policy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pack_names_its_rules() {
        let names = rule_names(DEFAULT_POLICY);
        for rule in [
            "docs_and_config",
            "schema_migration",
            "open_incident",
            "freeze",
        ] {
            assert!(names.iter().any(|n| n == rule), "{rule}: {names:?}");
        }
        assert_eq!(rule_names("package gate\n"), Vec::<String>::new());
    }
}

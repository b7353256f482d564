//! Personal API tokens: random, shown once, stored as SHA-256 hashes, revocable; each acts with
//! its owner's role, or only reports what a pipeline reports (a CI token, for one service or all).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use shared::domain::TokenScope;
use shared::domain::audit::AuditAction;

use super::super::AppError;
use super::super::audit::{self, Actor, Subject};
use super::super::entities::api_token::{self, Entity as ApiToken};
use super::super::entities::user;

/// Every token starts with this, so secret scanners and people recognise it.
pub const TOKEN_PREFIX: &str = "pmt_";

/// Hex SHA-256 of a token: what is stored and looked up.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

/// What a new token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: TokenScope,
    /// For a pipeline token: the one service it reports for (none: every service).
    pub service_id: Option<i64>,
}

impl Grant {
    /// A token acting with its owner's role.
    pub const FULL: Grant = Grant {
        scope: TokenScope::Full,
        service_id: None,
    };
}

/// Creates a token for `user_id`; returns the stored row and the token itself (shown once).
pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i64,
    name: &str,
    grant: Grant,
) -> Result<(api_token::Model, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "name",
            "Name the token (up to 100 characters), e.g. \"CI pipeline\".",
        ));
    }
    let service_id = match (grant.scope, grant.service_id) {
        (TokenScope::Full, _) | (_, None) => None,
        (TokenScope::Pipeline, Some(id)) => Some(
            crate::entities::service::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::field("service", "Choose one of the services."))?
                .id,
        ),
    };
    let token = new_token();
    let txn = crate::db::begin_write(db).await?;
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        prefix: Set(token.chars().take(12).collect()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        scope: Set(grant.scope),
        service_id: Set(service_id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let subject = Subject {
        entity_type: "api_token",
        entity_id: row.id.to_string(),
        label: &row.name,
    };
    audit::record(
        &txn,
        actor,
        AuditAction::TokenCreated,
        subject,
        None,
        Some(&snapshot(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok((row, token))
}

/// The user's tokens, newest first (revoked ones included, marked).
pub async fn list_for_user(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Vec<api_token::Model>, AppError> {
    Ok(ApiToken::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes one of the user's own tokens. Revoking twice changes nothing the second time.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i64,
    token_id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let token = ApiToken::find_by_id(token_id)
        .filter(api_token::Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Token"))?;
    if token.revoked_at.is_some() {
        return Ok(());
    }
    let before = snapshot(&token);
    let mut active: api_token::ActiveModel = token.into();
    active.revoked_at = Set(Some(Utc::now()));
    let after = active.update(&txn).await?;
    let subject = Subject {
        entity_type: "api_token",
        entity_id: after.id.to_string(),
        label: &after.name,
    };
    audit::record(
        &txn,
        actor,
        AuditAction::TokenRevoked,
        subject,
        Some(&before),
        Some(&snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Who a bearer token acts for, and what it may do.
#[derive(Clone, Debug)]
pub struct Bearer {
    pub user: user::Model,
    pub scope: TokenScope,
    /// A pipeline token's one service.
    pub service_id: Option<i64>,
}

/// How stale a token's "last used" may get before a call writes it again.
const LAST_USED_PRECISION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The active user a bearer token belongs to and the token's grant, noting when it was last used.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<Bearer>, AppError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = ApiToken::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = super::users::find_active(db, row.user_id).await? else {
        return Ok(None);
    };
    let (scope, service_id) = (row.scope, row.service_id);
    // "Last used" is shown to the minute: a pipeline calling many times a second writes it
    // once a minute, not once per call.
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_PRECISION)
    {
        let mut active: api_token::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(Bearer {
        user,
        scope,
        service_id,
    }))
}

fn snapshot(token: &api_token::Model) -> serde_json::Value {
    serde_json::json!({
        "id": token.id,
        "user_id": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope.as_str(),
        "service_id": token.service_id,
        "revoked_at": token.revoked_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_long_random_and_recognisable() {
        let (a, b) = (new_token(), new_token());
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
    }

    #[test]
    fn the_stored_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

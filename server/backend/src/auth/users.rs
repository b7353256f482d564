//! Accounts: the first administrator, creating users, roles, disabling, passwords.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::super::AppError;
use super::super::audit::{self, Actor, Subject};
use super::super::entities::user::{self, Entity as User};
use super::passwords;
use shared::domain::audit::AuditAction;
use shared::domain::{Email, FieldErrors, NewPassword, Role, auth::parse_display_name};

/// A person to add, as typed into a form.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub password: String,
    pub password_confirmation: String,
}

/// How many accounts exist (an empty instance offers to create the first administrator).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(User::find().count(db).await?)
}

/// Every account, by name.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<user::Model>, AppError> {
    Ok(User::find()
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?)
}

/// The account with this id, if it exists and is not disabled.
pub async fn find_active(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<user::Model>, AppError> {
    Ok(User::find_by_id(id)
        .filter(user::Column::DisabledAt.is_null())
        .one(db)
        .await?)
}

/// The role stored for an account (an unreadable value counts as viewer, the least power).
pub fn role_of(user: &user::Model) -> Role {
    user.role
}

/// Validates a new account; all problems are reported together.
fn parse_new_user(input: &NewUser) -> Result<(String, Email, Role, NewPassword), AppError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("display_name", parse_display_name(&input.display_name));
    let email = errors.check("email", Email::parse(&input.email));
    let role = errors.check("role", Role::parse(&input.role));
    let password = errors.check(
        "password",
        NewPassword::parse(&input.password, &input.password_confirmation, &input.email),
    );
    match (name, email, role, password) {
        (Some(n), Some(e), Some(r), Some(p)) if errors.is_empty() => Ok((n, e, r, p)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Creates the first administrator; refused once any account exists.
pub async fn create_first_admin(
    db: &DatabaseConnection,
    mut input: NewUser,
) -> Result<user::Model, AppError> {
    input.role = Role::Admin.as_str().to_owned();
    let (name, email, role, password) = parse_new_user(&input)?;
    let hash = passwords::hash(password.expose().to_owned()).await;
    let txn = crate::db::begin_write(db).await?;
    if count(&txn).await? > 0 {
        return Err(AppError::Conflict(
            "This instance already has an administrator. Sign in instead.".into(),
        ));
    }
    let actor = Actor::system("first-run setup");
    let created = insert(&txn, &actor, name, email, role, hash).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates an account on an administrator's behalf.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewUser,
) -> Result<user::Model, AppError> {
    let (name, email, role, password) = parse_new_user(&input)?;
    let hash = passwords::hash(password.expose().to_owned()).await;
    let txn = crate::db::begin_write(db).await?;
    let created = insert(&txn, actor, name, email, role, hash).await?;
    txn.commit().await?;
    Ok(created)
}

async fn insert(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    name: String,
    email: Email,
    role: Role,
    password_hash: String,
) -> Result<user::Model, AppError> {
    if User::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "email",
            "An account with this email already exists.",
        ));
    }
    let now = Utc::now();
    let created = user::ActiveModel {
        email: Set(email.as_str().to_owned()),
        display_name: Set(name),
        password_hash: Set(password_hash),
        role: Set(role),
        created_at: Set(now),
        password_changed_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        AuditAction::UserCreated,
        subject(&created),
        None,
        Some(&snapshot(&created)),
    )
    .await?;
    Ok(created)
}

/// The account whose email and password match, if it is active.
pub async fn verify_credentials(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<Option<user::Model>, AppError> {
    let email = email.trim().to_lowercase();
    let found = User::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    let ok = passwords::verify(password.to_owned(), stored).await;
    Ok(found.filter(|_| ok))
}

/// Changes one's own password after checking the current one.
pub async fn change_password(
    db: &DatabaseConnection,
    user_id: i64,
    current: &str,
    new: &str,
    confirmation: &str,
) -> Result<user::Model, AppError> {
    let user = find_active(db, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !passwords::verify(current.to_owned(), Some(user.password_hash.clone())).await {
        return Err(AppError::field(
            "current_password",
            "This is not your current password.",
        ));
    }
    let password = NewPassword::parse(new, confirmation, &user.email)
        .map_err(|m| AppError::field("new_password", &m))?;
    let hash = passwords::hash(password.expose().to_owned()).await;
    let txn = crate::db::begin_write(db).await?;
    let actor = Actor {
        id: Some(user.id),
        label: user.email.clone(),
    };
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    audit::record(
        &txn,
        &actor,
        AuditAction::UserPasswordChanged,
        subject(&saved),
        None::<&serde_json::Value>,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Changes an account's role. The last active administrator keeps theirs.
pub async fn set_role(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i64,
    role: &str,
) -> Result<user::Model, AppError> {
    let role = Role::parse(role).map_err(|m| AppError::field("role", &m))?;
    let txn = crate::db::begin_write(db).await?;
    let user = User::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("User"))?;
    if role_of(&user) == role {
        return Ok(user);
    }
    if role_of(&user) == Role::Admin && active_admins(&txn).await? <= 1 {
        return Err(AppError::Conflict(
            "This is the last administrator. Make someone else an administrator first.".into(),
        ));
    }
    let before = snapshot(&user);
    let mut active: user::ActiveModel = user.into();
    active.role = Set(role);
    let saved = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::UserRoleChanged,
        subject(&saved),
        Some(&before),
        Some(&snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Disables or re-enables an account. Nobody disables themselves or the last administrator.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<user::Model, AppError> {
    if actor.id == Some(user_id) && disabled {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let user = User::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("User"))?;
    if user.disabled_at.is_some() == disabled {
        return Ok(user);
    }
    if disabled && role_of(&user) == Role::Admin && active_admins(&txn).await? <= 1 {
        return Err(AppError::Conflict(
            "The last administrator cannot be disabled.".into(),
        ));
    }
    let before = snapshot(&user);
    let mut active: user::ActiveModel = user.into();
    active.disabled_at = Set(disabled.then(Utc::now));
    let saved = active.update(&txn).await?;
    let action = if disabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEnabled
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
    Ok(saved)
}

async fn active_admins(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(User::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::DisabledAt.is_null())
        .count(db)
        .await?)
}

fn subject(user: &user::Model) -> Subject<'_> {
    Subject {
        entity_type: "user",
        entity_id: user.id.to_string(),
        label: &user.email,
    }
}

/// What the audit trail records of an account: never the password hash.
fn snapshot(user: &user::Model) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "disabled_at": user.disabled_at,
    })
}

//! The one way a postmortem's parts are saved over an earlier version: the change applies only if
//! the row still has the version the editor started from, which moves on by one with who saved it
//! and when; otherwise nothing changes and the caller gets the row as someone else saved it.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PrimaryKeyTrait, QueryFilter,
    UpdateMany,
};
use shared::wire::postmortems::Saved;

use crate::AppError;
use crate::entities::{action_item, contributing_factor, pm_timeline_entry, postmortem_field};

/// A table whose rows are saved with a version check.
pub(super) trait Versioned: EntityTrait {
    /// What people call a row, for "… was not found".
    const NAME: &'static str;
    const VERSION: Self::Column;
    const UPDATED_BY: Self::Column;
    const UPDATED_AT: Self::Column;
}

/// Applies `changes` to the row that `row` names (read back by `key`) if its version is still
/// `version`.
pub(super) async fn save<E: Versioned>(
    txn: &DatabaseTransaction,
    key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
    row: Condition,
    version: i32,
    by: &str,
    changes: impl FnOnce(UpdateMany<E>) -> UpdateMany<E>,
) -> Result<Saved<E::Model>, AppError> {
    let result = changes(E::update_many())
        .col_expr(E::VERSION, Expr::value(version + 1))
        .col_expr(E::UPDATED_BY, Expr::value(by))
        .col_expr(E::UPDATED_AT, Expr::value(Utc::now()))
        .filter(row)
        .filter(E::VERSION.eq(version))
        .exec(txn)
        .await?;
    let saved = E::find_by_id(key)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound(E::NAME))?;
    Ok(if result.rows_affected == 0 {
        Saved::Conflict(saved)
    } else {
        Saved::Saved(saved)
    })
}

impl Versioned for postmortem_field::Entity {
    const NAME: &'static str = "Field";
    const VERSION: Self::Column = postmortem_field::Column::Version;
    const UPDATED_BY: Self::Column = postmortem_field::Column::UpdatedByLabel;
    const UPDATED_AT: Self::Column = postmortem_field::Column::UpdatedAt;
}

impl Versioned for pm_timeline_entry::Entity {
    const NAME: &'static str = "Timeline entry";
    const VERSION: Self::Column = pm_timeline_entry::Column::Version;
    const UPDATED_BY: Self::Column = pm_timeline_entry::Column::UpdatedByLabel;
    const UPDATED_AT: Self::Column = pm_timeline_entry::Column::UpdatedAt;
}

impl Versioned for contributing_factor::Entity {
    const NAME: &'static str = "Contributing factor";
    const VERSION: Self::Column = contributing_factor::Column::Version;
    const UPDATED_BY: Self::Column = contributing_factor::Column::UpdatedByLabel;
    const UPDATED_AT: Self::Column = contributing_factor::Column::UpdatedAt;
}

impl Versioned for action_item::Entity {
    const NAME: &'static str = "Action item";
    const VERSION: Self::Column = action_item::Column::Version;
    const UPDATED_BY: Self::Column = action_item::Column::UpdatedByLabel;
    const UPDATED_AT: Self::Column = action_item::Column::UpdatedAt;
}

//! Postmortem templates: which sections each severity requires, as set by administrators
//! (the domain's defaults until then).

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};

use crate::AppError;
use crate::audit::{self, Actor, Subject};
use crate::entities::postmortem_template::{self, Entity as PostmortemTemplate};
use shared::domain::Severity;
use shared::domain::audit::AuditAction;
use shared::domain::postmortem::Template;
use shared::wire::postmortems::TemplateRow;

/// The template in force for `severity`.
pub async fn for_severity(
    db: &impl ConnectionTrait,
    severity: Severity,
) -> Result<Template, AppError> {
    Ok(PostmortemTemplate::find_by_id(severity.rank())
        .one(db)
        .await?
        .and_then(|row| Template::parse(&row.required_sections).ok())
        .unwrap_or_else(|| Template::default_for(severity)))
}

/// The template of every severity.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<TemplateRow>, AppError> {
    let mut rows = Vec::new();
    for severity in Severity::ALL {
        rows.push(TemplateRow {
            severity,
            required: for_severity(db, severity).await?.required,
        });
    }
    Ok(rows)
}

/// Sets the template of one severity; postmortems already started keep theirs.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    severity: Severity,
    template: &Template,
) -> Result<TemplateRow, AppError> {
    let before = for_severity(db, severity).await?;
    PostmortemTemplate::insert(postmortem_template::ActiveModel {
        severity: Set(severity.rank()),
        required_sections: Set(template.to_stored()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(postmortem_template::Column::Severity)
            .update_columns([
                postmortem_template::Column::RequiredSections,
                postmortem_template::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    let label = severity.to_string();
    audit::record(
        db,
        actor,
        AuditAction::TemplateUpdated,
        Subject {
            entity_type: "postmortem_template",
            entity_id: label.clone(),
            label: &label,
        },
        Some(&before.to_stored()),
        Some(&template.to_stored()),
    )
    .await?;
    Ok(TemplateRow {
        severity,
        required: template.required.clone(),
    })
}

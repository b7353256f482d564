//! A demo postmortem for a first look: the Safari checkout incident's, in draft, with its summary,
//! marked timeline moments, a contributing factor and a pipeline-test action item.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::AppError;
use super::auth::CurrentUser;
use super::entities::action_item;
use super::entities::contributing_factor;
use super::entities::incident::{self, Entity as Incident};
use super::entities::pm_timeline_entry;
use super::entities::postmortem_field::{self, Entity as Field};
use super::entities::user::{self, Entity as User};
use shared::domain::Role;
use shared::domain::postmortem::{
    ActionKind, ActionPriority, ActionStatus, FactorCategory, Moment, NarrativeField,
};

/// The demo incident the postmortem reviews (see seed_incidents.rs).
const INCIDENT: &str = "Checkout page blank for Safari users";
/// The demo account that wrote it.
const AUTHOR: &str = "member@demo.example";

const FIELDS: [(NarrativeField, &str); 4] = [
    (
        NarrativeField::Summary,
        "A bundler upgrade changed the JavaScript target; **Safari 17** could not parse the new \
         checkout bundle and showed an empty page.",
    ),
    (
        NarrativeField::Impact,
        "Safari users (about 11% of checkouts) could not pay for 75 minutes.",
    ),
    (
        NarrativeField::WentWell,
        "- Support escalated within minutes\n- The rollback took one click",
    ),
    (
        NarrativeField::Lucky,
        "It happened on a weekday morning, not during the sale.",
    ),
];

/// Adds the demo postmortem; does nothing if its incident or author is missing.
pub async fn seed(db: &DatabaseConnection) -> Result<bool, AppError> {
    let (Some(incident), Some(member)) = (
        Incident::find()
            .filter(incident::Column::Title.eq(INCIDENT))
            .one(db)
            .await?,
        User::find()
            .filter(user::Column::Email.eq(AUTHOR))
            .one(db)
            .await?,
    ) else {
        return Ok(false);
    };
    let author = CurrentUser {
        id: member.id,
        email: member.email.clone(),
        display_name: member.display_name.clone(),
        role: Role::Member,
        via_token: false,
    };
    let id = super::postmortems::start(db, 7, &author, &[incident.id]).await?;
    let now = Utc::now();
    for (field, body) in FIELDS {
        Field::update_many()
            .col_expr(postmortem_field::Column::Body, Expr::value(body))
            .col_expr(postmortem_field::Column::Version, Expr::value(2))
            .filter(postmortem_field::Column::PostmortemId.eq(id))
            .filter(postmortem_field::Column::Field.eq(field.as_str()))
            .exec(db)
            .await?;
    }
    let impact = incident.impact_started_at.unwrap_or(incident.opened_at);
    for (at, body, moment) in [
        (
            impact,
            "checkout-web deployed with the bundler upgrade.",
            Moment::ImpactStart,
        ),
        (
            impact + Duration::minutes(35),
            "Support reports Safari customers cannot pay.",
            Moment::Detection,
        ),
        (
            impact + Duration::minutes(50),
            "The new bundle uses syntax Safari 17 does not support.",
            Moment::Diagnosis,
        ),
        (
            impact + Duration::minutes(60),
            "Rolled back to the previous bundle.",
            Moment::Mitigation,
        ),
    ] {
        pm_timeline_entry::ActiveModel {
            postmortem_id: Set(id),
            source_entry_id: Set(None),
            occurred_at: Set(at),
            body: Set(body.into()),
            moment: Set(moment),
            hidden: Set(false),
            version: Set(1),
            updated_by_label: Set(member.display_name.clone()),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let factor = contributing_factor::ActiveModel {
        postmortem_id: Set(id),
        title: Set("No browser-compatibility check in the pipeline".into()),
        category: Set(FactorCategory::Detection),
        description: Set(
            "The build passed on Chrome only; nothing tested the bundle in Safari.".into(),
        ),
        whys: Set("The pipeline runs end-to-end tests in one browser\n\
                   A second browser was thought too slow to run on every change"
            .into()),
        evidence: Set(String::new()),
        version: Set(1),
        updated_by_label: Set(member.display_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    action_item::ActiveModel {
        postmortem_id: Set(id),
        factor_id: Set(Some(factor.id)),
        title: Set("Run the checkout smoke test in WebKit on every merge".into()),
        description: Set(
            "Fail the pipeline when the checkout page does not render in Safari.".into(),
        ),
        kind: Set(ActionKind::PipelineTest),
        owner_id: Set(Some(member.id)),
        due_on: Set(Some((now + Duration::days(14)).date_naive())),
        priority: Set(ActionPriority::High),
        status: Set(ActionStatus::Open),
        version: Set(1),
        updated_by_label: Set(member.display_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        service_id: Set(super::postmortems::services::default_for(db, id, None).await?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

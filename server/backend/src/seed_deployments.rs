//! Demo deployments for the dashboard's change figures: each demo service ships at its own pace
//! over the last 90 days, including the payments-api release the card-payments incident's
//! timeline names (linked automatically) and the checkout-web bundler upgrade behind the Safari
//! incident (linked by hand).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::AppError;
use super::entities::deployment;
use super::entities::incident::{self, Entity as Incident};
use super::entities::incident_deployment;
use super::entities::service::{self, Entity as Service};

/// Service slug, days between deployments, version prefix.
const CADENCE: [(&str, i64, &str); 5] = [
    ("payments-api", 3, "v2."),
    ("checkout-web", 2, "2026."),
    ("ledger", 7, "v5."),
    ("search", 4, "v1."),
    ("notifications", 5, "v3."),
];

/// The window the demo's automatic links use (the default of `DEPLOYMENT_LINK_MINUTES`).
const LINK_MINUTES: i64 = 120;

async fn insert(
    db: &impl ConnectionTrait,
    service_id: i64,
    version: String,
    at: DateTime<Utc>,
) -> Result<i64, AppError> {
    let saved = deployment::ActiveModel {
        service_id: Set(service_id),
        environment: Set("production".into()),
        version: Set(version.clone()),
        status: Set("success".into()),
        source: Set("webhook".into()),
        external_id: Set(format!("demo-{service_id}-{version}")),
        url: Set(None),
        deployed_at: Set(at),
        recorded_by: Set("demo data".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(saved.id)
}

async fn incident_titled(
    db: &impl ConnectionTrait,
    prefix: &str,
) -> Result<Option<incident::Model>, AppError> {
    Ok(Incident::find()
        .filter(incident::Column::Title.starts_with(prefix))
        .one(db)
        .await?)
}

pub async fn seed(db: &impl ConnectionTrait) -> Result<usize, AppError> {
    let now = Utc::now();
    let mut count = 0;
    for (slug, every, prefix) in CADENCE {
        let Some(svc) = Service::find()
            .filter(service::Column::Slug.eq(slug))
            .one(db)
            .await?
        else {
            continue;
        };
        // The oldest one stays inside "the last 90 days" (today and the 89 days before it) at
        // any hour: 88 days and 5 hours ago is at worst early on the first of those days.
        let mut day = 88;
        let mut n = 1;
        while day >= 0 {
            let at = now - Duration::days(day) - Duration::hours(5);
            insert(db, svc.id, format!("{prefix}{n}"), at).await?;
            count += 1;
            n += 1;
            day -= every;
        }
    }
    // The release the card-payments incident's timeline names, 12 minutes before impact.
    if let Some(incident) = incident_titled(db, "Card payments declined").await?
        && let Some(impact) = incident.impact_started_at
        && let Some(svc) = Service::find()
            .filter(service::Column::Slug.eq("payments-api"))
            .one(db)
            .await?
    {
        insert(db, svc.id, "v2.41".into(), impact - Duration::minutes(12)).await?;
        count += 1;
        super::deployments::relink(db, incident.id, LINK_MINUTES).await?;
    }
    // The bundler upgrade behind the Safari incident, linked by a person.
    if let Some(incident) = incident_titled(db, "Checkout page blank").await?
        && let Some(impact) = incident.impact_started_at
        && let Some(svc) = Service::find()
            .filter(service::Column::Slug.eq("checkout-web"))
            .one(db)
            .await?
    {
        let id = insert(
            db,
            svc.id,
            "2026.bundler-upgrade".into(),
            impact - Duration::hours(3),
        )
        .await?;
        count += 1;
        incident_deployment::ActiveModel {
            incident_id: Set(incident.id),
            deployment_id: Set(id),
            linked_by: Set("pm@demo.example".into()),
            automatic: Set(false),
            dismissed_by: Set(None),
            linked_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(count)
}

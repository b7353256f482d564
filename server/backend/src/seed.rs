//! Demo data for a first look: accounts, a few realistic services and incidents, added only to an
//! empty database.

use sea_orm::DatabaseConnection;

use super::audit::Actor;
use super::auth::users::{self, NewUser};
use super::{AppError, services};
use shared::domain::{Role, ServiceForm};

/// The demo accounts: (name, email, role, password). Printed at start-up so newcomers can sign in.
pub const DEMO_USERS: [(&str, &str, Role, &str); 4] = [
    (
        "Ada Admin",
        "admin@demo.example",
        Role::Admin,
        "demo-admin-pass",
    ),
    (
        "Pat Problem-Manager",
        "pm@demo.example",
        Role::ProblemManager,
        "demo-pm-pass",
    ),
    (
        "Mo Member",
        "member@demo.example",
        Role::Member,
        "demo-member-pass",
    ),
    (
        "Vi Viewer",
        "viewer@demo.example",
        Role::Viewer,
        "demo-viewer-pass",
    ),
];

fn demo_services() -> Vec<ServiceForm> {
    let service = |name: &str,
                   slug: &str,
                   team: &str,
                   repo: &str,
                   runbook: &str,
                   on_call: &str,
                   slo: &str,
                   description: &str| ServiceForm {
        name: name.into(),
        slug: slug.into(),
        team: team.into(),
        repository: repo.into(),
        runbook_url: runbook.into(),
        on_call: on_call.into(),
        slo_target: slo.into(),
        description: description.into(),
    };
    vec![
        service(
            "Payments API",
            "payments-api",
            "Payments",
            "acme/payments-api",
            "https://runbooks.acme.example/payments-api",
            "#payments-oncall · PagerDuty: Payments Primary",
            "99.95",
            "Authorises and captures card payments for checkout.\n\n\
             - Depends on **ledger** and the card processor\n\
             - Peak load: Black Friday, 1,200 requests/s",
        ),
        service(
            "Checkout Web",
            "checkout-web",
            "Storefront",
            "acme/checkout-web",
            "https://runbooks.acme.example/checkout-web",
            "#storefront-oncall",
            "99.9",
            "The customer-facing checkout pages (cart, shipping, payment).",
        ),
        service(
            "Ledger",
            "ledger",
            "Payments",
            "acme/ledger",
            "https://runbooks.acme.example/ledger",
            "#payments-oncall",
            "99.99",
            "Double-entry record of every money movement. Writes are **idempotent** by payment id.",
        ),
        service(
            "Search",
            "search",
            "Discovery",
            "acme/search-service",
            "https://runbooks.acme.example/search",
            "discovery-oncall@acme.example",
            "99.5",
            "Product search and autocomplete, backed by an OpenSearch cluster.",
        ),
        service(
            "Notifications",
            "notifications",
            "Platform",
            "acme/notifications",
            "https://runbooks.acme.example/notifications",
            "#platform-oncall",
            "99.0",
            "Sends order e-mails and push notifications from a queue.",
        ),
    ]
}

/// True when the demo administrator account exists (so printing the demo sign-ins is useful).
pub async fn demo_accounts_present(db: &DatabaseConnection) -> Result<bool, AppError> {
    use super::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_USERS[0].1))
        .one(db)
        .await?
        .is_some())
}

/// Adds the demo accounts and services to an empty database; returns whether it did.
pub async fn seed_demo_data(db: &DatabaseConnection) -> Result<bool, AppError> {
    if services::count_all(db).await? > 0 || users::count(db).await? > 0 {
        return Ok(false);
    }
    let actor = Actor::system("demo data");
    for (name, email, role, password) in DEMO_USERS {
        let input = NewUser {
            display_name: name.into(),
            email: email.into(),
            role: role.as_str().into(),
            password: password.into(),
            password_confirmation: password.into(),
        };
        users::create(db, &actor, input).await?;
    }
    let demo = demo_services();
    for form in &demo {
        let draft = form.parse().map_err(AppError::Validation)?;
        services::create(db, &actor, &draft).await?;
    }
    let incidents = super::seed_incidents::seed(db, &actor).await?;
    super::seed_postmortems::seed(db).await?;
    super::seed_problems::seed(db, &actor).await?;
    let deployments = super::seed_deployments::seed(db).await?;
    let changes = super::seed_changes::seed(db).await?;
    tracing::info!(
        services = demo.len(),
        incidents,
        deployments,
        changes,
        users = DEMO_USERS.len(),
        "demo data added"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_password_follows_the_rules() {
        for (_, email, _, password) in super::DEMO_USERS {
            assert!(
                shared::domain::NewPassword::parse(password, password, email).is_ok(),
                "{email}"
            );
        }
    }

    #[test]
    fn every_demo_service_is_valid() {
        for form in super::demo_services() {
            assert!(form.parse().is_ok(), "{} should be valid", form.name);
        }
    }
}

//! One component per route; they fetch through server functions and lay out components.

mod account;
mod admin_integrations;
mod admin_users;
mod audit;
mod incident_detail;
mod incident_edit;
mod incident_form;
mod incident_new;
mod incident_timeline;
mod incidents_list;
mod not_found;
mod service_detail;
mod service_edit;
mod service_form;
mod service_new;
mod services_list;
mod setup;
mod sign_in;

pub use account::AccountPage;
pub use admin_integrations::IntegrationsPage;
pub use admin_users::UsersPage;
pub use audit::{AuditPage, History};
pub use incident_detail::IncidentPage;
pub use incident_edit::EditIncidentPage;
pub use incident_new::DeclareIncidentPage;
pub use incidents_list::IncidentsPage;
pub use not_found::NotFound;
pub use service_detail::ServicePage;
pub use service_edit::EditServicePage;
pub use service_new::NewServicePage;
pub use services_list::ServicesPage;
pub use setup::SetupPage;
pub use sign_in::SignInPage;

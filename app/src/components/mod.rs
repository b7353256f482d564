//! Reusable view pieces: form fields with their messages, error notices.

pub mod auth;
pub mod chart;
pub mod enhance;
pub mod errors;
pub mod escape;
pub mod field;
pub mod filter;
pub mod loaded;
pub mod marks;
pub mod resource;
pub mod sync;
pub mod table;

pub use auth::{Auth, Can, Guarded, provide_auth, use_auth};
pub use enhance::FormEnhancer;
pub use errors::{ErrorNotice, ErrorsView};
pub use escape::{PageTitle, textarea_html, web_address};
pub use field::{Field, FieldKind, field_message, form_notice};
pub use filter::{select_option, use_filter};
pub use loaded::Loaded;
pub use resource::{Json, JsonText, blocking_resource, resource};
pub use sync::{SyncBadgeView, SyncNowButton};
pub use table::DataTable;

//! Reusable view pieces: form fields with their messages, error notices.

pub mod errors;
pub mod field;

pub use errors::{ErrorNotice, ErrorsView};
pub use field::{Field, FieldKind};

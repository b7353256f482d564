//! What the auth server functions carry over the wire.
use crate::domain::{Permission, Role};
use serde::{Deserialize, Serialize};

/// The signed-in person, as the browser sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl SessionUser {
    /// Whether this person may do `permission` (for showing or hiding controls; the server decides).
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }
}

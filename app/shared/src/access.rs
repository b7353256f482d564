//! Who may call which endpoint: every server function is listed here with the access it needs,
//! and this is the only place that says so. The auth middleware enforces this table before a
//! server function runs, and refuses endpoints missing from it, so a new server function is closed
//! until someone classifies it; each function's body asks the same entry again by its own path
//! (`crate::authorize!`), which also covers calls made while a page renders on the server.

use crate::domain::Permission;

/// What a caller needs to call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in itself, first-run setup).
    Public,
    /// Any signed-in person, whatever their role.
    SignedIn,
    /// A signed-in person whose role has this permission.
    Requires(Permission),
}

/// Every server function's path and the access it needs.
pub const ENDPOINTS: &[(&str, Access)] = &[
    // Accounts and sessions
    ("/api/auth/setup-status", Access::Public),
    ("/api/auth/setup", Access::Public),
    ("/api/auth/sign-in", Access::Public),
    ("/api/auth/current-user", Access::Public),
    ("/api/auth/sign-out", Access::SignedIn),
    ("/api/notice/take", Access::SignedIn),
    (
        "/api/account/change-password",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    (
        "/api/account/tokens",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    (
        "/api/account/tokens/create",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    (
        "/api/account/tokens/revoke",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    (
        "/api/account/tokens/shown-once",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    // Administration
    ("/api/users/list", Access::Requires(Permission::ManageUsers)),
    (
        "/api/users/create",
        Access::Requires(Permission::ManageUsers),
    ),
    (
        "/api/users/set-role",
        Access::Requires(Permission::ManageUsers),
    ),
    (
        "/api/users/set-disabled",
        Access::Requires(Permission::ManageUsers),
    ),
    (
        "/api/audit/list",
        Access::Requires(Permission::ViewAuditTrail),
    ),
    (
        "/api/audit/history",
        Access::Requires(Permission::ViewRecords),
    ),
    // Postmortems
    (
        "/api/postmortems/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/postmortems/get",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/postmortems/start",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/field",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/timeline/save",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/timeline/hide",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/timeline/delete",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/factors/save",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/factors/delete",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/actions/save",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/actions/delete",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/workflow",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/facilitate",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/preview",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/postmortems/part",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/postmortems/editor",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/postmortems/templates",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/postmortems/templates/save",
        Access::Requires(Permission::ConfigurePostmortems),
    ),
    // Problems and known errors
    (
        "/api/problems/queue",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/problems/choices",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/problems/get",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/problems/for-incident",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/problems/create",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/accept-suggestion",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/dismiss-suggestion",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/update",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/transition",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/link-incidents",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/unlink-incident",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/link-action",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/root-cause",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/workaround",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/bulk",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/promote-factor",
        Access::Requires(Permission::TriageProblems),
    ),
    (
        "/api/problems/known-error",
        Access::Requires(Permission::ManageKnownErrors),
    ),
    (
        "/api/problems/known-error/retire",
        Access::Requires(Permission::ManageKnownErrors),
    ),
    // Monitoring integrations
    (
        "/api/integrations/list",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/integrations/create",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/integrations/set-disabled",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/integrations/rotate-token",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/integrations/shown-once",
        Access::Requires(Permission::ManageIntegrations),
    ),
    // Service catalog
    (
        "/api/services/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/services/get",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/services/create",
        Access::Requires(Permission::EditServices),
    ),
    (
        "/api/services/update",
        Access::Requires(Permission::EditServices),
    ),
    (
        "/api/services/archive",
        Access::Requires(Permission::EditServices),
    ),
    (
        "/api/services/restore",
        Access::Requires(Permission::EditServices),
    ),
    (
        "/api/integrations/set-secret",
        Access::Requires(Permission::ManageIntegrations),
    ),
    // Incidents
    (
        "/api/incidents/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/incidents/get",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/incidents/policy",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/incidents/declare",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/incidents/update",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/incidents/set-status",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/incidents/timeline/add",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/incidents/timeline/update",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/incidents/timeline/delete",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/github/connection",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/github/connection/save",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/github/connection/delete",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/github/connection/check",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/github/overview",
        Access::Requires(Permission::ManageIntegrations),
    ),
    (
        "/api/github/progress",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/github/sync-now",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/github/retry",
        Access::Requires(Permission::EditPostmortems),
    ),
    (
        "/api/github/backlog",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/github/login",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    (
        "/api/github/login/save",
        Access::Requires(Permission::ManageOwnAccount),
    ),
    // The scoreboard and deployments
    (
        "/api/action-items/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/deployments/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/incidents/deployments",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/incidents/deployments/link",
        Access::Requires(Permission::EditIncidents),
    ),
    (
        "/api/metrics/dashboard",
        Access::Requires(Permission::ViewRecords),
    ),
    // Change control
    (
        "/api/changes/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/changes/get",
        Access::Requires(Permission::ViewRecords),
    ),
    // Problem managers, administrators and the approvers listed for the service's team
    // (`CHANGE_APPROVERS`): the function checks the change's team.
    ("/api/changes/review", Access::SignedIn),
    (
        "/api/policy/page",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/policy/version",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/policy/save",
        Access::Requires(Permission::ManagePolicies),
    ),
    (
        "/api/policy/activate",
        Access::Requires(Permission::ManagePolicies),
    ),
    (
        "/api/policy/backtest",
        Access::Requires(Permission::ManagePolicies),
    ),
    (
        "/api/guardrails/list",
        Access::Requires(Permission::ViewRecords),
    ),
    (
        "/api/guardrails/start",
        Access::Requires(Permission::ManageGuardrails),
    ),
    (
        "/api/guardrails/add",
        Access::Requires(Permission::ManageGuardrails),
    ),
    (
        "/api/guardrails/retire",
        Access::Requires(Permission::ManageGuardrails),
    ),
    (
        "/api/freezes/add",
        Access::Requires(Permission::ManageGuardrails),
    ),
    (
        "/api/freezes/end",
        Access::Requires(Permission::ManageGuardrails),
    ),
];

/// The access an endpoint needs, or `None` for a path that is not a known endpoint.
pub fn endpoint_access(path: &str) -> Option<Access> {
    ENDPOINTS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, access)| *access)
}

/// Pages anyone may open without signing in.
pub const PUBLIC_PAGES: &[&str] = &["/sign-in", "/setup"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_and_setup_are_open_to_strangers() {
        let public: Vec<&str> = ENDPOINTS
            .iter()
            .filter(|(_, a)| *a == Access::Public)
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(
            public,
            [
                "/api/auth/setup-status",
                "/api/auth/setup",
                "/api/auth/sign-in",
                "/api/auth/current-user"
            ]
        );
    }

    #[test]
    fn an_unlisted_path_has_no_access() {
        assert_eq!(endpoint_access("/api/services/drop-everything"), None);
    }

    #[test]
    fn each_endpoint_is_listed_once() {
        let mut paths: Vec<&str> = ENDPOINTS.iter().map(|(p, _)| *p).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ENDPOINTS.len());
    }
}

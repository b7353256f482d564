//! What the audit trail records: every kind of change, by the key stored with each event.

use serde::{Deserialize, Serialize};

use super::postmortem::WorkflowAction;
use super::problem::ProblemAction;

choice! {
    /// A kind of audited change; its key (`service.created`) is what the trail stores and filters by.
    AuditAction {
        ServiceCreated => ("service.created", "Service created"),
        ServiceUpdated => ("service.updated", "Service updated"),
        ServiceArchived => ("service.archived", "Service archived"),
        ServiceRestored => ("service.restored", "Service restored"),
        UserCreated => ("user.created", "Person created"),
        UserPasswordChanged => ("user.password_changed", "Password changed"),
        UserRoleChanged => ("user.role_changed", "Role changed"),
        UserDisabled => ("user.disabled", "Person disabled"),
        UserEnabled => ("user.enabled", "Person enabled"),
        UserGithubLoginChanged => ("user.github_login_changed", "GitHub login changed"),
        TokenCreated => ("token.created", "API token created"),
        TokenRevoked => ("token.revoked", "API token revoked"),
        TimelineAdded => ("timeline.added", "Timeline entry added"),
        TimelineUpdated => ("timeline.updated", "Timeline entry changed"),
        TimelineDeleted => ("timeline.deleted", "Timeline entry deleted"),
        IncidentDeclared => ("incident.declared", "Incident declared"),
        IncidentOpenedByAlert => ("incident.opened_by_alert", "Incident opened by an alert"),
        IncidentUpdated => ("incident.updated", "Incident updated"),
        IncidentStatusChanged => ("incident.status_changed", "Incident status changed"),
        IncidentPostmortemStarted => ("incident.postmortem_started", "Postmortem started for the incident"),
        IncidentSuggestionDismissed => ("incident.suggestion_dismissed", "Problem suggestion dismissed"),
        IncidentDeploymentLinked => ("incident.deployment_linked", "Deployment linked"),
        IncidentDeploymentUnlinked => ("incident.deployment_unlinked", "Deployment unlinked"),
        PostmortemStarted => ("postmortem.started", "Postmortem started"),
        PostmortemFactorRemoved => ("postmortem.factor_removed", "Contributing factor removed"),
        PostmortemActionRemoved => ("postmortem.action_removed", "Action item removed"),
        PostmortemSentToReview => ("postmortem.send_to_review", "Postmortem sent to review"),
        PostmortemApproved => ("postmortem.approve", "Postmortem approved"),
        PostmortemChangesRequested => ("postmortem.request_changes", "Changes requested"),
        PostmortemPublished => ("postmortem.publish", "Postmortem published"),
        PostmortemReopened => ("postmortem.reopen", "Postmortem reopened"),
        TemplateUpdated => ("postmortem_template.updated", "Template updated"),
        IntegrationCreated => ("integration.created", "Integration created"),
        IntegrationDisabled => ("integration.disabled", "Integration disabled"),
        IntegrationEnabled => ("integration.enabled", "Integration enabled"),
        IntegrationTokenRotated => ("integration.token_rotated", "Integration token rotated"),
        IntegrationSecretChanged => ("integration.secret_changed", "Integration secret changed"),
        ProblemCreated => ("problem.created", "Problem created"),
        ProblemUpdated => ("problem.updated", "Problem updated"),
        ProblemRootCauseAdded => ("problem.root_cause_added", "Root cause added"),
        ProblemWorkaroundSaved => ("problem.workaround_saved", "Workaround saved"),
        ProblemKnownErrorPublished => ("problem.known_error_published", "Known error published"),
        ProblemKnownErrorRetired => ("problem.known_error_retired", "Known error retired"),
        ProblemGuardrailOverridden => ("problem.guardrail_overridden", "Guardrail overridden"),
        ProblemAssessed => ("problem.assess", "Problem assessed"),
        ProblemAnalysisStarted => ("problem.analyse", "Root cause analysis started"),
        ProblemFixStarted => ("problem.start_fix", "Fix started"),
        ProblemResolved => ("problem.resolve", "Problem resolved"),
        ProblemClosed => ("problem.close", "Problem closed"),
        ProblemMarkedDuplicate => ("problem.mark_duplicate", "Marked as duplicate"),
        ProblemRiskAccepted => ("problem.accept_risk", "Risk accepted"),
        ProblemCancelled => ("problem.cancel", "Problem cancelled"),
        ProblemReanalysed => ("problem.reanalyse", "Problem re-analysed"),
        ChangeDecided => ("change.decided", "Change decided by the gate"),
        ChangeApproved => ("change.approved", "Change approved"),
        ChangeRejected => ("change.rejected", "Change rejected"),
        PolicySaved => ("policy.saved", "Policy version saved"),
        PolicyActivated => ("policy.activated", "Policy version activated"),
        GuardrailAdded => ("guardrail.added", "Guardrail added"),
        GuardrailRetired => ("guardrail.retired", "Guardrail retired"),
        FreezeAdded => ("freeze.added", "Freeze window added"),
        FreezeEnded => ("freeze.ended", "Freeze window ended"),
        GithubConnected => ("github.connected", "GitHub connected"),
        GithubConnectionChanged => ("github.connection_changed", "GitHub connection changed"),
        GithubDisconnected => ("github.disconnected", "GitHub disconnected"),
    }
}

impl From<WorkflowAction> for AuditAction {
    fn from(action: WorkflowAction) -> Self {
        match action {
            WorkflowAction::SendToReview => Self::PostmortemSentToReview,
            WorkflowAction::Approve => Self::PostmortemApproved,
            WorkflowAction::RequestChanges => Self::PostmortemChangesRequested,
            WorkflowAction::Publish => Self::PostmortemPublished,
            WorkflowAction::Reopen => Self::PostmortemReopened,
        }
    }
}

impl From<ProblemAction> for AuditAction {
    fn from(action: ProblemAction) -> Self {
        match action {
            ProblemAction::Assess => Self::ProblemAssessed,
            ProblemAction::Analyse => Self::ProblemAnalysisStarted,
            ProblemAction::StartFix => Self::ProblemFixStarted,
            ProblemAction::Resolve => Self::ProblemResolved,
            ProblemAction::Close => Self::ProblemClosed,
            ProblemAction::MarkDuplicate => Self::ProblemMarkedDuplicate,
            ProblemAction::AcceptRisk => Self::ProblemRiskAccepted,
            ProblemAction::Cancel => Self::ProblemCancelled,
            ProblemAction::Reanalyse => Self::ProblemReanalysed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_reads_back() {
        let mut keys: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
    }

    #[test]
    fn workflow_and_problem_moves_keep_their_stored_keys() {
        // Events stored before this enum wrote `postmortem.<move>` and `problem.<move>`.
        for action in WorkflowAction::ALL {
            let key = format!("postmortem.{}", action.as_str());
            assert_eq!(AuditAction::from(*action).as_str(), key);
        }
        for action in ProblemAction::ALL {
            let key = format!("problem.{}", action.as_str());
            assert_eq!(AuditAction::from(*action).as_str(), key);
        }
    }
}

//! Postmortem rules: the guided steps, templates, the review workflow, and the checked forms for
//! narrative fields, curated timeline entries, contributing factors and action items.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::incident::{Severity, TimelineKind, parse_time};
use super::validation::{FieldError, FieldErrors};

/// Longest title of a factor or action item.
pub const TITLE_MAX: usize = 200;
/// Longest narrative field (summary, impact, learnings).
pub const NARRATIVE_MAX: usize = 20_000;
/// Longest description, timeline entry or review comment.
pub const TEXT_MAX: usize = 5_000;
/// How many "why" steps a factor may carry.
pub const WHYS_MAX: usize = 10;

choice! {
    /// The guided steps of a postmortem meeting, in order.
    Step {
        Summary => ("summary", "Summary and impact"),
        Timeline => ("timeline", "Timeline"),
        Factors => ("factors", "Contributing factors"),
        Learnings => ("learnings", "Went well, went badly, got lucky"),
        Actions => ("actions", "Action items"),
        Review => ("review", "Review and publish"),
    }
}

impl Step {
    /// The steps that hold content, which a template can make required.
    pub const SECTIONS: [Step; 5] = [
        Step::Summary,
        Step::Timeline,
        Step::Factors,
        Step::Learnings,
        Step::Actions,
    ];

    /// 1-based position in the meeting.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// What good looks like, shown beside the step.
    pub fn help(self) -> &'static str {
        match self {
            Step::Summary => {
                "Say what happened in plain words, who was affected and for how long, and what it \
                 cost against the SLO or error budget. Describe the system, not the people."
            }
            Step::Timeline => {
                "Keep the entries that tell the story, hide the noise, add what is missing, and \
                 mark when the problem was detected, diagnosed and mitigated. Durations follow."
            }
            Step::Factors => {
                "List the conditions that made the incident possible or worse. Ask \"why\" until \
                 you reach something the system can change, and attach the evidence."
            }
            Step::Learnings => {
                "What helped, what hurt, and where luck kept it from being worse. Luck is a \
                 finding: it points to a safeguard we do not have yet."
            }
            Step::Actions => {
                "Each item names one change, an owner, a due date and the factor it addresses. \
                 Prefer pipeline tests and guardrails over reminders to be careful."
            }
            Step::Review => {
                "Check that every required section is complete and the coach has no open hints, \
                 then send it to review. Reviewers approve or ask for changes."
            }
        }
    }
}

choice! {
    /// The narrative fields of a postmortem, each saved on its own with a version.
    NarrativeField {
        Summary => ("summary", "What happened"),
        Impact => ("impact", "Who was affected, and for how long"),
        SloImpact => ("slo_impact", "SLO and error-budget impact"),
        WentWell => ("went_well", "What went well"),
        WentBadly => ("went_badly", "What went badly"),
        Lucky => ("lucky", "Where we got lucky"),
    }
}

impl NarrativeField {
    /// The step the field belongs to.
    pub fn step(self) -> Step {
        match self {
            Self::Summary | Self::Impact | Self::SloImpact => Step::Summary,
            Self::WentWell | Self::WentBadly | Self::Lucky => Step::Learnings,
        }
    }

    /// The fields shown in `step`.
    pub fn of_step(step: Step) -> Vec<NarrativeField> {
        Self::ALL
            .iter()
            .copied()
            .filter(|f| f.step() == step)
            .collect()
    }

    /// Checks a field's new text: trimmed at the ends, and not too long.
    pub fn check(self, text: &str) -> Result<String, FieldErrors> {
        let text = text.trim_end();
        if text.chars().count() > NARRATIVE_MAX {
            return Err(one_error(
                self.as_str(),
                format!("Keep this to {NARRATIVE_MAX} characters or fewer; nothing was saved."),
            ));
        }
        Ok(text.to_owned())
    }
}

choice! {
    /// Where a postmortem stands in its review.
    PostmortemStatus {
        Draft => ("draft", "Draft"),
        InReview => ("in_review", "In review"),
        Published => ("published", "Published"),
    }
}

impl PostmortemStatus {
    /// How far along the review it is: draft 0, in review 1, published 2.
    pub fn rank(self) -> u8 {
        match self {
            PostmortemStatus::Draft => 0,
            PostmortemStatus::InReview => 1,
            PostmortemStatus::Published => 2,
        }
    }
}

choice! {
    /// A move through the review workflow.
    WorkflowAction {
        SendToReview => ("send_to_review", "Send to review"),
        Approve => ("approve", "Approve"),
        RequestChanges => ("request_changes", "Request changes"),
        Publish => ("publish", "Publish"),
        Reopen => ("reopen", "Reopen"),
    }
}

/// The status after `action`, or why the action is not possible from `from`.
pub fn transition(
    from: PostmortemStatus,
    action: WorkflowAction,
) -> Result<PostmortemStatus, String> {
    use PostmortemStatus::*;
    use WorkflowAction::*;
    match (from, action) {
        (Draft, SendToReview) => Ok(InReview),
        (InReview, Approve) => Ok(InReview),
        (InReview, RequestChanges) => Ok(Draft),
        (InReview, Publish) => Ok(Published),
        (Published, Reopen) => Ok(Draft),
        (Published, _) => {
            Err("This postmortem is published and read-only; reopen it first.".into())
        }
        (Draft, Approve | RequestChanges | Publish) => {
            Err("Send the postmortem to review first.".into())
        }
        (Draft, Reopen) | (InReview, Reopen) => {
            Err("Only a published postmortem can be reopened.".into())
        }
        (InReview, SendToReview) => Err("The postmortem is already in review.".into()),
    }
}

/// True when content may change in this status (a published postmortem is read-only).
pub fn editable(status: PostmortemStatus) -> bool {
    status != PostmortemStatus::Published
}

/// Whether `reviewer` may approve a postmortem started by `author`: an author does not approve
/// their own work, so every approval is a second pair of eyes.
pub fn check_approver(reviewer: i64, author: Option<i64>) -> Result<(), String> {
    if author == Some(reviewer) {
        return Err(
            "You started this postmortem, so your approval would not be a review: ask someone \
             else to approve it."
                .into(),
        );
    }
    Ok(())
}

/// True when the approvals of this review round allow publishing: at least `required` distinct
/// reviewers, of whom at least one is not the author.
pub fn approvals_met(approvers: &[i64], author: Option<i64>, required: usize) -> bool {
    let mut distinct: Vec<i64> = approvers.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() >= required.max(1) && distinct.iter().any(|a| Some(*a) != author)
}

choice! {
    /// What kind of condition a contributing factor is.
    FactorCategory {
        Technical => ("technical", "Technical"),
        Process => ("process", "Process"),
        Detection => ("detection", "Detection and monitoring"),
        Communication => ("communication", "Communication"),
        External => ("external", "External"),
        Organisational => ("organisational", "Organisational"),
    }
}

choice! {
    /// What an action item changes.
    ActionKind {
        Fix => ("fix", "Fix"),
        PipelineTest => ("pipeline_test", "Pipeline test"),
        Monitoring => ("monitoring", "Monitoring / alerting"),
        Runbook => ("runbook", "Runbook"),
        Process => ("process", "Process"),
    }
}

choice! {
    /// How urgent an action item is.
    ActionPriority {
        High => ("high", "High"),
        Medium => ("medium", "Medium"),
        Low => ("low", "Low"),
    }
}

choice! {
    /// Whether an action item is done.
    ActionStatus {
        Open => ("open", "Open"),
        Done => ("done", "Done"),
    }
}

choice! {
    /// A moment of the incident marked on a curated timeline entry.
    Moment {
        Unmarked => ("", "—"),
        ImpactStart => ("impact_start", "Impact started"),
        Detection => ("detection", "Detected"),
        Diagnosis => ("diagnosis", "Diagnosed"),
        Mitigation => ("mitigation", "Mitigated"),
    }
}

/// The durations the curated timeline implies, each measured from the start of impact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MomentDurations {
    pub impact_started_at: Option<DateTime<Utc>>,
    pub to_detect: Option<Duration>,
    pub to_diagnose: Option<Duration>,
    pub to_mitigate: Option<Duration>,
}

/// Recomputes the durations from the visible, marked entries. Impact starts at the entry marked
/// so, else at `fallback_start` (the incidents' own impact start). The earliest mark of each
/// moment counts.
pub fn moment_durations(
    entries: &[(Moment, DateTime<Utc>, bool)],
    fallback_start: Option<DateTime<Utc>>,
) -> MomentDurations {
    let first = |moment: Moment| {
        entries
            .iter()
            .filter(|(m, _, hidden)| *m == moment && !hidden)
            .map(|(_, at, _)| *at)
            .min()
    };
    let start = first(Moment::ImpactStart).or(fallback_start);
    let since_start = |moment| match (start, first(moment)) {
        (Some(start), Some(at)) if at >= start => Some(at - start),
        _ => None,
    };
    MomentDurations {
        impact_started_at: start,
        to_detect: since_start(Moment::Detection),
        to_diagnose: since_start(Moment::Diagnosis),
        to_mitigate: since_start(Moment::Mitigation),
    }
}

/// Which sections a postmortem must complete before review, chosen by severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub required: Vec<Step>,
}

impl Template {
    /// The template used until an administrator changes it.
    pub fn default_for(severity: Severity) -> Self {
        let required = match severity {
            Severity::Sev1 | Severity::Sev2 => Step::SECTIONS.to_vec(),
            Severity::Sev3 => vec![Step::Summary, Step::Timeline, Step::Factors, Step::Actions],
            Severity::Sev4 => vec![Step::Summary, Step::Actions],
        };
        Self { required }
    }

    /// Parses the stored form: section keys separated by commas.
    pub fn parse(stored: &str) -> Result<Self, String> {
        let mut required = Vec::new();
        for key in stored.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            match Step::parse(key).filter(|s| Step::SECTIONS.contains(s)) {
                Some(step) if !required.contains(&step) => required.push(step),
                Some(_) => {}
                None => return Err(format!("\"{key}\" is not a section of a postmortem.")),
            }
        }
        required.sort_by_key(|s| s.number());
        Ok(Self { required })
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.required
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What a postmortem holds, enough to tell which sections are complete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completeness {
    pub summary: bool,
    pub impact: bool,
    pub visible_timeline_entries: usize,
    pub factors: usize,
    pub learnings: bool,
    pub action_items: usize,
}

/// The required sections that are not complete, each with what is missing.
pub fn missing_sections(template: &Template, content: &Completeness) -> Vec<String> {
    missing_by_step(template, content)
        .into_iter()
        .map(|(_, missing)| missing)
        .collect()
}

/// [`missing_sections`], each with the step where it is filled in (so a page can link to it).
pub fn missing_by_step(template: &Template, content: &Completeness) -> Vec<(Step, String)> {
    template
        .required
        .iter()
        .filter_map(|step| {
            let missing = match step {
                Step::Summary if !content.summary && !content.impact => {
                    "write what happened and who was affected"
                }
                Step::Summary if !content.summary => "write what happened",
                Step::Summary if !content.impact => "write who was affected and for how long",
                Step::Timeline if content.visible_timeline_entries == 0 => {
                    "keep or add at least one timeline entry"
                }
                Step::Factors if content.factors == 0 => "add at least one contributing factor",
                Step::Learnings if !content.learnings => {
                    "say what went well, what went badly or where you got lucky"
                }
                Step::Actions if content.action_items == 0 => "add at least one action item",
                _ => return None,
            };
            Some((*step, format!("{}: {missing}.", step.label())))
        })
        .collect()
}

/// A curated timeline entry as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PmTimelineForm {
    pub occurred_at: String,
    /// A [`TimelineKind`] by name; empty means a note.
    pub kind: String,
    pub body: String,
    pub moment: String,
}

/// A checked curated timeline entry.
#[derive(Clone, Debug, PartialEq)]
pub struct PmTimelineDraft {
    pub occurred_at: DateTime<Utc>,
    pub kind: TimelineKind,
    pub body: String,
    pub moment: Moment,
}

/// The span a postmortem's timeline may cover: from a day before the incidents began to a day
/// after the last one was resolved (or now, while one is open).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl IncidentWindow {
    /// The window around incidents that began at `began` and ended at `ended`.
    pub fn around(began: DateTime<Utc>, ended: DateTime<Utc>) -> Self {
        Self {
            start: began - Duration::days(1),
            end: ended.max(began) + Duration::days(1),
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at <= self.end
    }
}

impl PmTimelineForm {
    pub fn parse(&self, window: &IncidentWindow) -> Result<PmTimelineDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let occurred_at = match parse_time(&self.occurred_at) {
            Ok(Some(at)) if window.contains(at) => Some(at),
            Ok(Some(_)) => {
                errors.0.push(FieldError::new(
                    "occurred_at",
                    format!(
                        "Pick a time within the incident window, {} to {} UTC.",
                        super::time_text::minute(window.start),
                        super::time_text::minute(window.end)
                    ),
                ));
                None
            }
            Ok(None) => {
                errors
                    .0
                    .push(FieldError::new("occurred_at", "Say when it happened."));
                None
            }
            Err(message) => {
                errors.0.push(FieldError::new("occurred_at", message));
                None
            }
        };
        let body = errors.check(
            "body",
            required_text(&self.body, TEXT_MAX, "Write what happened."),
        );
        let moment = errors.check(
            "moment",
            Moment::parse(&self.moment).ok_or_else(|| "Choose a moment, or none.".to_owned()),
        );
        let kind = if self.kind.trim().is_empty() {
            Some(TimelineKind::Note)
        } else {
            errors.check(
                "kind",
                TimelineKind::parse(&self.kind).ok_or_else(|| {
                    "Choose what kind of entry this is: alert, note, action taken or change."
                        .to_owned()
                }),
            )
        };
        match (occurred_at, kind, body, moment) {
            (Some(occurred_at), Some(kind), Some(body), Some(moment)) if errors.0.is_empty() => {
                Ok(PmTimelineDraft {
                    occurred_at,
                    kind,
                    body,
                    moment,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A contributing factor as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FactorForm {
    pub title: String,
    pub category: String,
    pub description: String,
    /// One "why" per line, the first asked of the factor itself.
    pub whys: String,
    /// One piece of evidence per line: a link, or `#N` for curated timeline entry N.
    pub evidence: String,
}

/// A checked contributing factor.
#[derive(Clone, Debug, PartialEq)]
pub struct FactorDraft {
    pub title: String,
    pub category: FactorCategory,
    pub description: String,
    pub whys: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// Something that supports a factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Evidence {
    Link(String),
    TimelineEntry(i64),
}

impl Evidence {
    /// Parses one line: an http(s) link or `#N`.
    pub fn parse(line: &str) -> Result<Self, String> {
        let line = line.trim();
        if let Some(id) = line.strip_prefix('#') {
            return id.parse().map(Evidence::TimelineEntry).map_err(|_| {
                format!("\"{line}\" is not a timeline entry: write # and its number.")
            });
        }
        let is_link = (line.starts_with("https://") || line.starts_with("http://"))
            && line.len() <= 2048
            && !line.contains(char::is_whitespace);
        if is_link {
            Ok(Evidence::Link(line.to_owned()))
        } else {
            Err(format!(
                "\"{line}\" is neither a link (https://…) nor a timeline entry (#N)."
            ))
        }
    }

    /// The stored and typed form.
    pub fn to_line(&self) -> String {
        match self {
            Evidence::Link(url) => url.clone(),
            Evidence::TimelineEntry(id) => format!("#{id}"),
        }
    }
}

impl FactorForm {
    pub fn parse(&self) -> Result<FactorDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check(
            "title",
            required_text(&self.title, TITLE_MAX, "Name the factor."),
        );
        let category = errors.check(
            "category",
            FactorCategory::parse(&self.category).ok_or_else(|| "Choose a category.".to_owned()),
        );
        let description = errors.check("description", optional_text(&self.description, TEXT_MAX));
        let whys: Vec<String> = lines(&self.whys);
        if whys.len() > WHYS_MAX || whys.iter().any(|w| w.chars().count() > TEXT_MAX) {
            errors.0.push(FieldError::new(
                "whys",
                format!("Keep to {WHYS_MAX} whys of at most {TEXT_MAX} characters each."),
            ));
        }
        let evidence: Vec<Evidence> = lines(&self.evidence)
            .iter()
            .filter_map(|line| errors.check("evidence", Evidence::parse(line)))
            .collect();
        match (title, category, description) {
            (Some(title), Some(category), Some(description)) if errors.0.is_empty() => {
                Ok(FactorDraft {
                    title,
                    category,
                    description,
                    whys,
                    evidence,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An action item as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub title: String,
    pub description: String,
    pub kind: String,
    /// The owner's user id, or empty.
    pub owner: String,
    /// `YYYY-MM-DD`, or empty.
    pub due_on: String,
    pub priority: String,
    /// The factor's id, or empty.
    pub factor: String,
    pub status: String,
    /// The service's id, or empty for the usual one (see [`crate::domain::action_service`]).
    pub service: String,
}

/// A checked action item (the owner and factor are checked against the database by the server).
#[derive(Clone, Debug, PartialEq)]
pub struct ActionDraft {
    pub title: String,
    pub description: String,
    pub kind: ActionKind,
    pub owner_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub priority: ActionPriority,
    pub factor_id: Option<i64>,
    pub status: ActionStatus,
    pub service_id: Option<i64>,
}

impl ActionForm {
    /// Checks the form; a due date may not be before `earliest` (the day the incidents began).
    pub fn parse(&self, earliest: NaiveDate) -> Result<ActionDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check(
            "title",
            required_text(&self.title, TITLE_MAX, "Say what will change."),
        );
        let description = errors.check("description", optional_text(&self.description, TEXT_MAX));
        let kind = errors.check(
            "kind",
            ActionKind::parse(&self.kind).ok_or_else(|| "Choose a kind.".to_owned()),
        );
        let owner_id = errors.check(
            "owner",
            optional_id(&self.owner, "Choose an owner from the list."),
        );
        let due_on = errors.check("due_on", parse_due(&self.due_on, earliest));
        let priority = errors.check(
            "priority",
            ActionPriority::parse(if self.priority.trim().is_empty() {
                "medium"
            } else {
                &self.priority
            })
            .ok_or_else(|| "Choose a priority.".to_owned()),
        );
        let factor_id = errors.check(
            "factor",
            optional_id(&self.factor, "Choose a factor from the list."),
        );
        let status = errors.check(
            "status",
            ActionStatus::parse(if self.status.trim().is_empty() {
                "open"
            } else {
                &self.status
            })
            .ok_or_else(|| "Choose open or done.".to_owned()),
        );
        let service_id = errors.check(
            "service",
            optional_id(&self.service, "Choose a service from the list."),
        );
        match (
            title,
            description,
            kind,
            owner_id,
            due_on,
            priority,
            factor_id,
            status,
            service_id,
        ) {
            (
                Some(title),
                Some(description),
                Some(kind),
                Some(owner_id),
                Some(due_on),
                Some(priority),
                Some(factor_id),
                Some(status),
                Some(service_id),
            ) if errors.0.is_empty() => Ok(ActionDraft {
                title,
                description,
                kind,
                owner_id,
                due_on,
                priority,
                factor_id,
                status,
                service_id,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_due(input: &str, earliest: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let date = super::time_text::parse_date(input)
        .ok_or_else(|| format!("\"{input}\" is not a date: write it as YYYY-MM-DD."))?;
    if date < earliest {
        return Err(format!(
            "A due date cannot be before the incident ({earliest})."
        ));
    }
    Ok(Some(date))
}

fn optional_id(input: &str, message: &str) -> Result<Option<i64>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    input
        .parse::<i64>()
        .map(Some)
        .map_err(|_| message.to_owned())
}

fn required_text(input: &str, max: usize, empty: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(empty.to_owned());
    }
    optional_text(text, max)
}

fn optional_text(input: &str, max: usize) -> Result<String, String> {
    let text = input.trim();
    if text.chars().count() > max {
        return Err(format!("Keep this to {max} characters or fewer."));
    }
    Ok(text.to_owned())
}

fn lines(input: &str) -> Vec<String> {
    input
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn one_error(field: &str, message: String) -> FieldErrors {
    FieldErrors(vec![FieldError::new(field, message)])
}

/// A review comment as typed: required when asking for changes.
pub fn check_review_comment(verdict: WorkflowAction, comment: &str) -> Result<String, FieldErrors> {
    let comment = comment.trim();
    if verdict == WorkflowAction::RequestChanges && comment.is_empty() {
        return Err(one_error("comment", "Say what should change.".into()));
    }
    optional_text(comment, TEXT_MAX).map_err(|m| one_error("comment", m))
}

/// A reason for reopening a published postmortem: required.
pub fn check_reopen_reason(reason: &str) -> Result<String, FieldErrors> {
    required_text(reason, TEXT_MAX, "Say why the postmortem is reopened.")
        .map_err(|m| one_error("reason", m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, hour, minute, 0).unwrap()
    }

    #[test]
    fn every_pair_of_status_and_action_is_allowed_or_refused_as_the_workflow_says() {
        use PostmortemStatus::*;
        use WorkflowAction::*;
        let allowed = [
            (Draft, SendToReview, InReview),
            (InReview, Approve, InReview),
            (InReview, RequestChanges, Draft),
            (InReview, Publish, Published),
            (Published, Reopen, Draft),
        ];
        for from in PostmortemStatus::ALL {
            for action in WorkflowAction::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| f == from && a == action)
                    .map(|(_, _, to)| *to);
                match (transition(*from, *action), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} {action:?}"),
                    (Err(message), None) => assert!(!message.is_empty()),
                    (got, expected) => {
                        panic!("{from:?} {action:?}: {got:?}, expected {expected:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn only_a_published_postmortem_is_read_only() {
        assert!(editable(PostmortemStatus::Draft));
        assert!(editable(PostmortemStatus::InReview));
        assert!(!editable(PostmortemStatus::Published));
    }

    #[test]
    fn an_author_does_not_approve_their_own_postmortem() {
        assert!(
            check_approver(1, Some(1))
                .unwrap_err()
                .contains("ask someone else")
        );
        assert!(check_approver(2, Some(1)).is_ok());
        assert!(
            check_approver(2, None).is_ok(),
            "a postmortem whose author left"
        );
    }

    #[test]
    fn approvals_need_the_required_number_of_distinct_reviewers_one_of_them_not_the_author() {
        assert!(!approvals_met(&[], Some(1), 1));
        assert!(
            !approvals_met(&[1], Some(1), 1),
            "the author alone is not enough"
        );
        assert!(approvals_met(&[2], Some(1), 1));
        assert!(
            !approvals_met(&[2, 2], Some(1), 2),
            "one reviewer counts once"
        );
        assert!(approvals_met(&[1, 2], Some(1), 2));
        assert!(
            approvals_met(&[2], None, 0),
            "at least one approval is always needed"
        );
        assert!(!approvals_met(&[], None, 0));
    }

    #[test]
    fn templates_parse_and_round_trip_in_step_order() {
        let template = Template::parse("actions, summary,summary").unwrap();
        assert_eq!(template.required, vec![Step::Summary, Step::Actions]);
        assert_eq!(template.to_stored(), "summary,actions");
        assert!(Template::parse("summary,review").is_err());
        assert!(Template::parse("nonsense").is_err());
        assert_eq!(Template::parse("").unwrap().required, vec![]);
    }

    #[test]
    fn severe_incidents_require_every_section_and_minor_ones_fewer() {
        assert_eq!(Template::default_for(Severity::Sev1).required.len(), 5);
        assert_eq!(
            Template::default_for(Severity::Sev4).required,
            vec![Step::Summary, Step::Actions]
        );
    }

    #[test]
    fn missing_sections_name_each_required_section_that_is_empty() {
        let template = Template::default_for(Severity::Sev1);
        let missing = missing_sections(&template, &Completeness::default());
        assert_eq!(missing.len(), 5, "{missing:?}");
        assert!(missing[0].starts_with("Summary and impact"));
        let done = Completeness {
            summary: true,
            impact: true,
            visible_timeline_entries: 3,
            factors: 1,
            learnings: true,
            action_items: 2,
        };
        assert!(missing_sections(&template, &done).is_empty());
        let minor = Template::default_for(Severity::Sev4);
        let only_summary = Completeness {
            summary: true,
            impact: true,
            ..Default::default()
        };
        assert_eq!(
            missing_sections(&minor, &only_summary),
            vec!["Action items: add at least one action item.".to_owned()]
        );
    }

    #[test]
    fn durations_recompute_from_marked_visible_entries() {
        let entries = [
            (Moment::ImpactStart, at(10, 0), false),
            (Moment::Detection, at(10, 12), false),
            (Moment::Detection, at(10, 30), false),
            (Moment::Diagnosis, at(10, 40), true),
            (Moment::Mitigation, at(11, 0), false),
        ];
        let d = moment_durations(&entries, Some(at(9, 0)));
        assert_eq!(d.impact_started_at, Some(at(10, 0)));
        assert_eq!(d.to_detect, Some(Duration::minutes(12)));
        assert_eq!(d.to_diagnose, None, "hidden entries do not count");
        assert_eq!(d.to_mitigate, Some(Duration::minutes(60)));
        let fallback = moment_durations(&entries[1..2], Some(at(10, 2)));
        assert_eq!(fallback.to_detect, Some(Duration::minutes(10)));
    }

    #[test]
    fn a_timeline_entry_outside_the_incident_window_is_refused() {
        let window = IncidentWindow::around(at(10, 0), at(12, 0));
        let form = PmTimelineForm {
            occurred_at: "2026-11-25T10:00".into(),
            body: "Deploy".into(),
            moment: "".into(),
            ..Default::default()
        };
        let errors = form.parse(&window).unwrap_err();
        assert!(
            errors
                .message_for("occurred_at")
                .unwrap()
                .contains("incident window")
        );
        let ok = PmTimelineForm {
            occurred_at: "2026-11-20T09:55".into(),
            moment: "impact_start".into(),
            ..form
        };
        assert_eq!(ok.parse(&window).unwrap().moment, Moment::ImpactStart);
        assert_eq!(
            ok.parse(&window).unwrap().kind,
            TimelineKind::Note,
            "a note unless chosen"
        );
        let change = PmTimelineForm {
            kind: "change".into(),
            ..ok.clone()
        };
        assert_eq!(change.parse(&window).unwrap().kind, TimelineKind::Change);
        let unknown = PmTimelineForm {
            kind: "rumour".into(),
            ..ok
        };
        assert_eq!(unknown.parse(&window).unwrap_err().0[0].field, "kind");
    }

    #[test]
    fn a_factor_needs_a_title_and_category_and_checks_its_evidence() {
        let errors = FactorForm::default().parse().unwrap_err();
        assert!(errors.message_for("title").is_some());
        assert!(errors.message_for("category").is_some());
        let form = FactorForm {
            title: "Retry storm".into(),
            category: "technical".into(),
            whys: "Clients retried\n\n  without backoff \n".into(),
            evidence: "https://grafana.example.com/d/1\n#12".into(),
            ..Default::default()
        };
        let draft = form.parse().unwrap();
        assert_eq!(draft.whys, vec!["Clients retried", "without backoff"]);
        assert_eq!(
            draft.evidence,
            vec![
                Evidence::Link("https://grafana.example.com/d/1".into()),
                Evidence::TimelineEntry(12)
            ]
        );
        let bad = FactorForm {
            evidence: "javascript:alert(1)".into(),
            ..form
        };
        assert!(bad.parse().unwrap_err().message_for("evidence").is_some());
    }

    #[test]
    fn an_action_item_checks_kind_owner_due_date_and_defaults_priority_and_status() {
        let earliest = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let form = ActionForm {
            title: "Add a canary test for the payments route".into(),
            kind: "pipeline_test".into(),
            owner: "7".into(),
            due_on: "2026-12-15".into(),
            ..Default::default()
        };
        let draft = form.parse(earliest).unwrap();
        assert_eq!(draft.kind, ActionKind::PipelineTest);
        assert_eq!(draft.owner_id, Some(7));
        assert_eq!(draft.priority, ActionPriority::Medium);
        assert_eq!(draft.status, ActionStatus::Open);
        assert_eq!(draft.service_id, None, "empty: the usual service");
        let chosen = ActionForm {
            service: "4".into(),
            ..form.clone()
        };
        assert_eq!(chosen.parse(earliest).unwrap().service_id, Some(4));
        let early = ActionForm {
            due_on: "2026-11-01".into(),
            ..form.clone()
        };
        assert!(
            early
                .parse(earliest)
                .unwrap_err()
                .message_for("due_on")
                .is_some()
        );
        let bad = ActionForm {
            owner: "bob".into(),
            kind: "wish".into(),
            due_on: "next week".into(),
            service: "payments".into(),
            ..form
        };
        let errors = bad.parse(earliest).unwrap_err();
        assert_eq!(errors.0.len(), 4, "{errors:?}");
        assert!(errors.message_for("service").is_some());
    }

    #[test]
    fn over_long_text_is_refused_with_the_limit() {
        let long = "x".repeat(NARRATIVE_MAX + 1);
        let errors = NarrativeField::Summary.check(&long).unwrap_err();
        assert!(errors.message_for("summary").unwrap().contains("20000"));
        assert_eq!(NarrativeField::Impact.check("  fine  ").unwrap(), "  fine");
    }

    #[test]
    fn asking_for_changes_needs_a_comment_and_reopening_a_reason() {
        assert!(check_review_comment(WorkflowAction::RequestChanges, " ").is_err());
        assert_eq!(
            check_review_comment(WorkflowAction::Approve, "").unwrap(),
            ""
        );
        assert!(check_reopen_reason("").is_err());
        assert_eq!(
            check_reopen_reason(" New evidence ").unwrap(),
            "New evidence"
        );
    }

    #[test]
    fn steps_are_numbered_in_meeting_order() {
        assert_eq!(Step::Summary.number(), 1);
        assert_eq!(Step::Review.number(), 6);
        assert_eq!(NarrativeField::of_step(Step::Learnings).len(), 3);
    }
}

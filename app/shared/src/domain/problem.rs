//! Problem rules (ITIL problem management): the lifecycle state machine, the priority matrix,
//! duplicate-of checks, the pipeline-test guardrail, and the checked problem and known-error forms.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::validation::{FieldError, FieldErrors};

/// Longest problem title.
pub const TITLE_MAX: usize = 200;
/// Longest problem statement, root cause, workaround or fix (Markdown).
pub const TEXT_MAX: usize = 20_000;
/// Longest reason given for a transition.
pub const REASON_MAX: usize = 2_000;

choice! {
    /// Where a problem stands in its lifecycle.
    ProblemState {
        New => ("new", "New"),
        Assessed => ("assessed", "Assessed"),
        Analysis => ("root_cause_analysis", "Root cause analysis"),
        FixInProgress => ("fix_in_progress", "Fix in progress"),
        Resolved => ("resolved", "Resolved"),
        Closed => ("closed", "Closed"),
        Duplicate => ("duplicate", "Duplicate"),
        RiskAccepted => ("risk_accepted", "Risk accepted"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

impl ProblemState {
    /// True while the problem still needs work (not resolved, closed or otherwise ended).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::New | Self::Assessed | Self::Analysis | Self::FixInProgress
        )
    }

    /// True when the problem can no longer change at all (merged into another, its risk
    /// accepted, or cancelled): its record, links and known error stay as they are.
    pub fn has_ended(self) -> bool {
        matches!(self, Self::Duplicate | Self::RiskAccepted | Self::Cancelled)
    }

    /// True when nothing more happens to the problem unless it is re-analysed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Closed | Self::Duplicate | Self::RiskAccepted | Self::Cancelled
        )
    }
}

choice! {
    /// A move through the problem lifecycle.
    ProblemAction {
        Assess => ("assess", "Mark assessed"),
        Analyse => ("analyse", "Start root cause analysis"),
        StartFix => ("start_fix", "Start the fix"),
        Resolve => ("resolve", "Resolve"),
        Close => ("close", "Close"),
        MarkDuplicate => ("mark_duplicate", "Mark as duplicate"),
        AcceptRisk => ("accept_risk", "Accept the risk"),
        Cancel => ("cancel", "Cancel"),
        Reanalyse => ("reanalyse", "Re-analyse"),
    }
}

impl ProblemAction {
    /// True when the move needs a reason (it ends the problem without fixing it, or reopens it).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::AcceptRisk | Self::Cancel | Self::Reanalyse)
    }
}

/// What a transition needs to know about the problem besides its state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransitionFacts {
    /// A root cause has been recorded.
    pub has_root_cause: bool,
    /// Pipeline-test action items of the fix that are not done yet.
    pub open_pipeline_tests: usize,
    /// A reason was given for overriding the pipeline-test guardrail.
    pub guardrail_override: bool,
    /// A reason was given for the move.
    pub has_reason: bool,
}

/// The state after `action`, or why the move is refused.
pub fn transition(
    from: ProblemState,
    action: ProblemAction,
    facts: TransitionFacts,
) -> Result<ProblemState, String> {
    use ProblemAction as A;
    let to = transition_target(from, action).ok_or_else(|| refusal(from, action))?;
    if action.needs_reason() && !facts.has_reason {
        return Err(format!("Say why: \"{}\" needs a reason.", action.label()));
    }
    if action == A::StartFix && !facts.has_root_cause {
        return Err("Record the root cause before starting the fix.".into());
    }
    if action == A::Resolve && facts.open_pipeline_tests > 0 && !facts.guardrail_override {
        let n = facts.open_pipeline_tests;
        let (items, them) = if n == 1 {
            ("item is", "it")
        } else {
            ("items are", "them")
        };
        return Err(format!(
            "{n} pipeline-test action {items} still open. Finish {them} first, or record why \
             the problem may be resolved without {them}."
        ));
    }
    Ok(to)
}

fn refusal(from: ProblemState, action: ProblemAction) -> String {
    use ProblemState as S;
    match from {
        S::Duplicate => "This problem is a duplicate; work on the problem it duplicates.".into(),
        S::RiskAccepted | S::Cancelled => format!(
            "This problem is {}; nothing more happens to it.",
            from.label().to_lowercase()
        ),
        _ => format!(
            "\"{}\" is not possible from {}. Possible: {}.",
            action.label(),
            from.label(),
            possible_actions(from)
                .iter()
                .map(|a| a.label())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The moves possible from `from` (ignoring what they need, such as a reason).
pub fn possible_actions(from: ProblemState) -> Vec<ProblemAction> {
    ProblemAction::ALL
        .iter()
        .copied()
        .filter(|a| transition_target(from, *a).is_some())
        .collect()
}

/// The state a move leads to from `from`, if the lifecycle has that edge.
fn transition_target(from: ProblemState, action: ProblemAction) -> Option<ProblemState> {
    use ProblemAction as A;
    use ProblemState as S;
    match (from, action) {
        (S::New, A::Assess) => Some(S::Assessed),
        (S::Assessed, A::Analyse) => Some(S::Analysis),
        (S::Analysis, A::StartFix) => Some(S::FixInProgress),
        (S::FixInProgress, A::Resolve) => Some(S::Resolved),
        (S::Resolved, A::Close) => Some(S::Closed),
        (S::Resolved | S::Closed, A::Reanalyse) => Some(S::Analysis),
        (open, A::MarkDuplicate) if open.is_open() => Some(S::Duplicate),
        (open, A::AcceptRisk) if open.is_open() => Some(S::RiskAccepted),
        (open, A::Cancel) if open.is_open() => Some(S::Cancelled),
        _ => None,
    }
}

/// The move from one state to another, if the lifecycle allows one.
pub fn action_between(from: ProblemState, to: ProblemState) -> Option<ProblemAction> {
    ProblemAction::ALL
        .iter()
        .copied()
        .find(|a| transition_target(from, *a) == Some(to))
}

choice! {
    /// Impact or urgency of a problem.
    Level {
        High => ("high", "High"),
        Medium => ("medium", "Medium"),
        Low => ("low", "Low"),
    }
}

impl Level {
    fn index(self) -> usize {
        match self {
            Self::High => 0,
            Self::Medium => 1,
            Self::Low => 2,
        }
    }
}

/// A priority from P1 (most urgent) to P5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Priority(u8);

impl Priority {
    /// The priority `n` (1–5), if in range.
    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Self(n))
    }

    /// 1 for P1 … 5 for P5.
    pub fn rank(self) -> u8 {
        self.0
    }

    /// `P1` … `P5`.
    pub fn label(self) -> String {
        format!("P{}", self.0)
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{}", self.0)
    }
}

/// Priority from impact (rows) and urgency (columns), high to low.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMatrix([[Priority; 3]; 3]);

impl Default for PriorityMatrix {
    /// The usual ITIL matrix: high/high is P1, low/low is P5.
    fn default() -> Self {
        Self([
            [Priority(1), Priority(2), Priority(3)],
            [Priority(2), Priority(3), Priority(4)],
            [Priority(3), Priority(4), Priority(5)],
        ])
    }
}

impl PriorityMatrix {
    /// The priority of a problem with this impact and urgency.
    pub fn priority(&self, impact: Level, urgency: Level) -> Priority {
        self.0[impact.index()][urgency.index()]
    }

    /// Parses `1,2,3/2,3,4/3,4,5`: one row per impact (high, medium, low), one number per urgency.
    pub fn parse(input: &str) -> Result<Self, String> {
        let rows: Vec<&str> = input.trim().split('/').collect();
        if rows.len() != 3 {
            return Err(format!(
                "the priority matrix needs 3 rows separated by '/' (impact high, medium, low), \
                 got {}",
                rows.len()
            ));
        }
        let mut matrix = [[Priority(3); 3]; 3];
        for (r, row) in rows.iter().enumerate() {
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            if cells.len() != 3 {
                return Err(format!(
                    "row {} of the priority matrix needs 3 priorities (urgency high, medium, \
                     low), got {}",
                    r + 1,
                    cells.len()
                ));
            }
            for (c, cell) in cells.iter().enumerate() {
                let digits = cell.trim_start_matches(['P', 'p']);
                matrix[r][c] = digits
                    .parse::<u8>()
                    .ok()
                    .and_then(Priority::new)
                    .ok_or_else(|| format!("\"{cell}\" is not a priority from 1 to 5"))?;
            }
        }
        Ok(Self(matrix))
    }

    /// The rows, high impact first, for showing the matrix.
    pub fn rows(&self) -> [[Priority; 3]; 3] {
        self.0
    }
}

/// Checks that `problem` may be marked a duplicate of `target`: not itself, and no chain of
/// duplicates leading from `target` back to `problem`. `duplicate_of` maps each duplicate to the
/// problem it duplicates.
pub fn check_duplicate_of(
    problem: i64,
    target: i64,
    duplicate_of: &HashMap<i64, i64>,
) -> Result<(), String> {
    if problem == target {
        return Err("A problem cannot duplicate itself.".into());
    }
    let mut seen = vec![target];
    let mut current = target;
    while let Some(next) = duplicate_of.get(&current) {
        if *next == problem {
            return Err(format!(
                "Problem #{target} is already a duplicate of this one (through #{}); marking \
                 this one a duplicate of it would form a cycle.",
                seen.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" → #")
            ));
        }
        if seen.contains(next) {
            break;
        }
        seen.push(*next);
        current = *next;
    }
    Ok(())
}

/// A reason for a transition or a guardrail override: trimmed, required, bounded.
pub fn check_reason(input: &str) -> Result<String, String> {
    let reason = input.trim();
    if reason.is_empty() {
        return Err("Give a reason.".into());
    }
    if reason.chars().count() > REASON_MAX {
        return Err(format!("Keep the reason under {REASON_MAX} characters."));
    }
    Ok(reason.to_owned())
}

/// The problem form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemForm {
    pub title: String,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub category: String,
    pub impact: String,
    pub urgency: String,
    /// Comma-separated service ids (one per ticked box when a form sends them).
    #[serde(default)]
    pub services: super::ListField,
    /// The coordinator's user id, or empty.
    #[serde(default)]
    pub coordinator: String,
}

choice! {
    /// What kind of problem it is, for grouping and reports.
    ProblemCategory {
        Software => ("software", "Software"),
        Infrastructure => ("infrastructure", "Infrastructure"),
        Capacity => ("capacity", "Capacity"),
        Configuration => ("configuration", "Configuration"),
        Dependency => ("dependency", "Third-party dependency"),
        Security => ("security", "Security"),
        Process => ("process", "Process"),
        Unknown => ("unknown", "Not known yet"),
    }
}

/// A checked problem form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemDraft {
    pub title: String,
    pub statement: String,
    pub category: ProblemCategory,
    pub impact: Level,
    pub urgency: Level,
    pub services: Vec<i64>,
    pub coordinator: Option<i64>,
}

impl ProblemForm {
    /// Checks every field, naming each one that is wrong.
    pub fn parse(&self) -> Result<ProblemDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", check_text(&self.title, "title", TITLE_MAX, true));
        let statement = errors.check(
            "statement",
            check_text(&self.statement, "problem statement", TEXT_MAX, false),
        );
        let category = errors.check(
            "category",
            if self.category.trim().is_empty() {
                Ok(ProblemCategory::Unknown)
            } else {
                ProblemCategory::parse(&self.category)
                    .ok_or_else(|| "Choose a category from the list.".to_owned())
            },
        );
        let impact = errors.check("impact", parse_level(&self.impact, "impact"));
        let urgency = errors.check("urgency", parse_level(&self.urgency, "urgency"));
        let services = errors.check("services", parse_ids(self.services.as_str(), "service"));
        let coordinator = errors.check(
            "coordinator",
            match self.coordinator.trim() {
                "" => Ok(None),
                id => id
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| "Choose the coordinator from the list.".to_owned()),
            },
        );
        match (
            title,
            statement,
            category,
            impact,
            urgency,
            services,
            coordinator,
        ) {
            (
                Some(title),
                Some(statement),
                Some(category),
                Some(impact),
                Some(urgency),
                Some(services),
                Some(coordinator),
            ) if errors.is_empty() => Ok(ProblemDraft {
                title,
                statement,
                category,
                impact,
                urgency,
                services,
                coordinator,
            }),
            _ => Err(errors),
        }
    }
}

/// Impact or urgency as chosen.
pub fn parse_level(input: &str, what: &str) -> Result<Level, String> {
    Level::parse(&input.trim().to_lowercase())
        .ok_or_else(|| format!("Choose the {what}: high, medium or low."))
}

/// A comma-separated list of ids, without repeats.
pub fn parse_ids(input: &str, what: &str) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part.trim_start_matches('#').parse::<i64>().map_err(|_| {
            format!("Give {what} numbers separated by commas; \"{part}\" is not one.")
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn check_text(input: &str, what: &str, max: usize, required: bool) -> Result<String, String> {
    let text = input.trim();
    if required && text.is_empty() {
        return Err(format!("Give a {what}."));
    }
    if text.chars().count() > max {
        return Err(format!(
            "The {what} is {} characters; keep it under {max}.",
            text.chars().count()
        ));
    }
    Ok(text.to_owned())
}

/// A root cause as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCauseForm {
    pub description: String,
    #[serde(default)]
    pub category: String,
    /// One link or note per line.
    #[serde(default)]
    pub evidence: String,
}

/// A checked root cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootCauseDraft {
    pub description: String,
    pub category: ProblemCategory,
    pub evidence: Vec<String>,
}

impl RootCauseForm {
    /// Checks the root cause, naming each field that is wrong.
    pub fn parse(&self) -> Result<RootCauseDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let description = errors.check(
            "description",
            check_text(&self.description, "root cause", TEXT_MAX, true),
        );
        let category = errors.check(
            "category",
            ProblemCategory::parse(&self.category)
                .ok_or_else(|| "Choose a category from the list.".to_owned()),
        );
        let evidence: Vec<String> = self
            .evidence
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if evidence.iter().any(|e| e.chars().count() > 2_000) {
            errors.0.push(FieldError::new(
                "evidence",
                "Keep each line of evidence short.",
            ));
        }
        match (description, category) {
            (Some(description), Some(category)) if errors.is_empty() => Ok(RootCauseDraft {
                description,
                category,
                evidence,
            }),
            _ => Err(errors),
        }
    }
}

/// A known-error article as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownErrorForm {
    pub symptoms: String,
    pub workaround: String,
    #[serde(default)]
    pub runbook_url: String,
    /// `YYYY-MM-DD`, or empty for no end.
    #[serde(default)]
    pub valid_until: String,
}

/// A checked known-error article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownErrorDraft {
    pub symptoms: String,
    pub workaround: String,
    pub runbook_url: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

impl KnownErrorForm {
    /// Checks the article; `today` bounds the validity date.
    pub fn parse(&self, today: NaiveDate) -> Result<KnownErrorDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let symptoms = errors.check(
            "symptoms",
            check_text(
                &self.symptoms,
                "description of the symptoms",
                TEXT_MAX,
                true,
            ),
        );
        let workaround = errors.check(
            "workaround",
            check_text(&self.workaround, "workaround", TEXT_MAX, true).map_err(|e| {
                if self.workaround.trim().is_empty() {
                    "A known error needs a workaround: the steps that restore service until the \
                     fix lands."
                        .to_owned()
                } else {
                    e
                }
            }),
        );
        let runbook_url = errors.check(
            "runbook_url",
            match self.runbook_url.trim() {
                "" => Ok(None),
                url if url.starts_with("https://") || url.starts_with("http://") => {
                    Ok(Some(url.to_owned()))
                }
                _ => Err("The runbook link must start with https:// or http://.".to_owned()),
            },
        );
        let valid_until = errors.check(
            "valid_until",
            match self.valid_until.trim() {
                "" => Ok(None),
                date => match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                    Ok(d) if d < today => Err("The validity date is in the past.".to_owned()),
                    Ok(d) => Ok(Some(d)),
                    Err(_) => Err("Give the date as YYYY-MM-DD.".to_owned()),
                },
            },
        );
        match (symptoms, workaround, runbook_url, valid_until) {
            (Some(symptoms), Some(workaround), Some(runbook_url), Some(valid_until))
                if errors.is_empty() =>
            {
                Ok(KnownErrorDraft {
                    symptoms,
                    workaround,
                    runbook_url,
                    valid_until,
                })
            }
            _ => Err(errors),
        }
    }
}

/// True when a known error published until `valid_until` still applies at `now`.
pub fn known_error_valid(valid_until: Option<NaiveDate>, now: DateTime<Utc>) -> bool {
    valid_until.is_none_or(|d| d >= now.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> TransitionFacts {
        TransitionFacts {
            has_root_cause: true,
            open_pipeline_tests: 0,
            guardrail_override: false,
            has_reason: true,
        }
    }

    /// Every (from, to) pair: which are edges of the lifecycle, all others refused.
    #[test]
    fn every_pair_of_states_is_either_allowed_or_refused() {
        use ProblemState::*;
        let allowed = [
            (New, Assessed),
            (Assessed, Analysis),
            (Analysis, FixInProgress),
            (FixInProgress, Resolved),
            (Resolved, Closed),
            (Resolved, Analysis),
            (Closed, Analysis),
            (New, Duplicate),
            (Assessed, Duplicate),
            (Analysis, Duplicate),
            (FixInProgress, Duplicate),
            (New, RiskAccepted),
            (Assessed, RiskAccepted),
            (Analysis, RiskAccepted),
            (FixInProgress, RiskAccepted),
            (New, Cancelled),
            (Assessed, Cancelled),
            (Analysis, Cancelled),
            (FixInProgress, Cancelled),
        ];
        let mut checked = 0;
        for from in ProblemState::ALL {
            for to in ProblemState::ALL {
                let action = action_between(*from, *to);
                assert_eq!(
                    action.is_some(),
                    allowed.contains(&(*from, *to)),
                    "{from:?} → {to:?}"
                );
                if let Some(action) = action {
                    assert_eq!(transition(*from, action, facts()), Ok(*to));
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 81);
    }

    /// Every (state, action) pair: refused ones say why and name what is possible.
    #[test]
    fn every_refused_move_explains_itself() {
        for from in ProblemState::ALL {
            for action in ProblemAction::ALL {
                match transition(*from, *action, facts()) {
                    Ok(to) => assert_eq!(action_between(*from, to), Some(*action)),
                    Err(message) => {
                        assert!(!message.is_empty());
                        if !from.is_final() || *from == ProblemState::Closed {
                            assert!(
                                message.contains("Possible:") || message.contains("nothing"),
                                "{from:?} {action:?}: {message}"
                            );
                        }
                    }
                }
            }
        }
        let message = transition(ProblemState::New, ProblemAction::Resolve, facts()).unwrap_err();
        assert!(message.contains("Mark assessed"), "{message}");
    }

    #[test]
    fn ended_problems_refuse_everything_but_reanalysis_of_closed_ones() {
        for from in [
            ProblemState::Duplicate,
            ProblemState::RiskAccepted,
            ProblemState::Cancelled,
        ] {
            assert!(possible_actions(from).is_empty(), "{from:?}");
        }
        assert_eq!(
            possible_actions(ProblemState::Closed),
            vec![ProblemAction::Reanalyse]
        );
        assert_eq!(
            possible_actions(ProblemState::Resolved),
            vec![ProblemAction::Close, ProblemAction::Reanalyse]
        );
    }

    #[test]
    fn risk_cancel_and_reanalysis_need_a_reason() {
        let no_reason = TransitionFacts {
            has_reason: false,
            ..facts()
        };
        for (from, action) in [
            (ProblemState::Assessed, ProblemAction::AcceptRisk),
            (ProblemState::New, ProblemAction::Cancel),
            (ProblemState::Resolved, ProblemAction::Reanalyse),
        ] {
            let message = transition(from, action, no_reason).unwrap_err();
            assert!(message.contains("needs a reason"), "{message}");
        }
        assert_eq!(
            transition(ProblemState::New, ProblemAction::Assess, no_reason),
            Ok(ProblemState::Assessed)
        );
    }

    #[test]
    fn the_fix_starts_only_after_a_root_cause_is_recorded() {
        let unknown = TransitionFacts {
            has_root_cause: false,
            ..facts()
        };
        let message =
            transition(ProblemState::Analysis, ProblemAction::StartFix, unknown).unwrap_err();
        assert!(message.contains("root cause"), "{message}");
    }

    #[test]
    fn open_pipeline_tests_block_resolving_unless_overridden_with_a_reason() {
        let open = TransitionFacts {
            open_pipeline_tests: 2,
            ..facts()
        };
        let message =
            transition(ProblemState::FixInProgress, ProblemAction::Resolve, open).unwrap_err();
        assert!(
            message.starts_with("2 pipeline-test action items are still open"),
            "{message}"
        );
        let one = TransitionFacts {
            open_pipeline_tests: 1,
            ..facts()
        };
        let message =
            transition(ProblemState::FixInProgress, ProblemAction::Resolve, one).unwrap_err();
        assert!(
            message.starts_with("1 pipeline-test action item is still open"),
            "{message}"
        );
        let overridden = TransitionFacts {
            guardrail_override: true,
            ..open
        };
        assert_eq!(
            transition(
                ProblemState::FixInProgress,
                ProblemAction::Resolve,
                overridden
            ),
            Ok(ProblemState::Resolved)
        );
    }

    #[test]
    fn the_default_matrix_is_the_itil_one() {
        let m = PriorityMatrix::default();
        assert_eq!(m.priority(Level::High, Level::High).label(), "P1");
        assert_eq!(m.priority(Level::High, Level::Low).label(), "P3");
        assert_eq!(m.priority(Level::Medium, Level::Medium).label(), "P3");
        assert_eq!(m.priority(Level::Low, Level::High).label(), "P3");
        assert_eq!(m.priority(Level::Low, Level::Low).label(), "P5");
        for impact in Level::ALL {
            for urgency in Level::ALL {
                let p = m.priority(*impact, *urgency).rank();
                assert_eq!(usize::from(p), impact.index() + urgency.index() + 1);
            }
        }
    }

    #[test]
    fn a_configured_matrix_is_parsed_and_bad_ones_are_named() {
        let m = PriorityMatrix::parse("1,1,2 / P2,p3,4 / 3,4,5").unwrap();
        assert_eq!(m.priority(Level::High, Level::Medium).label(), "P1");
        assert_eq!(m.priority(Level::Medium, Level::High).label(), "P2");
        assert_eq!(m.priority(Level::Low, Level::Low).label(), "P5");
        assert!(
            PriorityMatrix::parse("1,2,3/2,3,4")
                .unwrap_err()
                .contains("3 rows")
        );
        assert!(
            PriorityMatrix::parse("1,2/2,3,4/3,4,5")
                .unwrap_err()
                .contains("row 1")
        );
        assert!(
            PriorityMatrix::parse("1,2,3/2,3,9/3,4,5")
                .unwrap_err()
                .contains("\"9\"")
        );
        assert!(
            PriorityMatrix::parse("1,2,3/2,3,x/3,4,5")
                .unwrap_err()
                .contains("\"x\"")
        );
    }

    #[test]
    fn duplicates_refuse_themselves_and_cycles() {
        let none = HashMap::new();
        assert!(
            check_duplicate_of(1, 1, &none)
                .unwrap_err()
                .contains("itself")
        );
        assert_eq!(check_duplicate_of(1, 2, &none), Ok(()));
        // 3 duplicates 2, 2 duplicates 1: marking 1 a duplicate of 3 closes a loop.
        let chain = HashMap::from([(3, 2), (2, 1)]);
        let message = check_duplicate_of(1, 3, &chain).unwrap_err();
        assert!(message.contains("cycle"), "{message}");
        assert!(message.contains("#3 → #2"), "{message}");
        assert_eq!(check_duplicate_of(4, 3, &chain), Ok(()));
        // An existing loop elsewhere does not make the check spin.
        let looped = HashMap::from([(5, 6), (6, 5)]);
        assert_eq!(check_duplicate_of(1, 5, &looped), Ok(()));
    }

    #[test]
    fn the_problem_form_names_every_bad_field() {
        let form = ProblemForm {
            title: " ".into(),
            statement: "x".repeat(TEXT_MAX + 1),
            category: "weather".into(),
            impact: "huge".into(),
            urgency: "".into(),
            services: "1, two".into(),
            coordinator: "bob".into(),
        };
        let errors = form.parse().unwrap_err();
        for field in [
            "title",
            "statement",
            "category",
            "impact",
            "urgency",
            "services",
            "coordinator",
        ] {
            assert!(errors.message_for(field).is_some(), "{field}");
        }
        let ok = ProblemForm {
            title: " Checkout times out under load ".into(),
            statement: "Connection pool runs dry.".into(),
            category: "".into(),
            impact: "High".into(),
            urgency: "medium".into(),
            services: "3, 1, 3".into(),
            coordinator: "7".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.title, "Checkout times out under load");
        assert_eq!(ok.category, ProblemCategory::Unknown);
        assert_eq!(ok.services, vec![3, 1]);
        assert_eq!(ok.coordinator, Some(7));
    }

    #[test]
    fn a_known_error_needs_symptoms_and_a_workaround() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let errors = KnownErrorForm::default().parse(today).unwrap_err();
        assert!(errors.message_for("symptoms").is_some());
        assert!(
            errors
                .message_for("workaround")
                .unwrap()
                .contains("needs a workaround")
        );
        let bad = KnownErrorForm {
            symptoms: "502s".into(),
            workaround: "restart".into(),
            runbook_url: "javascript:alert(1)".into(),
            valid_until: "2026-01-01".into(),
        }
        .parse(today)
        .unwrap_err();
        assert!(bad.message_for("runbook_url").is_some());
        assert!(bad.message_for("valid_until").unwrap().contains("past"));
        let ok = KnownErrorForm {
            symptoms: "502s from checkout".into(),
            workaround: "Restart the pool".into(),
            runbook_url: "https://runbooks.example/pool".into(),
            valid_until: "2027-03-01".into(),
        }
        .parse(today)
        .unwrap();
        assert_eq!(ok.valid_until, NaiveDate::from_ymd_opt(2027, 3, 1));
        let now = "2027-03-01T23:00:00Z".parse().unwrap();
        assert!(known_error_valid(ok.valid_until, now));
        assert!(!known_error_valid(
            ok.valid_until,
            "2027-03-02T00:00:00Z".parse().unwrap()
        ));
        assert!(known_error_valid(None, now));
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert!(check_reason("  ").is_err());
        assert!(check_reason(&"x".repeat(REASON_MAX + 1)).is_err());
        assert_eq!(check_reason(" cost too high ").unwrap(), "cost too high");
    }
}

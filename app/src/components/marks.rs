//! The marks the meeting's server-rendered parts carry for its browser code: each is one
//! attribute, written by the views with [`Mark::on`] or [`Mark::valued`] and found by the browser
//! with [`Mark::selector`] and [`Mark::name`], so neither side spells a `data-*` name of its own.

use leptos::attr::custom::{CustomAttr, custom_attribute};

/// What an element is to the meeting's browser code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A part of the document that is rendered anew when it changed (value: the part).
    Part,
    /// The panel of one step (value: the step).
    StepPanel,
    /// A form the meeting sends in the background.
    MeetingForm,
    /// An item's editor (`<details>`), kept open with what is typed in it across refreshes.
    Editor,
    /// An item's "Edit" link, replaced by its editor fetched from the server (value: the item).
    Edit,
    /// The notice of a save that clashed with someone else's.
    Conflict,
    /// Where that notice names who saved first.
    ConflictBy,
    /// The version the other person saved, kept on the notice for "Keep mine".
    ConflictVersion,
    /// "Keep mine": save again over the other version.
    KeepMine,
    /// "Use theirs": drop what was typed.
    UseTheirs,
    /// "Cancel": close the editor.
    Close,
    /// A field whose form is sent as soon as it changes.
    Autosubmit,
    /// A text the coach reads as it is typed.
    Coach,
    /// Where the coach's hints for the form go.
    CoachOut,
}

impl Mark {
    pub const ALL: [Mark; 14] = [
        Mark::Part,
        Mark::StepPanel,
        Mark::MeetingForm,
        Mark::Editor,
        Mark::Edit,
        Mark::Conflict,
        Mark::ConflictBy,
        Mark::ConflictVersion,
        Mark::KeepMine,
        Mark::UseTheirs,
        Mark::Close,
        Mark::Autosubmit,
        Mark::Coach,
        Mark::CoachOut,
    ];

    /// The attribute's name.
    pub const fn name(self) -> &'static str {
        match self {
            Mark::Part => "data-part",
            Mark::StepPanel => "data-step-panel",
            Mark::MeetingForm => "data-meeting-form",
            Mark::Editor => "data-editor",
            Mark::Edit => "data-edit",
            Mark::Conflict => "data-conflict",
            Mark::ConflictBy => "data-conflict-by",
            Mark::ConflictVersion => "data-version",
            Mark::KeepMine => "data-keep-mine",
            Mark::UseTheirs => "data-use-theirs",
            Mark::Close => "data-close",
            Mark::Autosubmit => "data-autosubmit",
            Mark::Coach => "data-coach",
            Mark::CoachOut => "data-coach-out",
        }
    }

    /// The mark without a value, to spread onto an element: `<div {..Mark::CoachOut.on()}>`.
    pub fn on(self) -> CustomAttr<&'static str, &'static str> {
        custom_attribute(self.name(), "")
    }

    /// The mark with a value: `<div {..Mark::Part.valued(part.as_str())}>`.
    pub fn valued(self, value: impl Into<String>) -> CustomAttr<&'static str, String> {
        custom_attribute(self.name(), value.into())
    }

    /// A CSS selector for elements with the mark.
    pub fn selector(self) -> String {
        format!("[{}]", self.name())
    }

    /// A CSS selector for elements with the mark set to `value` (which must not hold a quote).
    pub fn selector_for(self, value: &str) -> String {
        format!("[{}=\"{value}\"]", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_has_a_name_of_its_own() {
        let mut names: Vec<&str> = Mark::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Mark::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("data-")));
    }

    #[test]
    fn selectors_find_the_attribute_with_or_without_a_value() {
        assert_eq!(Mark::Part.selector(), "[data-part]");
        assert_eq!(
            Mark::Part.selector_for("actions"),
            "[data-part=\"actions\"]"
        );
    }
}

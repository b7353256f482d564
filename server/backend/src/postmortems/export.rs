//! The whole postmortem as one Markdown file, for a wiki or a Git repository.

use std::fmt::Write;

use shared::domain::incident::format_duration;
use shared::domain::postmortem::{Evidence, Moment, NarrativeField, Step};
use shared::wire::postmortems::PostmortemView;

/// A file name for the export, e.g. `postmortem-12-checkout-errors.md`.
pub fn file_name(view: &PostmortemView) -> String {
    let slug: String = view
        .title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    format!("postmortem-{}-{slug}.md", view.id)
}

/// Renders every section, in meeting order. Hidden timeline entries are left out.
pub fn to_markdown(view: &PostmortemView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Postmortem: {}\n", one_line(&view.title));
    let _ = writeln!(out, "- Status: {}", view.meta.status.label());
    let _ = writeln!(out, "- Severity: {}", view.severity);
    let _ = writeln!(out, "- Author: {}", view.author);
    for incident in &view.incidents {
        let _ = writeln!(
            out,
            "- Incident #{}: {} ({}, {})",
            incident.id,
            one_line(&incident.title),
            incident.severity,
            incident.status.label()
        );
    }
    if let Some(at) = view.meta.published_at {
        let _ = writeln!(out, "- Published: {}", at.format("%Y-%m-%d %H:%M UTC"));
    }
    out.push('\n');
    let narrative = |out: &mut String, step: Step| {
        for field in NarrativeField::of_step(step) {
            let body = view.field(field).map(|f| f.body.trim()).unwrap_or_default();
            let _ = writeln!(out, "### {}\n", field.label());
            let _ = writeln!(
                out,
                "{}\n",
                if body.is_empty() {
                    "_Not written._"
                } else {
                    body
                }
            );
        }
    };
    let _ = writeln!(out, "## 1. {}\n", Step::Summary.label());
    narrative(&mut out, Step::Summary);

    let _ = writeln!(out, "## 2. {}\n", Step::Timeline.label());
    let durations = view.durations();
    for (label, duration) in [
        ("Time to detect", durations.to_detect),
        ("Time to diagnose", durations.to_diagnose),
        ("Time to mitigate", durations.to_mitigate),
    ] {
        if let Some(d) = duration {
            let _ = writeln!(out, "- {label}: {}", format_duration(d));
        }
    }
    let _ = writeln!(
        out,
        "\n| Time (UTC) | Moment | What happened |\n| --- | --- | --- |"
    );
    for entry in view.timeline.iter().filter(|e| !e.hidden) {
        let moment = if entry.moment == Moment::Unmarked {
            ""
        } else {
            entry.moment.label()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            entry.occurred_at.format("%Y-%m-%d %H:%M"),
            moment,
            table_cell(&entry.body)
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## 3. {}\n", Step::Factors.label());
    if view.factors.is_empty() {
        let _ = writeln!(out, "_None recorded._\n");
    }
    for factor in &view.factors {
        let _ = writeln!(
            out,
            "### {} ({})\n",
            one_line(&factor.title),
            factor.category.label()
        );
        if !factor.description.is_empty() {
            let _ = writeln!(out, "{}\n", factor.description);
        }
        if !factor.whys.is_empty() {
            out.push_str("Why, asked again each time:\n\n");
        }
        for (n, why) in factor.whys.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", n + 1, one_line(why));
        }
        if !factor.whys.is_empty() {
            out.push('\n');
        }
        for evidence in &factor.evidence {
            let line = match evidence {
                Evidence::Link(url) => format!("- Evidence: <{url}>"),
                Evidence::TimelineEntry(id) => format!("- Evidence: timeline entry #{id}"),
            };
            let _ = writeln!(out, "{line}");
        }
        if !factor.evidence.is_empty() {
            out.push('\n');
        }
    }

    let _ = writeln!(out, "## 4. {}\n", Step::Learnings.label());
    narrative(&mut out, Step::Learnings);

    let _ = writeln!(out, "## 5. {}\n", Step::Actions.label());
    let _ = writeln!(
        out,
        "| Action | Kind | Owner | Due | Priority | Status | Addresses |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    for action in &view.actions {
        let factor = action
            .factor_id
            .and_then(|id| view.factors.iter().find(|f| f.id == id))
            .map(|f| table_cell(&f.title))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            table_cell(&action.title),
            action.kind.label(),
            table_cell(&action.owner),
            action.due_on.map(|d| d.to_string()).unwrap_or_default(),
            action.priority.label(),
            action.status.label(),
            factor
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## 6. {}\n", Step::Review.label());
    for entry in &view.meta.activity {
        let comment = if entry.comment.is_empty() {
            String::new()
        } else {
            format!(": {}", one_line(&entry.comment))
        };
        let _ = writeln!(
            out,
            "- {} {} by {}{comment}",
            entry.at.format("%Y-%m-%d %H:%M"),
            entry.action.replace('_', " "),
            entry.actor
        );
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn table_cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_stay_on_one_line_and_escape_pipes() {
        assert_eq!(table_cell("a | b\nc"), "a \\| b c");
    }
}

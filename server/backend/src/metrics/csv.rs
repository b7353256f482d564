//! The dashboard's figures as CSV, one figure per row: section, figure, breakdown, value, count
//! (how many records the value stands on) and unit, written with the `csv` crate.

use crate::AppError;
use shared::wire::metrics::{DashboardView, WeekPoint};

/// A text cell that a spreadsheet will not run as a formula: names people typed (a service called
/// `=HYPERLINK(…)`) get a leading apostrophe when they start with `=`, `+`, `-`, `@`, tab or CR.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The CSV text of `view`.
pub fn write(view: &DashboardView) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["section", "figure", "breakdown", "value", "count", "unit"])
        .map_err(failed)?;
    let mut row = |section: &str,
                   figure: &str,
                   breakdown: &str,
                   value: Option<f64>,
                   count: Option<u64>,
                   unit: &str| {
        out.write_record([
            &*inert(section),
            &*inert(figure),
            &*inert(breakdown),
            &value.map(|v| format!("{v:.3}")).unwrap_or_default(),
            &count.map(|c| c.to_string()).unwrap_or_default(),
            &*inert(unit),
        ])
        .map_err(failed)
    };
    let week = |p: &WeekPoint| format!("week of {}", p.week);
    row(
        "period",
        "from",
        &view.from_day.to_string(),
        None,
        None,
        "date",
    )?;
    row("period", "to", &view.to_day.to_string(), None, None, "date")?;

    let i = &view.incidents;
    row(
        "incidents",
        "incidents",
        "all",
        Some(i.total as f64),
        Some(i.total),
        "count",
    )?;
    row(
        "incidents",
        "open",
        "all",
        Some(i.open as f64),
        Some(i.open),
        "count",
    )?;
    for b in &i.by_severity {
        row(
            "incidents",
            "by severity",
            &b.label,
            Some(b.value),
            None,
            "count",
        )?;
    }
    for b in &i.by_service {
        row(
            "incidents",
            "by service",
            &b.label,
            Some(b.value),
            None,
            "count",
        )?;
    }
    for f in &i.recovery {
        let name = f.measure.abbreviation();
        row(
            "recovery",
            name,
            "mean",
            f.summary.mean,
            Some(f.summary.count),
            "seconds",
        )?;
        row(
            "recovery",
            name,
            "median",
            f.summary.median,
            Some(f.summary.count),
            "seconds",
        )?;
        for p in &f.weekly {
            row(
                "recovery",
                name,
                &week(p),
                p.value,
                Some(p.count),
                "seconds",
            )?;
        }
    }
    let p = &view.postmortems;
    for (figure, n) in [
        ("required", p.required),
        ("started", p.started),
        ("published", p.published),
        ("overdue", p.overdue),
    ] {
        row(
            "postmortems",
            figure,
            "all",
            Some(n as f64),
            Some(n),
            "count",
        )?;
    }
    row(
        "postmortems",
        "median days from resolution to published",
        "all",
        p.median_days_to_publish,
        Some(p.publish_count),
        "days",
    )?;
    for (by, rows) in [
        ("kind", &view.actions.by_kind),
        ("owner", &view.actions.by_owner),
    ] {
        for r in rows.iter() {
            for (figure, n) in [("open", r.open), ("done", r.done), ("overdue", r.overdue)] {
                row(
                    "action items",
                    &format!("{figure} by {by}"),
                    &r.label,
                    Some(n as f64),
                    Some(n),
                    "count",
                )?;
            }
        }
    }
    for r in &view.actions.backlog {
        for (figure, n) in [
            ("open", r.open),
            ("closed, unverified", r.unverified),
            ("verified", r.verified),
        ] {
            row(
                "pipeline tests",
                figure,
                &r.service,
                Some(n as f64),
                Some(n),
                "count",
            )?;
        }
    }
    for p in &view.actions.burndown {
        row(
            "pipeline tests",
            "open at week end",
            &week(p),
            p.value,
            Some(p.count),
            "count",
        )?;
    }
    let pr = &view.problems;
    row(
        "problems",
        "open",
        "all",
        Some(pr.open as f64),
        Some(pr.open),
        "count",
    )?;
    for b in &pr.by_state {
        row(
            "problems",
            "open by state",
            &b.label,
            Some(b.value),
            None,
            "count",
        )?;
    }
    for b in &pr.by_priority {
        row(
            "problems",
            "open by priority",
            &b.label,
            Some(b.value),
            None,
            "count",
        )?;
    }
    row(
        "problems",
        "median age",
        "open",
        pr.median_age_days,
        Some(pr.open),
        "days",
    )?;
    row(
        "problems",
        "oldest age",
        "open",
        pr.oldest_age_days,
        Some(pr.open),
        "days",
    )?;
    for k in &pr.known_errors {
        row(
            "problems",
            "known error recurrences",
            &k.title,
            Some(k.recurrences as f64),
            Some(k.recurrences),
            "count",
        )?;
    }
    let c = &view.changes;
    row(
        "changes",
        "deployments",
        "all",
        Some(c.deployments as f64),
        Some(c.deployments),
        "count",
    )?;
    row(
        "changes",
        "failed deployments",
        "all",
        Some(c.failed as f64),
        Some(c.failed),
        "count",
    )?;
    row(
        "changes",
        "change failure rate",
        "all",
        c.failure_rate,
        Some(c.deployments),
        "ratio",
    )?;
    row(
        "changes",
        "deployment frequency",
        "all",
        Some(c.per_week),
        Some(c.deployments),
        "per week",
    )?;
    for p in &c.weekly {
        row(
            "changes",
            "deployments",
            &week(p),
            p.value,
            Some(p.count),
            "count",
        )?;
    }
    let bytes = out.into_inner().map_err(failed)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn failed(error: impl std::fmt::Display) -> AppError {
    AppError::Db(sea_orm::DbErr::Custom(format!(
        "the CSV could not be written: {error}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_looks_like_a_formula_stays_text() {
        assert_eq!(
            inert("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("Payments"), "Payments");
    }
}

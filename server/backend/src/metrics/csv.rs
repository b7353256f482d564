//! The dashboard's figures as CSV, one figure per row: section, figure, breakdown, value, count
//! (how many records the value stands on) and unit, written with the `csv` crate.

use crate::AppError;
use shared::wire::metrics::DashboardView;

use super::figures;

/// A text cell that a spreadsheet will not run as a formula: names people typed (a service called
/// `=HYPERLINK(…)`) get a leading apostrophe when they start with `=`, `+`, `-`, `@`, tab or CR.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The CSV text of `view`: a row per figure of [`figures::of`].
pub fn write(view: &DashboardView) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["section", "figure", "breakdown", "value", "count", "unit"])
        .map_err(failed)?;
    for figure in figures::of(view) {
        out.write_record([
            &*inert(figure.section),
            &*inert(&figure.figure),
            &*inert(&figure.breakdown),
            &figure.value.map(|v| format!("{v:.3}")).unwrap_or_default(),
            &figure.count.map(|c| c.to_string()).unwrap_or_default(),
            &*inert(figure.unit),
        ])
        .map_err(failed)?;
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

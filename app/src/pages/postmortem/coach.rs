//! The blameless-language coach under a text, as HTML: the text with blaming phrases marked and a
//! suggestion for each. One renderer serves the server (factor cards) and the browser (as people
//! type: the rules are compiled into the wasm bundle, so hints appear at once, even offline).

use crate::components::escape::escape_into as escape;
use shared::domain::coach::{review, segments};

/// The coach's hints for `text` as an `<aside>`; empty when the text reads blameless. Every piece
/// of the text is escaped, so the result is safe to place as HTML.
pub fn hints_html(text: &str) -> String {
    let hints = review(text);
    if hints.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<aside class="coach" data-testid="coach-hints" aria-label="Blameless-language coach"><p class="coach-count">"#,
    );
    match hints.len() {
        1 => out.push_str("1 hint"),
        n => {
            out.push_str(&n.to_string());
            out.push_str(" hints");
        }
    }
    out.push_str(r#" from the blameless coach (a guide, not a rule):</p><p class="coach-text">"#);
    for (piece, hint) in segments(text, &hints) {
        match hint {
            Some(i) => {
                out.push_str(r#"<mark title=""#);
                escape(&hints[i].message, &mut out);
                out.push_str(r#"">"#);
                escape(&piece, &mut out);
                out.push_str("</mark>");
            }
            None => escape(&piece, &mut out),
        }
    }
    out.push_str("</p><ul>");
    for hint in &hints {
        out.push_str(r#"<li data-testid="coach-hint"><mark>"#);
        escape(&hint.phrase, &mut out);
        out.push_str("</mark> — ");
        escape(&hint.message, &mut out);
        out.push_str(" <em>");
        escape(&hint.suggestion, &mut out);
        out.push_str("</em></li>");
    }
    out.push_str("</ul></aside>");
    out
}

/// How many hints the coach has for all these texts together.
pub fn count_hints<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts.into_iter().map(|t| review(t).len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blame_is_marked_with_its_suggestion() {
        let html = hints_html("Bob should have checked the expiry settings.");
        assert!(html.contains(r#"data-testid="coach-hints""#));
        assert!(html.contains("1 hint from the blameless coach"));
        assert!(html.contains("<mark title="));
        assert_eq!(html.matches(r#"data-testid="coach-hint""#).count(), 1);
    }

    #[test]
    fn blameless_text_gets_nothing() {
        assert_eq!(
            hints_html("Fault tolerance in the payment retries worked."),
            ""
        );
        assert_eq!(hints_html(""), "");
    }

    #[test]
    fn the_text_around_a_hint_is_escaped() {
        let html = hints_html("<script>alert(1)</script> Bob should have checked \"it\" & more");
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;it&quot; &amp; more"));
    }

    #[test]
    fn hints_are_counted_over_every_text() {
        assert_eq!(
            count_hints(["Bob should have checked.", "fault tolerance", "human error"]),
            2
        );
    }
}

//! Escaping for HTML the app writes itself, and for the two places Leptos writes text as it is:
//! a `<textarea>`'s children (tachys 0.2.19) and a `<title>`'s text (leptos_meta 0.8.7). Every
//! textarea takes its text through [`textarea_html`] and every page its title through
//! [`PageTitle`], so stored text can never end either element.

use leptos::prelude::*;
use leptos_meta::Title;

/// Appends `text` with the characters that mean something in HTML (text or attribute) escaped.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped for an HTML text or attribute context.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// A `<textarea>`'s text as HTML, for its `inner_html`. The HTML parser drops one newline right
/// after `<textarea>`, so a text that starts with one gets another in front and keeps it.
pub fn textarea_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    if text.starts_with('\n') || text.starts_with("\r\n") {
        out.push('\n');
    }
    escape_into(text, &mut out);
    out
}

/// A stored address as a link target, only when it is a web address (`http://` or `https://`):
/// a `javascript:` or `data:` address that reached the database some other way (an alert's source
/// link, an import) is shown as no link at all.
pub fn web_address(url: &str) -> Option<String> {
    let scheme = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (scheme.starts_with("https://") || scheme.starts_with("http://")).then(|| url.to_owned())
}

/// The page's `<title>`, escaped (leptos_meta writes a title's text as it is).
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=escape_html(&text) /> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped_for_text_and_attributes() {
        assert_eq!(
            escape_html(r#"</title><a href="x" onclick='y'>&"#),
            "&lt;/title&gt;&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;"
        );
    }

    #[test]
    fn a_textarea_text_cannot_end_the_textarea() {
        assert_eq!(
            textarea_html("</textarea><form action=/x>"),
            "&lt;/textarea&gt;&lt;form action=/x&gt;"
        );
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_address("https://runbooks.example/x").as_deref(),
            Some("https://runbooks.example/x")
        );
        assert_eq!(
            web_address("HTTP://a.example").as_deref(),
            Some("HTTP://a.example")
        );
        for bad in [
            "javascript:alert(1)//https://x",
            " javascript:x",
            "data:text/html,x",
            "//evil.example",
            "http:",
        ] {
            assert_eq!(web_address(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_leading_newline_survives_the_parser() {
        assert_eq!(textarea_html("\nsecond line"), "\n\nsecond line");
        assert_eq!(textarea_html("first\nsecond"), "first\nsecond");
    }
}

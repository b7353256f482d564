//! Markdown to safe HTML: render with pulldown-cmark, then sanitise with ammonia, remembering
//! recent results so a page that shows the same texts again does not sanitise them again.

use std::sync::{Arc, LazyLock};

use pulldown_cmark::{Options, Parser, html};
use quick_cache::{Weighter, sync::Cache};

/// How many bytes of sources and their HTML are remembered, at most.
const REMEMBERED_BYTES: u64 = 16 * 1024 * 1024;
/// Shorter sources are rendered every time: remembering them would cost about as much.
const REMEMBER_FROM_BYTES: usize = 256;

#[derive(Clone)]
struct Bytes;

impl Weighter<String, Arc<str>> for Bytes {
    fn weight(&self, source: &String, html: &Arc<str>) -> u64 {
        (source.len() + html.len()) as u64
    }
}

/// Rendered HTML by its source text: the result depends on nothing else.
static RENDERED: LazyLock<Cache<String, Arc<str>, Bytes>> =
    LazyLock::new(|| Cache::with_weighter(4096, REMEMBERED_BYTES, Bytes));

/// Renders untrusted Markdown to HTML that is safe to insert into a page.
///
/// Raw HTML in the source is passed through by the renderer, so everything is sanitised
/// afterwards: scripts, event handlers and `javascript:` links are removed, and links get
/// `rel="noopener noreferrer nofollow"`.
pub fn render_markdown(source: &str) -> String {
    if source.len() < REMEMBER_FROM_BYTES {
        return render(source);
    }
    if let Some(html) = RENDERED.get(source) {
        return html.to_string();
    }
    let html = render(source);
    RENDERED.insert(source.to_owned(), Arc::from(html.as_str()));
    html
}

fn render(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into())
        // Task-list items render as disabled checkboxes; no other input survives.
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn a_remembered_long_text_renders_the_same_and_stays_sanitised() {
        let source = format!(
            "{}\n\n<script>alert(1)</script><a href=\"javascript:alert(2)\">x</a>",
            "A **long** paragraph about the payments gateway. ".repeat(20)
        );
        assert!(source.len() >= super::REMEMBER_FROM_BYTES);
        let first = render_markdown(&source);
        let second = render_markdown(&source);
        assert_eq!(first, second);
        assert_eq!(first, super::render(&source));
        assert!(first.contains("<strong>long</strong>"));
        assert!(!first.contains("<script") && !first.contains("javascript:"));
    }

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            render_markdown("Takes **payments** for `checkout`."),
            "<p>Takes <strong>payments</strong> for <code>checkout</code>.</p>\n"
        );
    }

    #[test]
    fn script_tags_are_removed() {
        let html = render_markdown("hello <script>alert(1)</script>");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn event_handlers_and_javascript_links_are_removed() {
        let html = render_markdown("<img src=x onerror=alert(1)> [x](javascript:alert(1))");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn task_lists_tables_and_strikethrough_render_and_inputs_stay_inert() {
        let html =
            render_markdown("- [x] done\n- [ ] todo\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~");
        assert!(
            html.contains(r#"type="checkbox""#) && html.contains("disabled"),
            "{html}"
        );
        assert!(
            html.contains("<table>") && html.contains("<del>old</del>"),
            "{html}"
        );
        let html = render_markdown(r#"<input type="text" name="password" onfocus="x()">"#);
        assert!(
            !html.contains("text") && !html.contains("onfocus"),
            "{html}"
        );
    }

    #[test]
    fn links_do_not_leak_the_opener_or_pass_ranking() {
        let html = render_markdown("[runbook](https://example.com/rb)");
        assert!(
            html.contains(r#"rel="noopener noreferrer nofollow""#),
            "{html}"
        );
    }
}

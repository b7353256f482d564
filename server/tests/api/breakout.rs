//! Stored text never becomes markup: breakout payloads for every raw-text and escapable context
//! (`title`, `textarea`, `style`, `script`, `noscript`, `iframe`, `xmp`, `plaintext`) are written
//! into every stored free-text field of the demo data and a `javascript:` address into every stored
//! link (`breakout.sql`), then every page an administrator can reach by following links, each
//! meeting part and each item editor are read: none may carry an element, attribute or link the
//! app did not write. The browser suite checks the same in Chromium (`breakout.spec.ts`).

use std::collections::{BTreeSet, VecDeque};

use sea_orm::ConnectionTrait;

use crate::helpers::{Engine, TestApp, spawn_demo_app};
use crate::on_both_engines;

on_both_engines!(stored_text_stays_text_on_every_page);

/// The statements that plant the payloads (shared with the browser suite).
pub const PAYLOADS: &str = include_str!("breakout.sql");

/// At most this many pages are read (the demo data has fewer that differ in kind).
const MAX_PAGES: usize = 250;

async fn stored_text_stays_text_on_every_page(engine: Engine) {
    let app = spawn_demo_app(engine).await;
    plant(&app).await;
    let response = app
        .sign_in(&app.client, "admin@demo.example", "demo-admin-pass")
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = [
        "/services",
        "/incidents",
        "/postmortems",
        "/problems",
        "/backlog",
        "/action-items",
        "/deployments",
        "/changes",
        "/dashboard",
        "/audit",
        "/account",
        "/admin/users",
        "/admin/integrations",
        "/admin/github",
        "/admin/templates",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut pages = 0;
    let mut titled_by_records = 0;
    while let Some(path) = queue.pop_front() {
        if pages == MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let response = match path.strip_prefix("/api/") {
            Some(endpoint) => app.call_get_with(&app.client, endpoint, &[]).await,
            None => app.get(&path).await,
        };
        let status = response.status();
        assert!(!status.is_server_error(), "{path} answered {status}");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.unwrap();
        let html = if path.starts_with("/api/") {
            // Parts and editors answer their HTML as a JSON string.
            assert!(
                status.is_success(),
                "{path} answered {status}: {:.300}",
                body
            );
            serde_json::from_str::<String>(&body).expect("an HTML fragment as a JSON string")
        } else if content_type.starts_with("text/html") {
            body
        } else {
            continue;
        };
        pages += 1;
        assert_no_markup_from_records(&path, &html);
        if title_of(&html).contains("&lt;/title&gt;") {
            titled_by_records += 1;
        }
        for link in links(&html) {
            if let Some(id) = postmortem_id(&link) {
                for part in ["timeline", "factors", "actions", "review"] {
                    queue.push_back(format!(
                        "/api/postmortems/part?postmortem_id={id}&part={part}"
                    ));
                }
            }
            if let Some((id, item)) = editor_of(&link) {
                queue.push_back(format!(
                    "/api/postmortems/editor?postmortem_id={id}&item={item}"
                ));
            }
            queue.push_back(link);
        }
    }
    assert!(pages >= 40, "only {pages} pages were read");
    assert!(
        titled_by_records >= 5,
        "record pages should carry the stored names in their titles, escaped ({titled_by_records})"
    );
}

/// Writes the payloads into the database the app runs on.
async fn plant(app: &TestApp) {
    for statement in PAYLOADS.lines().filter(|l| l.starts_with("UPDATE")) {
        app.db
            .execute_unprepared(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Fails when `html` holds an element, attribute or link that came from stored text.
fn assert_no_markup_from_records(path: &str, html: &str) {
    let lower = html.to_lowercase();
    for planted in ["<b data-pwned", "<img src=x data-pwned", "<meta name=pwned"] {
        assert!(
            !lower.contains(planted),
            "{path} renders stored text as markup ({planted}):\n{}",
            around(html, &lower, planted)
        );
    }
    for attribute in [
        "href=\"javascript:",
        "src=\"javascript:",
        "action=\"javascript:",
    ] {
        assert!(
            !lower.contains(attribute),
            "{path} links to a stored javascript: address:\n{}",
            around(html, &lower, attribute)
        );
    }
}

fn around(html: &str, lower: &str, needle: &str) -> String {
    let at = lower.find(needle).unwrap_or(0);
    let start = html.floor_char_boundary(at.saturating_sub(300));
    let end = html.ceil_char_boundary((at + 200).min(html.len()));
    html[start..end].to_owned()
}

fn title_of(html: &str) -> &str {
    html.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map_or("", |(title, _)| title)
}

/// Same-site links of a page worth following (no exports, no sign-out).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('"')
                .map(|(link, _)| link.replace("&amp;", "&"))
        })
        .filter(|link| link.starts_with('/') && !link.starts_with("//"))
        .filter(|link| {
            !link.starts_with("/pkg/")
                && !link.ends_with(".md")
                && !link.ends_with(".csv")
                && !link.ends_with(".svg")
                && !link.starts_with("/sign-")
        })
        .map(|link| link.split('#').next().unwrap_or_default().to_owned())
        .collect()
}

/// The postmortem a link opens, when it opens one.
fn postmortem_id(link: &str) -> Option<i64> {
    let rest = link.strip_prefix("/postmortems/")?;
    rest.split(['/', '?']).next()?.parse().ok()
}

/// The postmortem and item of an `?edit=` link.
fn editor_of(link: &str) -> Option<(i64, String)> {
    let (_, item) = link.split_once("?edit=")?;
    Some((postmortem_id(link)?, item.to_owned()))
}

//! Sends a viewer the meeting page as it was last rendered for them, for as long as nothing has
//! been written since (here or, on PostgreSQL, on another instance) and for a few seconds at most.
//!
//! A large postmortem takes milliseconds of CPU to render (hundreds of rows with their controls,
//! and the data the browser hydrates from), and a meeting page is opened and reloaded by the same
//! people again and again. The page depends only on its URL, the viewer and the database, so a
//! copy rendered while the instance's write count (`LiveBus::write_count`) stayed the same is
//! exactly what a new render would give. The time limit covers what the count cannot see: the
//! passing of time (a due date becoming overdue) and writes made outside the app.
//! Every copy goes out with a fresh CSP nonce in place of the one it was rendered with.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::csp::NonceSlot;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::AppState;
use backend::auth::CurrentUser;
use backend::metrics::prometheus::record_page_cache;
use quick_cache::{Weighter, sync::Cache};
use shared::domain::Role;

/// A remembered page is sent for at most this long after it was rendered.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// Rendered pages by viewer, bounded by their bytes.
pub struct PageCache {
    pages: Cache<Key, Arc<Page>, PageBytes>,
}

impl PageCache {
    /// A cache of at most `bytes` of pages.
    pub fn new(bytes: u64) -> Self {
        let estimated_pages = (bytes / (64 * 1024)).clamp(16, 65_536) as usize;
        Self {
            pages: Cache::with_weighter(estimated_pages, bytes, PageBytes),
        }
    }
}

/// One page for one viewer: everything the render reads from the request besides the database.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    path_and_query: String,
    user_id: i64,
    role: Role,
    via_token: bool,
}

struct Page {
    /// The instance's write count read before the page's data was.
    writes: u64,
    rendered_at: Instant,
    headers: HeaderMap,
    /// The body, cut at every place the nonce it was rendered with appeared.
    pieces: Vec<Bytes>,
}

#[derive(Clone)]
struct PageBytes;

impl Weighter<Key, Arc<Page>> for PageBytes {
    fn weight(&self, key: &Key, page: &Arc<Page>) -> u64 {
        let body: usize = page.pieces.iter().map(Bytes::len).sum();
        (key.path_and_query.len() + body + 256) as u64
    }
}

/// The middleware: answers from the cache when it can, else renders and keeps the result. It
/// runs after authentication (it needs the viewer) and inside the CSP layer (it needs the slot
/// the page's nonce goes into).
pub async fn serve(
    State((state, cache)): State<(AppState, Arc<PageCache>)>,
    request: Request,
    next: Next,
) -> Response {
    let (Some(key), Some(slot)) = (
        key_of(&request),
        request.extensions().get::<NonceSlot>().cloned(),
    ) else {
        return next.run(request).await;
    };
    let writes = state.live.write_count();
    let started = Instant::now();
    if let Some(page) = cache.pages.get(&key).filter(|page| page.is_current(writes)) {
        record_page_cache(true);
        return page.send(&slot);
    }
    record_page_cache(false);
    let response = next.run(request).await;
    remember(&cache, key, writes, started, &slot, response).await
}

/// Only the meeting page (`/postmortems/{id}`), fetched by a signed-in viewer.
fn key_of(request: &Request) -> Option<Key> {
    if request.method() != Method::GET {
        return None;
    }
    let id = request.uri().path().strip_prefix("/postmortems/")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let user = request.extensions().get::<CurrentUser>()?;
    Some(Key {
        path_and_query: request.uri().path_and_query()?.as_str().to_owned(),
        user_id: user.id,
        role: user.role,
        via_token: user.via_token,
    })
}

impl Page {
    fn is_current(&self, writes: u64) -> bool {
        self.writes == writes && self.rendered_at.elapsed() < FRESH_FOR
    }

    /// The page with a new nonce, which the CSP layer then allows.
    fn send(&self, slot: &NonceSlot) -> Response {
        let nonce = leptos::nonce::Nonce::new().to_string();
        slot.put(&nonce);
        let length = self.pieces.iter().map(Bytes::len).sum::<usize>()
            + nonce.len() * self.pieces.len().saturating_sub(1);
        let mut body = Vec::with_capacity(length);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// Keeps a successful HTML page that used a nonce and set no cookie; sends it either way.
async fn remember(
    cache: &PageCache,
    key: Key,
    writes: u64,
    started: Instant,
    slot: &NonceSlot,
    response: Response,
) -> Response {
    let nonce = slot.peek();
    let cacheable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    let Some(nonce) = nonce.filter(|n| cacheable && !n.is_empty()) else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "the page failed while it was rendered");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    cache.pages.insert(
        key,
        Arc::new(Page {
            writes,
            rendered_at: started,
            headers: parts.headers.clone(),
            pieces: cut_at(&body, nonce.as_bytes()),
        }),
    );
    Response::from_parts(parts, Body::from(body))
}

/// `body` split at every occurrence of `needle`, which is left out.
fn cut_at(body: &Bytes, needle: &[u8]) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for at in memchr::memmem::find_iter(body, needle) {
        pieces.push(body.slice(start..at));
        start = at + needle.len();
    }
    pieces.push(body.slice(start..));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_cut_at_each_nonce_and_put_back_together_with_another() {
        let body = Bytes::from_static(
            b"<script nonce=\"N0nce\">a</script><p>b</p><script nonce=\"N0nce\"></script>",
        );
        let pieces = cut_at(&body, b"N0nce");
        assert_eq!(pieces.len(), 3);
        let joined = pieces
            .iter()
            .map(|p| std::str::from_utf8(p).unwrap())
            .collect::<Vec<_>>()
            .join("Fresh");
        assert_eq!(
            joined,
            "<script nonce=\"Fresh\">a</script><p>b</p><script nonce=\"Fresh\"></script>"
        );
        assert_eq!(cut_at(&Bytes::from_static(b"no nonce"), b"N0nce").len(), 1);
    }

    #[test]
    fn only_the_meeting_page_fetched_by_a_signed_in_viewer_is_kept() {
        let user = CurrentUser {
            id: 7,
            email: "a@example.com".into(),
            display_name: "A".into(),
            role: Role::Member,
            via_token: false,
        };
        let request = |method: Method, uri: &str, signed_in: bool| {
            let mut request = Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap();
            if signed_in {
                request.extensions_mut().insert(user.clone());
            }
            request
        };
        let key = key_of(&request(Method::GET, "/postmortems/12?step=timeline", true)).unwrap();
        assert_eq!(key.path_and_query, "/postmortems/12?step=timeline");
        assert_eq!(key.user_id, 7);
        assert!(key_of(&request(Method::GET, "/postmortems/12", false)).is_none());
        assert!(key_of(&request(Method::POST, "/postmortems/12", true)).is_none());
        for other in [
            "/postmortems",
            "/postmortems/",
            "/postmortems/new",
            "/postmortems/12/print",
            "/postmortems/12/export.md",
            "/incidents/12",
        ] {
            assert!(
                key_of(&request(Method::GET, other, true)).is_none(),
                "{other}"
            );
        }
    }

    #[test]
    fn a_page_is_current_until_a_write_or_its_time_runs_out() {
        let page = |rendered_at| Page {
            writes: 4,
            rendered_at,
            headers: HeaderMap::new(),
            pieces: vec![],
        };
        assert!(page(Instant::now()).is_current(4));
        assert!(!page(Instant::now()).is_current(5));
        let old = Instant::now().checked_sub(FRESH_FOR + Duration::from_millis(1));
        if let Some(old) = old {
            assert!(!page(old).is_current(4));
        }
    }
}

//! The browser entry point: makes the page's islands (its interactive parts) interactive; the
//! rest of the page stays the HTML the server rendered. The islands themselves are the app's.
//! Built for wasm only; on the host this crate is empty.

#![cfg(target_arch = "wasm32")]

// Links the app, whose islands are what `hydrate_islands` finds.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

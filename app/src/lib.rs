//! The Postmortem web app: Leptos components, routes and server functions, compiled for the server
//! (`ssr`) and for the browser (`hydrate`).

// The meeting page's view types nest deeply in builds without `erase_components` (tests).
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, shell};

/// The browser entry point: makes the page's islands (its interactive parts) interactive; the rest
/// of the page stays the HTML the server rendered.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

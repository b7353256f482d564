//! The Postmortem web app: Leptos pages, components and server functions, compiled for the server
//! (`ssr`) and for the browser (`hydrate`, through the `frontend` crate's wasm bundle).

// The meeting page's view types nest deeply in builds without `erase_components` (tests).
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{App, shell};

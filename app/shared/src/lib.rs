//! What the browser and the server share: the domain rules (plain functions, no I/O), the types
//! server functions carry over the wire, and the table of who may call which endpoint. It depends
//! on no Leptos and no database, so the views, the back end and the wasm bundle all build on it.

pub mod access;
pub mod domain;
pub mod wire;

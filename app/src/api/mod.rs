//! Thin server functions, one file per aggregate, and the error type that crosses the wire.

pub mod error;
pub mod services;

pub use error::ApiError;

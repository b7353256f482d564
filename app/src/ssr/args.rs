//! Names the field a malformed request got wrong. Server functions read their arguments with
//! serde_qs, whose errors name a missing field but not one of the wrong type ("invalid digit found
//! in string"); when a request could not be read, its arguments are read again from the same input
//! with serde_path_to_error, which says where reading stopped.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use serde::de::DeserializeOwned;
use server_fn::ServerFn;

/// A form body as the server function read it, kept with the request by the input-cleaning
/// middleware so a failed read can be repeated.
#[derive(Clone, Debug)]
pub struct FormBody(pub Bytes);

/// Reads a server function's arguments from its input; the field at fault, if reading fails.
type Reader = fn(&[u8]) -> Option<String>;

fn read<T: DeserializeOwned>(input: &[u8]) -> Option<String> {
    // The same reader and settings as server_fn's URL-encoded codecs.
    let config = serde_qs::Config::new(5, false);
    let deserializer = serde_qs::Deserializer::with_config(&config, input).ok()?;
    let error = serde_path_to_error::deserialize::<_, T>(deserializer).err()?;
    field_name(error.path())
}

/// The innermost named field of a path (`service.name` → `name`, `incidents[3]` → `incidents`),
/// as validation messages name fields.
fn field_name(path: &serde_path_to_error::Path) -> Option<String> {
    path.iter().rev().find_map(|segment| match segment {
        serde_path_to_error::Segment::Map { key } => Some(key.clone()),
        serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
        _ => None,
    })
}

macro_rules! readers {
    ($($args:path),* $(,)?) => {
        fn readers() -> &'static HashMap<&'static str, Reader> {
            static READERS: OnceLock<HashMap<&'static str, Reader>> = OnceLock::new();
            READERS.get_or_init(|| {
                HashMap::from([$((<$args as ServerFn>::PATH, read::<$args> as Reader)),*])
            })
        }
    };
}

crate::with_every_server_fn!(readers);

/// The field the current request's arguments got wrong, when it can be found: the request is
/// read again (its query, or the form body the middleware kept) as its server function reads it.
pub fn field_at_fault() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let reader = readers().get(parts.uri.path())?;
    match parts.extensions.get::<FormBody>() {
        Some(FormBody(body)) => reader(body),
        None => reader(parts.uri.query().unwrap_or_default().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Args {
        id: i64,
        service: Service,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Service {
        name: String,
        slo: Option<i32>,
    }

    #[test]
    fn the_field_of_the_wrong_type_is_named() {
        assert_eq!(
            read::<Args>(b"id=x&service[name]=Search").as_deref(),
            Some("id")
        );
        assert_eq!(
            read::<Args>(b"id=1&service[name]=Search&service[slo]=99.9").as_deref(),
            Some("slo")
        );
        assert_eq!(read::<Args>(b"id=1&service[name]=Search"), None);
    }
}

//! Resources that hand their data to the browser in the same JSON form server functions answer with.
//!
//! Leptos's default resource codec reads JSON from a `&str` and server functions read it from bytes,
//! so the browser bundle would carry every response type's JSON reader twice (once per reader type).
//! Reading both from bytes keeps one copy.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON for resources, read the way server functions read their answers (from bytes).
#[derive(Debug, Clone, Copy)]
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// An island's prop carried as JSON text inside the props, and read from bytes in the browser.
///
/// Leptos reads island props with `serde_json::from_str`; a large prop whose types server function
/// answers also carry (the meeting's document) would otherwise put a second JSON reader for each of
/// them in the bundle. Wrapped in this, only a string is read with `from_str`.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> Serialize for JsonText<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for JsonText<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        serde_json::from_slice(text.as_bytes())
            .map(JsonText)
            .map_err(serde::de::Error::custom)
    }
}

/// Data loaded on the server, sent with the page and reloaded in the browser when `source` changes
/// (what `Resource::new` does, with [`Json`]).
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Like [`resource`], but the page is sent only once it has loaded: for a read that changes the
/// session (what a form left for this page, taken once). The session layer stores the session
/// when the answer starts, so a change made while the page's body streams would be lost, and
/// the page would show it again on every reload.
#[track_caller]
pub fn blocking_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prop_carried_as_json_text_reads_back_the_same() {
        let prop = JsonText(vec![(1_i64, "a \"quoted\" text".to_owned())]);
        let outer = serde_json::to_string(&prop).unwrap();
        assert!(outer.starts_with('"'), "carried as one string: {outer}");
        let back: JsonText<Vec<(i64, String)>> = serde_json::from_str(&outer).unwrap();
        assert_eq!(back, prop);
    }

    #[test]
    fn what_is_encoded_decodes_to_the_same_value() {
        let value = (
            7_i64,
            "Ünïcode \"quoted\"".to_owned(),
            vec![Some(1.5), None],
        );
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: (i64, String, Vec<Option<f64>>) = Json::decode(&text).unwrap();
        assert_eq!(back, value);
    }
}

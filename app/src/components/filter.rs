//! A list page's filter, read from the address in one way: each query parameter fills the
//! filter's field of the same name (the last value when repeated), missing ones keep their
//! defaults, and parameters the filter does not know are ignored; and the options of its selects.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use serde::de::DeserializeOwned;

/// The filter `T` that `params` describe. `T`'s fields are text with `#[serde(default)]`, as the
/// list filters carried to server functions are; a filter that cannot be read is the default.
pub fn filter_from<T: DeserializeOwned + Default>(params: &ParamsMap) -> T {
    let fields: serde_json::Map<String, serde_json::Value> = params
        .into_iter()
        .map(|(key, value)| (key.to_string(), serde_json::Value::from(value)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
}

/// This page's filter, following the address.
pub fn use_filter<T: DeserializeOwned + Default>() -> impl Fn() -> T + Copy + Send + Sync + 'static
{
    let params = use_query_map();
    move || params.with(filter_from)
}

/// One `<option>` of a filter's `<select>`, chosen when it is the filter's `current` value.
pub fn select_option<V: Into<String>, L: Into<String>>(
    value: V,
    label: L,
    current: &str,
) -> impl IntoView + use<V, L> {
    let value = value.into();
    let selected = value == current;
    view! { <option value=value selected=selected>{label.into()}</option> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    struct Filter {
        #[serde(default)]
        service: String,
        #[serde(default)]
        status: String,
    }

    #[test]
    fn each_parameter_fills_its_field_and_the_rest_keep_their_defaults() {
        let params: ParamsMap = [
            ("service", "ledger"),
            ("range", "30"),
            ("service", "payments"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            filter_from::<Filter>(&params),
            Filter {
                service: "payments".into(),
                status: String::new(),
            }
        );
    }
}

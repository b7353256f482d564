//! A form value that lists several items: typed as text ("12, 15"), or sent by a form as one value
//! per ticked box (`incidents[]=12&incidents[]=15`), so such forms work without JavaScript.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The items of a list field as comma-separated text, however the form sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListField(pub String);

impl ListField {
    /// The comma-separated text, as the list's parser reads it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ListField {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl Serialize for ListField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ListField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor)
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = ListField;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a comma-separated list or a list of values")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ListField, E> {
        Ok(ListField(text.to_owned()))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<ListField, E> {
        Ok(ListField(n.to_string()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<ListField, E> {
        Ok(ListField(n.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ListField, E> {
        Ok(ListField::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<ListField, A::Error> {
        let mut all = Vec::new();
        while let Some(item) = items.next_element::<String>()? {
            if !item.trim().is_empty() {
                all.push(item);
            }
        }
        Ok(ListField(all.join(",")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Form {
        #[serde(default)]
        incidents: ListField,
    }

    fn parse(query: &str) -> ListField {
        serde_qs::Config::new(5, false)
            .deserialize_str::<Form>(query)
            .unwrap()
            .incidents
    }

    #[test]
    fn typed_text_is_read_as_it_is() {
        assert_eq!(parse("incidents=12%2C+15").as_str(), "12, 15");
    }

    #[test]
    fn one_value_per_ticked_box_is_read_as_a_list() {
        assert_eq!(
            parse("incidents%5B%5D=12&incidents%5B%5D=15").as_str(),
            "12,15"
        );
    }

    #[test]
    fn no_ticked_box_is_an_empty_list() {
        assert_eq!(parse("").as_str(), "");
    }

    #[test]
    fn a_list_is_sent_as_text() {
        let form = Form {
            incidents: "3,4".into(),
        };
        assert_eq!(serde_qs::to_string(&form).unwrap(), "incidents=3%2C4");
    }

    #[test]
    fn json_carries_the_text() {
        let form: Form = serde_json::from_str(r#"{"incidents":"7"}"#).unwrap();
        assert_eq!(form.incidents.as_str(), "7");
    }
}

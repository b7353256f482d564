//! Text as it may be stored: without NUL and the other C0/C1 control characters (all but tab,
//! line feed and carriage return), which no person types. PostgreSQL refuses a NUL in text
//! outright, so one in a search or a field would otherwise fail the whole request, and one in an
//! alert the whole batch, for good. Both engines get the same cleaned text.

use std::borrow::Cow;

/// A character no person types into a form: a control other than tab, LF and CR.
pub fn unwanted(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `text` without unwanted control characters.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(unwanted) {
        Cow::Owned(text.chars().filter(|c| !unwanted(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// A URL-encoded form or query string without unwanted characters in its names and values;
/// `None` when it has none (it is then passed on exactly as sent).
pub fn clean_urlencoded(encoded: &[u8]) -> Option<String> {
    let pairs: Vec<(Cow<str>, Cow<str>)> = url::form_urlencoded::parse(encoded).collect();
    if !pairs
        .iter()
        .any(|(k, v)| k.chars().any(unwanted) || v.chars().any(unwanted))
    {
        return None;
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        out.append_pair(&clean(key), &clean(value));
    }
    Some(out.finish())
}

/// A JSON document without unwanted characters in any string (keys included); `None` when it has
/// none or is not JSON (then it is passed on exactly as sent, for its reader to refuse).
pub fn clean_json(body: &[u8]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !clean_value(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

/// Cleans every one of `values` (none is skipped once one changed); true when any changed.
fn clean_all<'a>(values: impl Iterator<Item = &'a mut serde_json::Value>) -> bool {
    let mut changed = false;
    for value in values {
        changed |= clean_value(value);
    }
    changed
}

/// Cleans every string in `value`; true when anything changed.
fn clean_value(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => match clean(text) {
            Cow::Owned(cleaned) => {
                *text = cleaned;
                true
            }
            Cow::Borrowed(_) => false,
        },
        Value::Array(items) => clean_all(items.iter_mut()),
        Value::Object(map) => {
            let dirty_keys = map.keys().any(|k| k.chars().any(unwanted));
            if dirty_keys {
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    clean_value(&mut item);
                    map.insert(clean(&key).into_owned(), item);
                }
                return true;
            }
            clean_all(map.values_mut())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_are_removed_but_line_breaks_stay() {
        assert_eq!(clean("a\0b\u{7}c\td\r\ne\u{85}"), "abc\td\r\ne");
        assert!(matches!(clean("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_form_is_rewritten_only_when_it_has_controls() {
        assert_eq!(clean_urlencoded(b"q=disk+full&x=%E2%9C%93"), None);
        assert_eq!(
            clean_urlencoded(b"incident%5Btitle%5D=a%00b&n=1").as_deref(),
            Some("incident%5Btitle%5D=ab&n=1")
        );
    }

    #[test]
    fn every_string_of_a_json_document_is_cleaned() {
        let cleaned = clean_json(br#"{"a\u0000":["x\u0000y",{"b":"c\u0001"}],"n":1}"#).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&cleaned).unwrap();
        assert_eq!(value, serde_json::json!({"a": ["xy", {"b": "c"}], "n": 1}));
        assert_eq!(clean_json(br#"{"a":"fine"}"#), None);
        assert_eq!(clean_json(b"not json"), None);
    }
}

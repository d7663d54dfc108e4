//! Canonical JSON: object keys sorted at every depth, no whitespace, numbers
//! as the digits they arrived with. The same value always gives the same
//! bytes, whatever order Xero sent its keys in, so that it can be compared and
//! hashed.

use std::fmt::Write as _;

use serde_json::Value;

/// Writes `value` canonically.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Appends `value`, written canonically, to `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    write_value(value, out);
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it.
pub fn write_json_string(s: &str, out: &mut String) {
    write_string(s, out);
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_value(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // A number (arbitrary_precision) as its own digits. Writing to a
        // String cannot fail.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json escapes only quotes, backslashes and control characters: a
    // string without any is written as it is, without serde_json's copy.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Writing a string to JSON cannot fail.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The canonical form as first written (serde_json for every string and
    /// scalar): stored raw JSON and audit rows were written with it, so the
    /// faster writer must give the same bytes.
    fn reference(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let parts: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        format!(
                            "{}:{}",
                            serde_json::to_string(k).unwrap(),
                            reference(&map[*k])
                        )
                    })
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(reference).collect();
                format!("[{}]", parts.join(","))
            }
            other => other.to_string(),
        }
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "-?(0|[1-9][0-9]{0,19})([.][0-9]{1,6})?"
                .prop_map(|n| serde_json::from_str(&n).unwrap()),
            any::<String>().prop_map(Value::String),
            "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_writer_gives_the_bytes_serde_json_gave(v in json()) {
            prop_assert_eq!(canonical_json(&v), reference(&v));
        }
    }

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"z": [1, 2], "y": "x"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"y":"x","z":[1,2]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"y":"x","z":[1,2]},"b":1}"#);
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    #[test]
    fn numbers_keep_their_digits_and_strings_are_escaped() {
        let v: Value =
            serde_json::from_str(r#"{"n": 98765432109876.54, "u": 1.2500, "s": "a\"b"}"#).unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"n":98765432109876.54,"s":"a\"b","u":1.2500}"#
        );
    }
}

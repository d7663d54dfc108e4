//! Canonical JSON: object keys sorted at every depth, no whitespace, numbers
//! as the digits they arrived with. The same value always gives the same
//! bytes, whatever order Xero sent its keys in, so that it can be compared and
//! hashed.

use serde_json::Value;

/// Writes `value` canonically.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
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
        // Null, booleans and numbers: serde_json writes them compactly, and a
        // number (arbitrary_precision) as its own digits.
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    // Writing a string to JSON cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Xero's own example records, read from the spec's `GET` responses, so the
//! simulator can serve them back unchanged.
//!
//! YAML reads decimals as floats: a number is kept as the shortest text of that
//! float (`0.00` becomes `0.0`), which is the same value.

use std::path::Path;

use serde_json::{Map, Value};

use crate::books::{Collection, TenantBooks};
use crate::wire::{float_text, number_text};

/// Converts YAML to JSON, numbers by their text.
pub fn yaml_to_json(v: &serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                number_text(&float_text(n.as_f64().unwrap_or_default()))
            }
        }
        serde_yaml::Value::String(s) => Value::String(s.clone()),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => yaml_to_json(other).to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(t) => yaml_to_json(&t.value),
    }
}

/// Reads a YAML spec file as JSON.
pub fn read_spec(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| e.to_string())?;
    Ok(yaml_to_json(&yaml))
}

/// The example records of each collection's `GET` response in a parsed spec.
pub fn example_records(spec: &Value) -> Vec<(Collection, Vec<Value>)> {
    Collection::ALL
        .into_iter()
        .filter_map(|c| {
            let pointer = format!(
                "/paths/~1{}/get/responses/200/content/application~1json/example",
                c.path()
            );
            let mut example = spec.pointer(&pointer)?.clone();
            if let Value::String(s) = &example {
                example = serde_json::from_str(s).ok()?;
            }
            let records = example.get(c.key())?.as_array()?.clone();
            Some((c, records))
        })
        .collect()
}

/// A tenant whose books are the spec's example records.
pub fn load(path: &Path) -> Result<TenantBooks, String> {
    let spec = read_spec(path)?;
    let records = example_records(&spec);
    let org_id = records
        .iter()
        .find(|(c, _)| *c == Collection::Organisation)
        .and_then(|(_, r)| {
            r.first()?
                .get("OrganisationID")?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "00000000-0000-0000-0000-0000000e8a41".to_owned());
    let mut books = TenantBooks::new(
        &org_id,
        "Xero spec examples",
        "NZD",
        "NEWZEALANDSTANDARDTIME",
    );
    for (c, list) in records {
        for r in list {
            books.put(c, &r);
        }
    }
    Ok(books)
}

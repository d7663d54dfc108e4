//! Xero's wire forms: `/Date(ms+0000)/` dates and money as JSON numbers whose text
//! is the exact decimal (serde_json `arbitrary_precision`), never through f64.

use rust_decimal::Decimal;
use serde_json::{Number, Value};

/// A JSON number with exactly the decimal's digits (`12.50` stays `12.50`).
pub fn money(d: Decimal) -> Value {
    match d.to_string().parse::<Number>() {
        Ok(n) => Value::Number(n),
        // A Decimal's text is always a valid JSON number; keep the text if not.
        Err(_) => Value::String(d.to_string()),
    }
}

/// A JSON number from its text, e.g. `"1.000000"`.
pub fn number_text(text: &str) -> Value {
    text.parse::<Number>()
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// `/Date(1539993600000+0000)/`: Xero's usual form.
pub fn ms_date(ms: i64) -> Value {
    Value::String(format!("/Date({ms}+0000)/"))
}

/// `/Date(1552326816230)/`: the form without an offset (envelopes, some fields).
pub fn ms_date_bare(ms: i64) -> Value {
    Value::String(format!("/Date({ms})/"))
}

/// Reads `/Date(ms)/`, `/Date(ms+0000)/`, `/Date(-ms+1300)/` and returns the ms.
/// The offset, when present, is informational: the number is already UTC.
pub fn parse_ms_date(text: &str) -> Option<i64> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map_or(inner.len(), |(i, _)| i);
    inner[..digits_end].parse().ok()
}

/// Midnight UTC of a calendar day given as days since 1970-01-01.
pub fn day_ms(day: i64) -> i64 {
    day * 86_400_000
}

/// The record's `UpdatedDateUTC` in ms, if it has one.
pub fn updated_ms(record: &Value) -> Option<i64> {
    record
        .get("UpdatedDateUTC")
        .or_else(|| record.get("CreatedDateUTC"))
        .and_then(Value::as_str)
        .and_then(parse_ms_date)
}

/// When an invoice became paid in full: the last date among the payments
/// and credits (credit notes, overpayments, prepayments) its record lists,
/// whatever order they were added in. `None` when it lists none.
pub fn last_settled_ms(invoice: &Value) -> Option<i64> {
    ["Payments", "CreditNotes", "Overpayments", "Prepayments"]
        .iter()
        .flat_map(|list| invoice[*list].as_array().into_iter().flatten())
        .filter_map(|s| s["Date"].as_str().and_then(parse_ms_date))
        .max()
}

/// Shortest text of a YAML float that reads back as the same f64 (`20.0` → `20`).
/// Only used for the spec's example records, which YAML already read as floats.
pub fn float_text(f: f64) -> String {
    let text = format!("{f}");
    if text.contains('.') || text.contains('e') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_keeps_its_exact_digits() {
        let v = money(Decimal::from_str("98765432109876.54").unwrap());
        assert_eq!(serde_json::to_string(&v).unwrap(), "98765432109876.54");
        let v = money(Decimal::from_str("12.50").unwrap());
        assert_eq!(serde_json::to_string(&v).unwrap(), "12.50");
    }

    #[test]
    fn every_date_form_parses() {
        assert_eq!(
            parse_ms_date("/Date(1539993600000+0000)/"),
            Some(1_539_993_600_000)
        );
        assert_eq!(
            parse_ms_date("/Date(1552326816230)/"),
            Some(1_552_326_816_230)
        );
        assert_eq!(parse_ms_date("/Date(0+0000)/"), Some(0));
        assert_eq!(parse_ms_date("/Date(-86400000+0000)/"), Some(-86_400_000));
        assert_eq!(parse_ms_date("/Date(-5)/"), Some(-5));
        assert_eq!(parse_ms_date("2019-01-01"), None);
        assert_eq!(ms_date(5), Value::String("/Date(5+0000)/".into()));
    }
}

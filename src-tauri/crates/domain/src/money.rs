//! Exact money.
//!
//! [`Money`] wraps [`rust_decimal::Decimal`] and keeps the scale it was given:
//! `12.50` stays `12.50`. It never passes through a float. It crosses every
//! boundary (JSON, SQLite, TypeScript) as its canonical decimal string.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An exact amount of money, in whatever currency its record names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not an amount: use digits, an optional '-' and one '.'")]
    NotANumber(String),
}

impl Money {
    /// Zero, with no decimal places.
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(value: Decimal) -> Self {
        Money(value)
    }

    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// Number of digits after the decimal point, as given.
    pub fn scale(&self) -> u32 {
        self.0.scale()
    }

    /// Parses a plain decimal text (`-12.50`, `98765432109876.54`).
    ///
    /// Exponents, thousands separators and currency symbols are refused: the
    /// text is either exact or an error.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let trimmed = text.trim();
        let plain = !trimmed.is_empty()
            && trimmed
                .strip_prefix('-')
                .unwrap_or(trimmed)
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && trimmed.matches('.').count() <= 1
            && trimmed.chars().any(|c| c.is_ascii_digit());
        if !plain {
            return Err(MoneyError::NotANumber(text.to_owned()));
        }
        Decimal::from_str_exact(trimmed)
            .map(Money)
            .map_err(|_| MoneyError::NotANumber(text.to_owned()))
    }

    /// The amount in ten-thousandths (`12.5` is `125000`), when that is exact
    /// and fits an `i64`. The ledger stores this beside the text form so that
    /// SQLite can filter, sort and sum amounts as integers, which it does
    /// exactly (it raises an error on overflow instead of rounding).
    pub fn to_e4(&self) -> Option<i64> {
        if self.0.scale() > Self::E4_SCALE {
            return None;
        }
        let mut scaled = self.0;
        scaled.rescale(Self::E4_SCALE);
        if scaled.scale() != Self::E4_SCALE {
            return None;
        }
        i64::try_from(scaled.mantissa()).ok()
    }

    /// The amount `value` ten-thousandths, shown with at least 2 decimal places
    /// and no trailing zeros beyond them (`125000` is `12.50`).
    pub fn from_e4(value: i128) -> Option<Money> {
        let d = Decimal::try_from_i128_with_scale(value, Self::E4_SCALE).ok()?;
        let mut n = d.normalize();
        if n.scale() < 2 {
            n.rescale(2);
        }
        Some(Money(n))
    }

    /// The scale of [`Money::to_e4`].
    pub const E4_SCALE: u32 = 4;

    /// This amount, in a foreign currency, converted to the organisation's base
    /// currency with Xero's `CurrencyRate` for the record: Xero's rate is units
    /// of the foreign currency per one unit of the base currency (a NZD
    /// organisation's USD invoice at `0.75` means 1 NZD buys 0.75 USD), so the
    /// base amount is `amount / rate`. It is rounded to 2 decimal places, half
    /// away from zero (ordinary commercial rounding, as Xero rounds amounts and
    /// as the simulator does), and always shows 2 places. `None` for a rate that
    /// is zero or negative, or a quotient that overflows.
    pub fn in_base_currency(&self, rate: &Money) -> Option<Money> {
        if rate.0 <= Decimal::ZERO {
            return None;
        }
        let mut base = self
            .0
            .checked_div(rate.0)?
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        base.rescale(2);
        Some(Money(base))
    }

    /// The sum of `amounts`, or `None` when it would overflow.
    pub fn checked_sum<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Decimal::ZERO, |acc, m| acc.checked_add(m.0))
            .map(Money)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Money(value)
    }
}

/// Serialises as a decimal string, so that no JSON reader can turn it into a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Reads a decimal string or a JSON number. A number is read from its own
/// digits (serde_json's `arbitrary_precision`), never through an f64: a
/// deserializer that can only offer a float is refused.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl<'de> de::Visitor<'de> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount: a JSON number or a decimal string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Money, E> {
        Money::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Money, E> {
        Ok(Money(Decimal::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Money, E> {
        Ok(Money(Decimal::from(value)))
    }

    // serde_json with `arbitrary_precision` hands a number over as a one-entry
    // map holding its text.
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Money, A::Error> {
        let number = serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let text = number.to_string();
        let value = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text).map_err(|_| MoneyError::NotANumber(text.clone()))
        } else {
            Money::parse(&text).map(|m| m.0)
        };
        value.map(Money).map_err(de::Error::custom)
    }
}

/// In TypeScript, money is a `string`.
impl specta::Type for Money {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_amount_converts_to_the_base_currency_at_the_rate() {
        let m = |t: &str| Money::parse(t).unwrap();
        // 1 NZD = 0.75 USD: a USD 150.00 invoice is NZD 200.00.
        assert_eq!(
            m("150.00").in_base_currency(&m("0.750000")),
            Some(m("200.00"))
        );
        assert_eq!(
            m("150.00")
                .in_base_currency(&m("0.75"))
                .unwrap()
                .to_string(),
            "200.00"
        );
        // 100 / 0.6 = 166.666...: rounded to 2 places.
        assert_eq!(
            m("100").in_base_currency(&m("0.6")).unwrap().to_string(),
            "166.67"
        );
        // A midpoint goes away from zero, either sign (banker's would give 0.12).
        assert_eq!(
            m("0.125").in_base_currency(&m("1")).unwrap().to_string(),
            "0.13"
        );
        assert_eq!(
            m("-0.125").in_base_currency(&m("1")).unwrap().to_string(),
            "-0.13"
        );
        assert_eq!(
            m("-10.00").in_base_currency(&m("2")).unwrap().to_string(),
            "-5.00"
        );
        // A large amount keeps every digit.
        assert_eq!(
            m("98765432109876.54")
                .in_base_currency(&m("1.000000"))
                .unwrap()
                .to_string(),
            "98765432109876.54"
        );
        assert_eq!(m("10").in_base_currency(&m("0")), None);
        assert_eq!(m("10").in_base_currency(&m("-1.5")), None);
    }

    #[test]
    fn a_large_json_number_keeps_every_digit() {
        let m: Money = serde_json::from_str("98765432109876.54").unwrap();
        assert_eq!(m.to_string(), "98765432109876.54");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"98765432109876.54\"");
    }

    #[test]
    fn the_scale_xero_sent_is_kept() {
        let m: Money = serde_json::from_str("12.5000").unwrap();
        assert_eq!(m.scale(), 4);
        assert_eq!(m.to_string(), "12.5000");
        let m: Money = serde_json::from_str("\"7.10\"").unwrap();
        assert_eq!(m.to_string(), "7.10");
    }

    #[test]
    fn a_float_detour_would_be_caught() {
        // 0.1 + 0.2 in f64 is 0.30000000000000004; in Money it is exact.
        let a: Money = serde_json::from_str("0.1").unwrap();
        let b: Money = serde_json::from_str("0.2").unwrap();
        assert_eq!(Money::checked_sum([&a, &b]).unwrap().to_string(), "0.3");
    }

    #[test]
    fn a_number_inside_a_record_keeps_its_digits() {
        #[derive(Deserialize)]
        struct Line {
            #[serde(rename = "UnitAmount")]
            unit_amount: Money,
            #[serde(rename = "LineAmount")]
            line_amount: Money,
        }
        let line: Line =
            serde_json::from_str(r#"{"UnitAmount": 0.3333, "LineAmount": 98765432109876.54}"#)
                .unwrap();
        assert_eq!(line.unit_amount.to_string(), "0.3333");
        assert_eq!(line.line_amount.to_string(), "98765432109876.54");
        // Through serde_json::Value too.
        let value: serde_json::Value = serde_json::from_str("1234567890.123456789").unwrap();
        let m: Money = serde_json::from_value(value).unwrap();
        assert_eq!(m.to_string(), "1234567890.123456789");
    }

    #[test]
    fn an_exponent_is_read_exactly_and_garbage_is_refused() {
        let m: Money = serde_json::from_str("1.5e2").unwrap();
        assert_eq!(m.as_decimal(), Decimal::from(150));
        assert!(serde_json::from_str::<Money>("\"12,50\"").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
        assert!(serde_json::from_str::<Money>("null").is_err());
    }

    #[test]
    fn a_float_only_source_is_refused() {
        use serde::de::value::{Error, F64Deserializer};
        use serde::de::IntoDeserializer;
        let source: F64Deserializer<Error> = 0.1_f64.into_deserializer();
        assert!(Money::deserialize(source).is_err());
    }

    #[test]
    fn parse_refuses_what_is_not_plain_decimal() {
        for bad in ["", "-", ".", "1e5", "1,000.00", "$5", "1.2.3", "abc", "NaN"] {
            assert!(Money::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Money::parse(" -0.01 ").unwrap().to_string(), "-0.01");
    }

    #[test]
    fn the_integer_form_is_exact_or_absent() {
        assert_eq!(Money::parse("12.5").unwrap().to_e4(), Some(125_000));
        assert_eq!(Money::parse("-0.0001").unwrap().to_e4(), Some(-1));
        assert_eq!(Money::parse("0.00001").unwrap().to_e4(), None);
        assert_eq!(
            Money::parse("98765432109876.54").unwrap().to_e4(),
            Some(987_654_321_098_765_400)
        );
        assert_eq!(Money::parse("9876543210987654.32").unwrap().to_e4(), None);
        assert_eq!(Money::from_e4(125_000).unwrap().to_string(), "12.50");
        assert_eq!(Money::from_e4(1).unwrap().to_string(), "0.0001");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn amount() -> impl Strategy<Value = Money> {
            (-100_000_000_000_000i64..100_000_000_000_000, 0u32..=4)
                .prop_map(|(m, s)| Money::new(Decimal::new(m, s)))
        }

        proptest! {
            #[test]
            fn json_text_round_trips_exactly(m in amount()) {
                let text = m.to_string();
                let back: Money = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(back.to_string(), text.clone());
                prop_assert_eq!(back.scale(), m.scale());
                let quoted: Money = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
                prop_assert_eq!(quoted, m);
            }

            #[test]
            fn integer_sums_equal_decimal_sums(ms in proptest::collection::vec(amount(), 0..50)) {
                let decimal = Money::checked_sum(&ms).unwrap();
                let integer: i128 = ms.iter().map(|m| i128::from(m.to_e4().unwrap())).sum();
                prop_assert_eq!(Money::from_e4(integer).unwrap().as_decimal(), decimal.as_decimal());
            }
        }
    }

    #[test]
    fn sum_reports_overflow_instead_of_wrapping() {
        let max = Money::new(Decimal::MAX);
        assert!(Money::checked_sum([&max, &max]).is_none());
    }
}

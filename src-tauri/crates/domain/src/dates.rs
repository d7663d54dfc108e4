//! Xero's dates.
//!
//! Xero sends dates in Microsoft's JSON form: `/Date(1539993600000+0000)/`,
//! `/Date(1552326816230)/`, `/Date(0+0000)/`, and negative milliseconds for
//! dates before 1970. The number is milliseconds since the Unix epoch (an
//! instant in UTC); the optional `±hhmm` is the offset of the local time the
//! value was written in.
//!
//! Two kinds of field use this form:
//! - date-only fields (`x-is-msdate`: an invoice's `Date`, `DueDate`) are
//!   calendar dates: [`XeroDate`], shown as given, never moved by a time zone;
//! - date-times (`x-is-msdate-time`: `UpdatedDateUTC`) are instants: [`XeroDateTime`].
//!
//! Both also accept the ISO 8601 text Xero uses in its `DateString` fields
//! (`2019-03-11T00:00:00`), and both cross JSON and TypeScript as ISO strings.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Why a text is not a Xero date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("'{0}' is not a Xero date: expected /Date(milliseconds[+hhmm])/ or YYYY-MM-DD")]
    Malformed(String),
    #[error("'{0}' is outside the range of dates Ledgerkeep can hold")]
    OutOfRange(String),
}

/// A parsed `/Date(ms±hhmm)/`: the instant, and the offset it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsDate {
    pub instant: DateTime<Utc>,
    pub offset: FixedOffset,
}

impl MsDate {
    /// The calendar date at the writer's offset.
    pub fn local_date(&self) -> NaiveDate {
        self.instant.with_timezone(&self.offset).date_naive()
    }
}

/// Parses `/Date(1539993600000+0000)/`, `/Date(1552326816230)/`, `/Date(-86400000)/`.
pub fn parse_ms_date(text: &str) -> Result<MsDate, DateError> {
    let malformed = || DateError::Malformed(text.to_owned());
    let inner = text
        .trim()
        .strip_prefix("/Date(")
        .and_then(|rest| rest.strip_suffix(")/"))
        .ok_or_else(malformed)?;
    // The sign of the milliseconds is at index 0; an offset's sign comes later.
    let split = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i);
    let (ms_text, offset_text) = match split {
        Some(i) => (&inner[..i], Some(&inner[i..])),
        None => (inner, None),
    };
    let digits = ms_text.strip_prefix('-').unwrap_or(ms_text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(malformed());
    }
    let ms: i64 = ms_text.parse().map_err(|_| malformed())?;
    let offset = match offset_text {
        None => FixedOffset::east_opt(0).ok_or_else(malformed)?,
        Some(off) => parse_offset(off).ok_or_else(malformed)?,
    };
    let instant = Utc
        .timestamp_millis_opt(ms)
        .single()
        .filter(|i| holdable(i.year()) && holdable(i.with_timezone(&offset).year()))
        .ok_or_else(|| DateError::OutOfRange(text.to_owned()))?;
    Ok(MsDate { instant, offset })
}

/// Years 1 to 9999: the ledger keeps dates as fixed-width ISO text, which
/// sorts as it compares and reads back only for four-digit years.
fn holdable(year: i32) -> bool {
    (1..=9999).contains(&year)
}

fn in_range<T>(value: T, year: i32, text: &str) -> Result<T, DateError> {
    if holdable(year) {
        Ok(value)
    } else {
        Err(DateError::OutOfRange(text.to_owned()))
    }
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if rest.len() != 4 || !rest.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = rest[..2].parse().ok()?;
    let minutes: i32 = rest[2..].parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A calendar date (`x-is-msdate`): the day Xero shows, with no time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct XeroDate(pub NaiveDate);

impl XeroDate {
    /// Reads `/Date(...)/` (the day at the offset it was written in), `YYYY-MM-DD`
    /// or `YYYY-MM-DDThh:mm:ss` (the date part).
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let t = text.trim();
        if t.starts_with("/Date(") {
            return parse_ms_date(t).map(|d| XeroDate(d.local_date()));
        }
        let date_part = t.split('T').next().unwrap_or(t);
        let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
            .map_err(|_| DateError::Malformed(text.to_owned()))?;
        in_range(XeroDate(date), date.year(), text)
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for XeroDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// An instant in UTC (`x-is-msdate-time`), such as `UpdatedDateUTC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct XeroDateTime(pub DateTime<Utc>);

impl XeroDateTime {
    /// Reads `/Date(...)/`, RFC 3339 (`2019-03-11T17:53:36.230Z`) or Xero's
    /// zone-less ISO text (`2019-03-11T17:53:36`, read as UTC).
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let t = text.trim();
        if t.starts_with("/Date(") {
            return parse_ms_date(t).map(|d| XeroDateTime(d.instant));
        }
        let instant = match DateTime::parse_from_rfc3339(t) {
            Ok(dt) => dt.with_timezone(&Utc),
            Err(_) => NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|naive| naive.and_utc())
                .map_err(|_| DateError::Malformed(text.to_owned()))?,
        };
        in_range(XeroDateTime(instant), instant.year(), text)
    }

    pub fn instant(&self) -> DateTime<Utc> {
        self.0
    }

    /// Fixed-width ISO text (`2019-03-11T17:53:36.230Z`): sorts as it compares.
    pub fn to_iso(&self) -> String {
        format_instant(self.0)
    }
}

/// Fixed-width ISO text of an instant, with milliseconds: `2019-03-11T17:53:36.230Z`.
pub fn format_instant(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl fmt::Display for XeroDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Serialize for XeroDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for XeroDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for XeroDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        XeroDate::parse(&text).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for XeroDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        XeroDateTime::parse(&text).map_err(de::Error::custom)
    }
}

/// In TypeScript, dates are ISO strings.
impl specta::Type for XeroDate {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

impl specta::Type for XeroDateTime {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_xero_sends_are_read() {
        let d = parse_ms_date("/Date(1539993600000+0000)/").unwrap();
        assert_eq!(format_instant(d.instant), "2018-10-20T00:00:00.000Z");
        let d = parse_ms_date("/Date(1552326816230)/").unwrap();
        assert_eq!(format_instant(d.instant), "2019-03-11T17:53:36.230Z");
        let d = parse_ms_date("/Date(0+0000)/").unwrap();
        assert_eq!(format_instant(d.instant), "1970-01-01T00:00:00.000Z");
        let d = parse_ms_date("/Date(-86400000+0000)/").unwrap();
        assert_eq!(format_instant(d.instant), "1969-12-31T00:00:00.000Z");
        let d = parse_ms_date("/Date(-1)/").unwrap();
        assert_eq!(format_instant(d.instant), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn an_offset_moves_the_calendar_date_not_the_instant() {
        // 2018-10-19T12:00Z written at +1300 is 20 October in New Zealand.
        let d = parse_ms_date("/Date(1539950400000+1300)/").unwrap();
        assert_eq!(format_instant(d.instant), "2018-10-19T12:00:00.000Z");
        assert_eq!(d.local_date().to_string(), "2018-10-20");
        let d = parse_ms_date("/Date(1539950400000-0530)/").unwrap();
        assert_eq!(d.local_date().to_string(), "2018-10-19");
        let dt = XeroDateTime::parse("/Date(1539950400000+1300)/").unwrap();
        assert_eq!(dt.to_iso(), "2018-10-19T12:00:00.000Z");
    }

    #[test]
    fn date_only_fields_are_calendar_dates() {
        let d = XeroDate::parse("/Date(1539993600000+0000)/").unwrap();
        assert_eq!(d.to_string(), "2018-10-20");
        assert_eq!(
            XeroDate::parse("2019-03-11T00:00:00").unwrap().to_string(),
            "2019-03-11"
        );
        assert_eq!(
            XeroDate::parse("/Date(0+0000)/").unwrap().to_string(),
            "1970-01-01"
        );
        assert_eq!(
            XeroDate::parse("/Date(-2208988800000+0000)/")
                .unwrap()
                .to_string(),
            "1900-01-01"
        );
    }

    #[test]
    fn iso_date_times_are_utc() {
        let a = XeroDateTime::parse("2019-03-11T17:53:36.230").unwrap();
        let b = XeroDateTime::parse("2019-03-11T17:53:36.230Z").unwrap();
        let c = XeroDateTime::parse("/Date(1552326816230)/").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "/Date()/",
            "/Date(abc)/",
            "/Date(12+00)/",
            "/Date(12+0099)/",
            "Date(12)",
            "/Date(12)",
            "/Date(1-2-3)/",
            "/Date(99999999999999999999)/",
        ] {
            assert!(parse_ms_date(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(XeroDate::parse("2019-13-01").is_err());
        assert!(XeroDateTime::parse("yesterday").is_err());
    }

    #[test]
    fn dates_cross_json_as_iso_text() {
        let d: XeroDate = serde_json::from_str(r#""/Date(1539993600000+0000)/""#).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""2018-10-20""#);
        let t: XeroDateTime = serde_json::from_str(r#""/Date(1552326816230+0000)/""#).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""2019-03-11T17:53:36.230Z""#
        );
    }

    /// Found by the fuzzer: a year outside 1..=9999 parsed, but its ISO text
    /// (`-0401-02-05T...`) neither reads back nor sorts with the others.
    #[test]
    fn years_outside_four_digits_are_out_of_range() {
        for text in [
            "-0401-2-5T\t15:0:00",
            "0000-01-01",
            "+10000-01-01T00:00:00Z",
            "/Date(253402300800000)/",
            "/Date(-62135596800001)/",
        ] {
            assert!(
                matches!(XeroDateTime::parse(text), Err(DateError::OutOfRange(_)))
                    | matches!(XeroDate::parse(text), Err(DateError::OutOfRange(_))),
                "{text}"
            );
            assert!(
                XeroDateTime::parse(text).is_err() && XeroDate::parse(text).is_err(),
                "{text}"
            );
        }
        assert!(XeroDate::parse("9999-12-31").is_ok());
        assert!(XeroDate::parse("0001-01-01").is_ok());
    }
}

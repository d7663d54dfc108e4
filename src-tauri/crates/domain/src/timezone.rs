//! An organisation's timezone, as Xero names it, and the IANA zone for it.
//!
//! Xero's `Organisation.Timezone` is a Windows zone name upper-cased with its
//! spaces, dots and hyphens dropped (`NEWZEALANDSTANDARDTIME`,
//! `CENTRALSTANDARDTIME(MEXICO)`, `UTC02`, `UTC+12`). The Windows to IANA
//! table is CLDR's `windowsZones.xml`, as the `windows-timezones` crate ships
//! it: each Windows name is normalised to Xero's form and looked up there.
//! Two of Xero's values name Windows zones that CLDR has since retired; for
//! those the zone CLDR gave them before they were retired is kept below.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, LocalResult, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};

use strum::IntoEnumIterator;
use windows_timezones::WindowsTimezone;

/// Windows zones in Xero's list that CLDR no longer maps, with the IANA zone
/// CLDR gave them: "(UTC-02:00) Mid-Atlantic - Old" and "(UTC+12:00)
/// Petropavlovsk-Kamchatsky - Old".
const RETIRED: &[(&str, &str)] = &[
    ("MIDATLANTICSTANDARDTIME", "Etc/GMT+2"),
    ("KAMCHATKASTANDARDTIME", "Asia/Kamchatka"),
];

/// A Windows zone name in Xero's form: upper case, without spaces, dots or
/// hyphens (`E. Africa Standard Time` is `EAFRICASTANDARDTIME`, `UTC-02` is
/// `UTC02`). `+` and parentheses stay, as Xero keeps them.
pub fn xero_timezone_key(windows_name: &str) -> String {
    windows_name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn cldr_table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        WindowsTimezone::iter()
            .map(|z| (xero_timezone_key(z.name()), z.tzdb_id()))
            .collect()
    })
}

/// How an organisation's timezone was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    /// CLDR's current Windows to IANA table.
    Cldr,
    /// A Windows zone CLDR has retired, with the zone it last gave it.
    Retired,
}

/// The IANA zone (`Pacific/Auckland`) for Xero's timezone value
/// (`NEWZEALANDSTANDARDTIME`), and where the answer came from; `None` for a
/// value that names no Windows zone. The value is matched in Xero's form, so
/// case, spaces, dots and hyphens do not matter.
pub fn iana_zone_for_xero(xero_timezone: &str) -> Option<(&'static str, ZoneSource)> {
    let key = xero_timezone_key(xero_timezone.trim());
    if let Some(zone) = cldr_table().get(&key) {
        return Some((zone, ZoneSource::Cldr));
    }
    RETIRED
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, zone)| (*zone, ZoneSource::Retired))
}

/// The IANA zone for Xero's timezone value, or `None` when it names none.
pub fn iana_timezone(xero_timezone: &str) -> Option<&'static str> {
    iana_zone_for_xero(xero_timezone).map(|(zone, _)| zone)
}

/// The IANA zone named `name`, from the rules embedded in this build (no
/// system file is read). The name is matched as the tz database spells it,
/// else without regard to case.
fn zone_rules(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok().or_else(|| {
        TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    })
}

/// The UTC instant at which `day` begins in the IANA zone `iana_zone`: its
/// first instant there (midnight, or the end of a daylight-saving gap that
/// swallows midnight). `None` for a zone the rules do not know.
pub fn local_day_start_utc(iana_zone: &str, day: NaiveDate) -> Option<DateTime<Utc>> {
    let tz = zone_rules(iana_zone)?;
    let midnight = day.and_hms_opt(0, 0, 0)?;
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(start) => Some(start.to_utc()),
        // Midnight happens twice (the clocks went back over it): the first.
        LocalResult::Ambiguous(first, _) => Some(first.to_utc()),
        // Midnight never happens (the clocks jumped over it): midnight on the
        // offset in force before the jump, which is past the jump.
        LocalResult::None => {
            let day_before = midnight.checked_sub_signed(TimeDelta::days(1))?;
            let before = tz.offset_from_utc_datetime(&day_before).fix();
            let start = midnight
                .checked_sub_signed(TimeDelta::seconds(i64::from(before.local_minus_utc())))?;
            Some(start.and_utc())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_local_day_starts_at_the_zones_midnight_in_utc() {
        // New Zealand daylight time (UTC+13) until 5 April 2026.
        assert_eq!(
            local_day_start_utc("Pacific/Auckland", day(2026, 4, 1)),
            Some(utc("2026-03-31T11:00:00Z"))
        );
        // Standard time (UTC+12) after it.
        assert_eq!(
            local_day_start_utc("Pacific/Auckland", day(2026, 4, 6)),
            Some(utc("2026-04-05T12:00:00Z"))
        );
        assert_eq!(
            local_day_start_utc("America/New_York", day(2026, 3, 1)),
            Some(utc("2026-03-01T05:00:00Z"))
        );
        assert_eq!(
            local_day_start_utc("Etc/UTC", day(2026, 3, 1)),
            Some(utc("2026-03-01T00:00:00Z"))
        );
        assert_eq!(local_day_start_utc("Mars/Olympus", day(2026, 3, 1)), None);
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() {
        // Chile moved to summer time at 00:00 on 7 September 2025: the day starts at 01:00 (-03).
        assert_eq!(
            local_day_start_utc("America/Santiago", day(2025, 9, 7)),
            Some(utc("2025-09-07T04:00:00Z"))
        );
    }

    #[test]
    fn a_day_whose_midnight_comes_twice_starts_at_the_first() {
        // Cuba left summer time (-04) at 01:00 on 2 November 2025, back to 00:00 (-05).
        assert_eq!(
            local_day_start_utc("America/Havana", day(2025, 11, 2)),
            Some(utc("2025-11-02T04:00:00Z"))
        );
    }

    #[test]
    fn zone_names_match_in_any_case() {
        assert_eq!(
            local_day_start_utc("pacific/auckland", day(2026, 4, 6)),
            local_day_start_utc("Pacific/Auckland", day(2026, 4, 6))
        );
    }

    #[test]
    fn every_zone_the_tables_give_is_known_to_the_rules() {
        let zones = WindowsTimezone::iter()
            .map(|z| z.tzdb_id())
            .chain(RETIRED.iter().map(|(_, zone)| *zone));
        for zone in zones {
            assert!(
                local_day_start_utc(zone, day(2026, 1, 1)).is_some(),
                "{zone} is unknown"
            );
        }
    }

    #[test]
    fn the_simulator_organisations_zones_map() {
        assert_eq!(
            iana_timezone("NEWZEALANDSTANDARDTIME"),
            Some("Pacific/Auckland")
        );
        assert_eq!(
            iana_timezone("AUSEASTERNSTANDARDTIME"),
            Some("Australia/Sydney")
        );
        assert_eq!(iana_timezone("GMTSTANDARDTIME"), Some("Europe/London"));
    }

    #[test]
    fn names_with_dots_hyphens_and_brackets_match_xeros_form() {
        assert_eq!(iana_timezone("EAFRICASTANDARDTIME"), Some("Africa/Nairobi"));
        assert_eq!(
            iana_timezone("CENTRALSTANDARDTIME(MEXICO)"),
            Some("America/Mexico_City")
        );
        assert_eq!(iana_timezone("UTC02"), Some("Etc/GMT+2"));
        assert_eq!(iana_timezone("UTC+12"), Some("Etc/GMT-12"));
        assert_eq!(iana_timezone("UTC"), Some("Etc/UTC"));
        // The Windows spelling itself matches too.
        assert_eq!(
            iana_timezone("New Zealand Standard Time"),
            Some("Pacific/Auckland")
        );
    }

    #[test]
    fn retired_zones_are_told_apart_and_unknown_values_map_to_nothing() {
        assert_eq!(
            iana_zone_for_xero("KAMCHATKASTANDARDTIME"),
            Some(("Asia/Kamchatka", ZoneSource::Retired))
        );
        assert_eq!(iana_timezone("MARSSTANDARDTIME"), None);
        assert_eq!(iana_timezone(""), None);
    }

    #[test]
    fn no_two_windows_zones_share_a_key() {
        let zones: Vec<_> = WindowsTimezone::iter().collect();
        assert_eq!(cldr_table().len(), zones.len());
        for (key, _) in RETIRED {
            assert!(
                !cldr_table().contains_key(*key),
                "{key} is mapped by CLDR now"
            );
        }
    }
}

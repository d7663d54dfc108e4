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

#[cfg(test)]
mod tests {
    use super::*;

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

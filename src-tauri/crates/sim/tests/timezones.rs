//! Every value of Xero's `TimeZone` enum (the accounting spec) maps to an IANA
//! zone, and the few that CLDR no longer lists are named here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ledgerkeep_domain::timezone::{iana_zone_for_xero, ZoneSource};
use ledgerkeep_sim::default_spec_dir;
use ledgerkeep_sim::examples::read_spec;

#[test]
fn every_xero_timezone_in_the_spec_maps_to_an_iana_zone() {
    let path = default_spec_dir().join("xero_accounting.yaml");
    let spec = read_spec(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let values: Vec<&str> = spec
        .pointer("/components/schemas/TimeZone/enum")
        .and_then(|v| v.as_array())
        .expect("the spec has a TimeZone enum")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect();
    assert!(values.len() > 100, "only {} values", values.len());

    let mut unmapped = Vec::new();
    let mut retired = Vec::new();
    for value in &values {
        match iana_zone_for_xero(value) {
            Some((zone, source)) => {
                // An IANA name: Area/Location, or UTC's own names.
                assert!(zone.contains('/'), "{value} -> {zone}");
                if source == ZoneSource::Retired {
                    retired.push(*value);
                }
            }
            None => unmapped.push(*value),
        }
    }
    assert_eq!(unmapped, Vec::<&str>::new(), "Xero values with no zone");
    retired.sort_unstable();
    assert_eq!(
        retired,
        ["KAMCHATKASTANDARDTIME", "MIDATLANTICSTANDARDTIME"],
        "Xero values mapped only through the retired list"
    );
}

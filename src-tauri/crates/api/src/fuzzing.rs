//! The properties the fuzz targets check (`fuzz/`, `make fuzz`), one function
//! per target. Each takes the fuzzer's bytes, must never panic, and asserts
//! what must hold of whatever the parser accepts.
//!
//! They live here, not in `fuzz/`, so that the normal test suite runs them too:
//! `tests/fuzz_corpus.rs` feeds every committed corpus input and every input
//! that ever crashed (`fuzz/regressions/<target>/`) through the same function.

// A property that does not hold must panic: that is how the fuzzer sees it.
#![allow(clippy::expect_used, clippy::panic)]

use ledgerkeep_domain::xero as e;
use ledgerkeep_domain::{parse_ms_date, EntityKind, Money, XeroDate, XeroDateTime, XeroRecord};
use ledgerkeep_store::rows::RowContext;
use ledgerkeep_store::StoredEntity;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::links::{parse_link, Link};

/// A target's property over the fuzzer's bytes.
pub type Property = fn(&[u8]);

/// The fuzz targets, by name: the folder names under `fuzz/corpus/`.
pub const TARGETS: [(&str, Property); 8] = [
    ("ms_date", ms_date),
    ("json_decimal", json_decimal),
    ("xero_entity", xero_entity),
    ("xero_report", xero_report),
    ("xero_tax_return", xero_tax_return),
    ("report_sums", report_sums),
    ("oauth_callback", oauth_callback),
    ("command_request", command_request),
];

/// Xero's `/Date(ms±hhmm)/` and the ISO forms: what parses, re-parses the same
/// from its own canonical text.
pub fn ms_date(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = parse_ms_date(text) {
        let minutes = d.offset.local_minus_utc() / 60;
        let sign = if minutes < 0 { '-' } else { '+' };
        let again = format!(
            "/Date({}{sign}{:02}{:02})/",
            d.instant.timestamp_millis(),
            minutes.abs() / 60,
            minutes.abs() % 60
        );
        assert_eq!(parse_ms_date(&again).ok(), Some(d), "{again}");
    }
    if let Ok(d) = XeroDate::parse(text) {
        assert_eq!(XeroDate::parse(&d.to_string()).ok(), Some(d), "{d}");
    }
    if let Ok(t) = XeroDateTime::parse(text) {
        let iso = t.to_iso();
        let back = XeroDateTime::parse(&iso).expect("its own ISO text parses");
        assert_eq!(back.to_iso(), iso);
    }
}

/// An amount read from a JSON number or string is exactly its digits, and
/// survives the trip to TypeScript (a string) and back.
pub fn json_decimal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = serde_json::from_str::<Money>(text) else {
        return;
    };
    let t = text.trim();
    let digits = match serde_json::from_str::<String>(t) {
        Ok(s) => s.trim().to_owned(),
        Err(_) => t.to_owned(),
    };
    if !digits.contains(['e', 'E']) {
        assert_eq!(
            Ok(m.as_decimal()),
            Decimal::from_str_exact(&digits),
            "{text}"
        );
    }
    let json = serde_json::to_string(&m).expect("money serialises");
    assert!(json.starts_with('"'), "money crosses as a string: {json}");
    let back: Money = serde_json::from_str(&json).expect("its own text parses");
    assert_eq!(back, m);
    assert_eq!(back.to_string(), m.to_string(), "the scale is kept");
    if let Some(e4) = m.to_e4() {
        assert_eq!(Money::from_e4(i128::from(e4)), Some(m));
    }
}

fn entity<T: StoredEntity + PartialEq>(json: &[u8]) {
    let Ok(text) = std::str::from_utf8(json) else {
        return;
    };
    let Ok(rec) = XeroRecord::<T>::from_json(text) else {
        return;
    };
    // The raw JSON kept beside the typed columns reads back as the same record.
    let again = XeroRecord::<T>::from_value(rec.raw.clone()).expect("the kept raw JSON reads");
    assert!(again.entity == rec.entity, "{:?}", T::KIND);
    assert!(!rec.entity.xero_id().trim().is_empty());
    let row = rec.entity.row(&RowContext {
        tenant_id: "tenant",
        base_currency: Some("NZD"),
    });
    let spec = T::spec();
    assert_eq!(row.columns.len(), spec.columns.len(), "{:?}", T::KIND);
    assert_eq!(row.children.len(), spec.children.len());
    for (rows, spec) in row.children.iter().zip(&spec.children) {
        assert!(rows.iter().all(|r| r.len() == spec.columns.len()));
    }
}

/// Every Xero entity's reader: the first byte picks the entity, the rest is
/// its JSON. What reads is stored as exactly as many columns as its table has.
pub fn xero_entity(data: &[u8]) {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let kind = EntityKind::ALL[usize::from(pick) % EntityKind::ALL.len()];
    match kind {
        EntityKind::Organisation => entity::<e::Organisation>(json),
        EntityKind::Account => entity::<e::Account>(json),
        EntityKind::Contact => entity::<e::Contact>(json),
        EntityKind::ContactGroup => entity::<e::ContactGroup>(json),
        EntityKind::Invoice => entity::<e::Invoice>(json),
        EntityKind::CreditNote => entity::<e::CreditNote>(json),
        EntityKind::Payment => entity::<e::Payment>(json),
        EntityKind::Overpayment => entity::<e::Overpayment>(json),
        EntityKind::Prepayment => entity::<e::Prepayment>(json),
        EntityKind::BankTransaction => entity::<e::BankTransaction>(json),
        EntityKind::BankTransfer => entity::<e::BankTransfer>(json),
        EntityKind::ManualJournal => entity::<e::ManualJournal>(json),
        EntityKind::Journal => entity::<e::Journal>(json),
        EntityKind::TaxRate => entity::<e::TaxRate>(json),
        EntityKind::TrackingCategory => entity::<e::TrackingCategory>(json),
        EntityKind::Currency => entity::<e::Currency>(json),
        EntityKind::Item => entity::<e::Item>(json),
        EntityKind::RepeatingInvoice => entity::<e::RepeatingInvoice>(json),
        EntityKind::PurchaseOrder => entity::<e::PurchaseOrder>(json),
        EntityKind::Quote => entity::<e::Quote>(json),
        EntityKind::BatchPayment => entity::<e::BatchPayment>(json),
    }
}

/// Xero's reports (`ReportWithRows`): the first byte picks the kind, the rest
/// is the answer's JSON. What reads has a header with a column of figures,
/// reads the same again, and matches itself with no difference.
pub fn xero_report(data: &[u8]) {
    use ledgerkeep_domain::xero_report::{compare, parse_report, XeroReportKind};
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let kind = XeroReportKind::ALL[usize::from(pick) % XeroReportKind::ALL.len()];
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    let Ok(report) = parse_report(kind, &value) else {
        return;
    };
    assert!(report.columns.len() >= 2);
    let again = parse_report(kind, &value).expect("a report that read once reads again");
    assert!(again == report);
    assert!(compare(&report.figures, &report.figures).is_empty());
}

/// The sums behind a report and its comparison with Xero's, over any
/// amounts (up to a decimal's limits): every 13 bytes are one amount (12 of
/// mantissa, then the sign and the scale), taken in pairs as a trial
/// balance's debit and credit cells of one account. Nothing panics; the
/// totals are exactly the sums of each side, or an out-of-range error when a
/// sum is beyond a decimal.
pub fn report_sums(data: &[u8]) {
    let amounts: Vec<Decimal> = data
        .chunks_exact(13)
        .map(|c| {
            let word = |i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            Decimal::from_parts(
                word(0),
                word(4),
                word(8),
                c[12] & 0x80 != 0,
                u32::from(c[12] & 0x7f) % 29,
            )
        })
        .collect();
    crate::ops::reports::check_sums(&amounts);
}

/// Xero's published GST/BAS returns (`GET Reports`, `GET Reports/{ReportID}`):
/// the list never panics; a return that reads has its period in order, reads
/// the same again, and set against a summary of its own figures matches it.
pub fn xero_tax_return(data: &[u8]) {
    use ledgerkeep_ledger::tax_return::{compare_return, PublishedRate};
    use ledgerkeep_ledger::tax_summary::{NetTax, TaxRateTotals, TaxSummary};
    use ledgerkeep_xero::tax_return::{parse_tax_return, published_reports};
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = published_reports(&value);
    let Ok(r) = parse_tax_return(&value) else {
        return;
    };
    assert!(r.from <= r.to);
    assert!(parse_tax_return(&value).expect("a return that read once reads again") == r);
    let nt = |a: &ledgerkeep_xero::tax_return::ReturnAmounts| NetTax {
        net: a.net.as_decimal(),
        tax: a.tax.as_decimal(),
    };
    let mut published = Vec::new();
    let mut own = TaxSummary::default();
    for (rate, sales) in r
        .sales
        .iter()
        .map(|x| (x, true))
        .chain(r.purchases.iter().map(|x| (x, false)))
    {
        let (s, p) = if sales {
            (nt(&rate.amounts), NetTax::default())
        } else {
            (NetTax::default(), nt(&rate.amounts))
        };
        published.push(PublishedRate {
            tax_type: rate.tax_type.clone(),
            sales: s,
            purchases: p,
        });
        own.rates.push(TaxRateTotals {
            tax_type: rate.tax_type.clone(),
            sales: s,
            purchases: p,
            lines: 1,
        });
    }
    // Past a decimal's range the comparison says so; otherwise it matches.
    if let Ok(c) = compare_return(&own, &published, |_| false) {
        assert!(c.matches());
    }
}

/// Both ends of the sign-in callback: the deep link and the loopback
/// listener's request head, down to the query's code and state.
pub fn oauth_callback(data: &[u8]) {
    if let Some(head) = ledgerkeep_xero::callback::parse_request_head(data) {
        assert!(!head.method.is_empty() && !head.target.contains(' '));
        let query = head.target.split_once('?').map_or("", |(_, q)| q);
        ledgerkeep_xero::oauth::CallbackQuery::parse(query);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    ledgerkeep_xero::oauth::CallbackQuery::parse(text);
    match parse_link(text) {
        Ok(Link::OAuthCallback { query }) => {
            assert!(text.starts_with("ledgerkeep://oauth/callback"));
            // The query is never printed, not even by Debug.
            let shown = format!("{:?}", Link::OAuthCallback { query });
            assert!(!shown.contains("code="));
        }
        Ok(Link::Open(screen)) => assert_eq!(
            parse_link(&format!("ledgerkeep://open/{}", screen.slug())).ok(),
            Some(Link::Open(screen))
        ),
        Err(e) => assert_refusal(&e),
    }
}

fn assert_refusal(e: &ApiError) {
    assert!(!e.message.trim().is_empty(), "an error says why");
    for f in e.fields.iter().flatten() {
        assert!(!f.field.is_empty() && !f.message.trim().is_empty());
    }
}

fn request<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    serde_json::from_slice(json).ok()
}

/// Every command's request as the webview may send it: the first byte picks
/// the request type, the rest is its JSON. Whatever deserialises is validated,
/// and a refusal always says why, field by field where it names fields.
pub fn command_request(data: &[u8]) {
    use crate::ops::{close, exports, ledger, payments, reports, xero_app, xero_connection};
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let refusal = |r: Result<(), ApiError>| {
        if let Err(e) = r {
            assert_refusal(&e);
        }
    };
    match pick % 16 {
        0 => {
            if let Some(r) = request::<ledger::ListDocumentsRequest>(json) {
                refusal(r.filter.validate().map(|_| ()));
                if let Some(text) = &r.filter.text {
                    assert_fts_query_is_plain(&ledgerkeep_store::query::fts_query(text));
                }
            }
        }
        1 => {
            if let Some(r) = request::<close::SaveSopRequest>(json) {
                refusal(r.validate().map(|_| ()));
            }
        }
        2 => {
            if let Some(r) = request::<close::StartRunRequest>(json) {
                match r.validate() {
                    Ok((tenant, _)) => assert!(!tenant.is_empty() && tenant == tenant.trim()),
                    Err(e) => assert_refusal(&e),
                }
            }
        }
        3 => {
            if let Some(r) = request::<close::TickStepRequest>(json) {
                refusal(r.validate());
            }
        }
        4 => {
            if let Some(r) = request::<crate::DismissAnomalyRequest>(json) {
                match r.validate() {
                    Ok(reason) => assert!(!reason.is_empty()),
                    Err(e) => assert_refusal(&e),
                }
            }
        }
        5 => {
            if let Some(r) = request::<xero_app::XeroAppSettings>(json) {
                refusal(r.validate().map(|_| ()));
            }
        }
        6 => {
            if let Some(r) = request::<xero_connection::StartSignInRequest>(json) {
                refusal(r.validate().map(|_| ()));
            }
        }
        8 => {
            if let Some(r) = request::<payments::RecordPaymentRequest>(json) {
                match r.parse() {
                    Ok((tenant, _)) => assert!(!tenant.is_empty() && tenant == tenant.trim()),
                    Err(e) => assert_refusal(&e),
                }
            }
        }
        9 => {
            if let Some(r) = request::<reports::ReportRequest>(json) {
                match r.periods() {
                    Ok(periods) => assert_eq!(periods.len(), 1 + r.comparisons.len()),
                    Err(e) => assert_refusal(&e),
                }
            }
        }
        10 => {
            // An export's file name comes from a report's or a view's title:
            // it never leaves the exports folder.
            if let Ok(title) = std::str::from_utf8(json) {
                let stem = exports::file_stem(title);
                assert!(!stem.is_empty() && !stem.starts_with('-') && !stem.ends_with('-'));
                assert!(
                    stem.chars().all(|c| c.is_alphanumeric() || c == '-'),
                    "{stem:?}"
                );
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(json) {
                assert_fts_query_is_plain(&ledgerkeep_store::query::fts_query(text));
            }
        }
    }
}

/// Nothing typed into search reaches FTS5 as syntax: each term is a quoted
/// run of letters and digits, with at most a trailing prefix star.
fn assert_fts_query_is_plain(q: &str) {
    for term in q.split(' ').filter(|t| !t.is_empty()) {
        let inner = term
            .strip_suffix('*')
            .unwrap_or(term)
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("unquoted term {term:?} in {q:?}"));
        assert!(
            !inner.is_empty() && inner.chars().all(char::is_alphanumeric),
            "{q:?}"
        );
    }
}

/// Keeps the entity list above in step with the domain's.
const _: () = assert!(EntityKind::ALL.len() == 21);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_properties_hold_for_well_formed_inputs() {
        ms_date(b"/Date(1539993600000+1300)/");
        ms_date(b"2019-03-11T17:53:36.230Z");
        json_decimal(b"12.3400");
        json_decimal(b"\"-0.0001\"");
        let mut invoice = vec![EntityKind::ALL
            .iter()
            .position(|k| *k == EntityKind::Invoice)
            .unwrap() as u8];
        invoice.extend_from_slice(br#"{"InvoiceID":"a","Type":"ACCREC","Total":10.5,"LineItems":[{"UnitAmount":1.2345}]}"#);
        xero_entity(&invoice);
        oauth_callback(b"GET /callback?code=c&state=s HTTP/1.1\r\nHost: localhost:1\r\n\r\n");
        oauth_callback(b"ledgerkeep://oauth/callback?code=c&state=s");
        command_request(b"\x02{\"tenantId\":\" t \",\"period\":\"2026-13\"}");
        command_request(b"\x07a* b\"c OR NEAR(");
    }

    #[test]
    #[should_panic(expected = "unquoted term")]
    fn the_fts_check_can_fail() {
        assert_fts_query_is_plain("\"a\" OR");
    }
}

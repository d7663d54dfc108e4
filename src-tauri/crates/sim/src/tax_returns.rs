//! The GST/BAS returns an organisation published in Xero, as the Reports
//! endpoints serve them: `GET Reports` lists them and `GET Reports/{ReportID}`
//! gives one with its figures, both behind `accounting.reports.taxreports.read`
//! (or the broad `accounting.reports.read` of an older app).
//!
//! - **Who files.** Organisations in New Zealand (a *GST Return*, report type
//!   `GSTReturn`) and Australia (an *Activity Statement*, `BASReport`); any
//!   other country lists none.
//! - **Which periods.** Calendar quarters, each published the day after it
//!   ends: every quarter that ended before the clock's UTC day and reaches
//!   the books' first document, the last [`QUARTERS_KEPT`] of them.
//! - **The figures** are worked out here from the simulator's own documents
//!   (not from the ledger crate they test), on the accruals basis: the lines
//!   of invoices (ACCREC sales, ACCPAY purchases), credit notes (negative on
//!   their side), spend and receive money, overpayments and prepayments
//!   dated in the period whose status is AUTHORISED or PAID. A line's net is
//!   its `LineAmount` less its `TaxAmount` when the document's amounts are
//!   tax inclusive, its `LineAmount` otherwise; its tax is its `TaxAmount`
//!   (none for `NoTax`). A document in another currency counts in the base
//!   currency: each of net and tax divided by its `CurrencyRate`, to 2
//!   places, half away from zero. Lines at a rate whose report tax type is
//!   `NONE` ("No GST") or `BASEXCLUDED` are not on a return.
//! - **The layout**: a `Header` row (*Tax Rate*, *Net*, the tax's name),
//!   then a `Section` for *Sales* and one for *Purchases*, each with a `Row`
//!   per rate (its first cell the rate's name with the attribute
//!   `{"Id": "taxType", "Value": <TaxType>}`, then net and tax, two decimals)
//!   and a `SummaryRow` of the section's totals; last a section whose
//!   `SummaryRow` is the net tax (tax on sales less tax on purchases). The
//!   period is in `Fields` (`PeriodStart`, `PeriodEnd`, `YYYY-MM-DD`) and in
//!   the third of `ReportTitles`. The list's entries carry no rows.
//!
//! Returns hold no state of their own: they are made from the books, so a
//! document changed later in a published period changes the return too
//! (Xero's would stay as published; the simulator's books do not change
//! closed periods unless a test mutates them).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::books::{Collection, TenantBooks};
use crate::wire::{ms_date_bare, parse_ms_date};

/// The scope of the published tax returns.
pub const TAX_REPORTS_SCOPES: &[&str] = &["accounting.reports.taxreports.read"];

/// How many closed quarters are listed, the latest first.
pub const QUARTERS_KEPT: usize = 8;

/// A published return's period, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReturnPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Net and tax on (sales, purchases) of one tax type.
pub type RateFigures = [Decimal; 4];

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn day(v: &Value) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(parse_ms_date(v.as_str()?)?).map(|d| d.date_naive())
}

/// The country's return: (report name, report type, the tax's name).
fn return_kind(b: &TenantBooks) -> Option<(&'static str, &'static str, &'static str)> {
    let org = b.table(Collection::Organisation).records().first()?.value();
    match org["CountryCode"].as_str()? {
        "NZ" => Some(("GST Return", "GSTReturn", "GST")),
        "AU" => Some(("Activity Statement", "BASReport", "GST")),
        _ => None,
    }
}

fn quarter_of(d: NaiveDate) -> ReturnPeriod {
    let first_month = (d.month0() / 3) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(d.year(), first_month, 1).unwrap_or(d);
    let to = from
        .checked_add_months(Months::new(3))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d);
    ReturnPeriod { from, to }
}

/// The documents whose lines count, with the side and sign of each type.
const DOCUMENTS: [Collection; 5] = [
    Collection::Invoices,
    Collection::CreditNotes,
    Collection::BankTransactions,
    Collection::Overpayments,
    Collection::Prepayments,
];

/// `Some((purchases, negative))` for a document type that counts.
fn side(c: Collection, doc_type: &str) -> Option<(bool, bool)> {
    match (c, doc_type) {
        (Collection::Invoices, "ACCREC") => Some((false, false)),
        (Collection::Invoices, "ACCPAY") => Some((true, false)),
        (Collection::CreditNotes, "ACCRECCREDIT") => Some((false, true)),
        (Collection::CreditNotes, "ACCPAYCREDIT") => Some((true, true)),
        (Collection::BankTransactions, "RECEIVE") => Some((false, false)),
        (Collection::BankTransactions, "SPEND") => Some((true, false)),
        (
            Collection::Overpayments | Collection::Prepayments,
            "RECEIVE-OVERPAYMENT" | "ARPREPAYMENT" | "RECEIVE-PREPAYMENT" | "AROVERPAYMENT",
        ) => Some((false, false)),
        (
            Collection::Overpayments | Collection::Prepayments,
            "SPEND-OVERPAYMENT" | "APPREPAYMENT" | "SPEND-PREPAYMENT" | "APOVERPAYMENT",
        ) => Some((true, false)),
        _ => None,
    }
}

/// The books' first document day.
fn first_day(b: &TenantBooks) -> Option<NaiveDate> {
    DOCUMENTS
        .iter()
        .flat_map(|c| b.table(*c).records())
        .filter_map(|r| day(&r.value()["Date"]))
        .min()
}

/// The periods published by `today`, the latest first.
pub fn periods(b: &TenantBooks, today: NaiveDate) -> Vec<ReturnPeriod> {
    if return_kind(b).is_none() {
        return Vec::new();
    }
    let Some(first) = first_day(b) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut q = quarter_of(today);
    while out.len() < QUARTERS_KEPT {
        let Some(prev) = q.from.pred_opt().map(quarter_of) else {
            break;
        };
        if prev.to < first {
            break;
        }
        out.push(prev);
        q = prev;
    }
    out
}

/// FNV-1a of `text`.
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A published return's `ReportID` (stable across runs).
pub fn report_id(tenant_id: &str, p: ReturnPeriod) -> String {
    let key = format!("tax-return-{}-{}", tenant_id.to_ascii_lowercase(), p.from);
    let (a, b) = (fnv(&format!("a{key}")), fnv(&format!("b{key}")));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn base(amount: Decimal, rate: Option<Decimal>) -> Option<Decimal> {
    match rate {
        None => Some(amount),
        Some(r) if r > Decimal::ZERO => {
            let mut v = amount
                .checked_div(r)?
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            v.rescale(2);
            Some(v)
        }
        Some(_) => None,
    }
}

/// Each tax type's net and tax on sales and purchases over `p`, rates left
/// off a return aside (see the module).
pub fn figures(b: &TenantBooks, p: ReturnPeriod) -> BTreeMap<String, RateFigures> {
    let excluded: Vec<String> = b
        .table(Collection::TaxRates)
        .records()
        .iter()
        .map(|r| r.value())
        .filter(|v| matches!(v["ReportTaxType"].as_str(), Some("NONE" | "BASEXCLUDED")))
        .map(|v| text(&v["TaxType"]))
        .collect();
    let mut out: BTreeMap<String, RateFigures> = BTreeMap::new();
    for c in DOCUMENTS {
        for r in b.table(c).records() {
            let d = r.value();
            let Some(date) = day(&d["Date"]) else {
                continue;
            };
            if date < p.from || date > p.to {
                continue;
            }
            if !matches!(d["Status"].as_str(), Some("AUTHORISED" | "PAID")) {
                continue;
            }
            let Some((purchases, negative)) = side(c, d["Type"].as_str().unwrap_or_default())
            else {
                continue;
            };
            let foreign = d["CurrencyCode"]
                .as_str()
                .is_some_and(|cur| cur != b.base_currency);
            let rate = if foreign {
                match decimal(&d["CurrencyRate"]) {
                    Some(r) => Some(r),
                    None => continue,
                }
            } else {
                None
            };
            let amounts = d["LineAmountTypes"].as_str().unwrap_or("Exclusive");
            for l in d["LineItems"].as_array().into_iter().flatten() {
                let tax_type = text(&l["TaxType"]);
                if excluded.contains(&tax_type) {
                    continue;
                }
                let Some(amount) = decimal(&l["LineAmount"]) else {
                    continue;
                };
                let tax = if amounts == "NoTax" {
                    Decimal::ZERO
                } else {
                    decimal(&l["TaxAmount"]).unwrap_or_default()
                };
                let net = if amounts == "Inclusive" {
                    amount - tax
                } else {
                    amount
                };
                let (Some(mut net), Some(mut tax)) = (base(net, rate), base(tax, rate)) else {
                    continue;
                };
                if negative {
                    (net, tax) = (-net, -tax);
                }
                let slot = out.entry(tax_type).or_default();
                let i = if purchases { 2 } else { 0 };
                slot[i] += net;
                slot[i + 1] += tax;
            }
        }
    }
    out
}

fn cell(d: Decimal) -> Value {
    let mut v = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    v.rescale(2);
    json!({"Value": v.to_string()})
}

fn long_day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The return's head: id, names, period; `rows` when given.
fn report(b: &TenantBooks, p: ReturnPeriod, rows: Option<Vec<Value>>) -> Option<Value> {
    let (name, kind, _) = return_kind(b)?;
    let published = p.to.succ_opt()?;
    let published_ms = published.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(json!({
        "ReportID": report_id(&b.tenant_id, p),
        "ReportName": name,
        "ReportType": kind,
        "ReportTitle": name,
        "ReportTitles": [
            name,
            b.name,
            format!("For the period {} to {}", long_day(p.from), long_day(p.to)),
        ],
        "ReportDate": long_day(published),
        "UpdatedDateUTC": ms_date_bare(published_ms),
        "Fields": [
            {"FieldID": "PeriodStart", "Description": "Period start", "Value": p.from.format("%Y-%m-%d").to_string()},
            {"FieldID": "PeriodEnd", "Description": "Period end", "Value": p.to.format("%Y-%m-%d").to_string()},
            {"FieldID": "Basis", "Description": "Accounting basis", "Value": "Accruals"},
        ],
        "Rows": rows.unwrap_or_default(),
    }))
}

/// `GET Reports`: the published returns, the latest first, without rows.
pub fn list(b: &TenantBooks, today: NaiveDate) -> Vec<Value> {
    periods(b, today)
        .into_iter()
        .filter_map(|p| report(b, p, None))
        .collect()
}

/// `GET Reports/{ReportID}`: one published return with its figures, or
/// `None` when no return published by `today` has that id.
pub fn one(b: &TenantBooks, id: &str, today: NaiveDate) -> Option<Value> {
    let p = periods(b, today)
        .into_iter()
        .find(|p| report_id(&b.tenant_id, *p).eq_ignore_ascii_case(id.trim()))?;
    let (_, _, tax_name) = return_kind(b)?;
    let names: BTreeMap<String, String> = b
        .table(Collection::TaxRates)
        .records()
        .iter()
        .map(|r| r.value())
        .map(|v| (text(&v["TaxType"]), text(&v["Name"])))
        .collect();
    let figures = figures(b, p);
    let section = |title: &str, total: &str, i: usize| -> (Value, Decimal) {
        let mut rows = Vec::new();
        let (mut net, mut tax) = (Decimal::ZERO, Decimal::ZERO);
        for (t, f) in &figures {
            if f[i].is_zero() && f[i + 1].is_zero() {
                continue;
            }
            net += f[i];
            tax += f[i + 1];
            let name = names.get(t).cloned().unwrap_or_else(|| t.clone());
            rows.push(json!({"RowType": "Row", "Cells": [
                {"Value": name, "Attributes": [{"Id": "taxType", "Value": t}]},
                cell(f[i]),
                cell(f[i + 1]),
            ]}));
        }
        rows.push(
            json!({"RowType": "SummaryRow", "Cells": [{"Value": total}, cell(net), cell(tax)]}),
        );
        (
            json!({"RowType": "Section", "Title": title, "Rows": rows}),
            tax,
        )
    };
    let (sales, sales_tax) = section("Sales", "Total Sales", 0);
    let (purchases, purchases_tax) = section("Purchases", "Total Purchases", 2);
    let rows = vec![
        json!({"RowType": "Header", "Cells": [{"Value": "Tax Rate"}, {"Value": "Net"}, {"Value": tax_name}]}),
        sales,
        purchases,
        json!({"RowType": "Section", "Title": "", "Rows": [
            {"RowType": "SummaryRow", "Cells": [{"Value": format!("Net {tax_name}")}, {"Value": ""}, cell(sales_tax - purchases_tax)]}
        ]}),
    ];
    report(b, p, Some(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_and_ids() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 17).unwrap();
        let q = quarter_of(d);
        assert_eq!(q.from, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(q.to, NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        let other = quarter_of(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_ne!(report_id("t", q), report_id("t", other));
        assert_eq!(report_id("T", q), report_id("t", q));
        assert_eq!(report_id("t", q).len(), 36);
    }

    #[test]
    fn foreign_amounts_are_rounded_half_away_from_zero() {
        let r = Some(Decimal::new(2, 0));
        assert_eq!(base(Decimal::new(105, 2), r), Some(Decimal::new(53, 2)));
        assert_eq!(base(Decimal::new(-105, 2), r), Some(Decimal::new(-53, 2)));
        assert_eq!(base(Decimal::ONE, Some(Decimal::ZERO)), None);
    }
}

//! The aged receivables and payables against Xero's own aged reports, on
//! the books a new Starter app sees (no Journals): after a sync, at three
//! past dates (two month-ends and a mid-month day), for every contact with
//! a receivable or payable document dated by then, the app's row for that
//! contact, per currency (what is outstanding in each age bucket and in
//! all), equals Xero's `AgedReceivablesByContact` / `AgedPayablesByContact`
//! for that contact at that date, to the cent.
//!
//! Xero's reports are fetched with the app's own client over loopback. Xero
//! lists each outstanding document with its due date and what it still had
//! due; they are bucketed here by days past the due date (a credit, which
//! has none, by its date), which is how Xero's aged reports age them. The
//! simulator computes its aged reports from its documents, payments and
//! allocations; the app rebuilds its figures from what the sync stored: the
//! two meet only through the documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_api::*;
use ledgerkeep_domain::reports::AgeBucket;
use ledgerkeep_sim::{Collection, Limits, Size};
use ledgerkeep_xero::ApiRequest;
use rust_decimal::Decimal;
use serde_json::Value;

mod common;

/// The simulator's limits here: the per-contact reports are many calls.
const ROOMY: Limits = Limits {
    concurrent: 5,
    per_minute: 1_000_000,
    per_day: 1_000_000,
    app_per_minute: 1_000_000,
};

/// A new Starter app (granular scopes, no Journals) signed in to small
/// books of `seed`, with the app's default scopes.
async fn starter(seed: u64) -> common::SignedIn {
    common::starter_signed_in(seed, Size::Small, ROOMY).await
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn month_end(d: NaiveDate) -> NaiveDate {
    d.with_day(1)
        .unwrap()
        .checked_add_months(Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap()
}

/// Per (contact id, currency): the five buckets, then the total.
type Rows = BTreeMap<(String, String), [Decimal; 6]>;

/// The app's aged report at `as_at`: its rows per contact and currency.
async fn ours(s: &common::SignedIn, tenant: &str, kind: ReportKind, as_at: NaiveDate) -> Rows {
    let view = common::report_at(&s.ctx, tenant, kind, as_at).await;
    let mut out = Rows::new();
    for section in &view.sections {
        for row in &section.rows {
            let Some(DrillView::Outstanding(d)) = &row.cells[5].drill else {
                panic!("{}: a row without its documents", row.label);
            };
            let contact = d.contact.clone().expect("a row per contact");
            let currency = d.currency.clone().unwrap_or_default();
            let mut cells = [Decimal::ZERO; 6];
            for (c, cell) in cells.iter_mut().zip(&row.cells) {
                *c = cell.amount.unwrap().as_decimal();
            }
            let had = out.insert((contact.to_ascii_lowercase(), currency), cells);
            assert!(had.is_none(), "one row per contact and currency");
        }
    }
    out
}

fn day(text: &str) -> Option<NaiveDate> {
    text.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn amount(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// Xero's aged report of one contact, bucketed: per currency (a section's
/// title, the base currency's untitled), the five buckets and the total;
/// and the number of documents it lists.
fn theirs(report: &Value, contact: &str, base: &str, as_at: NaiveDate, out: &mut Rows) -> usize {
    let mut listed = 0;
    let mut closing: BTreeMap<String, Decimal> = BTreeMap::new();
    for section in report["Rows"].as_array().unwrap() {
        let currency = match section["Title"].as_str().unwrap_or_default() {
            "" => base.to_owned(),
            code => code.to_owned(),
        };
        for row in section["Rows"].as_array().into_iter().flatten() {
            let cells = row["Cells"].as_array().unwrap();
            let label = cells[0]["Value"].as_str().unwrap();
            if row["RowType"] == "SummaryRow" && label.starts_with("Closing Balance") {
                let cur = label
                    .strip_prefix("Closing Balance")
                    .unwrap()
                    .trim()
                    .to_owned();
                let cur = if cur.is_empty() { base.to_owned() } else { cur };
                closing.insert(cur, amount(&cells[7]["Value"]));
            }
            if row["RowType"] != "Row" || cells[0]["Attributes"].is_null() {
                continue;
            }
            listed += 1;
            let date = day(label).unwrap();
            let due_date = day(cells[2]["Value"].as_str().unwrap()).unwrap_or(date);
            let due = amount(&cells[7]["Value"]);
            let bucket = AgeBucket::ALL
                .iter()
                .position(|b| *b == AgeBucket::of(Some(due_date), as_at))
                .unwrap();
            let slot = out
                .entry((contact.to_ascii_lowercase(), currency.clone()))
                .or_insert([Decimal::ZERO; 6]);
            slot[bucket] += due;
            slot[5] += due;
        }
    }
    // Xero's closing balance per currency is what its rows add up to.
    for ((c, cur), cells) in out.iter() {
        if c == &contact.to_ascii_lowercase() {
            assert_eq!(closing.get(cur), Some(&cells[5]), "{contact} {cur}");
        }
    }
    listed
}

/// The contacts of `tenant` with an authorised or paid document of the
/// side dated on or before `as_at`: whom to ask Xero about.
fn candidates(
    s: &common::SignedIn,
    tenant: &str,
    types: [&str; 3],
    as_at: NaiveDate,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in [
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::Overpayments,
    ] {
        for d in s.sim.truth().records(tenant, c) {
            let dated = d["Date"]
                .as_str()
                .and_then(ledgerkeep_sim::wire::parse_ms_date)
                .and_then(chrono::DateTime::from_timestamp_millis)
                .is_some_and(|t| t.date_naive() <= as_at);
            if types.iter().any(|t| d["Type"] == *t)
                && (d["Status"] == "AUTHORISED" || d["Status"] == "PAID")
                && dated
            {
                out.insert(d["Contact"]["ContactID"].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

#[tokio::test]
async fn on_starter_books_the_aged_reports_equal_xeros_for_every_contact_at_three_past_dates() {
    let started = std::time::Instant::now();
    let s = starter(2026).await;
    let svc = common::test_service(
        &s.ctx,
        &s.xero,
        &s.time,
        std::time::Duration::from_secs(3600),
    )
    .await;
    let tenants = s.sim.tenants();
    for t in &tenants {
        common::sync_ok(&svc, &t.tenant_id).await;
    }
    let today = chrono::DateTime::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive();
    // Two month-ends and a mid-month day within the books.
    let back = |m: u32| today.checked_sub_months(Months::new(m)).unwrap();
    let dates = [
        month_end(back(10)),
        back(7).with_day(15).unwrap(),
        month_end(back(4)),
    ];
    let (mut compared, mut documents, mut foreign, mut overdue) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    for t in &tenants {
        let tenant = t.tenant_id.as_str();
        for as_at in dates {
            for (kind, path, types) in [
                (
                    ReportKind::AgedReceivables,
                    "Reports/AgedReceivablesByContact",
                    ["ACCREC", "ACCRECCREDIT", "RECEIVE-OVERPAYMENT"],
                ),
                (
                    ReportKind::AgedPayables,
                    "Reports/AgedPayablesByContact",
                    ["ACCPAY", "ACCPAYCREDIT", "SPEND-OVERPAYMENT"],
                ),
            ] {
                let ours = ours(&s, tenant, kind, as_at).await;
                let asked = candidates(&s, tenant, types, as_at);
                // Every contact the app shows is one Xero is asked about.
                for (contact, _) in ours.keys() {
                    assert!(
                        asked.iter().any(|a| a.eq_ignore_ascii_case(contact)),
                        "{tenant} {as_at}: {contact} has no document of the side"
                    );
                }
                let mut xero = Rows::new();
                for contact in &asked {
                    let req = ApiRequest::get(path)
                        .query("contactId", contact.clone())
                        .query("date", ymd(as_at));
                    let resp = s.xero.client().get(tenant, &req).await.unwrap();
                    let report = &resp.body["Reports"][0];
                    documents += theirs(report, contact, &t.base_currency, as_at, &mut xero);
                }
                for ((contact, currency), cells) in &xero {
                    let what = format!("{tenant} {path} at {as_at}: {contact} in {currency}");
                    compared += 1;
                    if currency != &t.base_currency {
                        foreign += 1;
                    }
                    if cells[1..5].iter().any(|c| !c.is_zero()) {
                        overdue += 1;
                    }
                    match ours.get(&(contact.clone(), currency.clone())) {
                        Some(mine) if mine == cells => {}
                        mine => {
                            differences.push(format!("{what}: ours {mine:?}, Xero's {cells:?}"))
                        }
                    }
                }
                for key in ours.keys().filter(|k| !xero.contains_key(*k)) {
                    differences.push(format!(
                        "{tenant} {path} at {as_at}: {key:?} is ours only: {:?}",
                        ours[key]
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // Not vacuous: many contacts, documents in another currency, overdue ones.
    assert!(compared > 30, "{compared} contact rows compared");
    assert!(documents > compared, "{documents} documents");
    assert!(foreign > 0, "a row in another currency");
    assert!(overdue > 0, "a row with something overdue");
    println!(
        "{} tenants at {dates:?}: {compared} contact rows ({foreign} in another currency, \
         {overdue} with something overdue) of {documents} documents equal Xero's, in {:?}",
        tenants.len(),
        started.elapsed()
    );
}

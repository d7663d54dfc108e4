//! The aged reports by contact (`Reports/AgedReceivablesByContact`,
//! `Reports/AgedPayablesByContact`), checked against the simulator's own
//! records read here (no code shared with the simulator's report): today
//! each document's *Due* is what its record says is still due
//! (`AmountDue`, `RemainingCredit`); at a past date a document is listed
//! exactly when it is dated by then and was not yet settled in full by
//! payments and allocations dated by then; the rows add up; the report is
//! behind its own scope; and an invoice's `FullyPaidOnDate` is the last of
//! its payments and credits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate};
use common::*;
use ledgerkeep_sim::clock::Clock;
use ledgerkeep_sim::wire::parse_ms_date;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn day_of(v: &Value) -> Option<NaiveDate> {
    let ms = parse_ms_date(v.as_str()?)?;
    DateTime::from_timestamp_millis(ms).map(|d| d.date_naive())
}

fn dec(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A report's document rows: id -> the eight cell values.
fn document_rows(report: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for section in report["Rows"].as_array().unwrap() {
        for row in section["Rows"].as_array().into_iter().flatten() {
            let cells = row["Cells"].as_array().unwrap();
            if row["RowType"] != "Row" || cells[0]["Attributes"].is_null() {
                continue;
            }
            let id = cells[0]["Attributes"][0]["Value"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase();
            let values = cells
                .iter()
                .map(|c| c["Value"].as_str().unwrap().to_owned())
                .collect();
            out.insert(id, values);
        }
    }
    out
}

/// Every `SummaryRow` of the report: (label, Due).
fn summaries(report: &Value) -> Vec<(String, Decimal)> {
    let mut out = Vec::new();
    for section in report["Rows"].as_array().unwrap() {
        for row in section["Rows"].as_array().into_iter().flatten() {
            if row["RowType"] == "SummaryRow" {
                let cells = row["Cells"].as_array().unwrap();
                out.push((
                    cells[0]["Value"].as_str().unwrap().to_owned(),
                    dec(&cells[7]["Value"]),
                ));
            }
        }
    }
    out
}

/// The contacts that have an authorised or paid document of `types`.
fn contacts_with(h: &Harness, tenant: &str, types: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in [
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::Overpayments,
    ] {
        for d in h.sim.truth().records(tenant, c) {
            if types.iter().any(|t| d["Type"] == *t)
                && (d["Status"] == "AUTHORISED" || d["Status"] == "PAID")
            {
                out.insert(d["Contact"]["ContactID"].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

/// When each invoice (and credit) was settled, from the records read here:
/// id -> [(date, amount)] of its payments and allocations.
fn settlements(h: &Harness, tenant: &str) -> BTreeMap<String, Vec<(NaiveDate, Decimal)>> {
    let mut out: BTreeMap<String, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
    for p in h.sim.truth().records(tenant, Collection::Payments) {
        if p["Status"] == "DELETED" {
            continue;
        }
        for (key, id) in [
            ("Invoice", "InvoiceID"),
            ("CreditNote", "CreditNoteID"),
            ("Overpayment", "OverpaymentID"),
        ] {
            if let Some(i) = p[key][id].as_str() {
                out.entry(i.to_ascii_lowercase())
                    .or_default()
                    .push((day_of(&p["Date"]).unwrap(), dec(&p["Amount"])));
            }
        }
    }
    for (c, id) in [
        (Collection::CreditNotes, "CreditNoteID"),
        (Collection::Overpayments, "OverpaymentID"),
        (Collection::Prepayments, "PrepaymentID"),
    ] {
        for d in h.sim.truth().records(tenant, c) {
            for a in d["Allocations"].as_array().into_iter().flatten() {
                let s = (day_of(&a["Date"]).unwrap(), dec(&a["Amount"]));
                out.entry(d[id].as_str().unwrap().to_ascii_lowercase())
                    .or_default()
                    .push(s);
                out.entry(
                    a["Invoice"]["InvoiceID"]
                        .as_str()
                        .unwrap()
                        .to_ascii_lowercase(),
                )
                .or_default()
                .push(s);
            }
        }
    }
    out
}

async fn aged(h: &Harness, access: &str, tenant: &str, path: &str, query: &str) -> Value {
    let body = h
        .get_json(access, tenant, &format!("Reports/{path}?{query}"))
        .await;
    assert_eq!(
        body["Reports"].as_array().unwrap().len(),
        1,
        "{path}?{query}"
    );
    body["Reports"][0].clone()
}

#[tokio::test]
async fn today_each_documents_due_is_its_amount_due_and_the_rows_add_up() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let today = DateTime::from_timestamp_millis(h.clock.now_ms())
        .unwrap()
        .date_naive();
    let mut listed = 0;
    for tenant in h.sim.tenants() {
        let tenant = tenant.tenant_id.as_str();
        for (path, types) in [
            (
                "AgedReceivablesByContact",
                ["ACCREC", "ACCRECCREDIT", "RECEIVE-OVERPAYMENT"],
            ),
            (
                "AgedPayablesByContact",
                ["ACCPAY", "ACCPAYCREDIT", "SPEND-OVERPAYMENT"],
            ),
        ] {
            // What the records say is still due, by id, signed as owed.
            let mut want: BTreeMap<String, (String, Decimal)> = BTreeMap::new();
            for (c, id, due, sign) in [
                (Collection::Invoices, "InvoiceID", "AmountDue", Decimal::ONE),
                (
                    Collection::CreditNotes,
                    "CreditNoteID",
                    "RemainingCredit",
                    Decimal::NEGATIVE_ONE,
                ),
                (
                    Collection::Overpayments,
                    "OverpaymentID",
                    "RemainingCredit",
                    Decimal::NEGATIVE_ONE,
                ),
            ] {
                for d in h.sim.truth().records(tenant, c) {
                    if types.iter().any(|t| d["Type"] == *t)
                        && (d["Status"] == "AUTHORISED" || d["Status"] == "PAID")
                        && day_of(&d["Date"]).unwrap() <= today
                        && !dec(&d[due]).is_zero()
                    {
                        want.insert(
                            d[id].as_str().unwrap().to_ascii_lowercase(),
                            (
                                d["Contact"]["ContactID"].as_str().unwrap().to_owned(),
                                sign * dec(&d[due]),
                            ),
                        );
                    }
                }
            }
            assert!(!want.is_empty(), "{tenant} {path}: something is due today");
            let mut got: BTreeMap<String, (String, Decimal)> = BTreeMap::new();
            for contact in contacts_with(&h, tenant, &types) {
                let report = aged(
                    &h,
                    &t.access,
                    tenant,
                    path,
                    &format!("contactId={contact}&date={}", ymd(today)),
                )
                .await;
                let rows = document_rows(&report);
                for (id, cells) in &rows {
                    let [total, paid, credited, due] =
                        [4, 5, 6, 7].map(|i| cells[i].parse::<Decimal>().unwrap());
                    assert_eq!(total - paid - credited, due, "{id}");
                    got.insert(id.clone(), (contact.clone(), due));
                }
                // The closing balance is the sum of the rows.
                let row_sum: Decimal = rows
                    .values()
                    .map(|c| c[7].parse::<Decimal>().unwrap())
                    .sum();
                let closing: Decimal = summaries(&report)
                    .iter()
                    .filter(|(l, _)| l.starts_with("Closing Balance"))
                    .map(|(_, d)| *d)
                    .sum();
                assert_eq!(closing, row_sum, "{tenant} {path} {contact}");
            }
            listed += got.len();
            assert_eq!(got, want, "{tenant} {path}: Due today is the records' own");
        }
    }
    assert!(listed > 20, "{listed} documents");
}

#[tokio::test]
async fn at_a_past_date_a_document_is_listed_until_its_payments_and_allocations_settle_it() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let settled = settlements(&h, &tenant);
    let invoices = h.sim.truth().records(&tenant, Collection::Invoices);
    let dates: Vec<NaiveDate> = invoices.iter().filter_map(|i| day_of(&i["Date"])).collect();
    let (first, last) = (*dates.iter().min().unwrap(), *dates.iter().max().unwrap());
    let mid = first + (last - first) / 2;
    let contacts = contacts_with(
        &h,
        &tenant,
        &["ACCREC", "ACCRECCREDIT", "RECEIVE-OVERPAYMENT"],
    );
    let (mut partly, mut gone) = (0, 0);
    for contact in &contacts {
        let report = aged(
            &h,
            &t.access,
            &tenant,
            "AgedReceivablesByContact",
            &format!("contactId={contact}&date={}", ymd(mid)),
        )
        .await;
        assert_eq!(
            report["ReportTitles"][3],
            format!("Showing payments to {}", mid.format("%-d %B %Y"))
        );
        let rows = document_rows(&report);
        for inv in &invoices {
            let posted = inv["Status"] == "AUTHORISED" || inv["Status"] == "PAID";
            if inv["Type"] != "ACCREC"
                || !posted
                || inv["Contact"]["ContactID"] != contact.as_str()
                || day_of(&inv["Date"]).unwrap() > mid
            {
                continue;
            }
            let id = inv["InvoiceID"].as_str().unwrap().to_ascii_lowercase();
            let by_then: Decimal = settled
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|(d, _)| *d <= mid)
                .map(|(_, a)| *a)
                .sum();
            let due = dec(&inv["Total"]) - by_then;
            match rows.get(&id) {
                None => {
                    assert!(due.is_zero(), "{id} owed {due} at {mid} but is not listed");
                    gone += 1;
                }
                Some(cells) => {
                    assert_eq!(cells[7].parse::<Decimal>().unwrap(), due, "{id}");
                    assert_eq!(
                        cells[0],
                        day_of(&inv["Date"])
                            .unwrap()
                            .format("%Y-%m-%dT00:00:00")
                            .to_string()
                    );
                    if !by_then.is_zero() {
                        partly += 1;
                    }
                }
            }
        }
        // Nothing dated after the date is listed.
        for cells in rows.values() {
            assert!(cells[0].as_str() <= format!("{}T00:00:00", ymd(mid)).as_str());
        }
    }
    assert!(
        gone > 0 && partly > 0,
        "{gone} settled, {partly} partly paid"
    );
}

#[tokio::test]
async fn from_and_to_dates_split_the_opening_balance_from_the_rows() {
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let today = DateTime::from_timestamp_millis(h.clock.now_ms())
        .unwrap()
        .date_naive();
    // The contact with the most documents still due today.
    let contacts = contacts_with(
        &h,
        &tenant,
        &["ACCREC", "ACCRECCREDIT", "RECEIVE-OVERPAYMENT"],
    );
    let mut best = (0, String::new(), Value::Null);
    for c in &contacts {
        let r = aged(
            &h,
            &t.access,
            &tenant,
            "AgedReceivablesByContact",
            &format!("contactId={c}&date={}", ymd(today)),
        )
        .await;
        let n = document_rows(&r).len();
        if n > best.0 {
            best = (n, c.clone(), r);
        }
    }
    let (n, contact, whole) = best;
    assert!(n >= 2, "a contact with two documents due");
    let rows = document_rows(&whole);
    let mut days: Vec<&str> = rows.values().map(|c| &c[0][..10]).collect();
    days.sort();
    let split = days[days.len() / 2];
    let part = aged(
        &h,
        &t.access,
        &tenant,
        "AgedReceivablesByContact",
        &format!("contactId={contact}&date={}&fromDate={split}", ymd(today)),
    )
    .await;
    let listed = document_rows(&part);
    assert!(listed.values().all(|c| &c[0][..10] >= split));
    let before: Decimal = rows
        .values()
        .filter(|c| &c[0][..10] < split)
        .map(|c| c[7].parse::<Decimal>().unwrap())
        .sum();
    let opening: Decimal = part["Rows"][1]["Rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| dec(&r["Cells"][7]["Value"]))
        .sum();
    assert_eq!(opening, before);
    let closing = |r: &Value| -> Decimal {
        summaries(r)
            .iter()
            .filter(|(l, _)| l.starts_with("Closing Balance"))
            .map(|(_, d)| *d)
            .sum()
    };
    assert_eq!(closing(&part), closing(&whole));
}

#[tokio::test]
async fn the_aged_reports_need_their_scope_and_a_contact() {
    // A new app is held to the granular scopes.
    let h = start_with(|b| b.new_starter_app().limits(GENEROUS)).await;
    let tenant = h.tenant(0);
    let contact = contacts_with(&h, &tenant, &["ACCREC"])
        .into_iter()
        .next()
        .unwrap();
    let q = format!("contactId={contact}&date=2026-01-31");
    let (other, _) = h
        .login_with("openid offline_access accounting.reports.trialbalance.read")
        .await;
    let (own, _) = h
        .login_with("openid offline_access accounting.reports.aged.read")
        .await;
    for path in ["AgedReceivablesByContact", "AgedPayablesByContact"] {
        let url = format!("Reports/{path}?{q}");
        assert_eq!(
            h.get(&other.access, &tenant, &url).await.status(),
            401,
            "{path}"
        );
        assert_eq!(
            h.get(&own.access, &tenant, &url).await.status(),
            200,
            "{path}"
        );
        assert_eq!(
            h.get(&other.access, &tenant, "Reports/TrialBalance")
                .await
                .status(),
            200
        );
        for (bad, status) in [
            (format!("Reports/{path}?date=2026-01-31"), 400),
            (format!("Reports/{path}?contactId=nobody"), 400),
            (
                format!("Reports/{path}?contactId={contact}&date=31/01/2026"),
                400,
            ),
            (
                format!("Reports/{path}?contactId={contact}&fromDate=2026-01-31&toDate=2026-01-01"),
                400,
            ),
            (
                format!("Reports/{path}?contactId=00000000-0000-0000-0000-000000000001"),
                404,
            ),
        ] {
            assert_eq!(
                h.get(&own.access, &tenant, &bad).await.status(),
                status,
                "{bad}"
            );
        }
    }
}

/// The last date among an invoice's payments and credits, read here.
fn last_settled(inv: &Value) -> Option<NaiveDate> {
    ["Payments", "CreditNotes", "Overpayments", "Prepayments"]
        .iter()
        .flat_map(|l| inv[*l].as_array().into_iter().flatten())
        .map(|p| day_of(&p["Date"]).unwrap())
        .max()
}

#[tokio::test]
async fn an_invoice_is_fully_paid_on_the_date_of_its_last_payment_or_credit() {
    let h = start_with(|b| b.seed(2026)).await;
    let mut seen_out_of_order = false;
    for tenant in h.sim.tenants() {
        for inv in h
            .sim
            .truth()
            .records(&tenant.tenant_id, Collection::Invoices)
        {
            if inv["Status"] != "PAID" {
                continue;
            }
            let last = last_settled(&inv).unwrap();
            assert_eq!(
                day_of(&inv["FullyPaidOnDate"]),
                Some(last),
                "{}",
                inv["InvoiceNumber"]
            );
            let payments: Vec<NaiveDate> = inv["Payments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| day_of(&p["Date"]).unwrap())
                .collect();
            seen_out_of_order |= payments.windows(2).any(|w| w[0] > w[1]);
        }
    }
    assert!(
        seen_out_of_order,
        "a paid invoice lists its later payment first"
    );
    // The case reported: BILL-00013 of the demo books, paid on 30 January
    // and 22 February 2025.
    let demo = h.tenant(0);
    let bill = h
        .sim
        .truth()
        .records(&demo, Collection::Invoices)
        .into_iter()
        .find(|i| i["InvoiceNumber"] == "BILL-00013")
        .unwrap();
    assert_eq!(
        day_of(&bill["FullyPaidOnDate"]),
        NaiveDate::from_ymd_opt(2025, 2, 22)
    );
}

#[tokio::test]
async fn a_payment_dated_before_an_earlier_one_keeps_the_later_date_as_paid_in_full() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let base = h.sim.tenants()[0].base_currency.clone();
    // An open invoice in the base currency with a payment after its date.
    let inv = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| {
            i["Status"] == "AUTHORISED"
                && i["CurrencyCode"] == base.as_str()
                && !dec(&i["AmountDue"]).is_zero()
                && last_settled(i).is_some_and(|p| p > day_of(&i["Date"]).unwrap())
        })
        .unwrap();
    let id = inv["InvoiceID"].as_str().unwrap();
    let earlier = day_of(&inv["Date"]).unwrap();
    let body = json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Date": ymd(earlier), "Amount": inv["AmountDue"]});
    let r = h
        .http
        .put(h.url("/api.xro/2.0/Payments"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let after = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Invoices)
        .get(id)
        .unwrap()
        .value();
    assert_eq!(after["Status"], "PAID");
    assert_eq!(day_of(&after["FullyPaidOnDate"]), last_settled(&inv));
    assert_ne!(day_of(&after["FullyPaidOnDate"]), Some(earlier));
}

//! Payments writes with Idempotency-Key, and what they change in the books.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

fn open_invoice(h: &Harness, tenant: &str) -> Value {
    h.sim
        .truth()
        .records(tenant, Collection::Invoices)
        .into_iter()
        .find(|i| {
            i["Status"] == "AUTHORISED"
                && dec(&i["AmountDue"]) > Decimal::from(10)
                && i["CurrencyCode"] == h.sim.tenants()[0].base_currency
        })
        .unwrap()
}

async fn put_payment(
    h: &Harness,
    access: &str,
    tenant: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    put_to(h, "/api.xro/2.0/Payments", access, tenant, key, body).await
}

/// A PUT of `body` to `path` (with its query), as the client sends it.
async fn put_to(
    h: &Harness,
    path: &str,
    access: &str,
    tenant: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = h
        .http
        .put(h.url(path))
        .bearer_auth(access)
        .header("xero-tenant-id", tenant)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

fn invoice_now(h: &Harness, tenant: &str, id: &str) -> Value {
    h.sim
        .truth()
        .tenant(tenant)
        .unwrap()
        .table(Collection::Invoices)
        .get(id)
        .unwrap()
        .value()
}

#[tokio::test]
async fn a_payment_reduces_the_invoice_and_the_same_key_replays_the_first_result() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let payments_before = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Payments)
        .len();
    let journals_before = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Journals)
        .len();
    let body = json!({"Payments": [{"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 3.35, "Reference": "Ledgerkeep"}]});
    let r = put_payment(&h, &t.access, &tenant, Some("key-1"), &body).await;
    assert_eq!(r.status(), 200);
    let first: Value = r.json().await.unwrap();
    let pid = first["Payments"][0]["PaymentID"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(first["Payments"][0]["Amount"].to_string(), "3.35");
    let after = invoice_now(&h, &tenant, id);
    assert_eq!(
        dec(&after["AmountDue"]),
        dec(&inv["AmountDue"]) - Decimal::new(335, 2)
    );
    assert_eq!(
        dec(&after["AmountPaid"]),
        dec(&inv["AmountPaid"]) + Decimal::new(335, 2)
    );
    assert_ne!(after["UpdatedDateUTC"], inv["UpdatedDateUTC"]);
    let truth = h.sim.truth();
    let books = truth.tenant(&tenant).unwrap();
    assert_eq!(books.table(Collection::Payments).len(), payments_before + 1);
    assert_eq!(books.table(Collection::Journals).len(), journals_before + 1);

    // The same key: the first answer again, and nothing new in the books.
    let r = put_payment(&h, &t.access, &tenant, Some("key-1"), &body).await;
    assert_eq!(r.status(), 200);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["Payments"][0]["PaymentID"], pid.as_str());
    assert_eq!(
        h.sim
            .truth()
            .tenant(&tenant)
            .unwrap()
            .table(Collection::Payments)
            .len(),
        payments_before + 1
    );

    // Another key: a second payment.
    let r = put_payment(&h, &t.access, &tenant, Some("key-2"), &body).await;
    let second: Value = r.json().await.unwrap();
    assert_ne!(second["Payments"][0]["PaymentID"], pid.as_str());
    assert_eq!(
        h.sim
            .truth()
            .tenant(&tenant)
            .unwrap()
            .table(Collection::Payments)
            .len(),
        payments_before + 2
    );
}

#[tokio::test]
async fn paying_the_exact_amount_due_marks_the_invoice_paid() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let body = json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "091"}, "Date": "2026-06-30", "Amount": inv["AmountDue"]});
    let r = put_payment(&h, &t.access, &tenant, None, &body).await;
    assert_eq!(r.status(), 200);
    let after = invoice_now(&h, &tenant, id);
    assert_eq!(after["Status"], "PAID");
    assert!(dec(&after["AmountDue"]).is_zero());
    assert!(after.get("FullyPaidOnDate").is_some());
}

#[tokio::test]
async fn invalid_payments_are_refused_whole_and_change_nothing() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let too_much = dec(&inv["AmountDue"]) + Decimal::new(1, 2);
    let body = json!({"Payments": [
        {"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": 1.00},
        {"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": serde_json::to_value(too_much.to_string().parse::<serde_json::Number>().unwrap()).unwrap()}
    ]});
    let before = h
        .sim
        .truth()
        .tenant(&tenant)
        .unwrap()
        .table(Collection::Payments)
        .len();
    let r = put_payment(&h, &t.access, &tenant, None, &body).await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["Type"], "ValidationException");
    assert!(err["Elements"][0]["ValidationErrors"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!err["Elements"][1]["ValidationErrors"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        h.sim
            .truth()
            .tenant(&tenant)
            .unwrap()
            .table(Collection::Payments)
            .len(),
        before
    );
    assert_eq!(invoice_now(&h, &tenant, id)["AmountDue"], inv["AmountDue"]);

    let key = "k".repeat(129);
    let ok = json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": 1.00});
    assert_eq!(
        put_payment(&h, &t.access, &tenant, Some(&key), &ok)
            .await
            .status(),
        400
    );
    assert_eq!(
        put_payment(&h, &t.access, &tenant, Some(&"k".repeat(128)), &ok)
            .await
            .status(),
        200
    );
    let not_bank =
        json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "200"}, "Amount": 1.00});
    assert_eq!(
        put_payment(&h, &t.access, &tenant, None, &not_bank)
            .await
            .status(),
        400
    );
}

fn payments_count(h: &Harness, tenant: &str) -> usize {
    h.sim
        .truth()
        .tenant(tenant)
        .unwrap()
        .table(Collection::Payments)
        .len()
}

fn cents(n: i64) -> Value {
    serde_json::to_value(
        Decimal::new(n, 2)
            .to_string()
            .parse::<serde_json::Number>()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_batch_holds_at_most_fifty_payments() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let one = json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": cents(1)});
    let before = payments_count(&h, &tenant);

    let r = put_payment(
        &h,
        &t.access,
        &tenant,
        None,
        &json!({"Payments": vec![one.clone(); 51]}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert!(err["Message"].as_str().unwrap().contains("50"), "{err}");
    assert_eq!(payments_count(&h, &tenant), before);

    let r = put_payment(
        &h,
        &t.access,
        &tenant,
        None,
        &json!({"Payments": vec![one; 50]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(payments_count(&h, &tenant), before + 50);
    assert_eq!(
        dec(&invoice_now(&h, &tenant, id)["AmountDue"]),
        dec(&inv["AmountDue"]) - Decimal::new(50, 2)
    );
}

#[tokio::test]
async fn with_summarize_errors_off_each_payment_stands_alone() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let due = dec(&inv["AmountDue"]);
    let before = payments_count(&h, &tenant);
    let body = json!({"Payments": [
        {"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": cents(200), "Reference": "first"},
        {"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": serde_json::to_value(due.to_string().parse::<serde_json::Number>().unwrap()).unwrap(), "Reference": "too much now"},
        {"Invoice": {"InvoiceID": "00000000-0000-0000-0000-000000000000"}, "Account": {"Code": "090"}, "Amount": cents(100), "Reference": "no such invoice"},
        {"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": cents(300), "Reference": "last"}
    ]});
    const ONE_BY_ONE: &str = "/api.xro/2.0/Payments?summarizeErrors=false";
    let r = put_to(&h, ONE_BY_ONE, &t.access, &tenant, Some("batch-1"), &body).await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    let items = answer["Payments"].as_array().unwrap();
    let states: Vec<&str> = items
        .iter()
        .map(|i| i["StatusAttributeString"].as_str().unwrap())
        .collect();
    // The second is checked after the first has been recorded, so the full due is now too much.
    assert_eq!(states, ["OK", "ERROR", "ERROR", "OK"]);
    assert!(items[0]["PaymentID"].is_string() && items[3]["PaymentID"].is_string());
    for refused in [&items[1], &items[2]] {
        assert!(refused.get("PaymentID").is_none());
        assert!(!refused["ValidationErrors"][0]["Message"]
            .as_str()
            .unwrap()
            .is_empty());
    }
    assert_eq!(payments_count(&h, &tenant), before + 2);
    assert_eq!(
        dec(&invoice_now(&h, &tenant, id)["AmountDue"]),
        due - Decimal::new(500, 2)
    );
    // The same key replays the mixed answer and records nothing more.
    let again = put_to(&h, ONE_BY_ONE, &t.access, &tenant, Some("batch-1"), &body)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(again, answer);
    assert_eq!(payments_count(&h, &tenant), before + 2);
}

#[tokio::test]
async fn by_default_payments_that_together_exceed_the_due_are_refused_whole() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    let due = dec(&inv["AmountDue"]);
    let before = payments_count(&h, &tenant);
    // Each alone fits; the two together do not.
    let half_and_more = (due / Decimal::from(2)).round_dp(2) + Decimal::new(1, 2);
    let amount = serde_json::to_value(
        half_and_more
            .to_string()
            .parse::<serde_json::Number>()
            .unwrap(),
    )
    .unwrap();
    let pay = json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": amount});
    let r = put_payment(
        &h,
        &t.access,
        &tenant,
        None,
        &json!({"Payments": [pay.clone(), pay]}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(payments_count(&h, &tenant), before);
    assert_eq!(invoice_now(&h, &tenant, id)["AmountDue"], inv["AmountDue"]);
}

#[tokio::test]
async fn requests_up_to_three_and_a_half_megabytes_are_read_and_larger_ones_get_413() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = open_invoice(&h, &tenant);
    let id = inv["InvoiceID"].as_str().unwrap();
    // A long field the simulator ignores pads the request (axum's own default cap is 2 MB).
    let padded = |bytes: usize| json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": cents(1), "Padding": "x".repeat(bytes)});
    let r = put_payment(&h, &t.access, &tenant, None, &padded(3_000_000)).await;
    assert_eq!(r.status(), 200);
    let r = put_payment(&h, &t.access, &tenant, None, &padded(3_600_000)).await;
    assert_eq!(r.status(), 413);
}

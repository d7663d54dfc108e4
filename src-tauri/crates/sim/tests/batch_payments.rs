//! Batch payments: the generated books hold bills paid together and receipts
//! banked together, each batch's payments are in `/Payments` naming it, the
//! batch posts no journal of its own, one batch was entered by mistake and
//! deleted (it and its payments `DELETED`, their journals reversed), and `GET /BatchPayments` is served like
//! the other collections (If-Modified-Since, `where`, the payments scope).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use ledgerkeep_sim::generate::{generate, Size};
use ledgerkeep_sim::wire::updated_ms;
use ledgerkeep_sim::{Collection, TenantBooks};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

fn by_id(b: &TenantBooks, c: Collection) -> BTreeMap<String, Value> {
    b.table(c)
        .records()
        .iter()
        .map(|r| (r.id.clone(), r.value()))
        .collect()
}

/// Checks every batch of one organisation's books; returns the counts of
/// (PAYBATCH, RECBATCH, deleted ones).
fn check_books(b: &TenantBooks) -> (usize, usize, usize) {
    let payments = by_id(b, Collection::Payments);
    let invoices = by_id(b, Collection::Invoices);
    let batches = by_id(b, Collection::BatchPayments);
    let mut journals_of: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for j in b.table(Collection::Journals).records() {
        let j = j.value();
        journals_of
            .entry(j["SourceID"].as_str().unwrap().to_owned())
            .or_default()
            .push(j);
    }
    let (mut pay, mut rec, mut deleted) = (0, 0, 0);
    let mut members = BTreeSet::new();
    for (id, batch) in &batches {
        let lines = batch["Payments"].as_array().unwrap();
        assert!(
            (2..=6).contains(&lines.len()),
            "{id}: {} payments",
            lines.len()
        );
        let kind = match batch["Type"].as_str().unwrap() {
            "PAYBATCH" => {
                pay += 1;
                "ACCPAYPAYMENT"
            }
            "RECBATCH" => {
                rec += 1;
                "ACCRECPAYMENT"
            }
            other => panic!("{id}: type {other}"),
        };
        let status = batch["Status"].as_str().unwrap();
        assert!(matches!(status, "AUTHORISED" | "DELETED"), "{id}: {status}");
        let live = status == "AUTHORISED";
        if !live {
            deleted += 1;
            assert_eq!(batch["IsReconciled"], false, "{id}: a deleted batch");
        }
        let mut total = Decimal::ZERO;
        let mut invoices_paid = BTreeSet::new();
        for line in lines {
            let pid = line["PaymentID"].as_str().unwrap();
            assert!(members.insert(pid.to_owned()), "{pid} in two batches");
            let p = &payments[pid];
            assert_eq!(p["BatchPaymentID"], *id);
            assert_eq!(p["BatchPayment"]["BatchPaymentID"], *id);
            assert_eq!(
                p["Date"], batch["Date"],
                "a batch's payments are made on its date"
            );
            assert_eq!(p["Account"]["AccountID"], batch["Account"]["AccountID"]);
            assert_eq!(p["PaymentType"], kind);
            // Deleted with its batch.
            assert_eq!(p["Status"], batch["Status"], "{pid}");
            assert_eq!(dec(&p["Amount"]), dec(&line["Amount"]));
            total += dec(&p["Amount"]);
            let inv_id = p["Invoice"]["InvoiceID"].as_str().unwrap();
            assert!(invoices_paid.insert(inv_id), "{id} pays {inv_id} twice");
            // The invoice lists a live payment on the batch's date, and a
            // deleted one not at all.
            let listed: Vec<&Value> = invoices[inv_id]["Payments"]
                .as_array()
                .map(|a| a.iter().filter(|e| e["PaymentID"] == pid).collect())
                .unwrap_or_default();
            assert_eq!(listed.len(), usize::from(live), "{pid}");
            if let Some(entry) = listed.first() {
                assert_eq!(entry["Date"], batch["Date"]);
            }
            // A live payment posts once, on the batch's date; a deleted one
            // posted and reversed there, netting to nothing.
            let posted = &journals_of[pid];
            assert_eq!(posted.len(), if live { 1 } else { 2 }, "{pid}");
            let mut per_account: BTreeMap<String, Decimal> = BTreeMap::new();
            for j in posted {
                assert_eq!(j["JournalDate"], batch["Date"]);
                for l in j["JournalLines"].as_array().unwrap() {
                    let code = l["AccountCode"].as_str().unwrap().to_owned();
                    *per_account.entry(code).or_default() += dec(&l["NetAmount"]);
                }
            }
            if !live {
                assert!(
                    per_account.values().all(Decimal::is_zero),
                    "{pid}: reversed: {per_account:?}"
                );
            }
        }
        assert_eq!(dec(&batch["TotalAmount"]), total, "{id}");
        assert!(
            !journals_of.contains_key(id),
            "a batch posts nothing of its own"
        );
    }
    // No payment names a batch that is not there.
    for p in payments.values() {
        if let Some(bid) = p.get("BatchPaymentID") {
            assert!(batches.contains_key(bid.as_str().unwrap()));
            assert!(members.contains(p["PaymentID"].as_str().unwrap()));
        }
    }
    (pay, rec, deleted)
}

#[test]
fn the_books_hold_batches_whose_payments_name_them_and_post_once() {
    // 2026 is the demo company's seed: its first organisation has some too.
    for seed in [42, 7, 2026] {
        let truth = generate(seed, Size::Small);
        let mut total = 0;
        for b in &truth.tenants {
            let (pay, rec, _) = check_books(b);
            total += pay + rec;
        }
        assert!(total >= 3, "seed {seed}: {total} batches");
        let first = truth.tenants[0].table(Collection::BatchPayments).len();
        assert!(first >= 1, "seed {seed}: none in the first organisation");
    }
}

#[test]
fn the_medium_books_have_a_few_batches_a_month_of_bills_and_of_receipts() {
    let truth = generate(42, Size::Medium);
    let b = &truth.tenants[0];
    let (pay, rec, deleted) = check_books(b);
    assert_eq!(deleted, 1, "one batch deleted");
    // 18 months of books.
    assert!(pay >= 18 * 2, "{pay} bill batches");
    assert!(rec >= 10, "{rec} receipt batches");
    assert!(
        pay + rec <= 18 * 4 * 2 + 8,
        "a few a month, not every payment"
    );
}

#[tokio::test]
async fn batch_payments_are_served_with_if_modified_since_and_where_and_the_payments_scope() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth().records(&tenant, Collection::BatchPayments);
    assert!(truth.len() >= 2, "{} batches", truth.len());
    let body = h.get_json(&t.access, &tenant, "BatchPayments").await;
    let all: BTreeSet<&str> = body["BatchPayments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["BatchPaymentID"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = truth
        .iter()
        .map(|r| r["BatchPaymentID"].as_str().unwrap())
        .collect();
    assert_eq!(all, expected);

    // If-Modified-Since: only what changed since that second.
    let mut times: Vec<i64> = truth.iter().filter_map(updated_ms).collect();
    times.sort();
    let pivot = times[times.len() / 2] / 1000 * 1000;
    let header = chrono::DateTime::from_timestamp_millis(pivot)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let r = h
        .http
        .get(h.url("/api.xro/2.0/BatchPayments?order=UpdatedDateUTC%20ASC"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .header("If-Modified-Since", &header)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let since: BTreeSet<&str> = body["BatchPayments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["BatchPaymentID"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = truth
        .iter()
        .filter(|r| updated_ms(r).unwrap() >= pivot)
        .map(|r| r["BatchPaymentID"].as_str().unwrap())
        .collect();
    assert_eq!(since, want);
    assert!(!want.is_empty() && want.len() < truth.len());

    // where: by type.
    let body = h
        .get_json(
            &t.access,
            &tenant,
            "BatchPayments?where=Type%3D%3D%22PAYBATCH%22",
        )
        .await;
    let types: BTreeSet<&str> = body["BatchPayments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    let pay_batches = truth.iter().filter(|r| r["Type"] == "PAYBATCH").count();
    assert_eq!(body["BatchPayments"].as_array().unwrap().len(), pay_batches);
    assert!(types.iter().all(|t| *t == "PAYBATCH"));

    // The payments scope opens it; the invoices scope does not (a Starter
    // app, whose scopes are checked; consents add up, so invoices first).
    let h = start_with(|b| b.new_starter_app()).await;
    let tenant = h.tenant(0);
    let (invoices_only, _) = h
        .login_with("openid offline_access accounting.invoices.read")
        .await;
    let r = h.get(&invoices_only.access, &tenant, "BatchPayments").await;
    assert_eq!(r.status(), 401);
    let (payments, _) = h
        .login_with("openid offline_access accounting.payments.read")
        .await;
    let r = h.get(&payments.access, &tenant, "BatchPayments").await;
    assert_eq!(r.status(), 200);
}

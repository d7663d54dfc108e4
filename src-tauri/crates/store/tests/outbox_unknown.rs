//! The outbox's `unknown` state, against a real ledger file: a payment whose
//! first send got no answer and whose retry was refused is `unknown` (audited),
//! is never in a batch again, is never failed by a refusal, counts against its
//! document, cannot be cancelled, and becomes `recorded` when Xero's payment is
//! found for it. A row an older build left `sending` as unknown becomes
//! `unknown` before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use chrono::NaiveDate;
use common::*;
use ledgerkeep_domain::payment::PaymentDraft;
use ledgerkeep_domain::xero::{Account, Invoice, Organisation, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_store::{
    CancelOutcome, ItemResult, LedgerStore, OutboxFieldError, OutboxStatus, QueueOutcome,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const INVOICE: &str = "inv-1";
const BANK: &str = "bank-1";

/// An organisation, a bank account and one open invoice of 100.00 NZD.
async fn books(store: &LedgerStore) {
    let a = actor();
    store
        .apply_page(
            TENANT,
            &XeroRecord::<Organisation>::page_from_value(
                json!([{"OrganisationID": "org-1", "Name": "Kiwi Ltd", "BaseCurrency": "NZD"}]),
            )
            .unwrap(),
            &a,
            at(0),
        )
        .await
        .unwrap();
    store
        .apply_page(
            TENANT,
            &XeroRecord::<Account>::page_from_value(
                json!([{"AccountID": BANK, "Code": "090", "Name": "Business Bank", "Type": "BANK",
                    "Status": "ACTIVE", "UpdatedDateUTC": "/Date(1700000000000+0000)/"}]),
            )
            .unwrap(),
            &a,
            at(0),
        )
        .await
        .unwrap();
    store
        .apply_page(
            TENANT,
            &XeroRecord::<Invoice>::page_from_value(json!([invoice(&[])])).unwrap(),
            &a,
            at(0),
        )
        .await
        .unwrap();
}

/// The invoice as Xero would send it, with these payments on it.
fn invoice(payments: &[Value]) -> Value {
    let paid: Decimal = payments
        .iter()
        .map(|p| p["Amount"].to_string().parse::<Decimal>().unwrap())
        .sum();
    let due = Decimal::new(10000, 2) - paid;
    json!({"InvoiceID": INVOICE, "Type": "ACCREC", "InvoiceNumber": "INV-0001", "Status": "AUTHORISED",
           "Contact": {"ContactID": "c-1", "Name": "Café Ōtautahi"},
           "Date": "/Date(1780000000000+0000)/", "CurrencyCode": "NZD",
           "SubTotal": 100.00, "TotalTax": 0.00, "Total": 100.00,
           "AmountDue": serde_json::from_str::<Value>(&due.to_string()).unwrap(),
           "AmountPaid": serde_json::from_str::<Value>(&paid.to_string()).unwrap(),
           "Payments": payments,
           "UpdatedDateUTC": format!("/Date({}+0000)/", 1_780_000_000_000_i64 + payments.len() as i64 * 1000)})
}

fn draft(amount: &str, reference: &str) -> PaymentDraft {
    PaymentDraft {
        invoice_id: INVOICE.to_owned(),
        account_id: BANK.to_owned(),
        amount: amount.parse().unwrap(),
        date: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        reference: reference.to_owned(),
    }
}

async fn queue(store: &LedgerStore, amount: &str, key: &str) -> QueueOutcome {
    store
        .queue_payment(TENANT, &draft(amount, key), key, &Actor::cli("pay"), at(10))
        .await
        .unwrap()
}

async fn queued(store: &LedgerStore, amount: &str, key: &str) -> i64 {
    match queue(store, amount, key).await {
        QueueOutcome::Queued(p) => p.id,
        QueueOutcome::Refused(e) => panic!("refused: {e:?}"),
    }
}

async fn status(store: &LedgerStore, id: i64) -> OutboxStatus {
    store.outbox_payment(id).await.unwrap().unwrap().status
}

/// Queues a payment and takes the next batch (marked sending): its id and the batch's key.
async fn sending(store: &LedgerStore, amount: &str, key: &str) -> (i64, String) {
    let id = queued(store, amount, key).await;
    let batch = store
        .next_payment_batch(TENANT, 50, &actor(), at(20))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch.items.len(), 1);
    (id, batch.key)
}

/// Sends the next batch (marked sending), then notes it unknown.
async fn unknown_payment(store: &LedgerStore, amount: &str, key: &str) -> (i64, String) {
    let (id, batch_key) = sending(store, amount, key).await;
    let rows = store
        .note_payments_unknown(
            TENANT,
            &batch_key,
            &[id],
            "Unknown: no answer, then a 403.",
            &actor(),
            at(30),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, OutboxStatus::Unknown);
    (id, batch_key)
}

fn xero_payment(pid: &str, amount: &str, reference: &str) -> Value {
    json!({"PaymentID": pid, "Date": "/Date(1782864000000+0000)/",
           "Amount": serde_json::from_str::<Value>(amount).unwrap(),
           "Reference": reference, "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT",
           "Account": {"AccountID": BANK}, "Invoice": {"InvoiceID": INVOICE, "CurrencyCode": "NZD"},
           "UpdatedDateUTC": "/Date(1782864000000+0000)/"})
}

#[tokio::test]
async fn an_unknown_payment_is_its_own_state_never_sent_again_never_failed_and_audited() {
    let l = ledger().await;
    books(&l.store).await;
    let (id, key) = unknown_payment(&l.store, "30.00", "key-a").await;
    let p = l.store.outbox_payment(id).await.unwrap().unwrap();
    assert_eq!(p.status, OutboxStatus::Unknown);
    assert_eq!(
        p.last_error.as_deref(),
        Some("Unknown: no answer, then a 403.")
    );
    assert_eq!(l.store.unknown_payments(TENANT).await.unwrap().len(), 1);
    // The step is audited like every other.
    let audited = count(
        &l.store,
        "SELECT COUNT(*) FROM audit_log WHERE table_name = 'outbox' AND record_id = 'key-a'
            AND changes_json LIKE '%unknown%'",
    )
    .await;
    assert_eq!(audited, 1);
    assert!(l.store.verify_audit().await.unwrap().is_intact());

    // Never in a batch again.
    assert!(l
        .store
        .next_payment_batch(TENANT, 50, &actor(), at(40))
        .await
        .unwrap()
        .is_none());
    // A refusal applied to it leaves it unknown.
    let refused = ItemResult::Refused(vec![OutboxFieldError {
        field: "payment".into(),
        message: "Xero refused the request (HTTP 403).".into(),
    }]);
    let settled = l
        .store
        .settle_payment_batch(TENANT, &key, &[(id, refused)], Vec::new(), &actor(), at(50))
        .await
        .unwrap();
    assert_eq!(settled[0].status, OutboxStatus::Unknown);
    assert_eq!(status(&l.store, id).await, OutboxStatus::Unknown);
    // It cannot be cancelled.
    assert!(matches!(
        l.store
            .cancel_payment(id, &Actor::cli("cancel"), at(60))
            .await
            .unwrap(),
        CancelOutcome::NotQueued(_)
    ));
    // Its amount counts against the invoice: 70.01 more is refused, 70.00 is not.
    match queue(&l.store, "70.01", "key-b").await {
        QueueOutcome::Refused(e) => assert!(e.iter().any(|f| f.field == "amount"), "{e:?}"),
        QueueOutcome::Queued(p) => panic!("queued beside the unknown payment: {p:?}"),
    }
    assert!(matches!(
        queue(&l.store, "70.00", "key-c").await,
        QueueOutcome::Queued(_)
    ));

    // Found on the invoice: recorded, with Xero's PaymentID, audited.
    let pay = xero_payment("pay-1", "30.00", "key-a");
    let settled = l
        .store
        .settle_payment_batch(
            TENANT,
            &key,
            &[(id, ItemResult::Recorded(pay.clone()))],
            vec![invoice(&[pay])],
            &actor(),
            at(70),
        )
        .await
        .unwrap();
    assert_eq!(settled[0].status, OutboxStatus::Recorded);
    let p = l.store.outbox_payment(id).await.unwrap().unwrap();
    assert_eq!(p.status, OutboxStatus::Recorded);
    assert_eq!(p.payment_id.as_deref(), Some("pay-1"));
    assert!(l.store.unknown_payments(TENANT).await.unwrap().is_empty());
    assert_eq!(
        l.store.claimed_payment_ids(TENANT, INVOICE).await.unwrap(),
        ["pay-1"]
    );
    let recorded = count(
        &l.store,
        "SELECT COUNT(*) FROM audit_log WHERE table_name = 'outbox' AND record_id = 'key-a'
            AND changes_json LIKE '%unknown%' AND changes_json LIKE '%recorded%'",
    )
    .await;
    assert_eq!(recorded, 1);
    assert!(l.store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn only_rows_of_the_batch_still_sending_become_unknown() {
    let l = ledger().await;
    books(&l.store).await;
    let (id, batch_key) = sending(&l.store, "10.00", "key-a").await;
    // Another key, or a row not sending: nothing changes.
    let none = l
        .store
        .note_payments_unknown(TENANT, "other-key", &[id], "Unknown: x", &actor(), at(30))
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(status(&l.store, id).await, OutboxStatus::Sending);
    let other = queued(&l.store, "10.00", "key-b").await;
    let none = l
        .store
        .note_payments_unknown(TENANT, &batch_key, &[other], "Unknown: x", &actor(), at(30))
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(status(&l.store, other).await, OutboxStatus::Queued);
}

#[tokio::test]
async fn a_row_an_older_build_left_sending_as_unknown_becomes_unknown_and_does_not_go() {
    let l = ledger().await;
    books(&l.store).await;
    let (id, batch_key) = sending(&l.store, "10.00", "key-a").await;
    // As the older build left it: still sending, its reason "Unknown: …".
    sqlx::query("UPDATE outbox SET last_error = ? WHERE id = ?")
        .bind("Unknown: Xero did not answer the first send, and refused the retry.")
        .bind(id)
        .execute(l.store.pool())
        .await
        .unwrap();
    // The next batch turns it unknown, and it does not go.
    let next = l
        .store
        .next_payment_batch(TENANT, 50, &actor(), at(40))
        .await
        .unwrap();
    assert!(next.is_none(), "{next:?}");
    assert_eq!(status(&l.store, id).await, OutboxStatus::Unknown);
    let p = l.store.outbox_payment(id).await.unwrap().unwrap();
    assert_eq!(p.batch_key.as_deref(), Some(batch_key.as_str()));
    assert!(l.store.verify_audit().await.unwrap().is_intact());
    let audited = count(
        &l.store,
        "SELECT COUNT(*) FROM audit_log WHERE table_name = 'outbox' AND record_id = 'key-a'
            AND changes_json LIKE '%unknown%'",
    )
    .await;
    assert_eq!(audited, 1);

    // Beside it, a batch merely unanswered goes again with its key.
    let other = queued(&l.store, "10.00", "key-b").await;
    let b = l
        .store
        .next_payment_batch(TENANT, 50, &actor(), at(50))
        .await
        .unwrap()
        .unwrap();
    l.store
        .note_batch_unanswered(TENANT, &b.key, "Not sent yet: could not connect.", at(60))
        .await
        .unwrap();
    let again = l
        .store
        .next_payment_batch(TENANT, 50, &actor(), at(70))
        .await
        .unwrap()
        .unwrap();
    assert!(again.retry);
    assert_eq!(
        again.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        [other]
    );
    assert_eq!(status(&l.store, id).await, OutboxStatus::Unknown);
}

//! Payments exactly once when the answer is unclear: the first send's answer
//! is lost, then the retry (same key) is answered with a 403, a 404 or a 5xx.
//! The payment ends recorded once, or clearly unknown; never failed, never
//! twice. Against the simulator's fault injection over loopback, with a real
//! ledger file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use common::*;
use ledgerkeep_domain::payment::PaymentDraft;
use ledgerkeep_domain::Actor;
use ledgerkeep_sim::{Collection, Fault, FaultRule, Gate, Limits, Size};
use ledgerkeep_store::{OutboxPayment, OutboxStatus, QueueOutcome};
use ledgerkeep_sync::{CancelToken, Silent, SyncRequest};
use ledgerkeep_xero::Priority;
use rust_decimal::Decimal;
use serde_json::Value;

/// No retries inside the client, and a short read timeout: a held answer is lost.
fn losing_options() -> ledgerkeep_xero::XeroOptions {
    let mut o = quick_options();
    o.client.max_retries = 0;
    o.client.read_timeout = Duration::from_millis(400);
    o.client.deadline = Duration::from_secs(5);
    o
}

struct Setup {
    h: Harness,
    tenant: String,
    reference: String,
    id: i64,
}

async fn queued_payment(reference: &str) -> Setup {
    let limits = Limits {
        per_minute: 10_000,
        ..Limits::XERO
    };
    let mut options = losing_options();
    options.client.limits.per_minute = limits.per_minute;
    let h = harness_with(Size::Small, limits, options).await;
    let tenant = h.tenant();
    h.engine
        .sync_tenant(
            &tenant,
            &SyncRequest::user(),
            &CancelToken::new(),
            &ledgerkeep_sync::no_progress(),
        )
        .await;
    let base = h
        .sim
        .tenants()
        .into_iter()
        .find(|t| t.tenant_id == tenant)
        .unwrap()
        .base_currency;
    let invoice = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| {
            i["Status"] == "AUTHORISED"
                && i["CurrencyCode"] == base.as_str()
                && i["AmountDue"]
                    .to_string()
                    .trim_matches('"')
                    .parse::<Decimal>()
                    .is_ok_and(|d| d > Decimal::from(10))
        })
        .expect("an open invoice");
    let account = h
        .store
        .payment_accounts(&tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.kind.as_deref() == Some("BANK"))
        .expect("a bank account");
    let draft = PaymentDraft {
        invoice_id: invoice["InvoiceID"].as_str().unwrap().to_owned(),
        account_id: account.account_id,
        amount: "7.25".parse().unwrap(),
        date: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        reference: reference.to_owned(),
    };
    let key = format!("key-{reference}");
    let now = Utc.timestamp_opt(1_780_000_000, 0).unwrap();
    let QueueOutcome::Queued(p) = h
        .store
        .queue_payment(&tenant, &draft, &key, &Actor::cli("pay"), now)
        .await
        .unwrap()
    else {
        panic!("the payment was refused");
    };
    Setup {
        h,
        tenant,
        reference: reference.to_owned(),
        id: p.id,
    }
}

fn at_xero(s: &Setup) -> Vec<Value> {
    s.h.sim
        .truth()
        .records(&s.tenant, Collection::Payments)
        .into_iter()
        .filter(|p| p["Reference"] == s.reference.as_str())
        .collect()
}

async fn outbox_row(s: &Setup) -> OutboxPayment {
    s.h.store.outbox_payment(s.id).await.unwrap().unwrap()
}

async fn send(s: &Setup) -> ledgerkeep_sync::OutboxReport {
    s.h.engine
        .send_outbox(&s.tenant, Priority::User, &Silent)
        .await
}

/// Xero records the payment, and its answer never arrives.
async fn lose_the_first_answer(s: &Setup) -> Gate {
    let gate = Gate::new();
    s.h.sim
        .inject(FaultRule::next(Fault::HoldAnswer(gate.clone()), 1).on("Payments"));
    let r = send(s).await;
    assert_eq!(r.requests, 1);
    assert!(r.waiting.is_some(), "{r:?}");
    assert_eq!(at_xero(s).len(), 1, "Xero recorded it");
    assert_eq!(outbox_row(s).await.status, OutboxStatus::Sending);
    gate
}

async fn assert_recorded_once(s: &Setup) {
    let row = outbox_row(s).await;
    assert_eq!(row.status, OutboxStatus::Recorded, "{row:?}");
    let at_xero = at_xero(s);
    assert_eq!(at_xero.len(), 1, "recorded twice at Xero");
    assert_eq!(
        at_xero[0]["PaymentID"].as_str(),
        row.payment_id.as_deref(),
        "the ledger names Xero's payment"
    );
    let in_ledger: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE tenant_id = ? AND reference = ?")
            .bind(&s.tenant)
            .bind(&s.reference)
            .fetch_one(s.h.store.pool())
            .await
            .unwrap();
    assert_eq!(in_ledger, 1);
}

#[tokio::test]
async fn a_lost_answer_then_a_403_is_settled_from_the_invoice_as_recorded_once() {
    for status in [403u16, 404] {
        let s = queued_payment(&format!("lost-then-{status}")).await;
        let gate = lose_the_first_answer(&s).await;
        s.h.sim
            .inject(FaultRule::next(Fault::Status(status), 1).on("Payments"));
        let r = send(&s).await;
        assert_eq!(r.failed, 0, "{status}: {r:?}");
        assert_eq!(r.recorded, 1, "{status}: {r:?}");
        assert_recorded_once(&s).await;
        // Nothing more goes: the next round sends nothing.
        let r = send(&s).await;
        assert_eq!(r.requests, 0);
        assert_recorded_once(&s).await;
        gate.open();
    }
}

#[tokio::test]
async fn a_lost_answer_then_a_5xx_stays_sending_and_the_next_retry_records_once() {
    let s = queued_payment("lost-then-500").await;
    let gate = lose_the_first_answer(&s).await;
    s.h.sim
        .inject(FaultRule::next(Fault::Status(500), 1).on("Payments"));
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed), (0, 0), "{r:?}");
    assert_eq!(outbox_row(&s).await.status, OutboxStatus::Sending);
    // Xero's answer to the same key is the first result.
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed), (1, 0), "{r:?}");
    assert_recorded_once(&s).await;
    gate.open();
}

#[tokio::test]
async fn a_send_that_never_arrived_then_a_403_is_unknown_not_failed_until_it_goes() {
    let s = queued_payment("never-then-403").await;
    // The first send gets no answer, and Xero did nothing with it.
    s.h.sim
        .inject(FaultRule::next(Fault::Timeout, 1).on("Payments"));
    let r = send(&s).await;
    assert!(r.waiting.is_some(), "{r:?}");
    assert!(at_xero(&s).is_empty());
    // The retry is refused: Xero's invoice shows no such payment, so the
    // outcome stays unknown, said so, and is not failed.
    s.h.sim
        .inject(FaultRule::next(Fault::Status(403), 1).on("Payments"));
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed), (0, 0), "{r:?}");
    let row = outbox_row(&s).await;
    assert_eq!(row.status, OutboxStatus::Sending, "{row:?}");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .starts_with("Unknown:"),
        "{row:?}"
    );
    assert!(r.waiting.unwrap().starts_with("Unknown:"));
    // The next round, answered, records it once.
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed), (1, 0), "{r:?}");
    assert_recorded_once(&s).await;
}

//! Payments exactly once when the answer is unclear: the first send's answer
//! is lost, then the retry (same key) is answered with a 403, a 404 or a 5xx.
//! The payment ends recorded once, or `Unknown` (its own state: not sending,
//! not failed, never sent again, settled from its invoice in Xero on a later
//! round); never twice. Against the simulator's fault injection over
//! loopback, with a real ledger file; the simulator counts the payment writes
//! it receives.

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

/// No retries inside the client, and a short read timeout: a held answer is
/// lost. Long enough for the sign-in and the reads on a busy machine.
fn losing_options() -> ledgerkeep_xero::XeroOptions {
    let mut o = quick_options();
    o.client.max_retries = 0;
    o.client.read_timeout = Duration::from_millis(1500);
    o.client.deadline = Duration::from_secs(10);
    o
}

struct Setup {
    h: Harness,
    tenant: String,
    reference: String,
    id: i64,
    draft: PaymentDraft,
}

async fn queued_payment(reference: &str) -> Setup {
    queued_payment_on(reference, false).await
}

/// With `check_scopes`, the simulator refuses each call the sign-in's scopes
/// do not cover (the default sign-in asks for no payments write scope).
async fn queued_payment_on(reference: &str, check_scopes: bool) -> Setup {
    let limits = Limits {
        per_minute: 10_000,
        ..Limits::XERO
    };
    let mut options = losing_options();
    options.client.limits.per_minute = limits.per_minute;
    let builder = ledgerkeep_sim::RunningSimulator::builder()
        .seed(11)
        .size(Size::Small)
        .limits(limits)
        .check_scopes(check_scopes);
    let h = harness_of(builder, options).await;
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
                    .is_ok_and(|d| d > Decimal::from(20))
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
        draft,
    }
}

/// Queues the same payment again (another key): what the owner would do
/// after seeing it as failed.
async fn queue_again(s: &Setup, draft: &PaymentDraft, key: &str) -> QueueOutcome {
    let now = Utc.timestamp_opt(1_780_000_100, 0).unwrap();
    s.h.store
        .queue_payment(&s.tenant, draft, key, &Actor::cli("pay"), now)
        .await
        .unwrap()
}

/// `PUT`/`POST Payments` requests the simulator has received.
fn payment_writes(s: &Setup) -> usize {
    s.h.sim.writes_received("Payments")
}

/// The amount due on the payment's invoice, as the ledger holds it.
async fn amount_due(s: &Setup) -> Decimal {
    let due: String =
        sqlx::query_scalar("SELECT amount_due FROM invoices WHERE tenant_id = ? AND xero_id = ?")
            .bind(&s.tenant)
            .bind(&s.draft.invoice_id)
            .fetch_one(s.h.store.pool())
            .await
            .unwrap();
    due.parse().unwrap()
}

/// The owner records the payment in Xero itself (same amount, day and
/// reference), as they would after finding it missing on the invoice.
async fn owner_records_it_in_xero(s: &Setup) -> String {
    let body = serde_json::json!({"Payments": [{
        "Invoice": {"InvoiceID": s.draft.invoice_id},
        "Account": {"AccountID": s.draft.account_id},
        "Date": s.draft.date.format("%Y-%m-%d").to_string(),
        "Amount": serde_json::from_str::<Value>(&s.draft.amount.to_string()).unwrap(),
        "Reference": s.reference,
    }]});
    let r = s
        .h
        .xero
        .client()
        .put(
            &s.tenant,
            &ledgerkeep_xero::ApiRequest::put("Payments", body, format!("owner-{}", s.reference)),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["Payments"][0]["PaymentID"]
        .as_str()
        .unwrap()
        .to_owned()
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
async fn a_lost_answer_then_a_403_with_the_invoice_unread_is_unknown_then_recorded_from_the_invoice_without_a_third_send(
) {
    let s = queued_payment("lost-then-403-unread").await;
    let gate = lose_the_first_answer(&s).await;
    assert_eq!(payment_writes(&s), 1);
    // The retry is refused, and the invoice cannot be read just then.
    s.h.sim
        .inject(FaultRule::next(Fault::Status(403), 1).on("Payments"));
    s.h.sim
        .inject(FaultRule::next(Fault::Status(503), 1).on("Invoices"));
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed, r.unknown), (0, 0, 1), "{r:?}");
    assert_eq!(payment_writes(&s), 2);
    let row = outbox_row(&s).await;
    assert_eq!(row.status, OutboxStatus::Unknown, "{row:?}");
    assert!(row.payment_id.is_none(), "{row:?}");
    // A later round reads the invoice, finds the payment Xero recorded at the
    // first send, and records it: no third send.
    let r = send(&s).await;
    assert_eq!(
        (r.requests, r.recorded, r.failed, r.unknown),
        (0, 1, 0, 0),
        "{r:?}"
    );
    assert_eq!(payment_writes(&s), 2, "an unknown payment was sent again");
    assert_recorded_once(&s).await;
    // And nothing more goes.
    let r = send(&s).await;
    assert_eq!((r.requests, r.recorded, r.unknown), (0, 0, 0), "{r:?}");
    assert_eq!(payment_writes(&s), 2);
    assert_recorded_once(&s).await;
    gate.open();
}

#[tokio::test]
async fn a_send_that_never_arrived_then_a_403_is_unknown_never_sent_again_and_blocks_a_second_recording(
) {
    let s = queued_payment("never-then-403").await;
    // The first send gets no answer, and Xero did nothing with it.
    s.h.sim
        .inject(FaultRule::next(Fault::Timeout, 1).on("Payments"));
    let r = send(&s).await;
    assert!(r.waiting.is_some(), "{r:?}");
    assert!(at_xero(&s).is_empty());
    assert_eq!(outbox_row(&s).await.status, OutboxStatus::Sending);
    // The retry is refused: Xero's invoice shows no such payment, so the
    // outcome is unknown, said so, and not failed.
    s.h.sim
        .inject(FaultRule::next(Fault::Status(403), 1).on("Payments"));
    let r = send(&s).await;
    assert_eq!((r.recorded, r.failed, r.unknown), (0, 0, 1), "{r:?}");
    let row = outbox_row(&s).await;
    assert_eq!(row.status, OutboxStatus::Unknown, "{row:?}");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .starts_with("Unknown:"),
        "{row:?}"
    );
    assert!(r.waiting.unwrap().starts_with("Unknown:"));
    assert_eq!(payment_writes(&s), 2);
    // Later rounds never send it again, and it stays unknown (not failed)
    // while the invoice does not list it.
    for _ in 0..2 {
        let r = send(&s).await;
        assert_eq!(
            (r.requests, r.recorded, r.failed, r.unknown),
            (0, 0, 0, 1),
            "{r:?}"
        );
        assert_eq!(outbox_row(&s).await.status, OutboxStatus::Unknown);
    }
    assert_eq!(payment_writes(&s), 2, "an unknown payment was sent again");
    assert!(at_xero(&s).is_empty());
    // It cannot be cancelled (Xero may hold it), and its amount still counts
    // against the invoice: recording the rest of the amount due again is
    // refused by 0.01.
    assert!(matches!(
        s.h.store
            .cancel_payment(s.id, &Actor::cli("cancel"), Utc::now())
            .await
            .unwrap(),
        ledgerkeep_store::CancelOutcome::NotQueued(_)
    ));
    let due = amount_due(&s).await;
    let mut again = s.draft.clone();
    again.amount = due - s.draft.amount + Decimal::new(1, 2);
    match queue_again(&s, &again, "key-again-too-much").await {
        QueueOutcome::Refused(errors) => {
            assert!(errors.iter().any(|e| e.field == "amount"), "{errors:?}")
        }
        QueueOutcome::Queued(p) => panic!("queued beside the unknown payment: {p:?}"),
    }
    again.amount = due - s.draft.amount;
    let QueueOutcome::Queued(rest) = queue_again(&s, &again, "key-again-rest").await else {
        panic!("the rest of the amount due was refused");
    };
    assert!(matches!(
        s.h.store
            .cancel_payment(rest.id, &Actor::cli("cancel"), Utc::now())
            .await
            .unwrap(),
        ledgerkeep_store::CancelOutcome::Cancelled(_)
    ));
    // The owner finds the invoice in Xero without it and records it there:
    // the next round finds it on the invoice, and the row names it.
    let pid = owner_records_it_in_xero(&s).await;
    let r = send(&s).await;
    assert_eq!((r.requests, r.recorded, r.unknown), (0, 1, 0), "{r:?}");
    assert_recorded_once(&s).await;
    assert_eq!(
        outbox_row(&s).await.payment_id.as_deref(),
        Some(pid.as_str())
    );
    // Two from Ledgerkeep (the lost send and the refused retry), one by the owner.
    assert_eq!(payment_writes(&s), 3);
}

#[tokio::test]
async fn an_unknown_payment_is_not_settled_by_a_twin_the_outbox_already_recorded() {
    let s = queued_payment("twin").await;
    // The first payment goes and is recorded.
    let r = send(&s).await;
    assert_eq!(r.recorded, 1, "{r:?}");
    let first = outbox_row(&s).await;
    assert_eq!(first.status, OutboxStatus::Recorded);
    // The same payment again (same amount, day and reference): its first send
    // never arrives, and its retry is refused.
    let QueueOutcome::Queued(twin) = queue_again(&s, &s.draft, "key-twin-2").await else {
        panic!("the second payment was refused");
    };
    s.h.sim
        .inject(FaultRule::next(Fault::Timeout, 1).on("Payments"));
    send(&s).await;
    s.h.sim
        .inject(FaultRule::next(Fault::Status(403), 1).on("Payments"));
    let r = send(&s).await;
    // The invoice lists one such payment, which is the first one's: the twin
    // is unknown, not recorded under the first one's PaymentID.
    assert_eq!((r.recorded, r.failed, r.unknown), (0, 0, 1), "{r:?}");
    let twin = s.h.store.outbox_payment(twin.id).await.unwrap().unwrap();
    assert_eq!(twin.status, OutboxStatus::Unknown, "{twin:?}");
    assert!(twin.payment_id.is_none(), "{twin:?}");
    let r = send(&s).await;
    assert_eq!((r.requests, r.recorded, r.unknown), (0, 0, 1), "{r:?}");
    assert_eq!(at_xero(&s).len(), 1);
    assert_eq!(payment_writes(&s), 3);
}

#[tokio::test]
async fn a_sign_in_without_the_payments_scope_keeps_the_payment_queued_as_not_permitted_never_sending(
) {
    let s = queued_payment_on("not-permitted", true).await;
    for round in 1..=2 {
        let r = send(&s).await;
        assert_eq!(r.requests, 1, "round {round}: {r:?}");
        assert_eq!((r.recorded, r.failed, r.unknown), (0, 0, 0), "{r:?}");
        assert!(
            r.waiting
                .as_deref()
                .unwrap_or_default()
                .starts_with("Not permitted:"),
            "{r:?}"
        );
        let row = outbox_row(&s).await;
        assert_eq!(row.status, OutboxStatus::Queued, "round {round}: {row:?}");
        assert!(row.batch_key.is_none(), "{row:?}");
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or_default()
                .starts_with("Not permitted:"),
            "{row:?}"
        );
        // Xero is asked once: the client remembers the refusal until another
        // sign-in.
        assert_eq!(payment_writes(&s), 1, "round {round}");
    }
    assert!(at_xero(&s).is_empty());
}

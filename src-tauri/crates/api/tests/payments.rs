//! Recording payments to Xero, against the simulator over loopback with a
//! real ledger file: validation field by field (ours and Xero's), the outbox
//! and its audit rows, a crash between sending and the answer, the network
//! off then back, and a batch with one bad payment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{Collection, Fault, FaultRule, Gate, RunningSimulator};
use ledgerkeep_sync::{Notice, Notifier, OutboxReport, Silent};
use ledgerkeep_xero::{ApiRequest, Priority, VirtualTime, Xero};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

mod common;
use common::*;

/// Longest any wait for the app may take before the test gives up (a hang,
/// not a measurement).
const PATIENCE: Duration = Duration::from_secs(120);

fn dec(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

async fn service(ctx: &AppContext, xero: &Arc<Xero>, time: &Arc<VirtualTime>) -> SyncService {
    test_service(ctx, xero, time, Duration::from_millis(50)).await
}

async fn sync(svc: &SyncService, tenant: &str) {
    sync_ok(svc, tenant).await;
}

/// Authorised documents in the base currency with more than 10 due, as the
/// simulator holds them.
fn open_documents(sim: &RunningSimulator, tenant: &str) -> Vec<Value> {
    let base = sim
        .tenants()
        .into_iter()
        .find(|t| t.tenant_id == tenant)
        .unwrap()
        .base_currency;
    sim.truth()
        .records(tenant, Collection::Invoices)
        .into_iter()
        .filter(|i| {
            i["Status"] == "AUTHORISED"
                && dec(&i["AmountDue"]) > Decimal::from(10)
                && i["CurrencyCode"] == base.as_str()
        })
        .collect()
}

async fn bank_account(ctx: &AppContext, tenant: &str) -> PaymentAccountView {
    payment_accounts(
        ctx,
        PaymentAccountsRequest {
            tenant_id: tenant.to_owned(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.account_type.as_deref() == Some("BANK"))
    .expect("a bank account")
}

fn form(
    tenant: &str,
    invoice: &Value,
    account: &str,
    amount: &str,
    reference: &str,
) -> RecordPaymentRequest {
    RecordPaymentRequest {
        tenant_id: tenant.to_owned(),
        invoice_id: invoice["InvoiceID"].as_str().unwrap().to_owned(),
        account_id: account.to_owned(),
        amount: amount.to_owned(),
        date: "2026-07-01".to_owned(),
        reference: reference.to_owned(),
    }
}

/// The simulator's payments carrying `reference`.
fn payments_at_xero(sim: &RunningSimulator, tenant: &str, reference: &str) -> Vec<Value> {
    sim.truth()
        .records(tenant, Collection::Payments)
        .into_iter()
        .filter(|p| p["Reference"] == reference)
        .collect()
}

async fn payment(ctx: &AppContext, id: u32) -> PaymentView {
    list_payments(ctx, ListPaymentsRequest::default())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap()
}

/// The next outbox report with something settled (or the test gives up).
async fn next_settled(rx: &mut tokio::sync::broadcast::Receiver<OutboxReport>) -> OutboxReport {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let r = rx.recv().await.unwrap();
            if r.settled() {
                return r;
            }
        }
    })
    .await
    .expect("no payment was settled")
}

/// Pays `amount` of `invoice` at Xero directly, as another app would.
async fn pay_elsewhere(xero: &Xero, tenant: &str, invoice: &Value, account: &str, amount: &str) {
    let body = json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"AccountID": account},
        "Date": "2026-06-30",
        "Amount": serde_json::from_str::<Value>(amount).unwrap(),
        "Reference": "paid elsewhere"
    }]});
    let r = xero
        .client()
        .put(tenant, &ApiRequest::put("Payments", body, uuid_key()))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
}

fn uuid_key() -> String {
    format!("other-app-{}", rand_suffix())
}

fn rand_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn validation_errors_local_and_from_xero_surface_field_by_field() {
    let s = signed_in(21).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = service(&s.ctx, &s.xero, &s.time).await;
    sync(&svc, &tenant).await;
    let docs = open_documents(&s.sim, &tenant);
    let doc = &docs[0];
    let due = dec(&doc["AmountDue"]);
    let bank = bank_account(&s.ctx, &tenant).await;

    // Unreadable inputs: each named.
    let mut bad = form(&tenant, doc, &bank.account_id, "12,50", "");
    bad.date = "1 July".into();
    let e = record_payment(&s.ctx, None, bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["amount", "date"]);

    // The rules: more than is due, an account that takes no payments, a date
    // inside the locked period. All three at once, nothing written.
    let revenue: String = sqlx::query_scalar(
        "SELECT xero_id FROM accounts WHERE tenant_id = ? AND type = 'REVENUE' LIMIT 1",
    )
    .bind(&tenant)
    .fetch_one(s.ctx.store().pool())
    .await
    .unwrap();
    sqlx::query("UPDATE organisations SET period_lock_date = '2026-06-30' WHERE tenant_id = ?")
        .bind(&tenant)
        .execute(s.ctx.store().pool())
        .await
        .unwrap();
    let mut bad = form(
        &tenant,
        doc,
        &revenue,
        &(due + Decimal::new(1, 2)).to_string(),
        "",
    );
    bad.date = "2026-06-30".into();
    let e = record_payment(&s.ctx, None, bad).await.unwrap_err();
    let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["amount", "accountId", "date"], "{e:?}");
    assert!(
        e.field_errors()[0].message.contains(&due.to_string()),
        "{}",
        e.field_errors()[0].message
    );
    assert!(list_payments(&s.ctx, ListPaymentsRequest::default())
        .await
        .unwrap()
        .is_empty());

    // Passes here, refused by Xero: all but 1.00 of the invoice was paid
    // elsewhere after our sync. Xero's message lands beside the amount.
    pay_elsewhere(
        &s.xero,
        &tenant,
        doc,
        &bank.account_id,
        &(due - Decimal::ONE).to_string(),
    )
    .await;
    let queued = record_payment(
        &s.ctx,
        None,
        form(&tenant, doc, &bank.account_id, "5.00", "refused"),
    )
    .await
    .unwrap();
    assert_eq!(queued.state, PaymentState::Queued);
    let mut rx = svc.scheduler().subscribe_payments();
    svc.scheduler().send_outbox(&tenant).unwrap();
    let report = next_settled(&mut rx).await;
    assert_eq!((report.recorded, report.failed), (0, 1));
    let failed = payment(&s.ctx, queued.id).await;
    assert_eq!(failed.state, PaymentState::Failed);
    assert_eq!(failed.errors.len(), 1, "{:?}", failed.errors);
    assert_eq!(failed.errors[0].field, "amount");
    assert!(
        failed.errors[0]
            .message
            .contains("exceeds the amount outstanding"),
        "{}",
        failed.errors[0].message
    );
    assert_eq!(
        failed.error.as_deref(),
        Some(failed.errors[0].message.as_str())
    );
    assert!(payments_at_xero(&s.sim, &tenant, "refused").is_empty());
    svc.shutdown().await;
}

#[tokio::test]
async fn audit_rows_exist_for_create_send_confirm_and_cancel() {
    let s = signed_in(22).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = service(&s.ctx, &s.xero, &s.time).await;
    sync(&svc, &tenant).await;
    let docs = open_documents(&s.sim, &tenant);
    let bank = bank_account(&s.ctx, &tenant).await;

    let kept = record_payment(
        &s.ctx,
        None,
        form(&tenant, &docs[0], &bank.account_id, "3.35", "kept"),
    )
    .await
    .unwrap();
    let dropped = record_payment(
        &s.ctx,
        None,
        form(&tenant, &docs[1], &bank.account_id, "4.00", "dropped"),
    )
    .await
    .unwrap();
    let cancelled = cancel_payment(&s.ctx, CancelPaymentRequest { id: dropped.id })
        .await
        .unwrap();
    assert_eq!(cancelled.state, PaymentState::Cancelled);

    let watermarks = |store: ledgerkeep_store::LedgerStore, tenant: String| async move {
        let mut w = Vec::new();
        for kind in [EntityKind::Invoice, EntityKind::Payment] {
            w.push(store.watermark(&tenant, kind).await.unwrap());
        }
        w
    };
    let before = watermarks(s.ctx.store().clone(), tenant.clone()).await;
    let mut rx = svc.scheduler().subscribe_payments();
    svc.scheduler().send_outbox(&tenant).unwrap();
    let report = next_settled(&mut rx).await;
    assert_eq!((report.requests, report.recorded), (1, 1));
    // Stored at once, but only a sync moves the streams' watermarks: changes
    // made in Xero since the last sync are still to be fetched.
    assert_eq!(
        watermarks(s.ctx.store().clone(), tenant.clone()).await,
        before
    );
    let recorded = payment(&s.ctx, kept.id).await;
    assert_eq!(recorded.state, PaymentState::Recorded);
    let pid = recorded.payment_id.clone().unwrap();

    // A sent payment can no longer be cancelled.
    let e = cancel_payment(&s.ctx, CancelPaymentRequest { id: kept.id })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);

    let store = s.ctx.store().clone();
    let key_of = |id: u32| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT idempotency_key FROM outbox WHERE id = ?")
                .bind(i64::from(id))
                .fetch_one(store.pool())
                .await
                .unwrap()
        }
    };
    let steps = |key: String| {
        let store = store.clone();
        let tenant = tenant.clone();
        async move {
            store
                .record_history("outbox", &tenant, &key)
                .await
                .unwrap()
                .into_iter()
                .map(|e| {
                    let c: Value = serde_json::from_str(&e.changes_json).unwrap();
                    (
                        e.action,
                        c["Status"]["new"].as_str().unwrap().to_owned(),
                        e.actor,
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        steps(key_of(kept.id).await).await,
        [
            (
                "insert".to_owned(),
                "queued".to_owned(),
                "user:record-payment".to_owned()
            ),
            (
                "update".to_owned(),
                "sending".to_owned(),
                "sync:outbox".to_owned()
            ),
            (
                "update".to_owned(),
                "recorded".to_owned(),
                "sync:outbox".to_owned()
            ),
        ]
    );
    assert_eq!(
        steps(key_of(dropped.id).await).await,
        [
            (
                "insert".to_owned(),
                "queued".to_owned(),
                "user:record-payment".to_owned()
            ),
            (
                "update".to_owned(),
                "cancelled".to_owned(),
                "user:cancel-payment".to_owned()
            ),
        ]
    );
    // The confirmation stored Xero's payment and the invoice it changed, audited.
    let history = s
        .ctx
        .store()
        .record_history("payments", &tenant, &pid)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "insert");
    let (due, updated): (String, i64) = sqlx::query_as(
        "SELECT amount_due, (SELECT COUNT(*) FROM audit_log WHERE table_name = 'invoices' AND record_id = ?)
           FROM invoices WHERE tenant_id = ? AND xero_id = ?",
    )
    .bind(docs[0]["InvoiceID"].as_str().unwrap())
    .bind(&tenant)
    .bind(docs[0]["InvoiceID"].as_str().unwrap())
    .fetch_one(s.ctx.store().pool())
    .await
    .unwrap();
    assert_eq!(
        due.parse::<Decimal>().unwrap(),
        dec(&docs[0]["AmountDue"]) - Decimal::new(335, 2)
    );
    assert!(updated >= 2, "the invoice's update was not audited");
    assert!(s.ctx.store().verify_audit().await.unwrap().is_intact());
    assert!(payments_at_xero(&s.sim, &tenant, "dropped").is_empty());
    svc.shutdown().await;
}

#[tokio::test]
async fn a_crash_between_sending_and_the_answer_retries_with_the_same_key_and_xero_records_once() {
    let s = signed_in(23).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = service(&s.ctx, &s.xero, &s.time).await;
    sync(&svc, &tenant).await;
    let docs = open_documents(&s.sim, &tenant);
    let bank = bank_account(&s.ctx, &tenant).await;
    let queued = record_payment(
        &s.ctx,
        None,
        form(&tenant, &docs[0], &bank.account_id, "7.25", "crash"),
    )
    .await
    .unwrap();
    let key: String = sqlx::query_scalar("SELECT idempotency_key FROM outbox WHERE id = ?")
        .bind(i64::from(queued.id))
        .fetch_one(s.ctx.store().pool())
        .await
        .unwrap();

    // Xero records the payment, and its answer never arrives.
    let gate = Gate::new();
    s.sim
        .inject(FaultRule::next(Fault::HoldAnswer(gate.clone()), 1).on("Payments"));
    let engine = Arc::clone(svc.engine());
    let sending = {
        let tenant = tenant.clone();
        tokio::spawn(async move { engine.send_outbox(&tenant, Priority::User, &Silent).await })
    };
    tokio::time::timeout(PATIENCE, async {
        while payments_at_xero(&s.sim, &tenant, "crash").is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the payment never reached the simulator");
    let in_flight = payment(&s.ctx, queued.id).await;
    assert_eq!(in_flight.state, PaymentState::Sending);
    assert_eq!(in_flight.attempts, 1);

    // The crash: the sender dies waiting, and the app with it, unclosed.
    sending.abort();
    assert!(sending.await.unwrap_err().is_cancelled());
    svc.shutdown().await;
    drop(svc);
    let config = s.ctx.config().clone();
    drop(s.ctx);

    // The next start: the payment is still sending, and goes again with its key.
    let ctx = AppContext::open(config).await.unwrap();
    let svc = service(&ctx, &s.xero, &s.time).await;
    let waiting = payment(&ctx, queued.id).await;
    assert_eq!(waiting.state, PaymentState::Sending);
    let mut rx = svc.scheduler().subscribe_payments();
    sync(&svc, &tenant).await;
    let report = next_settled(&mut rx).await;
    assert_eq!((report.requests, report.recorded, report.failed), (1, 1, 0));
    let done = payment(&ctx, queued.id).await;
    assert_eq!(done.state, PaymentState::Recorded);
    assert_eq!(done.attempts, 2);
    // Exactly one payment at Xero, and it is the one the ledger names.
    let at_xero = payments_at_xero(&s.sim, &tenant, "crash");
    assert_eq!(at_xero.len(), 1);
    assert_eq!(at_xero[0]["PaymentID"].as_str(), done.payment_id.as_deref());
    let batch_key: String = sqlx::query_scalar("SELECT batch_key FROM outbox WHERE id = ?")
        .bind(i64::from(queued.id))
        .fetch_one(ctx.store().pool())
        .await
        .unwrap();
    assert_eq!(batch_key, key, "the retry used another key");
    let ledger: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE tenant_id = ? AND reference = 'crash'",
    )
    .bind(&tenant)
    .fetch_one(ctx.store().pool())
    .await
    .unwrap();
    assert_eq!(ledger, 1);
    gate.open();
    svc.shutdown().await;
}

/// The notifications the app would show.
#[derive(Debug, Default)]
struct Notices(parking_lot::Mutex<Vec<Notice>>);

impl Notifier for Notices {
    fn notify(&self, notice: Notice) {
        self.0.lock().push(notice);
    }
}

/// A loopback TCP forwarder standing for the network: unplugged, nothing
/// listens on its port (connections are refused) and open connections drop.
struct Cable {
    addr: SocketAddr,
    target: SocketAddr,
    up: watch::Sender<bool>,
}

impl Cable {
    async fn new(target: SocketAddr) -> Cable {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cable = Cable {
            addr,
            target,
            up: watch::Sender::new(true),
        };
        cable.serve(listener);
        cable
    }

    fn serve(&self, listener: TcpListener) {
        let mut up = self.up.subscribe();
        let target = self.target;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = up.wait_for(|u| !*u) => return,
                    a = listener.accept() => a,
                };
                let Ok((mut inbound, _)) = accepted else {
                    return;
                };
                let mut down = up.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = down.wait_for(|u| !*u) => {}
                    }
                });
            }
        });
    }

    fn unplug(&self) {
        self.up.send_replace(false);
    }

    async fn plug(&self) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.addr).unwrap();
        let listener = socket.listen(64).unwrap();
        self.up.send_replace(true);
        self.serve(listener);
    }
}

#[tokio::test]
async fn a_payment_made_offline_is_queued_and_sent_when_the_network_returns() {
    let base = signed_in(24).await;
    let sim = base.sim;
    let time = base.time;
    let target: SocketAddr = sim
        .base_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let cable = Cable::new(target).await;
    // The app reaches Xero's API through the cable; signing in goes direct.
    let mut endpoints = endpoints_of(&sim);
    endpoints.api_url = format!("http://{}", cable.addr);
    let xero = xero_at(endpoints, &time);
    sign_in_by_bounce(&xero).await;
    let ctx = base.ctx;
    let tenant = sim.tenants()[0].tenant_id.clone();
    let svc = service(&ctx, &xero, &time).await;
    sync(&svc, &tenant).await;
    let docs = open_documents(&sim, &tenant);
    let bank = bank_account(&ctx, &tenant).await;

    cable.unplug();
    assert!(!ledgerkeep_sync::network::reachable(&cable.addr.to_string()).await);
    let mut rx = svc.scheduler().subscribe_payments();
    let queued = record_payment(
        &ctx,
        Some(&svc),
        form(&tenant, &docs[0], &bank.account_id, "9.99", "offline"),
    )
    .await
    .unwrap();
    assert_eq!(queued.state, PaymentState::Queued);
    // The watcher (probing every 50 ms) sees the network gone...
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still = payment(&ctx, queued.id).await;
    assert_eq!(still.state, PaymentState::Queued);
    assert_eq!(still.attempts, 0, "nothing is sent while offline");
    assert!(payments_at_xero(&sim, &tenant, "offline").is_empty());

    // ...and back: the scheduler sends the outbox, then syncs.
    cable.plug().await;
    let report = next_settled(&mut rx).await;
    assert_eq!((report.recorded, report.failed), (1, 0));
    let sent = payment(&ctx, queued.id).await;
    assert_eq!(sent.state, PaymentState::Recorded);
    assert_eq!(sent.attempts, 1);
    let at_xero = payments_at_xero(&sim, &tenant, "offline");
    assert_eq!(at_xero.len(), 1);
    assert_eq!(at_xero[0]["PaymentID"].as_str(), sent.payment_id.as_deref());
    assert_eq!(at_xero[0]["Amount"].to_string(), "9.99");

    // Online, a payment goes at once: recording it asks the scheduler to send.
    let online = record_payment(
        &ctx,
        Some(&svc),
        form(&tenant, &docs[1], &bank.account_id, "1.23", "online"),
    )
    .await
    .unwrap();
    let report = next_settled(&mut rx).await;
    assert_eq!((report.requests, report.recorded), (1, 1));
    assert_eq!(payment(&ctx, online.id).await.state, PaymentState::Recorded);
    assert_eq!(payments_at_xero(&sim, &tenant, "online").len(), 1);
    svc.shutdown().await;
}

#[tokio::test]
async fn a_batch_with_one_bad_payment_records_the_others_and_reports_the_bad_one() {
    let s = signed_in(25).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let svc = service(&s.ctx, &s.xero, &s.time).await;
    sync(&svc, &tenant).await;
    let docs = open_documents(&s.sim, &tenant);
    assert!(docs.len() >= 3);
    let bank = bank_account(&s.ctx, &tenant).await;
    let mut ids = Vec::new();
    for (i, doc) in docs.iter().take(3).enumerate() {
        let p = record_payment(
            &s.ctx,
            None,
            form(
                &tenant,
                doc,
                &bank.account_id,
                "2.50",
                &format!("batch-{i}"),
            ),
        )
        .await
        .unwrap();
        ids.push(p.id);
    }
    // All but 1.00 of the middle one's invoice is paid elsewhere meanwhile.
    pay_elsewhere(
        &s.xero,
        &tenant,
        &docs[1],
        &bank.account_id,
        &(dec(&docs[1]["AmountDue"]) - Decimal::ONE).to_string(),
    )
    .await;

    let notices = Notices::default();
    let report = svc
        .engine()
        .send_outbox(&tenant, Priority::User, &notices)
        .await;
    assert_eq!(
        (
            report.requests,
            report.recorded,
            report.failed,
            report.waiting.is_none()
        ),
        (1, 2, 1, true),
        "{report:?}"
    );
    let states: Vec<PaymentState> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(payment(&s.ctx, *id).await.state);
        }
        v
    };
    assert_eq!(
        states,
        [
            PaymentState::Recorded,
            PaymentState::Failed,
            PaymentState::Recorded
        ]
    );
    let bad = payment(&s.ctx, ids[1]).await;
    assert_eq!(bad.errors[0].field, "amount");
    assert!(bad.payment_id.is_none());
    // One request carried all three, under the first payment's key.
    let keys: Vec<Option<String>> = sqlx::query_scalar("SELECT batch_key FROM outbox ORDER BY id")
        .fetch_all(s.ctx.store().pool())
        .await
        .unwrap();
    assert!(
        keys.iter().all(|k| k.is_some() && *k == keys[0]),
        "{keys:?}"
    );
    // The owner is told: what was recorded, and what Xero refused and why.
    let shown = notices.0.lock().clone();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert_eq!(shown[0].summary, "Payments recorded in Xero");
    assert_eq!(shown[0].body, "2 payments were recorded.");
    assert_eq!(shown[1].summary, "Xero refused a payment");
    assert!(
        shown[1].body.contains("2.50") && shown[1].body.contains("exceeds the amount outstanding"),
        "{}",
        shown[1].body
    );
    assert_eq!(payments_at_xero(&s.sim, &tenant, "batch-0").len(), 1);
    assert!(payments_at_xero(&s.sim, &tenant, "batch-1").is_empty());
    assert_eq!(payments_at_xero(&s.sim, &tenant, "batch-2").len(), 1);
    svc.shutdown().await;
}

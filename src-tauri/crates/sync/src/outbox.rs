//! The outbox's sender: payments recorded in Ledgerkeep go to Xero, exactly once.
//!
//! For one organisation, batch after batch (at most [`MAX_BATCH`] payments a
//! request), until nothing waits or Xero cannot be reached:
//!
//! 1. the store marks the batch `sending` with its key, audited, before the
//!    request leaves ([`LedgerStore::next_payment_batch`]; a batch whose
//!    answer never came goes first, the same payments with the same key);
//! 2. `PUT Payments?summarizeErrors=false` with `Idempotency-Key`, through the
//!    client's tokens and rate limits; Xero answers each payment alone;
//! 3. the invoices of the recorded payments are read again (one GET), and the
//!    store settles the batch in one transaction: the payments and invoices
//!    into the ledger, each row `recorded` or `failed` with Xero's messages
//!    field by field, audited;
//! 4. a notification says what was recorded and what Xero refused.
//!
//! No answer (the network, Xero down, a daily limit, a lost or broken answer)
//! leaves the batch `sending` for the next round: its retry carries the same
//! key, so Xero answers the first result again instead of recording twice.
//!
//! A retry Xero refuses without a word on the payments (a 401 not permitted,
//! a 403, a 404, another 4xx that is not its validation) says nothing of the
//! first send. Its invoices are read from Xero at once: a payment they list is
//! recorded; the others are `unknown` (never `failed`, never sent again; the
//! store's module docs give the rules). Each round begins by reading the
//! invoices of the tenant's unknown payments again
//! ([`SyncEngine::send_outbox`]): the ones Xero lists become `recorded`.
//! A first send refused as not permitted (the sign-in lacks the payments
//! scope) recorded nothing: the batch goes back to `queued` with a reason
//! starting "Not permitted:", never left `sending`.

use std::collections::BTreeSet;

use ledgerkeep_domain::Actor;
use ledgerkeep_store::{ItemResult, OutboxFieldError, OutboxPayment, OutboxStatus, PaymentBatch};
use ledgerkeep_xero::{ApiRequest, Priority, XeroError, XeroResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::SyncEngine;
use crate::notify::{Notice, Notifier};

/// The most payments Xero takes in one request.
pub const MAX_BATCH: usize = 50;

/// What one round of sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxReport {
    pub tenant: String,
    /// Requests sent (retries of an unanswered batch included).
    pub requests: u32,
    pub recorded: u32,
    pub failed: u32,
    /// Payments whose outcome is still unknown after this round (their
    /// invoices in Xero do not list them yet).
    #[serde(default)]
    pub unknown: u32,
    /// Why sending stopped with payments still waiting (no answer from Xero).
    pub waiting: Option<String>,
}

impl OutboxReport {
    /// Whether anything was settled.
    pub fn settled(&self) -> bool {
        self.recorded + self.failed > 0
    }
}

/// Which field of the payment form a message of Xero's is about.
pub fn field_of_message(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("amount") || m.contains("overpa") || m.contains("decimal") {
        "amount"
    } else if m.contains("account") {
        "accountId"
    } else if m.contains("date") || m.contains("lock") {
        "date"
    } else if m.contains("invoice") || m.contains("document") || m.contains("bill") {
        "invoiceId"
    } else if m.contains("reference") {
        "reference"
    } else {
        "payment"
    }
}

fn refusal(element: &Value) -> Vec<OutboxFieldError> {
    let mut out: Vec<OutboxFieldError> = element["ValidationErrors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["Message"].as_str())
        .map(|m| OutboxFieldError {
            field: field_of_message(m).to_owned(),
            message: m.to_owned(),
        })
        .collect();
    if out.is_empty() {
        out.push(OutboxFieldError {
            field: "payment".to_owned(),
            message: "Xero refused this payment without saying why.".to_owned(),
        });
    }
    out
}

/// Xero's record of a payment, less the answer's own markers.
fn payment_record(element: &Value) -> Value {
    let mut v = element.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("StatusAttributeString");
        m.remove("ValidationErrors");
        m.remove("Warnings");
    }
    v
}

/// Each payment's result from a 200 answer (same order as the request).
fn results_of(batch: &PaymentBatch, body: &Value) -> Vec<(i64, ItemResult)> {
    let elements = body["Payments"].as_array().cloned().unwrap_or_default();
    batch
        .items
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let result = match elements.get(i) {
                Some(e)
                    if e["StatusAttributeString"] != "ERROR"
                        && e["PaymentID"].is_string()
                        && e["HasValidationErrors"] != true =>
                {
                    ItemResult::Recorded(payment_record(e))
                }
                Some(e) => ItemResult::Refused(refusal(e)),
                None => ItemResult::Refused(vec![OutboxFieldError {
                    field: "payment".to_owned(),
                    message:
                        "Xero's answer left this payment out: check Xero before recording it again."
                            .to_owned(),
                }]),
            };
            (p.id, result)
        })
        .collect()
}

/// Every payment refused with the request (a 400 with summarized errors, or
/// another refusal of the whole request).
fn all_refused(batch: &PaymentBatch, body: &Value, fallback: &str) -> Vec<(i64, ItemResult)> {
    let elements = body["Elements"].as_array().cloned().unwrap_or_default();
    let message = body["Message"].as_str().unwrap_or(fallback).to_owned();
    batch
        .items
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let errs = match elements.get(i) {
                Some(e)
                    if e["ValidationErrors"]
                        .as_array()
                        .is_some_and(|l| !l.is_empty()) =>
                {
                    refusal(e)
                }
                _ => vec![OutboxFieldError {
                    field: field_of_message(&message).to_owned(),
                    message: message.clone(),
                }],
            };
            (p.id, ItemResult::Refused(errs))
        })
        .collect()
}

fn describe(p: &OutboxPayment) -> String {
    format!(
        "{} {} on {}",
        p.currency.as_deref().unwrap_or(""),
        p.amount,
        p.document_number.as_deref().unwrap_or("a document")
    )
    .trim()
    .to_owned()
}

/// The notices for a settled batch: one for what was recorded, one per payment
/// whose outcome became unknown, one per refusal.
pub fn notices_for(settled: &[OutboxPayment]) -> Vec<Notice> {
    let recorded: Vec<&OutboxPayment> = settled
        .iter()
        .filter(|p| p.status == OutboxStatus::Recorded)
        .collect();
    let mut out = Vec::new();
    match recorded.as_slice() {
        [] => {}
        [one] => out.push(Notice {
            summary: "Payment recorded in Xero".to_owned(),
            body: format!("{}.", describe(one)),
        }),
        many => out.push(Notice {
            summary: "Payments recorded in Xero".to_owned(),
            body: format!("{} payments were recorded.", many.len()),
        }),
    }
    for p in settled.iter().filter(|p| p.status == OutboxStatus::Unknown) {
        out.push(Notice {
            summary: "Xero did not confirm a payment".to_owned(),
            body: format!(
                "{}: its outcome is unknown. Ledgerkeep checks the invoice in Xero on each sync; do not record it again meanwhile.",
                describe(p)
            ),
        });
    }
    for p in settled.iter().filter(|p| p.status == OutboxStatus::Failed) {
        out.push(Notice {
            summary: "Xero refused a payment".to_owned(),
            body: format!(
                "{}: {}",
                describe(p),
                p.last_error.as_deref().unwrap_or("no reason given")
            ),
        });
    }
    out
}

/// Whether a failure leaves the outcome unknown (send again with the same
/// key) rather than a refusal of the request.
fn unanswered(e: &XeroError) -> bool {
    !matches!(e, XeroError::Status { status, .. } if (400..500).contains(status) && *status != 401 && *status != 408 && *status != 429)
        && !not_permitted(e)
}

/// Xero does not let this sign-in record payments (a 401
/// `AuthorizationUnsuccessful`: the payments scope was not granted).
fn not_permitted(e: &XeroError) -> bool {
    matches!(e, XeroError::NotPermitted { .. })
}

/// A refusal of the whole request that is not Xero's validation of the
/// payments (a 403, a 404, a 401 not permitted, another 4xx): after a send
/// whose answer never came, it says nothing of whether that send was
/// recorded.
fn refused_without_validation(e: &XeroError) -> bool {
    not_permitted(e)
        || matches!(e, XeroError::Status { status, .. } if (401..500).contains(status) && *status != 408 && *status != 429)
}

/// Xero's invoice lists a payment of this amount on this day (and with this
/// reference): its `PaymentID`, unless it is one already taken.
fn matching_payment(invoice: &Value, p: &OutboxPayment, taken: &[String]) -> Option<String> {
    let day = |v: &Value| {
        v.as_str()
            .and_then(|t| ledgerkeep_domain::XeroDate::parse(t).ok())
            .map(|d| d.to_string())
    };
    invoice["Payments"]
        .as_array()?
        .iter()
        .find(|x| {
            let id = x["PaymentID"].as_str().unwrap_or_default();
            !id.is_empty()
                && !taken.iter().any(|t| t.eq_ignore_ascii_case(id))
                && decimal_of(&x["Amount"]).map(|m| m.as_decimal()) == Some(p.amount)
                && day(&x["Date"]).as_deref() == Some(p.date.as_str())
                && x["Reference"]
                    .as_str()
                    .is_none_or(|r| r.is_empty() || r == p.reference)
        })
        .and_then(|x| x["PaymentID"].as_str())
        .map(str::to_owned)
}

/// An amount in Xero's JSON, read from its digits (never through a float).
fn decimal_of(v: &Value) -> Option<ledgerkeep_domain::Money> {
    match v {
        Value::Number(n) => ledgerkeep_domain::Money::parse(&n.to_string()).ok(),
        Value::String(s) => ledgerkeep_domain::Money::parse(s).ok(),
        _ => None,
    }
}

impl SyncEngine {
    /// Sends `tenant`'s waiting payments, batch after batch. See the module docs.
    pub async fn send_outbox(
        &self,
        tenant: &str,
        priority: Priority,
        notifier: &dyn Notifier,
    ) -> OutboxReport {
        // One sender at a time: two must never send the same batch at once,
        // within this process (the engine's lock) and across processes (the
        // ledger's writer lock: the app holds it while it runs, a CLI `sync`
        // for its run).
        let _one = self.outbox_lock().lock().await;
        let mut report = OutboxReport {
            tenant: tenant.to_owned(),
            ..OutboxReport::default()
        };
        let _writer = match self.store().writer_lock() {
            Ok(l) => l,
            Err(e) => {
                let why = match &e {
                    ledgerkeep_store::StoreError::InUse { by } => {
                        format!("{by} sends the payments while it has the ledger open.")
                    }
                    other => format!("The ledger's lock could not be taken: {other}."),
                };
                tracing::info!(%tenant, reason = %why, "payments not sent from this process");
                report.waiting = Some(why);
                return report;
            }
        };
        let actor = Actor::sync("outbox");
        // Payments whose outcome is unknown are looked for on their invoices
        // first; they are never sent again.
        self.settle_unknown_payments(tenant, priority, &actor, notifier, &mut report)
            .await;
        let mut sent_keys = std::collections::HashSet::new();
        loop {
            let batch = match self
                .store()
                .next_payment_batch(tenant, MAX_BATCH, &actor, self.now())
                .await
            {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox could not be read");
                    report.waiting = Some(e.to_string());
                    break;
                }
            };
            if !sent_keys.insert(batch.key.clone()) {
                // Its answer was settled yet it is still waiting: never loop on it.
                report.waiting = Some("A batch of payments could not be settled.".to_owned());
                break;
            }
            tracing::info!(
                %tenant,
                payments = batch.items.len(),
                retry = batch.retry,
                "sending payments to Xero"
            );
            let mut req = ApiRequest::put("Payments", batch.body(), batch.key.clone())
                .query("summarizeErrors", "false");
            req.priority = priority;
            report.requests += 1;
            let answer = self.xero().client().put(tenant, &req).await;
            let results = match answer {
                Ok(XeroResponse {
                    status: 200, body, ..
                }) => results_of(&batch, &body),
                Err(e) if batch.retry && refused_without_validation(&e) => {
                    // The first send's answer never came, and the retry was
                    // refused without a word on the payments: whether the
                    // first was recorded is unknown. Xero's invoices say.
                    tracing::info!(%tenant, error = %e, "payments' outcome unknown: reading their invoices");
                    let (found, unknown) =
                        self.look_on_invoices(tenant, &batch.items, priority).await;
                    if !unknown.is_empty() {
                        let reason = format!(
                            "Unknown: Xero did not answer the first send, and refused the retry ({e}). Its invoice does not show this payment yet; Ledgerkeep reads it again on each sync. Check the invoice in Xero before recording this payment again."
                        );
                        match self
                            .store()
                            .note_payments_unknown(
                                tenant,
                                &batch.key,
                                &unknown,
                                &reason,
                                &actor,
                                self.now(),
                            )
                            .await
                        {
                            Ok(rows) => {
                                report.unknown += u32::try_from(rows.len()).unwrap_or(u32::MAX);
                                for n in notices_for(&rows) {
                                    notifier.notify(n);
                                }
                            }
                            Err(err) => {
                                // Left sending: the next round retries with the same key.
                                tracing::warn!(error = %err, "could not note the payments' unknown outcome");
                            }
                        }
                        report.waiting = Some(reason);
                    }
                    if found.is_empty() {
                        break;
                    }
                    found
                }
                Err(e) if not_permitted(&e) => {
                    // Sent for the first time and refused outright: nothing
                    // was recorded. Back to the queue, to go once allowed.
                    let reason = format!(
                        "Not permitted: {e} Connect to Xero again allowing payments to be recorded; the payment waits in the queue until then."
                    );
                    tracing::info!(%tenant, "recording payments is not permitted: back to the queue");
                    if let Err(err) = self
                        .store()
                        .return_batch_to_queue(tenant, &batch.key, &reason, &actor, self.now())
                        .await
                    {
                        tracing::warn!(error = %err, "could not return the payments to the queue");
                    }
                    report.waiting = Some(reason);
                    break;
                }
                Ok(XeroResponse { status, body, .. }) => all_refused(
                    &batch,
                    &body,
                    &format!("Xero refused the request (HTTP {status})."),
                ),
                Err(e) if !unanswered(&e) => all_refused(&batch, &Value::Null, &e.to_string()),
                Err(e) => {
                    let reason = format!("Not sent yet: {e}. It will go again with the same key.");
                    tracing::info!(%tenant, error = %e, "payments not answered: they stay sending");
                    if let Err(err) = self
                        .store()
                        .note_batch_unanswered(tenant, &batch.key, &reason, self.now())
                        .await
                    {
                        tracing::warn!(error = %err, "could not note the unanswered batch");
                    }
                    report.waiting = Some(reason);
                    break;
                }
            };
            let invoices = self.invoices_of(tenant, &results, priority).await;
            match self
                .store()
                .settle_payment_batch(tenant, &batch.key, &results, invoices, &actor, self.now())
                .await
            {
                Ok(settled) => {
                    for p in &settled {
                        match p.status {
                            OutboxStatus::Recorded => report.recorded += 1,
                            OutboxStatus::Failed => report.failed += 1,
                            _ => {}
                        }
                    }
                    for n in notices_for(&settled) {
                        notifier.notify(n);
                    }
                }
                Err(e) => {
                    // Left sending: the next round asks again with the same key
                    // and Xero answers the same result.
                    tracing::warn!(error = %e, "could not settle the payments' answer");
                    report.waiting = Some(e.to_string());
                    break;
                }
            }
        }
        report
    }

    /// Reads the invoices of the tenant's unknown payments from Xero (one
    /// GET), and settles as `recorded` each one an invoice lists. The others
    /// stay unknown (counted in `report.unknown`); nothing is sent.
    async fn settle_unknown_payments(
        &self,
        tenant: &str,
        priority: Priority,
        actor: &Actor,
        notifier: &dyn Notifier,
        report: &mut OutboxReport,
    ) {
        let rows = match self.store().unknown_payments(tenant).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "the unknown payments could not be read");
                return;
            }
        };
        if rows.is_empty() {
            return;
        }
        tracing::info!(%tenant, payments = rows.len(), "payments' outcome unknown: reading their invoices");
        let (found, unknown) = self.look_on_invoices(tenant, &rows, priority).await;
        report.unknown += u32::try_from(unknown.len()).unwrap_or(u32::MAX);
        // Settled batch by batch: the store settles a row under its own key.
        let mut by_key: Vec<(String, Vec<(i64, ItemResult)>)> = Vec::new();
        for (id, result) in found {
            let key = rows
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.batch_key.clone())
                .unwrap_or_default();
            match by_key.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push((id, result)),
                None => by_key.push((key, vec![(id, result)])),
            }
        }
        for (key, results) in by_key {
            let invoices = self.invoices_of(tenant, &results, priority).await;
            match self
                .store()
                .settle_payment_batch(tenant, &key, &results, invoices, actor, self.now())
                .await
            {
                Ok(settled) => {
                    let (recorded, other): (Vec<_>, Vec<_>) = settled
                        .into_iter()
                        .partition(|p| p.status == OutboxStatus::Recorded);
                    report.recorded += u32::try_from(recorded.len()).unwrap_or(u32::MAX);
                    report.unknown += u32::try_from(other.len()).unwrap_or(u32::MAX);
                    for n in notices_for(&recorded) {
                        notifier.notify(n);
                    }
                }
                Err(e) => {
                    // Left unknown: the next round looks again.
                    tracing::warn!(error = %e, "could not settle the payments found on their invoices");
                    report.unknown += u32::try_from(results.len()).unwrap_or(u32::MAX);
                }
            }
        }
    }

    /// For payments whose outcome is unknown: reads their invoices from Xero,
    /// and each payment an invoice lists (same amount, day and reference, and
    /// not one the outbox already holds for another row) is read whole and
    /// counted recorded. Returns those results, and the outbox ids whose
    /// payment Xero does not show (still unknown; all of them when Xero
    /// cannot be read).
    async fn look_on_invoices(
        &self,
        tenant: &str,
        items: &[OutboxPayment],
        priority: Priority,
    ) -> (Vec<(i64, ItemResult)>, Vec<i64>) {
        let all: Vec<i64> = items.iter().map(|p| p.id).collect();
        let ids: BTreeSet<&str> = items.iter().map(|p| p.invoice_id.as_str()).collect();
        // Payments already linked to other rows of the outbox are not these.
        let mut taken: Vec<String> = Vec::new();
        for id in &ids {
            match self.store().claimed_payment_ids(tenant, id).await {
                Ok(list) => taken.extend(list),
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox's recorded payments could not be read: the payments stay unknown");
                    return (Vec::new(), all);
                }
            }
        }
        let mut req = ApiRequest::get("Invoices")
            .query("IDs", ids.into_iter().collect::<Vec<_>>().join(","))
            .query("unitdp", "4");
        req.priority = priority;
        let invoices = match self.xero().client().get(tenant, &req).await {
            Ok(r) => r.body["Invoices"].as_array().cloned().unwrap_or_default(),
            Err(e) => {
                tracing::info!(error = %e, "the invoices could not be read: the payments stay unknown");
                return (Vec::new(), all);
            }
        };
        let mut found = Vec::new();
        let mut unknown = Vec::new();
        for p in items {
            let listed = invoices
                .iter()
                .find(|i| {
                    i["InvoiceID"]
                        .as_str()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&p.invoice_id))
                })
                .and_then(|i| matching_payment(i, p, &taken));
            let Some(pid) = listed else {
                unknown.push(p.id);
                continue;
            };
            let mut one = ApiRequest::get(format!("Payments/{pid}"));
            one.priority = priority;
            match self.xero().client().get(tenant, &one).await {
                Ok(r) => match r.body["Payments"].as_array().and_then(|l| l.first()) {
                    Some(record) if record["PaymentID"].is_string() => {
                        taken.push(pid);
                        found.push((p.id, ItemResult::Recorded(payment_record(record))));
                    }
                    _ => unknown.push(p.id),
                },
                Err(e) => {
                    tracing::info!(error = %e, "a listed payment could not be read: it stays unknown");
                    unknown.push(p.id);
                }
            }
        }
        (found, unknown)
    }

    /// The invoices of the recorded payments, as Xero holds them now (one
    /// GET). Empty when they cannot be read: the next sync brings them.
    async fn invoices_of(
        &self,
        tenant: &str,
        results: &[(i64, ItemResult)],
        priority: Priority,
    ) -> Vec<Value> {
        let ids: BTreeSet<&str> = results
            .iter()
            .filter_map(|(_, r)| match r {
                ItemResult::Recorded(p) => p["Invoice"]["InvoiceID"].as_str(),
                ItemResult::Refused(_) => None,
            })
            .collect();
        if ids.is_empty() {
            return Vec::new();
        }
        let mut req = ApiRequest::get("Invoices")
            .query("IDs", ids.into_iter().collect::<Vec<_>>().join(","))
            .query("unitdp", "4");
        req.priority = priority;
        match self.xero().client().get(tenant, &req).await {
            Ok(r) => r.body["Invoices"].as_array().cloned().unwrap_or_default(),
            Err(e) => {
                tracing::info!(error = %e, "the paid invoices were not read again: the next sync brings them");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xero_messages_are_placed_beside_their_field() {
        assert_eq!(
            field_of_message(
                "Payment amount exceeds the amount outstanding on this document (5.00)"
            ),
            "amount"
        );
        assert_eq!(
            field_of_message(
                "Payments can only be made to bank accounts or accounts with payments enabled"
            ),
            "accountId"
        );
        assert_eq!(
            field_of_message("Payment cannot be created: the invoice is not AUTHORISED"),
            "invoiceId"
        );
        assert_eq!(field_of_message("Date is not a valid date"), "date");
        assert_eq!(field_of_message("Something else"), "payment");
    }

    #[test]
    fn a_refusal_of_the_request_is_not_retried_but_a_lost_answer_is() {
        let refused = XeroError::Status {
            status: 400,
            detail: String::new(),
            correlation_id: None,
        };
        assert!(!unanswered(&refused));
        assert!(unanswered(&XeroError::Network("could not connect".into())));
        assert!(unanswered(&XeroError::Decode("eof".into())));
    }
}

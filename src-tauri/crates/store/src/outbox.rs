//! The outbox: payments the owner recorded, waiting for Xero, sent exactly once.
//!
//! One `outbox` row per payment (`entity` `Payment`, `operation` `create`),
//! with the payment as Xero takes it (`payload_json`) and an `Idempotency-Key`
//! generated with it. Its life:
//!
//! ```text
//! queued ──send──▶ sending ──confirm──▶ recorded
//!    │              │    │                 ▲
//!  cancel         fail   no answer, then   │ found on the invoice in Xero
//!    ▼              ▼    a refused retry   │
//! cancelled      failed  └──▶ unknown ─────┘
//! ```
//!
//! Every step is written with its audit row (table `outbox`, record = the
//! payment's key) in one `BEGIN IMMEDIATE`. A batch is the rows that share a
//! `batch_key`, which is the `Idempotency-Key` of the one request that carries
//! them (the key of its first payment); it is written, with `sending`, before
//! the request leaves. After a crash or a lost answer the same rows go again
//! with the same key, and Xero answers the first result again instead of
//! recording twice. A payment can be cancelled only while it is queued.
//!
//! **Unknown.** A payment whose first send got no answer, and whose retry
//! (same key) Xero refused without a word on the payment (a 401, 403, 404 or
//! another 4xx that is not its validation), may or may not be in Xero. It is
//! `unknown` ([`LedgerStore::note_payments_unknown`]), and:
//!
//! - it is never sent again by itself ([`LedgerStore::next_payment_batch`]
//!   takes only `queued` and `sending` rows): a third request could record it
//!   twice once Xero's memory of the key is gone;
//! - it is never `failed` by itself: only Xero's invoice settles it, when its
//!   payments list it (same amount, day and reference, a `PaymentID` no other
//!   row of the outbox holds), and then it is `recorded`
//!   ([`LedgerStore::settle_payment_batch`] with that payment). A refusal
//!   applied to an unknown row leaves it unknown;
//! - its amount still counts against the document, like a queued or sending
//!   one: the same payment cannot be recorded again in Ledgerkeep while it is
//!   unknown;
//! - it cannot be cancelled, as a failed or sending one cannot: Xero may hold
//!   it, and cancelling it here would not undo it there. An owner who finds
//!   the invoice in Xero without it records the payment in Xero itself; the
//!   next check then finds it there and marks this row recorded, naming it.
//!
//! A ledger written before `unknown` was a state kept such a payment
//! `sending` with a reason starting `Unknown:`; the next batch turns those rows
//! `unknown` (audited) before anything is sent, so they do not go again.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerkeep_domain::payment::{
    check_payment, AccountFacts, DocumentFacts, PaymentDraft, PaymentFacts, PaymentFieldError,
};
use ledgerkeep_domain::xero::{
    AccountType, DocumentStatus, Invoice, InvoiceType, Payment, RecordStatus, XeroRecord,
};
use ledgerkeep_domain::{format_instant, Actor};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::apply::apply_records_in;
use crate::audit::{self, AuditAction, PendingAudit};
use crate::{LedgerStore, StoreError};

/// Where a payment is on its way to Xero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    Queued,
    Sending,
    Recorded,
    Failed,
    Cancelled,
    /// No answer to the first send, and the retry refused without a word on
    /// it: whether Xero recorded it is not known. See the module docs.
    Unknown,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Recorded => "recorded",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "queued" => OutboxStatus::Queued,
            "sending" => OutboxStatus::Sending,
            "recorded" => OutboxStatus::Recorded,
            "failed" => OutboxStatus::Failed,
            "cancelled" => OutboxStatus::Cancelled,
            "unknown" => OutboxStatus::Unknown,
            other => return Err(StoreError::Data(format!("outbox status '{other}'"))),
        })
    }
}

/// One refused field of a payment (locally or by Xero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxFieldError {
    pub field: String,
    pub message: String,
}

/// One payment in the outbox, with what the lists show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPayment {
    pub id: i64,
    pub tenant_id: String,
    pub status: OutboxStatus,
    pub invoice_id: String,
    pub document_number: Option<String>,
    /// `ACCREC` or `ACCPAY`.
    pub document_type: Option<String>,
    pub contact_name: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    pub amount: Decimal,
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reference: String,
    pub idempotency_key: String,
    /// The key of the request that carries it, once sent.
    pub batch_key: Option<String>,
    pub attempts: i64,
    /// Why it failed, or why the last attempt did not reach Xero.
    pub last_error: Option<String>,
    /// Xero's refusal, field by field.
    pub errors: Vec<OutboxFieldError>,
    /// Xero's `PaymentID`, once recorded.
    pub payment_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The element sent to Xero.
    pub payload: Value,
}

/// What queuing a payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    Queued(Box<OutboxPayment>),
    /// Nothing written: the rules it breaks, field by field.
    Refused(Vec<PaymentFieldError>),
}

/// What cancelling did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled(Box<OutboxPayment>),
    NotFound,
    /// It is already on its way (or done): nothing changed.
    NotQueued(Box<OutboxPayment>),
}

/// One request's worth of payments: at most `max` of one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentBatch {
    pub tenant_id: String,
    /// The request's `Idempotency-Key`.
    pub key: String,
    /// In the order they go in the request.
    pub items: Vec<OutboxPayment>,
    /// Whether this batch was sent before (a retry with the same key).
    pub retry: bool,
}

impl PaymentBatch {
    /// The request body: `{"Payments": [...]}`.
    pub fn body(&self) -> Value {
        json!({ "Payments": self.items.iter().map(|p| p.payload.clone()).collect::<Vec<_>>() })
    }
}

/// Xero's answer for one payment of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemResult {
    /// Recorded: Xero's payment record.
    Recorded(Value),
    /// Refused: its messages, field by field.
    Refused(Vec<OutboxFieldError>),
}

/// A payment account the owner may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAccount {
    pub account_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    /// `None`: the organisation's base currency.
    pub currency: Option<String>,
}

const SELECT: &str =
    "SELECT o.*, i.number AS doc_number, i.type AS doc_type, i.contact_name AS doc_contact,
        i.currency_code AS doc_currency, a.name AS account_name
   FROM outbox o
   LEFT JOIN invoices i ON i.tenant_id = o.tenant_id AND i.xero_id = o.document_xero_id
   LEFT JOIN accounts a ON a.tenant_id = o.tenant_id
        AND a.xero_id = json_extract(o.payload_json, '$.Account.AccountID')";

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn row_to_payment(r: &SqliteRow) -> Result<OutboxPayment, StoreError> {
    let raw: String = r.try_get("payload_json")?;
    let payload: Value =
        serde_json::from_str(&raw).map_err(StoreError::value("an outbox payload"))?;
    let errors_json: Option<String> = r.try_get("errors_json")?;
    let errors = match errors_json {
        Some(t) => serde_json::from_str::<Vec<Value>>(&t)
            .map_err(StoreError::value("an outbox's errors"))?
            .into_iter()
            .map(|e| OutboxFieldError {
                field: e["field"].as_str().unwrap_or_default().to_owned(),
                message: e["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
        None => Vec::new(),
    };
    let status: String = r.try_get("status")?;
    Ok(OutboxPayment {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        status: OutboxStatus::parse(&status)?,
        invoice_id: payload["Invoice"]["InvoiceID"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        document_number: r.try_get("doc_number")?,
        document_type: r.try_get("doc_type")?,
        contact_name: r.try_get("doc_contact")?,
        account_id: payload["Account"]["AccountID"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        account_name: r.try_get("account_name")?,
        amount: decimal_of(&payload["Amount"])
            .ok_or_else(|| StoreError::Data("outbox payload without an amount".into()))?,
        currency: r.try_get("doc_currency")?,
        date: payload["Date"].as_str().unwrap_or_default().to_owned(),
        reference: payload["Reference"].as_str().unwrap_or_default().to_owned(),
        idempotency_key: r.try_get("idempotency_key")?,
        batch_key: r.try_get("batch_key")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        errors,
        payment_id: r.try_get("xero_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        payload,
    })
}

fn errors_json(errors: &[OutboxFieldError]) -> String {
    Value::Array(
        errors
            .iter()
            .map(|e| json!({"field": e.field, "message": e.message}))
            .collect(),
    )
    .to_string()
}

/// The audit row of one step: the changed fields, old and new.
fn step(p: &OutboxPayment, old: Value, new: Value) -> PendingAudit {
    PendingAudit {
        table: "outbox",
        tenant_id: p.tenant_id.clone(),
        record_id: p.idempotency_key.clone(),
        action: AuditAction::Update,
        changes_json: audit::diff_fields(Some(&old), Some(&new)),
    }
}

async fn fetch_where(
    conn: &mut SqliteConnection,
    clause: &str,
    binds: &[&str],
) -> Result<Vec<OutboxPayment>, StoreError> {
    let sql = format!("{SELECT} WHERE o.entity = 'Payment' AND {clause} ORDER BY o.id");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(row_to_payment)
        .collect()
}

async fn fetch_one(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<OutboxPayment>, StoreError> {
    let sql = format!("{SELECT} WHERE o.entity = 'Payment' AND o.id = ?");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(row_to_payment)
        .transpose()
}

/// A row this transaction has just written.
async fn fetch_existing(conn: &mut SqliteConnection, id: i64) -> Result<OutboxPayment, StoreError> {
    fetch_one(conn, id)
        .await?
        .ok_or_else(|| StoreError::Data(format!("outbox row {id} vanished")))
}

/// The facts the rules need, read inside the caller's transaction.
async fn payment_facts(
    conn: &mut SqliteConnection,
    tenant: &str,
    draft: &PaymentDraft,
) -> Result<PaymentFacts, StoreError> {
    let doc = sqlx::query(
        "SELECT type, status, currency_code, amount_due FROM invoices WHERE tenant_id = ? AND xero_id = ?",
    )
    .bind(tenant)
    .bind(&draft.invoice_id)
    .fetch_optional(&mut *conn)
    .await?;
    let document = match doc {
        Some(r) => {
            let due: Option<String> = r.try_get("amount_due")?;
            let pending_rows: Vec<String> = sqlx::query_scalar(
                "SELECT payload_json FROM outbox WHERE tenant_id = ? AND document_xero_id = ?
                   AND entity = 'Payment' AND status IN ('queued', 'sending', 'unknown')",
            )
            .bind(tenant)
            .bind(&draft.invoice_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut pending = Decimal::ZERO;
            for raw in pending_rows {
                let v: Value =
                    serde_json::from_str(&raw).map_err(StoreError::value("an outbox payload"))?;
                pending += decimal_of(&v["Amount"]).unwrap_or_default();
            }
            Some(DocumentFacts {
                kind: r
                    .try_get::<Option<String>, _>("type")?
                    .map(InvoiceType::from),
                status: r
                    .try_get::<Option<String>, _>("status")?
                    .map(DocumentStatus::from),
                currency: r
                    .try_get::<Option<String>, _>("currency_code")?
                    .unwrap_or_default(),
                amount_due: due
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|_| StoreError::Data("an invoice's amount due".into()))?
                    .unwrap_or_default(),
                pending,
            })
        }
        None => None,
    };
    let account = sqlx::query(
        "SELECT type, status, currency_code,
                COALESCE(json_extract(raw_json, '$.EnablePaymentsToAccount'), 0) AS enabled
           FROM accounts WHERE tenant_id = ? AND xero_id = ? COLLATE NOCASE",
    )
    .bind(tenant)
    .bind(&draft.account_id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| -> Result<AccountFacts, StoreError> {
        Ok(AccountFacts {
            kind: r
                .try_get::<Option<String>, _>("type")?
                .map(AccountType::from),
            status: r
                .try_get::<Option<String>, _>("status")?
                .map(RecordStatus::from),
            enable_payments: r.try_get::<i64, _>("enabled")? != 0,
            currency: r.try_get("currency_code")?,
        })
    })
    .transpose()?;
    let org = sqlx::query(
        "SELECT base_currency, period_lock_date FROM organisations WHERE tenant_id = ? LIMIT 1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    let (base_currency, period_lock_date) = match org {
        Some(r) => {
            let lock: Option<String> = r.try_get("period_lock_date")?;
            (
                r.try_get("base_currency")?,
                lock.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            )
        }
        None => (None, None),
    };
    Ok(PaymentFacts {
        document,
        account,
        base_currency,
        period_lock_date,
    })
}

/// The payment element Xero takes; the amount a JSON number with its own digits.
fn payload_of(draft: &PaymentDraft) -> Result<Value, StoreError> {
    let amount: Value = serde_json::from_str(&draft.amount.to_string())
        .map_err(StoreError::value("an amount as JSON"))?;
    Ok(json!({
        "Invoice": {"InvoiceID": draft.invoice_id},
        "Account": {"AccountID": draft.account_id},
        "Date": draft.date.format("%Y-%m-%d").to_string(),
        "Amount": amount,
        "Reference": draft.reference,
    }))
}

/// The reason an older build wrote on a payment it kept `sending` because its
/// outcome was unknown (before `unknown` was a state).
const LEGACY_UNKNOWN: &str = "Unknown:%";

/// Rows of `tenant` an older build left `sending` as unknown (their reason
/// starts `Unknown:`) become `unknown`; returns their audit rows, to be
/// appended in the caller's transaction.
async fn legacy_unknown_to_unknown(
    conn: &mut SqliteConnection,
    tenant: &str,
    at: &str,
) -> Result<Vec<PendingAudit>, StoreError> {
    let rows = fetch_where(
        conn,
        "o.tenant_id = ? AND o.status = 'sending' AND o.last_error LIKE ?",
        &[tenant, LEGACY_UNKNOWN],
    )
    .await?;
    let mut audits = Vec::with_capacity(rows.len());
    for p in &rows {
        sqlx::query("UPDATE outbox SET status = 'unknown', updated_at = ? WHERE id = ?")
            .bind(at)
            .bind(p.id)
            .execute(&mut *conn)
            .await?;
        audits.push(step(
            p,
            json!({"Status": "sending"}),
            json!({"Status": "unknown"}),
        ));
    }
    Ok(audits)
}

impl LedgerStore {
    /// Checks `draft` against the ledger and, if it passes, queues it with
    /// `key` as its `Idempotency-Key`, writing its audit row (`insert`) in the
    /// same transaction. A refusal writes nothing.
    pub async fn queue_payment(
        &self,
        tenant: &str,
        draft: &PaymentDraft,
        key: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<QueueOutcome, StoreError> {
        let _timer = self.timed("queue_payment");
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let facts = payment_facts(&mut tx, tenant, draft).await?;
        let refused = check_payment(draft, &facts);
        if !refused.is_empty() {
            return Ok(QueueOutcome::Refused(refused));
        }
        let payload = payload_of(draft)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (tenant_id, entity, operation, payload_json, idempotency_key, status,
                                 document_xero_id, created_at, updated_at)
             VALUES (?, 'Payment', 'create', ?, ?, 'queued', ?, ?, ?) RETURNING id",
        )
        .bind(tenant)
        .bind(payload.to_string())
        .bind(key)
        .bind(&draft.invoice_id)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let mut created = payload.clone();
        created["Status"] = json!("queued");
        audit::append(
            &mut tx,
            &[PendingAudit {
                table: "outbox",
                tenant_id: tenant.to_owned(),
                record_id: key.to_owned(),
                action: AuditAction::Insert,
                changes_json: audit::diff_fields(None, Some(&created)),
            }],
            &actor.to_string(),
            &at,
        )
        .await?;
        let row = fetch_existing(&mut tx, id).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(QueueOutcome::Queued(Box::new(row)))
    }

    /// One payment of the outbox.
    pub async fn outbox_payment(&self, id: i64) -> Result<Option<OutboxPayment>, StoreError> {
        let _timer = self.timed("outbox_payment");
        let mut conn = self.pool().acquire().await?;
        fetch_one(&mut conn, id).await
    }

    /// The outbox's payments, oldest first: an organisation's (or all), or one
    /// document's.
    pub async fn outbox_payments(
        &self,
        tenant: Option<&str>,
        invoice_id: Option<&str>,
    ) -> Result<Vec<OutboxPayment>, StoreError> {
        let _timer = self.timed("outbox_payments");
        let mut conn = self.pool().acquire().await?;
        let mut clause = String::from("1 = 1");
        let mut binds = Vec::new();
        if let Some(t) = tenant {
            clause.push_str(" AND o.tenant_id = ?");
            binds.push(t);
        }
        if let Some(i) = invoice_id {
            clause.push_str(" AND o.document_xero_id = ?");
            binds.push(i);
        }
        fetch_where(&mut conn, &clause, &binds).await
    }

    /// The accounts a payment may use: bank accounts and those enabled for
    /// payments, not archived, by name.
    pub async fn payment_accounts(&self, tenant: &str) -> Result<Vec<PaymentAccount>, StoreError> {
        let _timer = self.timed("payment_accounts");
        let rows = sqlx::query(
            "SELECT xero_id, code, name, type, currency_code FROM accounts
              WHERE tenant_id = ? AND COALESCE(status, '') <> 'ARCHIVED'
                AND (type = 'BANK' OR COALESCE(json_extract(raw_json, '$.EnablePaymentsToAccount'), 0) <> 0)
              ORDER BY name COLLATE NOCASE, xero_id",
        )
        .bind(tenant)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PaymentAccount {
                    account_id: r.try_get("xero_id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("type")?,
                    currency: r.try_get("currency_code")?,
                })
            })
            .collect()
    }

    /// Cancels a queued payment (audited). One already sending, unknown or
    /// done stays: Xero may hold it.
    pub async fn cancel_payment(
        &self,
        id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome, StoreError> {
        let _timer = self.timed("cancel_payment");
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let Some(p) = fetch_one(&mut tx, id).await? else {
            return Ok(CancelOutcome::NotFound);
        };
        if p.status != OutboxStatus::Queued {
            return Ok(CancelOutcome::NotQueued(Box::new(p)));
        }
        sqlx::query("UPDATE outbox SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'queued'")
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &[step(
                &p,
                json!({"Status": "queued"}),
                json!({"Status": "cancelled"}),
            )],
            &actor.to_string(),
            &at,
        )
        .await?;
        let after = fetch_existing(&mut tx, id).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(CancelOutcome::Cancelled(Box::new(after)))
    }

    /// The next request's payments for `tenant`, marked `sending` (with their
    /// audit rows) before anything leaves. A batch already sending (its answer
    /// never came: a crash, a lost connection) comes first, whole and with its
    /// own key; otherwise up to `max` queued payments, oldest first, become a
    /// batch keyed by its first payment's key. `None` when nothing waits.
    /// An `unknown` payment is never in a batch; rows an older build left
    /// `sending` as unknown become `unknown` first (see the module docs).
    pub async fn next_payment_batch(
        &self,
        tenant: &str,
        max: usize,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<PaymentBatch>, StoreError> {
        let _timer = self.timed("next_payment_batch");
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut audits = legacy_unknown_to_unknown(&mut tx, tenant, &at).await?;
        let sending = fetch_where(
            &mut tx,
            "o.tenant_id = ? AND o.status = 'sending'",
            &[tenant],
        )
        .await?;
        let (key, items, retry) = if let Some(first) = sending.first() {
            let key = first
                .batch_key
                .clone()
                .unwrap_or_else(|| first.idempotency_key.clone());
            let items: Vec<OutboxPayment> = sending
                .iter()
                .filter(|p| p.batch_key.as_deref() == Some(key.as_str()))
                .cloned()
                .collect();
            (key, items, true)
        } else {
            let mut queued = fetch_where(
                &mut tx,
                "o.tenant_id = ? AND o.status = 'queued'",
                &[tenant],
            )
            .await?;
            queued.truncate(max.max(1));
            let Some(first) = queued.first() else {
                if !audits.is_empty() {
                    audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
                    tx.commit().await?;
                    self.after_audited_commit().await;
                }
                return Ok(None);
            };
            (first.idempotency_key.clone(), queued, false)
        };
        audits.reserve(items.len());
        for p in &items {
            sqlx::query(
                "UPDATE outbox SET status = 'sending', batch_key = ?, attempts = attempts + 1, updated_at = ?
                  WHERE id = ?",
            )
            .bind(&key)
            .bind(&at)
            .bind(p.id)
            .execute(&mut *tx)
            .await?;
            audits.push(step(
                p,
                json!({"Status": p.status.as_str(), "Attempt": p.attempts, "BatchKey": p.batch_key}),
                json!({"Status": "sending", "Attempt": p.attempts + 1, "BatchKey": key, "BatchSize": items.len()}),
            ));
        }
        audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
        let mut marked = Vec::with_capacity(items.len());
        for p in &items {
            marked.extend(fetch_one(&mut tx, p.id).await?);
        }
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(Some(PaymentBatch {
            tenant_id: tenant.to_owned(),
            key,
            items: marked,
            retry,
        }))
    }

    /// The batch's request did not get an answer (the network, Xero down): it
    /// stays `sending`, to go again with the same key; `reason` is kept for
    /// the owner.
    pub async fn note_batch_unanswered(
        &self,
        tenant: &str,
        key: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed("note_batch_unanswered");
        sqlx::query(
            "UPDATE outbox SET last_error = ?, updated_at = ?
              WHERE tenant_id = ? AND batch_key = ? AND status = 'sending'",
        )
        .bind(reason)
        .bind(format_instant(now))
        .bind(tenant)
        .bind(key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Some payments of a batch whose first send got no answer, and whose
    /// retry Xero refused without a word on them: whether they were recorded
    /// is unknown. `sending` → `unknown` (never `failed`), with `reason` for
    /// the owner, audited, in one transaction; they are not sent again, and
    /// are settled from Xero's invoices ([`LedgerStore::unknown_payments`]).
    /// Returns the rows now unknown (a row of another batch, or no longer
    /// sending, is left as it is).
    pub async fn note_payments_unknown(
        &self,
        tenant: &str,
        key: &str,
        ids: &[i64],
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxPayment>, StoreError> {
        let _timer = self.timed("note_payments_unknown");
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut audits = Vec::with_capacity(ids.len());
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(p) = fetch_one(&mut tx, *id).await? else {
                continue;
            };
            if p.tenant_id != tenant
                || p.status != OutboxStatus::Sending
                || p.batch_key.as_deref() != Some(key)
            {
                continue;
            }
            sqlx::query(
                "UPDATE outbox SET status = 'unknown', last_error = ?, updated_at = ?
                  WHERE id = ? AND status = 'sending'",
            )
            .bind(reason)
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audits.push(step(
                &p,
                json!({"Status": "sending", "Error": p.last_error}),
                json!({"Status": "unknown", "Error": reason}),
            ));
            out.push(fetch_existing(&mut tx, *id).await?);
        }
        audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
        tx.commit().await?;
        if !audits.is_empty() {
            self.after_audited_commit().await;
        }
        Ok(out)
    }

    /// `tenant`'s payments whose outcome is unknown, oldest first: to be
    /// looked for on their invoices in Xero.
    pub async fn unknown_payments(&self, tenant: &str) -> Result<Vec<OutboxPayment>, StoreError> {
        let _timer = self.timed("unknown_payments");
        let mut conn = self.pool().acquire().await?;
        fetch_where(
            &mut conn,
            "o.tenant_id = ? AND o.status = 'unknown'",
            &[tenant],
        )
        .await
    }

    /// The Xero `PaymentID`s the outbox already holds for this document (its
    /// recorded payments): a payment on the invoice that is one of these is
    /// not the one an unknown row is looking for.
    pub async fn claimed_payment_ids(
        &self,
        tenant: &str,
        invoice_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let _timer = self.timed("claimed_payment_ids");
        Ok(sqlx::query_scalar(
            "SELECT xero_id FROM outbox
              WHERE tenant_id = ? AND document_xero_id = ? AND entity = 'Payment'
                AND xero_id IS NOT NULL ORDER BY id",
        )
        .bind(tenant)
        .bind(invoice_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A batch sent once and refused outright before Xero recorded anything
    /// (the sign-in may not record payments): back to `queued`, without its
    /// key, with `reason`, audited; it goes again once Xero allows it.
    pub async fn return_batch_to_queue(
        &self,
        tenant: &str,
        key: &str,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxPayment>, StoreError> {
        let _timer = self.timed("return_batch_to_queue");
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let rows = fetch_where(
            &mut tx,
            "o.tenant_id = ? AND o.batch_key = ? AND o.status = 'sending'",
            &[tenant, key],
        )
        .await?;
        let mut audits = Vec::with_capacity(rows.len());
        let mut out = Vec::with_capacity(rows.len());
        for p in &rows {
            sqlx::query(
                "UPDATE outbox SET status = 'queued', batch_key = NULL, last_error = ?, updated_at = ?
                  WHERE id = ?",
            )
            .bind(reason)
            .bind(&at)
            .bind(p.id)
            .execute(&mut *tx)
            .await?;
            audits.push(step(
                p,
                json!({"Status": "sending", "BatchKey": key, "Error": null}),
                json!({"Status": "queued", "BatchKey": null, "Error": reason}),
            ));
            out.extend(fetch_one(&mut tx, p.id).await?);
        }
        audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(out)
    }

    /// Settles a batch with Xero's answer, in one transaction: each recorded
    /// payment's record (and `invoices`, the documents as Xero now holds them)
    /// into the ledger with their audit rows, without moving the sync's
    /// watermarks; each outbox row `recorded` (with its PaymentID) or `failed`
    /// (with Xero's messages), audited. `results` pairs outbox ids with their
    /// answers. A row of the batch that is `unknown` is settled by a recorded
    /// result (found on its invoice) and left unknown by a refusal. Returns
    /// the settled payments.
    pub async fn settle_payment_batch(
        &self,
        tenant: &str,
        key: &str,
        results: &[(i64, ItemResult)],
        invoices: Vec<Value>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxPayment>, StoreError> {
        let _timer = self.timed("settle_payment_batch");
        let at = format_instant(now);
        let recorded: Vec<Value> = results
            .iter()
            .filter_map(|(_, r)| match r {
                ItemResult::Recorded(v) => Some(v.clone()),
                ItemResult::Refused(_) => None,
            })
            .collect();
        let payments = XeroRecord::<Payment>::page_from_value(Value::Array(recorded))?;
        let invoices = XeroRecord::<Invoice>::page_from_value(Value::Array(invoices))?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        apply_records_in(&mut tx, tenant, &payments, actor, now, false).await?;
        apply_records_in(&mut tx, tenant, &invoices, actor, now, false).await?;
        let mut audits = Vec::with_capacity(results.len());
        let mut settled = Vec::with_capacity(results.len());
        for (id, result) in results {
            let Some(p) = fetch_one(&mut tx, *id).await? else {
                continue;
            };
            let open = matches!(p.status, OutboxStatus::Sending | OutboxStatus::Unknown);
            let refused = matches!(result, ItemResult::Refused(_));
            if !open
                || p.batch_key.as_deref() != Some(key)
                || (p.status == OutboxStatus::Unknown && refused)
            {
                // Settled already (an answer applied twice), or unknown and
                // not found in Xero (never failed by itself): leave it.
                settled.push(p);
                continue;
            }
            let was = p.status.as_str();
            let (status, pid, reason, errors, old, new) = match result {
                ItemResult::Recorded(payment) => {
                    let pid = payment["PaymentID"].as_str().unwrap_or_default().to_owned();
                    let new = json!({"Status": "recorded", "PaymentID": pid});
                    let old = json!({"Status": was, "PaymentID": null});
                    ("recorded", Some(pid), None, None, old, new)
                }
                ItemResult::Refused(errors) => {
                    let reason = errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let new = json!({"Status": "failed", "Error": reason});
                    let old = json!({"Status": was, "Error": null});
                    (
                        "failed",
                        None,
                        Some(reason),
                        Some(errors_json(errors)),
                        old,
                        new,
                    )
                }
            };
            sqlx::query(
                "UPDATE outbox SET status = ?, xero_id = ?, last_error = ?, errors_json = ?,
                        updated_at = ? WHERE id = ?",
            )
            .bind(status)
            .bind(pid)
            .bind(reason)
            .bind(errors)
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audits.push(step(&p, old, new));
            settled.extend(fetch_one(&mut tx, *id).await?);
        }
        audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(settled)
    }
}

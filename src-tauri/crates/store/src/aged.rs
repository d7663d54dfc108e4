//! Facts for the aged reports: a control account's balance at a date from
//! the rebuilt general ledger, split into what receivable and payable
//! documents posted there and what else did; and the documents themselves,
//! as each rebuild keeps them ([`AgedCopy`]): the ageing rule's reading of
//! every receivable and payable document that posted, and every settlement.

use ledgerkeep_domain::{Money, XeroDate};
use ledgerkeep_ledger::{AgedDocument, AgedKind, Settlement, Side};
use rust_decimal::Decimal;
use sqlx::{Row, SqliteConnection};

use crate::general_ledger::{batch_sizes, insert_sql, Arguments};
use crate::{LedgerStore, StoreError};

/// The aged reports' documents as a rebuild of the general ledger kept
/// them, or as read for a day: each document with the day from which it has
/// nothing outstanding for good ([`ledgerkeep_ledger::settled_from`]), and
/// the settlements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgedCopy {
    pub documents: Vec<(AgedDocument, Option<XeroDate>)>,
    pub settlements: Vec<Settlement>,
}

fn kind_name(kind: AgedKind) -> &'static str {
    match kind {
        AgedKind::Invoice => "invoice",
        AgedKind::CreditNote => "credit_note",
        AgedKind::Overpayment => "overpayment",
        AgedKind::Prepayment => "prepayment",
    }
}

fn kind_of(name: &str) -> Result<AgedKind, StoreError> {
    Ok(match name {
        "invoice" => AgedKind::Invoice,
        "credit_note" => AgedKind::CreditNote,
        "overpayment" => AgedKind::Overpayment,
        "prepayment" => AgedKind::Prepayment,
        other => {
            return Err(StoreError::Data(format!(
                "an aged document's kind {other:?}"
            )))
        }
    })
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Receivable => "receivable",
        Side::Payable => "payable",
    }
}

fn side_of(name: &str) -> Result<Side, StoreError> {
    match name {
        "receivable" => Ok(Side::Receivable),
        "payable" => Ok(Side::Payable),
        other => Err(StoreError::Data(format!(
            "an aged document's side {other:?}"
        ))),
    }
}

fn date_of(text: &str) -> Result<XeroDate, StoreError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(XeroDate)
        .map_err(|_| StoreError::Data(format!("an aged document's date {text:?}")))
}

fn amount_of(text: &str) -> Result<Decimal, StoreError> {
    Ok(Money::parse(text)
        .map_err(StoreError::value("an amount"))?
        .as_decimal())
}

/// Rows a multi-row `INSERT` takes at once (SQLite allows 32,766 values).
const AGED_BATCH: usize = 512;

/// Replaces the organisation's kept copy, inside the rebuild's transaction.
pub(crate) async fn write_aged_copy(
    conn: &mut SqliteConnection,
    tenant_id: &str,
    copy: &AgedCopy,
) -> Result<(), StoreError> {
    for table in ["gl_aged_documents", "gl_aged_settlements"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = ?"))
            .bind(tenant_id)
            .execute(&mut *conn)
            .await?;
    }
    let mut documents = copy.documents.iter();
    for n in batch_sizes(copy.documents.len(), AGED_BATCH) {
        let sql = insert_sql(
            "INSERT INTO gl_aged_documents (tenant_id, xero_id, kind, side, number, contact_id, \
             contact_name, date, due_date, currency, rate, total, booked, in_control, \
             settled_from)",
            15,
            n,
        );
        let mut args = Arguments::new(n * 15);
        for (d, from) in documents.by_ref().take(n) {
            args.add(tenant_id.to_owned())?;
            args.add(d.id.clone())?;
            args.add(kind_name(d.kind))?;
            args.add(side_name(d.side))?;
            args.add(d.number.clone())?;
            args.add(d.contact_id.clone())?;
            args.add(d.contact_name.clone())?;
            args.add(d.date.0.to_string())?;
            args.add(d.due_date.0.to_string())?;
            args.add(d.currency.clone())?;
            args.add(d.rate.map(|r| r.to_string()))?;
            args.add(d.total.to_string())?;
            args.add(d.booked.to_string())?;
            args.add(i64::from(d.in_control))?;
            args.add(from.map(|f| f.0.to_string()))?;
        }
        sqlx::query_with(&sql, args.0).execute(&mut *conn).await?;
    }
    let mut settlements = copy.settlements.iter();
    for n in batch_sizes(copy.settlements.len(), AGED_BATCH) {
        let sql = insert_sql(
            "INSERT INTO gl_aged_settlements (tenant_id, document_id, settlement_id, date, amount)",
            5,
            n,
        );
        let mut args = Arguments::new(n * 5);
        for s in settlements.by_ref().take(n) {
            args.add(tenant_id.to_owned())?;
            args.add(s.document_id.clone())?;
            args.add(s.settlement_id.clone())?;
            args.add(s.date.0.to_string())?;
            args.add(s.amount.to_string())?;
        }
        sqlx::query_with(&sql, args.0).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A control account's lines dated on or before a day, summed exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControlBalance {
    /// The lines that documents posted in their control role (invoices,
    /// credit notes, overpayments, their payments and allocations), debit
    /// positive.
    pub documents: Decimal,
    /// Every other line on the account (a manual journal, a bank
    /// transaction coded to it), debit positive.
    pub other: Decimal,
    /// How many lines make `other`.
    pub other_lines: u64,
}

impl ControlBalance {
    /// The account's balance, debit positive; `None` when it overflows.
    pub fn balance(&self) -> Option<Decimal> {
        self.documents.checked_add(self.other)
    }
}

impl LedgerStore {
    /// The rebuilt ledger's lines on the account `account_xero_id` (or, for a
    /// line whose account is not in the chart, `account_code`) dated on or
    /// before `as_at` (`YYYY-MM-DD`).
    pub async fn control_balance(
        &self,
        tenant_id: &str,
        account_xero_id: Option<&str>,
        account_code: Option<&str>,
        as_at: &str,
    ) -> Result<ControlBalance, StoreError> {
        let _timer = self.timed("control_balance");
        let rows = sqlx::query(
            "SELECT l.role, l.net_amount FROM gl_entries e JOIN gl_lines l ON l.parent_id = e.id \
             WHERE e.tenant_id = ?1 AND e.date <= ?2 \
             AND (l.account_xero_id = ?3 OR (l.account_xero_id IS NULL AND l.account_code = ?4))",
        )
        .bind(tenant_id)
        .bind(as_at)
        .bind(account_xero_id)
        .bind(account_code)
        .fetch_all(self.pool())
        .await?;
        let overflow = || StoreError::Data("a control account's balance overflows".to_owned());
        let mut out = ControlBalance::default();
        for r in rows {
            let role: String = r.try_get("role")?;
            let text: String = r.try_get("net_amount")?;
            let net = Money::parse(&text)
                .map_err(StoreError::value("an amount"))?
                .as_decimal();
            if role == "control" {
                out.documents = out.documents.checked_add(net).ok_or_else(overflow)?;
            } else {
                out.other = out.other.checked_add(net).ok_or_else(overflow)?;
                out.other_lines += 1;
            }
        }
        Ok(out)
    }
}

impl LedgerStore {
    /// What may be outstanding at the end of `as_at` (`YYYY-MM-DD`), from
    /// the copy the last rebuild of the general ledger kept: the documents
    /// not settled for good by then, and their settlements dated on or
    /// before it. `None` when no rebuild has kept a copy (a ledger rebuilt
    /// before the copy existed, or never rebuilt).
    pub async fn aged_open_at(
        &self,
        tenant_id: &str,
        as_at: &str,
    ) -> Result<Option<AgedCopy>, StoreError> {
        let _timer = self.timed("aged_open_at");
        // One read, so that a rebuild committing between two reads cannot
        // pair one copy's flag, documents and settlements with another's.
        let mut tx = self.pool().begin().await?;
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT aged_kept FROM gl_state WHERE tenant_id = ?")
                .bind(tenant_id)
                .fetch_optional(&mut *tx)
                .await?;
        if kept != Some(1) {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT xero_id, kind, side, number, contact_id, contact_name, date, due_date, \
             currency, rate, total, booked, in_control, settled_from FROM gl_aged_documents \
             WHERE tenant_id = ?1 AND settled_from IS NULL \
             UNION ALL SELECT xero_id, kind, side, number, contact_id, contact_name, date, \
             due_date, currency, rate, total, booked, in_control, settled_from \
             FROM gl_aged_documents WHERE tenant_id = ?1 AND settled_from > ?2",
        )
        .bind(tenant_id)
        .bind(as_at)
        .fetch_all(&mut *tx)
        .await?;
        let mut documents = Vec::with_capacity(rows.len());
        for r in rows {
            let rate: Option<String> = r.try_get("rate")?;
            let from: Option<String> = r.try_get("settled_from")?;
            documents.push((
                AgedDocument {
                    id: r.try_get("xero_id")?,
                    kind: kind_of(r.try_get("kind")?)?,
                    side: side_of(r.try_get("side")?)?,
                    number: r.try_get("number")?,
                    contact_id: r.try_get("contact_id")?,
                    contact_name: r.try_get("contact_name")?,
                    date: date_of(r.try_get("date")?)?,
                    due_date: date_of(r.try_get("due_date")?)?,
                    currency: r.try_get("currency")?,
                    rate: rate.as_deref().map(amount_of).transpose()?,
                    total: amount_of(r.try_get("total")?)?,
                    booked: amount_of(r.try_get("booked")?)?,
                    in_control: r.try_get::<i64, _>("in_control")? != 0,
                },
                from.as_deref().map(date_of).transpose()?,
            ));
        }
        let rows = sqlx::query(
            "SELECT s.document_id, s.settlement_id, s.date, s.amount FROM gl_aged_settlements s \
             WHERE s.tenant_id = ?1 AND s.date <= ?2 AND s.document_id IN ( \
                 SELECT xero_id FROM gl_aged_documents WHERE tenant_id = ?1 AND settled_from IS NULL \
                 UNION ALL SELECT xero_id FROM gl_aged_documents WHERE tenant_id = ?1 \
                 AND settled_from > ?2)",
        )
        .bind(tenant_id)
        .bind(as_at)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut settlements = Vec::with_capacity(rows.len());
        for r in rows {
            settlements.push(Settlement {
                document_id: r.try_get("document_id")?,
                settlement_id: r.try_get("settlement_id")?,
                date: date_of(r.try_get("date")?)?,
                amount: amount_of(r.try_get("amount")?)?,
            });
        }
        Ok(Some(AgedCopy {
            documents,
            settlements,
        }))
    }
}

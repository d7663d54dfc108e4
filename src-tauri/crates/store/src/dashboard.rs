//! The facts the Dashboard reads that no other listing gives: where the audit
//! chain stands (a "last look" is kept as its sequence number, so what
//! changed since is a range of the chain's primary key, never a scan by
//! time), what changed after such a point, the bills falling due in a few
//! days, and when the organisation last synced whole.

use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// What the ledger took in after a point of the audit chain, for one
/// organisation. Counts of records, each counted once however often it
/// changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangesSince {
    /// Sales invoices (`ACCREC`) first seen.
    pub new_sales_invoices: u64,
    /// Bills (`ACCPAY`) first seen.
    pub new_bills: u64,
    /// Payments on sales invoices (`ACCRECPAYMENT`) first seen.
    pub payments_received: u64,
    /// Every record added, changed or removed.
    pub records_changed: u64,
}

/// A bill still to pay, as Xero last said (its `AmountDue` text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillDue {
    pub xero_id: String,
    pub currency_code: Option<String>,
    pub due_date: String,
    pub amount_due: Option<String>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl LedgerStore {
    /// The audit chain's last sequence number (0 when it is empty).
    pub async fn audit_head_seq(&self) -> Result<i64, StoreError> {
        let _timer = self.timed("audit_head_seq");
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// What `tenant_id`'s audit rows after `after_seq` record: read over the
    /// chain's key from that point on, so a later look reads only what is new.
    pub async fn changes_since(
        &self,
        tenant_id: &str,
        after_seq: i64,
    ) -> Result<ChangesSince, StoreError> {
        let _timer = self.timed("changes_since");
        let row = sqlx::query(
            "SELECT COUNT(DISTINCT a.table_name || '/' || a.record_id) AS changed, \
             COUNT(DISTINCT CASE WHEN a.action = 'insert' AND a.table_name = 'invoices' \
               AND i.type = 'ACCREC' THEN a.record_id END) AS sales, \
             COUNT(DISTINCT CASE WHEN a.action = 'insert' AND a.table_name = 'invoices' \
               AND i.type = 'ACCPAY' THEN a.record_id END) AS bills, \
             COUNT(DISTINCT CASE WHEN a.action = 'insert' AND a.table_name = 'payments' \
               AND p.payment_type = 'ACCRECPAYMENT' THEN a.record_id END) AS received \
             FROM audit_log a \
             LEFT JOIN invoices i ON a.table_name = 'invoices' \
               AND i.tenant_id = a.tenant_id AND i.xero_id = a.record_id \
             LEFT JOIN payments p ON a.table_name = 'payments' \
               AND p.tenant_id = a.tenant_id AND p.xero_id = a.record_id \
             WHERE a.seq > ? AND a.tenant_id = ?",
        )
        .bind(after_seq)
        .bind(tenant_id)
        .fetch_one(self.pool())
        .await?;
        Ok(ChangesSince {
            records_changed: count(row.try_get("changed")?),
            new_sales_invoices: count(row.try_get("sales")?),
            new_bills: count(row.try_get("bills")?),
            payments_received: count(row.try_get("received")?),
        })
    }

    /// Approved bills with something still due, due from `from` to `to`
    /// (inclusive, `YYYY-MM-DD`), by due date (through the due-date index).
    pub async fn bills_due_between(
        &self,
        tenant_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<BillDue>, StoreError> {
        let _timer = self.timed("bills_due_between");
        let rows = sqlx::query(
            "SELECT xero_id, currency_code, due_date, amount_due FROM invoices \
             WHERE tenant_id = ? AND due_date >= ? AND due_date <= ? \
             AND type = 'ACCPAY' AND status = 'AUTHORISED' \
             AND amount_due_e4 IS NOT 0 ORDER BY due_date, id",
        )
        .bind(tenant_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BillDue {
                    xero_id: r.try_get("xero_id")?,
                    currency_code: r.try_get("currency_code")?,
                    due_date: r.try_get("due_date")?,
                    amount_due: r.try_get("amount_due")?,
                })
            })
            .collect()
    }

    /// When the organisation's newest successful sync run finished (an
    /// RFC 3339 instant), if one did.
    pub async fn last_successful_sync(
        &self,
        tenant_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let _timer = self.timed("last_successful_sync");
        Ok(sqlx::query_scalar(
            "SELECT finished_at FROM sync_runs WHERE tenant_id = ? AND status = 'ok' \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }
}

//! Facts for the aged reports: a control account's balance at a date from
//! the rebuilt general ledger, split into what receivable and payable
//! documents posted there and what else did. The documents themselves come
//! from [`LedgerStore::documents_to_post`].

use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

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

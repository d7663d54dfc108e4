//! What the cash-basis profit and loss reads: the rebuilt general ledger's
//! lines with their source and role, as kept. The rule that dates them as
//! the cash basis counts them is `ledgerkeep_ledger::cash_basis`; the
//! payments and allocations it needs are [`LedgerStore::settlements`].

use ledgerkeep_domain::Money;
use sqlx::Row;

use crate::general_ledger::GlLine;
use crate::{LedgerStore, StoreError};

/// The `SourceType`s whose lines the cash basis counts when the document is
/// settled, whatever their date: an invoice, bill or credit note can be
/// settled before the end of a period it is dated after.
const SETTLED_SOURCES: &str = "('ACCREC', 'ACCPAY', 'ACCRECCREDIT', 'ACCPAYCREDIT')";

impl LedgerStore {
    /// The manual journals the owner left off cash-basis reports (Xero's
    /// `ShowOnCashBasisReports` false), by id in lower case.
    pub async fn manual_journals_off_cash_basis(
        &self,
        tenant_id: &str,
    ) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let _timer = self.timed("manual_journals_off_cash_basis");
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT lower(xero_id) FROM manual_journals WHERE tenant_id = ? \
             AND json_extract(raw_json, '$.ShowOnCashBasisReports') = 0",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// Every line of the organisation's rebuilt ledger dated on or before
    /// `to` (`YYYY-MM-DD`), and every line of its invoices, bills and credit
    /// notes whatever their date, by date, entry and position.
    pub async fn general_ledger_lines_to(
        &self,
        tenant_id: &str,
        to: &str,
    ) -> Result<Vec<GlLine>, StoreError> {
        let _timer = self.timed("general_ledger_lines_to");
        let rows = sqlx::query(&format!(
            "SELECT j.date, j.reference, j.source_xero_id, j.source_type, l.line_xero_id, \
             l.role, l.account_xero_id, l.account_code, l.account_type, l.account_name, \
             l.description, l.net_amount, l.tax_type, l.currency_code, l.foreign_amount, \
             l.tracking_json \
             FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id \
             WHERE j.tenant_id = ? AND (j.date <= ? OR j.source_type IN {SETTLED_SOURCES}) \
             ORDER BY j.date, j.id, l.position"
        ))
        .bind(tenant_id)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let money = |text: String| Money::parse(&text).map_err(StoreError::value("an amount"));
        rows.iter()
            .map(|r| {
                Ok(GlLine {
                    date: r.try_get("date")?,
                    reference: r.try_get("reference")?,
                    source_xero_id: r.try_get("source_xero_id")?,
                    source_type: r.try_get("source_type")?,
                    line_xero_id: r.try_get("line_xero_id")?,
                    role: r.try_get("role")?,
                    account_xero_id: r.try_get("account_xero_id")?,
                    account_code: r.try_get("account_code")?,
                    account_type: r.try_get("account_type")?,
                    account_name: r.try_get("account_name")?,
                    description: r.try_get("description")?,
                    net: money(r.try_get("net_amount")?)?,
                    tax_type: r.try_get("tax_type")?,
                    currency_code: r.try_get("currency_code")?,
                    foreign_amount: r
                        .try_get::<Option<String>, _>("foreign_amount")?
                        .map(money)
                        .transpose()?,
                    tracking_json: r.try_get("tracking_json")?,
                })
            })
            .collect()
    }
}

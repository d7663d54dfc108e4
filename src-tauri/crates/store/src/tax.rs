//! What the tax summary reads: the lines of the documents dated in a period,
//! with their document's type, status, `LineAmountTypes` and currency, and
//! the organisation's tax rates. Facts only: which lines count, and how,
//! is `ledgerkeep_ledger::tax_summary`'s.

use std::str::FromStr;

use ledgerkeep_ledger::tax_summary::{TaxDocument, TaxLine};
use rust_decimal::Decimal;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// The document tables whose lines carry tax, with their lines' tables.
const TAX_TABLES: [(TaxDocument, &str, &str); 5] = [
    (TaxDocument::Invoice, "invoices", "invoice_lines"),
    (TaxDocument::CreditNote, "credit_notes", "credit_note_lines"),
    (
        TaxDocument::BankTransaction,
        "bank_transactions",
        "bank_transaction_lines",
    ),
    (
        TaxDocument::Overpayment,
        "overpayments",
        "overpayment_lines",
    ),
    (TaxDocument::Prepayment, "prepayments", "prepayment_lines"),
];

/// A tax rate of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRateInfo {
    /// Xero's `TaxType`, the key document lines name.
    pub tax_type: String,
    pub name: Option<String>,
    /// A percentage, as Xero sent it.
    pub effective_rate: Option<String>,
    pub status: Option<String>,
    /// Xero's `ReportTaxType` (`OUTPUT`, `INPUT`, `NONE`...).
    pub report_tax_type: Option<String>,
}

fn decimal(text: Option<String>) -> Result<Option<Decimal>, StoreError> {
    text.as_deref()
        .map(|t| Decimal::from_str(t.trim()))
        .transpose()
        .map_err(StoreError::value("an amount"))
}

impl LedgerStore {
    /// Every line of every invoice, credit note, bank transaction,
    /// overpayment and prepayment dated from `from` to `to` (inclusive,
    /// `YYYY-MM-DD`), whatever its status, by document kind, date and line.
    /// `foreign` says whether the document's currency differs from the
    /// organisation's base currency.
    pub async fn tax_lines(
        &self,
        tenant_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<TaxLine>, StoreError> {
        let _timer = self.timed("tax_lines");
        let base: Option<String> = sqlx::query_scalar(
            "SELECT base_currency FROM organisations WHERE tenant_id = ? ORDER BY id LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .flatten();
        let mut out = Vec::new();
        for (document, table, lines) in TAX_TABLES {
            let rows = sqlx::query(&format!(
                "SELECT d.xero_id, d.type, d.status, d.line_amount_types, d.currency_code, \
                 d.currency_rate, l.tax_type, l.line_amount, l.tax_amount \
                 FROM {table} d JOIN {lines} l ON l.parent_id = d.id \
                 WHERE d.tenant_id = ? AND d.date >= ? AND d.date <= ? \
                 ORDER BY d.date, d.id, l.position"
            ))
            .bind(tenant_id)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
            for r in rows {
                let currency: Option<String> = r.try_get("currency_code")?;
                out.push(TaxLine {
                    document,
                    document_id: r.try_get("xero_id")?,
                    doc_type: r.try_get("type")?,
                    status: r.try_get("status")?,
                    line_amount_types: r.try_get("line_amount_types")?,
                    foreign: matches!((&currency, &base), (Some(c), Some(b)) if c != b),
                    currency_rate: decimal(r.try_get("currency_rate")?)?,
                    tax_type: r.try_get("tax_type")?,
                    line_amount: decimal(r.try_get("line_amount")?)?,
                    tax_amount: decimal(r.try_get("tax_amount")?)?,
                });
            }
        }
        Ok(out)
    }

    /// The organisation's tax rates, by name.
    pub async fn tax_rate_names(&self, tenant_id: &str) -> Result<Vec<TaxRateInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT xero_id, name, effective_rate, status, report_tax_type FROM tax_rates WHERE tenant_id = ? \
             ORDER BY name, xero_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TaxRateInfo {
                    tax_type: r.try_get("xero_id")?,
                    name: r.try_get("name")?,
                    effective_rate: r.try_get("effective_rate")?,
                    status: r.try_get("status")?,
                    report_tax_type: r.try_get("report_tax_type")?,
                })
            })
            .collect()
    }
}

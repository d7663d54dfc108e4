//! The general ledger's entries for what Xero's API cannot show (payroll,
//! depreciation, revaluation, opening balances), kept beside the entries the
//! documents post: `gl_entries` of source type [`NOT_VISIBLE_SOURCE`], one
//! per date, each line naming its kind in `description` and role
//! `notVisible`. `ledgerkeep-ledger` decides the lines; this module reads
//! the facts it needs and writes them. Facts only, no rules.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// The source type of the entries kept for what the API cannot show.
pub const NOT_VISIBLE_SOURCE: &str = "NOTVISIBLE";

/// The role of their lines.
pub const NOT_VISIBLE_ROLE: &str = "notVisible";

/// One line to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotVisibleRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub account_xero_id: String,
    pub account_code: Option<String>,
    pub account_type: Option<String>,
    pub account_name: Option<String>,
    /// `payroll`, `depreciation`, `revaluation` or `opening`.
    pub kind: String,
    /// Debit positive, in the base currency.
    pub amount: Decimal,
}

impl LedgerStore {
    /// The rebuilt ledger's movement per account and month (`YYYY-MM`) of the
    /// accounts `ids`, from the documents only (not the entries kept for what
    /// the API cannot show). Summed exactly in Rust.
    pub async fn document_movements_of(
        &self,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<BTreeMap<(String, String), Decimal>, StoreError> {
        let _timer = self.timed("document_movements_of");
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let ids_json =
            serde_json::to_string(ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT substr(e.date, 1, 7) AS month, l.account_xero_id AS account, l.net_amount \
             FROM gl_lines l JOIN gl_entries e ON e.id = l.parent_id \
             WHERE l.account_xero_id IN (SELECT value FROM json_each(?)) \
             AND e.tenant_id = ? AND e.source_type != ? AND e.date IS NOT NULL",
        )
        .bind(ids_json)
        .bind(tenant_id)
        .bind(NOT_VISIBLE_SOURCE)
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let month: String = r.try_get("month")?;
            let account: String = r.try_get("account")?;
            let text: String = r.try_get("net_amount")?;
            let amount: Decimal = text.parse().map_err(|_| {
                StoreError::Invalid(format!("a ledger amount is not a number: {text}"))
            })?;
            let sum = out.entry((account, month)).or_default();
            *sum = sum.checked_add(amount).ok_or_else(|| {
                StoreError::Invalid("an account's movement is too large to add up".to_owned())
            })?;
        }
        Ok(out)
    }

    /// Replaces the organisation's entries for what the API cannot show with
    /// `rows` (one entry per date), in one transaction, keeping the monthly
    /// totals of the months and accounts they touch, before and after.
    pub async fn replace_not_visible(
        &self,
        tenant_id: &str,
        rows: &[NotVisibleRow],
    ) -> Result<(), StoreError> {
        let _timer = self.timed("replace_not_visible");
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // What the old entries touched, so that its totals are made again.
        let mut touched: BTreeSet<(String, String)> = sqlx::query(
            "SELECT DISTINCT substr(e.date, 1, 7) AS month, \
             COALESCE(l.account_xero_id, l.account_code, '') AS account \
             FROM gl_entries e JOIN gl_lines l ON l.parent_id = e.id \
             WHERE e.tenant_id = ? AND e.source_type = ?",
        )
        .bind(tenant_id)
        .bind(NOT_VISIBLE_SOURCE)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("month")?, r.try_get("account")?)))
        .collect::<Result<_, StoreError>>()?;
        sqlx::query(
            "DELETE FROM gl_lines WHERE parent_id IN \
             (SELECT id FROM gl_entries WHERE tenant_id = ? AND source_type = ?)",
        )
        .bind(tenant_id)
        .bind(NOT_VISIBLE_SOURCE)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM gl_entries WHERE tenant_id = ? AND source_type = ?")
            .bind(tenant_id)
            .bind(NOT_VISIBLE_SOURCE)
            .execute(&mut *tx)
            .await?;
        let mut by_date: BTreeMap<&str, Vec<&NotVisibleRow>> = BTreeMap::new();
        for r in rows {
            by_date.entry(r.date.as_str()).or_default().push(r);
        }
        for (date, lines) in by_date {
            let key = format!("notvisible@{date}");
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO gl_entries (tenant_id, xero_id, date, reference, source_xero_id, source_type) \
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(tenant_id)
            .bind(&key)
            .bind(date)
            .bind("Not visible through Xero's API")
            .bind(&key)
            .bind(NOT_VISIBLE_SOURCE)
            .fetch_one(&mut *tx)
            .await?;
            for (position, l) in lines.iter().enumerate() {
                let e4 = ledgerkeep_domain::Money::new(l.amount).to_e4();
                sqlx::query(
                    "INSERT INTO gl_lines (parent_id, position, line_xero_id, role, account_xero_id, \
                     account_code, account_type, account_name, description, net_amount, net_amount_e4) \
                     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(NOT_VISIBLE_ROLE)
                .bind(&l.account_xero_id)
                .bind(&l.account_code)
                .bind(&l.account_type)
                .bind(&l.account_name)
                .bind(&l.kind)
                .bind(l.amount.to_string())
                .bind(e4)
                .execute(&mut *tx)
                .await?;
                touched.insert((
                    date.get(..7).unwrap_or(date).to_owned(),
                    l.account_xero_id.clone(),
                ));
            }
        }
        for (month, account) in &touched {
            sqlx::query(
                "DELETE FROM gl_month_totals WHERE tenant_id = ? AND month = ? AND account = ?",
            )
            .bind(tenant_id)
            .bind(month)
            .bind(account)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO gl_month_totals (tenant_id, month, account, account_code, account_name, \
                 account_type, lines, lines_e4, debit_e4, credit_e4) \
                 SELECT ?1, ?2, ?3, MIN(l.account_code), MIN(l.account_name), MIN(l.account_type), \
                 COUNT(*), COUNT(l.net_amount_e4), \
                 SUM(CASE WHEN l.net_amount_e4 > 0 THEN l.net_amount_e4 ELSE 0 END), \
                 SUM(CASE WHEN l.net_amount_e4 < 0 THEN -l.net_amount_e4 ELSE 0 END) \
                 FROM gl_entries e JOIN gl_lines l ON l.parent_id = e.id \
                 WHERE e.tenant_id = ?1 AND substr(e.date, 1, 7) = ?2 \
                 AND COALESCE(l.account_xero_id, l.account_code, '') = ?3 \
                 HAVING COUNT(*) > 0",
            )
            .bind(tenant_id)
            .bind(month)
            .bind(account)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The lines kept for what the API cannot show, dated from `from` (when
    /// given) to `to` (`YYYY-MM-DD`, inclusive), summed by kind and account:
    /// `(kind, account code, account name, amount)`, by kind then code.
    pub async fn not_visible_between(
        &self,
        tenant_id: &str,
        from: Option<&str>,
        to: &str,
    ) -> Result<Vec<(String, Option<String>, Option<String>, Decimal)>, StoreError> {
        let _timer = self.timed("not_visible_between");
        let rows = sqlx::query(
            "SELECT l.description AS kind, l.account_code, l.account_name, l.net_amount \
             FROM gl_entries e JOIN gl_lines l ON l.parent_id = e.id \
             WHERE e.tenant_id = ? AND e.source_type = ? AND e.date <= ? AND (? IS NULL OR e.date >= ?) \
             ORDER BY l.description, l.account_code",
        )
        .bind(tenant_id)
        .bind(NOT_VISIBLE_SOURCE)
        .bind(to)
        .bind(from)
        .bind(from)
        .fetch_all(self.pool())
        .await?;
        let mut sums: BTreeMap<(String, Option<String>, Option<String>), Decimal> = BTreeMap::new();
        for r in rows {
            let text: String = r.try_get("net_amount")?;
            let amount: Decimal = text.parse().map_err(|_| {
                StoreError::Invalid(format!("a ledger amount is not a number: {text}"))
            })?;
            let key = (
                r.try_get::<Option<String>, _>("kind")?.unwrap_or_default(),
                r.try_get("account_code")?,
                r.try_get("account_name")?,
            );
            let sum = sums.entry(key).or_default();
            *sum = sum.checked_add(amount).ok_or_else(|| {
                StoreError::Invalid("an account's movement is too large to add up".to_owned())
            })?;
        }
        Ok(sums
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|((k, c, n), v)| (k, c, n, v))
            .collect())
    }

    /// The ids of the accounts that some document's lines post to in the
    /// organisation's rebuilt ledger.
    pub async fn accounts_with_documents(
        &self,
        tenant_id: &str,
    ) -> Result<BTreeSet<String>, StoreError> {
        let _timer = self.timed("accounts_with_documents");
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT l.account_xero_id FROM gl_lines l JOIN gl_entries e ON e.id = l.parent_id \
             WHERE e.tenant_id = ? AND e.source_type != ? AND l.account_xero_id IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(NOT_VISIBLE_SOURCE)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect())
    }
}

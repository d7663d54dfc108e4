//! What the financial reports read: account movements from the general
//! ledger (rebuilt from the documents: `general_ledger`), the chart of accounts, the organisation's year
//! end, the lines behind a figure (keyset-paginated), and outstanding invoices
//! and bills for the aged reports.
//!
//! Every sum is exact: SQLite sums the amounts' integer form (ten-thousandths,
//! `*_e4`), which it does exactly or not at all (an overflow is an error), and
//! where a line has no such form the amounts' text is summed as `Decimal` in
//! Rust instead. A journal line's `NetAmount` is positive for a debit and
//! negative for a credit; each journal balances.

use std::collections::BTreeMap;

use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::apply::bind_value;
use crate::rows::SqlValue;
use crate::{LedgerStore, StoreError};

/// An account of the chart, with what the reports need of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// How the reports key the account: its Xero id (journal lines name it).
    pub key: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub account_type: Option<String>,
    pub class: Option<AccountClass>,
    pub status: Option<String>,
    pub currency_code: Option<String>,
}

pub use ledgerkeep_ledger::AccountMovement;

/// A period of the general ledger: journals dated from `from` (inclusive;
/// `None` = since the beginning) to `to` (inclusive), `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPeriod {
    pub from: Option<String>,
    pub to: String,
}

/// The organisation's settings the reports depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingOrganisation {
    pub name: Option<String>,
    pub base_currency: Option<String>,
    pub financial_year_end_day: Option<u32>,
    pub financial_year_end_month: Option<u32>,
    /// Xero's `CountryCode`.
    pub country_code: Option<String>,
    /// Xero's `SalesTaxBasis` (`INVOICE`, `PAYMENTS`, `ACCRUALS`...).
    pub sales_tax_basis: Option<String>,
}

/// Which of an account's lines to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineSign {
    Debits,
    Credits,
}

/// The lines behind one figure: one account over one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLineFilter {
    pub tenant_id: String,
    /// The account's key (its Xero id).
    pub account: String,
    pub period: LedgerPeriod,
    /// Only debits or only credits (the cash summary's receipts and payments).
    pub sign: Option<LineSign>,
}

/// One journal line, with the journal it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub journal_xero_id: String,
    pub journal_number: Option<i64>,
    pub date: Option<String>,
    pub reference: Option<String>,
    /// Xero's `SourceType` (`ACCREC`, `CASHPAID`...) and the source's id.
    pub source_type: Option<String>,
    pub source_xero_id: Option<String>,
    pub description: Option<String>,
    pub net: Money,
    pub tax: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLinePage {
    pub rows: Vec<LedgerLine>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LineCursor {
    date: String,
    journal: i64,
    position: i64,
}

/// An invoice or bill with an amount still due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingDocument {
    pub xero_id: String,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub contact_xero_id: Option<String>,
    pub contact_name: Option<String>,
    pub date: Option<String>,
    pub due_date: Option<String>,
    pub currency_code: Option<String>,
    pub total: Option<Money>,
    pub amount_due: Money,
    /// Xero's `CurrencyRate`: units of `currency_code` per unit of the base currency.
    pub currency_rate: Option<Money>,
}

/// Which outstanding documents to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutstandingFilter {
    pub tenant_id: String,
    /// `ACCREC` (receivables) or `ACCPAY` (payables).
    pub doc_type: String,
    /// Documents dated on or before this day, `YYYY-MM-DD`.
    pub as_at: String,
    pub contact: Option<String>,
    pub currency: Option<String>,
    /// Inclusive bounds on the due date; a document without one counts as due at `as_at`.
    pub due_from: Option<String>,
    pub due_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingPage {
    pub rows: Vec<OutstandingDocument>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DueCursor {
    due: String,
    id: i64,
}

/// A query's rows, or `None` when SQLite's integer sum overflowed.
fn exact(
    rows: Result<Vec<sqlx::sqlite::SqliteRow>, sqlx::Error>,
) -> Result<Option<Vec<sqlx::sqlite::SqliteRow>>, StoreError> {
    match rows {
        Ok(rows) => Ok(Some(rows)),
        Err(sqlx::Error::Database(e)) if e.message().contains("overflow") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn money(text: &str) -> Result<Money, StoreError> {
    Money::parse(text).map_err(StoreError::value("an amount"))
}

pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal, StoreError> {
    a.checked_add(b)
        .ok_or_else(|| StoreError::Data("a report total overflows".to_owned()))
}

/// The statuses whose amount due is owed.
const OWED: &str = "('AUTHORISED')";

fn outstanding_where(f: &OutstandingFilter) -> (String, Vec<SqlValue>) {
    let mut sql = format!(
        "tenant_id = ? AND type = ? AND status IN {OWED} AND date <= ? \
         AND amount_due IS NOT NULL AND amount_due_e4 IS NOT 0"
    );
    let mut args = vec![
        SqlValue::Text(f.tenant_id.clone()),
        SqlValue::Text(f.doc_type.clone()),
        SqlValue::Text(f.as_at.clone()),
    ];
    if let Some(c) = &f.contact {
        sql.push_str(" AND contact_xero_id = ?");
        args.push(SqlValue::Text(c.clone()));
    }
    if let Some(c) = &f.currency {
        sql.push_str(" AND currency_code = ?");
        args.push(SqlValue::Text(c.clone()));
    }
    // A document without a due date is treated as due at `as_at`.
    if let Some(d) = &f.due_from {
        sql.push_str(" AND COALESCE(due_date, ?) >= ?");
        args.push(SqlValue::Text(f.as_at.clone()));
        args.push(SqlValue::Text(d.clone()));
    }
    if let Some(d) = &f.due_to {
        sql.push_str(" AND COALESCE(due_date, ?) <= ?");
        args.push(SqlValue::Text(f.as_at.clone()));
        args.push(SqlValue::Text(d.clone()));
    }
    (sql, args)
}

fn outstanding_row(r: &sqlx::sqlite::SqliteRow) -> Result<OutstandingDocument, StoreError> {
    let total: Option<String> = r.try_get("total")?;
    let due: String = r.try_get("amount_due")?;
    let rate: Option<String> = r.try_get("currency_rate")?;
    Ok(OutstandingDocument {
        xero_id: r.try_get("xero_id")?,
        doc_type: r.try_get("type")?,
        number: r.try_get("number")?,
        reference: r.try_get("reference")?,
        contact_xero_id: r.try_get("contact_xero_id")?,
        contact_name: r.try_get("contact_name")?,
        date: r.try_get("date")?,
        due_date: r.try_get("due_date")?,
        currency_code: r.try_get("currency_code")?,
        total: total.as_deref().map(money).transpose()?,
        amount_due: money(&due)?,
        currency_rate: rate.as_deref().map(money).transpose()?,
    })
}

/// An account's movement, nothing summed yet: named from the chart, else
/// from the lines' `account_code`, `account_name` and `account_type`.
fn movement(
    chart: &BTreeMap<String, AccountInfo>,
    key: &str,
    line_code: Option<String>,
    line_name: Option<String>,
    line_type: Option<String>,
) -> AccountMovement {
    let info = chart.get(key);
    AccountMovement {
        key: key.to_owned(),
        code: info.and_then(|a| a.code.clone()).or(line_code),
        name: info.and_then(|a| a.name.clone()).or(line_name),
        class: info
            .and_then(|a| a.class)
            .or_else(|| line_type.as_deref().and_then(AccountClass::from_xero_type)),
        account_type: info.and_then(|a| a.account_type.clone()).or(line_type),
        debit: Decimal::ZERO,
        credit: Decimal::ZERO,
        lines: 0,
    }
}

/// [`movement`] from a row with `account_code`, `account_name` and `account_type`.
pub(crate) fn movement_of_row(
    chart: &BTreeMap<String, AccountInfo>,
    key: &str,
    r: &sqlx::sqlite::SqliteRow,
) -> Result<AccountMovement, StoreError> {
    Ok(movement(
        chart,
        key,
        r.try_get("account_code")?,
        r.try_get("account_name")?,
        r.try_get("account_type")?,
    ))
}

/// What a set of periods reads of the ledger: from the earliest start
/// (`None` when one is open at its start) to the latest end.
pub(crate) fn reach(periods: &[LedgerPeriod]) -> (Option<String>, String) {
    let earliest = if periods.iter().any(|p| p.from.is_none()) {
        None
    } else {
        periods.iter().filter_map(|p| p.from.clone()).min()
    };
    let latest = periods
        .iter()
        .map(|p| p.to.clone())
        .max()
        .unwrap_or_default();
    (earliest, latest)
}

/// Counts one ledger line (`net`, debit positive, on account `key`, dated
/// `date`) in the movement of each period that holds its date; the row `r`
/// names the account when the chart does not.
pub(crate) fn count_line(
    moved: &mut [BTreeMap<String, AccountMovement>],
    periods: &[LedgerPeriod],
    date: &str,
    key: &str,
    net: Decimal,
    chart: &BTreeMap<String, AccountInfo>,
    r: &sqlx::sqlite::SqliteRow,
) -> Result<(), StoreError> {
    for (i, p) in periods.iter().enumerate() {
        if date > p.to.as_str() || p.from.as_deref().is_some_and(|f| date < f) {
            continue;
        }
        let m = match moved[i].get_mut(key) {
            Some(m) => m,
            None => {
                let m = movement_of_row(chart, key, r)?;
                moved[i].entry(key.to_owned()).or_insert(m)
            }
        };
        if net.is_sign_negative() {
            m.credit = add(m.credit, -net)?;
        } else {
            m.debit = add(m.debit, net)?;
        }
        m.lines += 1;
    }
    Ok(())
}

/// One account's sums over part of a period, in ten-thousandths, as SQLite
/// gives them; several parts (whole months, and the lines of the days at the
/// period's edges) add up to the period.
#[derive(Debug, Default)]
struct PartSum {
    code: Option<String>,
    name: Option<String>,
    account_type: Option<String>,
    lines: i64,
    lines_e4: i64,
    debit_e4: i128,
    credit_e4: i128,
}

/// The least of two optional texts, a missing one ignored (as SQL's `MIN`).
fn least(slot: &mut Option<String>, value: Option<String>) {
    if let Some(v) = value {
        if slot.as_ref().is_none_or(|s| v < *s) {
            *slot = Some(v);
        }
    }
}

/// What a grouped query over lines or month totals gave, added to `sums`;
/// `false` if a sum has no exact integer form (a line without `_e4`, or a
/// month whose sum did not fit).
fn add_parts(
    sums: &mut BTreeMap<String, PartSum>,
    rows: &[sqlx::sqlite::SqliteRow],
) -> Result<bool, StoreError> {
    for r in rows {
        let n: i64 = r.try_get("n")?;
        if n == 0 {
            continue;
        }
        let n_e4: i64 = r.try_get("n_e4")?;
        let whole: i64 = r.try_get("whole")?;
        if n != n_e4 || whole != 0 {
            return Ok(false);
        }
        let s = sums.entry(r.try_get("account")?).or_default();
        least(&mut s.code, r.try_get("account_code")?);
        least(&mut s.name, r.try_get("account_name")?);
        least(&mut s.account_type, r.try_get("account_type")?);
        s.lines += n;
        s.lines_e4 += n_e4;
        s.debit_e4 += i128::from(r.try_get::<Option<i64>, _>("debit_e4")?.unwrap_or(0));
        s.credit_e4 += i128::from(r.try_get::<Option<i64>, _>("credit_e4")?.unwrap_or(0));
    }
    Ok(true)
}

/// A period split at whole months: the first and last whole month
/// (`YYYY-MM`; no first when the period has no start), and the days before
/// and after them, as periods of lines. `None` when the period holds no whole
/// month or its dates are not `YYYY-MM-DD` in years 1 to 9999.
pub(crate) fn whole_months(
    p: &LedgerPeriod,
) -> Option<(Option<String>, String, Vec<LedgerPeriod>)> {
    use chrono::{Datelike, Days, Months, NaiveDate};
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (1..=9999).contains(&d.year()) && d.to_string() == s)
    };
    let to = date(&p.to)?;
    let from = match &p.from {
        Some(f) => Some(date(f)?),
        None => None,
    };
    let first = match from {
        Some(f) if f.day() == 1 => Some(f),
        Some(f) => Some(f.with_day(1)?.checked_add_months(Months::new(1))?),
        None => None,
    };
    // The last whole month ends on `end`.
    let next = to.checked_add_days(Days::new(1))?;
    let end = if next.day() == 1 {
        to
    } else {
        to.with_day(1)?.checked_sub_days(Days::new(1))?
    };
    if first.is_some_and(|f| f > end) {
        return None;
    }
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let mut edges = Vec::new();
    if let (Some(from), Some(first)) = (from, first) {
        if from < first {
            edges.push(LedgerPeriod {
                from: Some(from.to_string()),
                to: first.checked_sub_days(Days::new(1))?.to_string(),
            });
        }
    }
    if end < to {
        edges.push(LedgerPeriod {
            from: Some(end.checked_add_days(Days::new(1))?.to_string()),
            to: to.to_string(),
        });
    }
    Some((first.map(month), month(end), edges))
}

const OUTSTANDING_COLUMNS: &str = "id, xero_id, type, number, reference, contact_xero_id, \
     contact_name, date, due_date, currency_code, total, amount_due, currency_rate";

impl LedgerStore {
    /// The organisation's name, base currency and year end; `None` if the
    /// ledger does not hold it.
    pub async fn reporting_organisation(
        &self,
        tenant_id: &str,
    ) -> Result<Option<ReportingOrganisation>, StoreError> {
        let _timer = self.timed("reporting_organisation");
        let row = sqlx::query(
            "SELECT name, base_currency, financial_year_end_day, financial_year_end_month, \
             country_code, json_extract(raw_json, '$.SalesTaxBasis') AS sales_tax_basis \
             FROM organisations WHERE tenant_id = ? ORDER BY id LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let day: Option<i64> = r.try_get("financial_year_end_day")?;
            let month: Option<i64> = r.try_get("financial_year_end_month")?;
            Ok(ReportingOrganisation {
                name: r.try_get("name")?,
                base_currency: r.try_get("base_currency")?,
                financial_year_end_day: day.and_then(|d| u32::try_from(d).ok()),
                financial_year_end_month: month.and_then(|m| u32::try_from(m).ok()),
                country_code: r.try_get("country_code")?,
                sales_tax_basis: r.try_get("sales_tax_basis")?,
            })
        })
        .transpose()
    }

    /// The chart of accounts, by code then name.
    pub async fn chart_of_accounts(&self, tenant_id: &str) -> Result<Vec<AccountInfo>, StoreError> {
        let _timer = self.timed("chart_of_accounts");
        let rows = sqlx::query(
            "SELECT xero_id, code, name, type, class, status, currency_code FROM accounts \
             WHERE tenant_id = ? ORDER BY code IS NULL, code, name, id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let class: Option<String> = r.try_get("class")?;
                let account_type: Option<String> = r.try_get("type")?;
                Ok(AccountInfo {
                    key: r.try_get("xero_id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    class: AccountClass::of(class.as_deref(), account_type.as_deref()),
                    account_type,
                    status: r.try_get("status")?,
                    currency_code: r.try_get("currency_code")?,
                })
            })
            .collect()
    }

    /// Each account's debits and credits in each of `periods`. A line dated
    /// in several periods (they may overlap, as a balance to date and a month
    /// do) counts in each. Journals without a date are left out (Xero dates
    /// every journal).
    ///
    /// SQLite sums each period, per account, over exact integers
    /// (ten-thousandths): whole months from the totals the rebuild keeps
    /// (`gl_month_totals`, migration 0017), and the lines of the days at the
    /// period's edges (`net_amount_e4`; the entries of a period are found
    /// through the `(tenant_id, date)` index). Integer sums are exact, and
    /// SQLite raises an error rather than round when one overflows. A ledger
    /// rebuilt before the month totals existed is summed from its lines. A
    /// line or month whose amount has no exact integer form, or an overflow,
    /// sends the whole call to [`Self::account_movements_by_line`], which sums
    /// the amounts' text in Rust.
    pub async fn account_movements(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
    ) -> Result<Vec<BTreeMap<String, AccountMovement>>, StoreError> {
        let _timer = self.timed("account_movements");
        let months = self.month_totals_kept(tenant_id).await?;
        match self.movements_in_parts(tenant_id, periods, months).await? {
            Some(out) => Ok(out),
            None => self.account_movements_by_line(tenant_id, periods).await,
        }
    }

    /// [`Self::account_movements`] through the month totals, or `None` when
    /// the ledger keeps none (never rebuilt since migration 0017) or a sum
    /// has no exact integer form. What the reports read; public so that tests
    /// can hold it to [`Self::account_movements_by_line`].
    pub async fn account_movements_from_month_totals(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
    ) -> Result<Option<Vec<BTreeMap<String, AccountMovement>>>, StoreError> {
        if !self.month_totals_kept(tenant_id).await? {
            return Ok(None);
        }
        self.movements_in_parts(tenant_id, periods, true).await
    }

    /// Whether the last rebuild kept month totals for every line.
    async fn month_totals_kept(&self, tenant_id: &str) -> Result<bool, StoreError> {
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT month_totals FROM gl_state WHERE tenant_id = ?")
                .bind(tenant_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(kept == Some(1))
    }

    /// Each period summed by SQLite in parts (whole months from the totals
    /// when `months`, lines for the rest); `None` if a part has no exact
    /// integer sum.
    async fn movements_in_parts(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
        months: bool,
    ) -> Result<Option<Vec<BTreeMap<String, AccountMovement>>>, StoreError> {
        let chart: BTreeMap<String, AccountInfo> = self
            .chart_of_accounts(tenant_id)
            .await?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let mut out = Vec::with_capacity(periods.len());
        for p in periods {
            let mut sums = BTreeMap::new();
            let split = if months { whole_months(p) } else { None };
            let lines = match split {
                Some((first, last, edges)) => {
                    let mut sql = String::from(
                        "SELECT account, MIN(account_code) AS account_code, \
                         MIN(account_name) AS account_name, MIN(account_type) AS account_type, \
                         SUM(lines) AS n, SUM(lines_e4) AS n_e4, \
                         2 * COUNT(*) - COUNT(debit_e4) - COUNT(credit_e4) AS whole, \
                         SUM(debit_e4) AS debit_e4, SUM(credit_e4) AS credit_e4 \
                         FROM gl_month_totals WHERE tenant_id = ? AND month <= ?",
                    );
                    if first.is_some() {
                        sql.push_str(" AND month >= ?");
                    }
                    sql.push_str(" GROUP BY account");
                    let mut q = sqlx::query(&sql).bind(tenant_id).bind(&last);
                    if let Some(first) = &first {
                        q = q.bind(first);
                    }
                    let Some(rows) = exact(q.fetch_all(self.pool()).await)? else {
                        return Ok(None);
                    };
                    if !add_parts(&mut sums, &rows)? {
                        return Ok(None);
                    }
                    edges
                }
                None => vec![p.clone()],
            };
            for part in &lines {
                let mut sql = String::from(
                    "SELECT COALESCE(l.account_xero_id, l.account_code, '') AS account, \
                     MIN(l.account_code) AS account_code, MIN(l.account_name) AS account_name, \
                     MIN(l.account_type) AS account_type, COUNT(l.net_amount) AS n, \
                     COUNT(l.net_amount_e4) AS n_e4, 0 AS whole, \
                     SUM(CASE WHEN l.net_amount_e4 >= 0 THEN l.net_amount_e4 END) AS debit_e4, \
                     SUM(CASE WHEN l.net_amount_e4 < 0 THEN -l.net_amount_e4 END) AS credit_e4 \
                     FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id \
                     WHERE j.tenant_id = ? AND j.date IS NOT NULL AND j.date <= ?",
                );
                if part.from.is_some() {
                    sql.push_str(" AND j.date >= ?");
                }
                sql.push_str(" GROUP BY account");
                let mut q = sqlx::query(&sql).bind(tenant_id).bind(&part.to);
                if let Some(from) = &part.from {
                    q = q.bind(from);
                }
                let Some(rows) = exact(q.fetch_all(self.pool()).await)? else {
                    return Ok(None);
                };
                if !add_parts(&mut sums, &rows)? {
                    return Ok(None);
                }
            }
            let mut moved = BTreeMap::new();
            for (key, s) in sums {
                let e4 = |v: i128| -> Result<Decimal, StoreError> {
                    Money::from_e4(v)
                        .map(|m| m.as_decimal())
                        .ok_or_else(|| StoreError::Data("a report total overflows".to_owned()))
                };
                let mut m = movement(&chart, &key, s.code, s.name, s.account_type);
                m.debit = e4(s.debit_e4)?;
                m.credit = e4(s.credit_e4)?;
                m.lines = u64::try_from(s.lines).unwrap_or(0);
                moved.insert(key, m);
            }
            out.push(moved);
        }
        Ok(Some(out))
    }

    /// [`Self::account_movements`], summing each line's amount text in Rust,
    /// in one pass over the general ledger.
    pub async fn account_movements_by_line(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
    ) -> Result<Vec<BTreeMap<String, AccountMovement>>, StoreError> {
        let mut out: Vec<BTreeMap<String, AccountMovement>> = vec![BTreeMap::new(); periods.len()];
        if periods.is_empty() {
            return Ok(out);
        }
        let (earliest, latest) = reach(periods);
        let chart: BTreeMap<String, AccountInfo> = self
            .chart_of_accounts(tenant_id)
            .await?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let mut sql = String::from(
            "SELECT j.date, COALESCE(l.account_xero_id, l.account_code, '') AS account, \
             l.account_code, l.account_name, l.account_type, l.net_amount \
             FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id \
             WHERE j.tenant_id = ? AND j.date IS NOT NULL AND j.date <= ?",
        );
        if earliest.is_some() {
            sql.push_str(" AND j.date >= ?");
        }
        let mut q = sqlx::query(&sql).bind(tenant_id).bind(&latest);
        if let Some(e) = &earliest {
            q = q.bind(e);
        }
        // Read whole, then summed: a streamed read would hold the pool's
        // connection across the sums for no gain at this size.
        for r in q.fetch_all(self.pool()).await? {
            let date: String = r.try_get("date")?;
            let Some(net) = r.try_get::<Option<String>, _>("net_amount")? else {
                continue;
            };
            let net = money(&net)?.as_decimal();
            let key: String = r.try_get("account")?;
            count_line(&mut out, periods, &date, &key, net, &chart, &r)?;
        }
        Ok(out)
    }

    /// One page of the journal lines behind a figure, oldest first (by date,
    /// journal, line), after `after` (the previous page's cursor).
    pub async fn ledger_lines(
        &self,
        filter: &LedgerLineFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<LedgerLinePage, StoreError> {
        self.ledger_lines_in_option(filter, None, after, limit)
            .await
    }

    /// [`Self::ledger_lines`], only the lines in `tracking`'s option when given.
    pub async fn ledger_lines_in_option(
        &self,
        filter: &LedgerLineFilter,
        tracking: Option<&crate::tracking::TrackingFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<LedgerLinePage, StoreError> {
        let _timer = self.timed("ledger_lines");
        let limit = limit.clamp(1, 500);
        let mut sql = String::from(
            "SELECT j.id AS jid, l.position, j.source_xero_id AS xero_id, NULL AS number, j.date, j.reference, \
             j.source_type, j.source_xero_id, l.description, l.net_amount, NULL AS tax_amount \
             FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id \
             WHERE j.tenant_id = ? AND COALESCE(l.account_xero_id, l.account_code, '') = ? \
             AND j.date IS NOT NULL AND j.date <= ? AND l.net_amount IS NOT NULL",
        );
        let mut args = vec![
            SqlValue::Text(filter.tenant_id.clone()),
            SqlValue::Text(filter.account.clone()),
            SqlValue::Text(filter.period.to.clone()),
        ];
        if let Some(from) = &filter.period.from {
            sql.push_str(" AND j.date >= ?");
            args.push(SqlValue::Text(from.clone()));
        }
        // The sign is the text's: a negative amount starts with '-'.
        match filter.sign {
            Some(LineSign::Debits) => sql.push_str(" AND l.net_amount NOT LIKE '-%'"),
            Some(LineSign::Credits) => sql.push_str(" AND l.net_amount LIKE '-%'"),
            None => {}
        }
        if let Some(t) = tracking {
            sql.push_str(" AND ");
            sql.push_str(&crate::tracking::in_option_sql(
                "l.tracking_json",
                crate::tracking::TrackingJson::Posting,
            ));
            args.extend(crate::tracking::in_option_values(t));
        }
        if let Some(text) = after {
            let c: LineCursor = serde_json::from_str(text)
                .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))?;
            sql.push_str(" AND (j.date, j.id, l.position) > (?, ?, ?)");
            args.push(SqlValue::Text(c.date));
            args.push(SqlValue::Int(c.journal));
            args.push(SqlValue::Int(c.position));
        }
        sql.push_str(&format!(
            " ORDER BY j.date, j.id, l.position LIMIT {}",
            limit + 1
        ));
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = bind_value(q, a);
        }
        let raw = q.fetch_all(self.pool()).await?;
        let more = raw.len() > limit as usize;
        let mut rows = Vec::new();
        let mut last = None;
        for r in raw.iter().take(limit as usize) {
            let net: String = r.try_get("net_amount")?;
            let tax: Option<String> = r.try_get("tax_amount")?;
            let date: Option<String> = r.try_get("date")?;
            last = Some(LineCursor {
                date: date.clone().unwrap_or_default(),
                journal: r.try_get("jid")?,
                position: r.try_get("position")?,
            });
            rows.push(LedgerLine {
                journal_xero_id: r.try_get("xero_id")?,
                journal_number: r.try_get("number")?,
                date,
                reference: r.try_get("reference")?,
                source_type: r.try_get("source_type")?,
                source_xero_id: r.try_get("source_xero_id")?,
                description: r.try_get("description")?,
                net: money(&net)?,
                tax: tax.as_deref().map(money).transpose()?,
            });
        }
        let next_cursor = match (more, last) {
            (true, Some(c)) => {
                Some(serde_json::to_string(&c).map_err(StoreError::value("a JSON value"))?)
            }
            _ => None,
        };
        Ok(LedgerLinePage { rows, next_cursor })
    }

    /// Every outstanding invoice (or bill) matching `filter`: what the aged
    /// reports sum. The amount due is the one last synced (Xero's
    /// `AmountDue`), for the documents dated on or before `as_at`.
    pub async fn outstanding_documents(
        &self,
        filter: &OutstandingFilter,
    ) -> Result<Vec<OutstandingDocument>, StoreError> {
        let _timer = self.timed("outstanding_documents");
        let (w, args) = outstanding_where(filter);
        let sql = format!("SELECT {OUTSTANDING_COLUMNS} FROM invoices WHERE {w}");
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = bind_value(q, a);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(outstanding_row)
            .collect()
    }

    /// One page of outstanding documents, by due date (then id).
    pub async fn outstanding_page(
        &self,
        filter: &OutstandingFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<OutstandingPage, StoreError> {
        let _timer = self.timed("outstanding_page");
        let limit = limit.clamp(1, 500);
        let (mut w, mut args) = outstanding_where(filter);
        if let Some(text) = after {
            let c: DueCursor = serde_json::from_str(text)
                .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))?;
            w.push_str(" AND (COALESCE(due_date, ?), id) > (?, ?)");
            args.push(SqlValue::Text(filter.as_at.clone()));
            args.push(SqlValue::Text(c.due));
            args.push(SqlValue::Int(c.id));
        }
        let sql = format!(
            "SELECT {OUTSTANDING_COLUMNS}, COALESCE(due_date, ?) AS due_key FROM invoices \
             WHERE {w} ORDER BY due_key, id LIMIT {}",
            limit + 1
        );
        let mut q = sqlx::query(&sql).bind(filter.as_at.clone());
        for a in &args {
            q = bind_value(q, a);
        }
        let raw = q.fetch_all(self.pool()).await?;
        let more = raw.len() > limit as usize;
        let mut rows = Vec::new();
        let mut last = None;
        for r in raw.iter().take(limit as usize) {
            last = Some(DueCursor {
                due: r.try_get("due_key")?,
                id: r.try_get("id")?,
            });
            rows.push(outstanding_row(r)?);
        }
        let next_cursor = match (more, last) {
            (true, Some(c)) => {
                Some(serde_json::to_string(&c).map_err(StoreError::value("a JSON value"))?)
            }
            _ => None,
        };
        Ok(OutstandingPage { rows, next_cursor })
    }
}

//! Xero's budgets, as facts (migration 0022): each budget's header and its
//! lines, an amount per account per month.
//!
//! Saving a budget replaces its lines over the months that were read (a
//! line outside them stays as it was) in one `BEGIN IMMEDIATE` transaction,
//! with an audit row for the header when it changed and one per line added,
//! changed or removed; a budget saved again unchanged writes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{format_instant, Actor, Money};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::Row;

use crate::audit::{self, diff_fields, AuditAction, PendingAudit};
use crate::{LedgerStore, StoreError};

/// A budget's header, as Xero gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetHeader {
    pub budget_id: String,
    /// `OVERALL` or `TRACKING`.
    pub budget_type: String,
    pub status: Option<String>,
    pub description: Option<String>,
    /// Xero's `Tracking` array, as canonical JSON (`[]` for none).
    pub tracking_json: String,
    /// Xero's `UpdatedDateUTC`, RFC 3339.
    pub updated_utc: Option<String>,
}

/// One budget amount: an account in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLineFact {
    /// Empty when Xero names the account by code only.
    pub account_id: String,
    /// Empty when Xero names the account by id only.
    pub account_code: String,
    /// `YYYY-MM`.
    pub period: String,
    pub amount: Decimal,
    pub notes: Option<String>,
}

/// A budget as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBudget {
    pub header: BudgetHeader,
    pub fetched_at: String,
    /// How many lines (account and month) it holds.
    pub lines: u64,
}

/// A budget as read from Xero: its header, and its lines for the months
/// `from` to `to` (`YYYY-MM`, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRead {
    pub header: BudgetHeader,
    pub lines: Vec<BudgetLineFact>,
    pub from: String,
    pub to: String,
}

/// What saving a budget changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetSaved {
    pub header_changed: bool,
    pub lines_added: u64,
    pub lines_changed: u64,
    pub lines_removed: u64,
}

impl BudgetSaved {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.header_changed || self.lines_added + self.lines_changed + self.lines_removed > 0
    }
}

type LineKey = (String, String, String);

fn line_key(l: &BudgetLineFact) -> LineKey {
    (
        l.account_id.clone(),
        l.account_code.clone(),
        l.period.clone(),
    )
}

fn header_json(h: &BudgetHeader) -> Value {
    json!({
        "Type": h.budget_type,
        "Status": h.status,
        "Description": h.description,
        "Tracking": serde_json::from_str::<Value>(&h.tracking_json).unwrap_or(Value::Null),
        "UpdatedDateUTC": h.updated_utc,
    })
}

fn line_json(l: &BudgetLineFact) -> Value {
    json!({
        "AccountID": l.account_id,
        "AccountCode": l.account_code,
        "Period": l.period,
        "Amount": Money::new(l.amount).to_string(),
        "Notes": l.notes,
    })
}

fn parse_amount(text: &str) -> Result<Decimal, StoreError> {
    Money::parse(text)
        .map(|m| m.as_decimal())
        .map_err(|e| StoreError::Data(format!("a budget amount '{text}' is not a decimal: {e}")))
}

impl LedgerStore {
    /// Saves a budget as `read`: its lines in the months read that are not
    /// in `read.lines` are removed, others outside them are kept. Audited as
    /// `actor` at `now`.
    pub async fn save_budget(
        &self,
        tenant_id: &str,
        read: &BudgetRead,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<BudgetSaved, StoreError> {
        let _timer = self.timed("save_budget");
        let (header, lines) = (&read.header, read.lines.as_slice());
        let (from, to) = (read.from.as_str(), read.to.as_str());
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let before = sqlx::query(
            "SELECT budget_type, status, description, tracking_json, updated_utc FROM budgets \
             WHERE tenant_id = ? AND budget_id = ?",
        )
        .bind(tenant_id)
        .bind(&header.budget_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<BudgetHeader, sqlx::Error> {
            Ok(BudgetHeader {
                budget_id: header.budget_id.clone(),
                budget_type: r.try_get("budget_type")?,
                status: r.try_get("status")?,
                description: r.try_get("description")?,
                tracking_json: r.try_get("tracking_json")?,
                updated_utc: r.try_get("updated_utc")?,
            })
        })
        .transpose()?;
        let mut old: BTreeMap<LineKey, BudgetLineFact> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT account_id, account_code, period, amount, notes FROM budget_lines \
             WHERE tenant_id = ? AND budget_id = ? AND period >= ? AND period <= ?",
        )
        .bind(tenant_id)
        .bind(&header.budget_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?
        {
            let amount: String = r.try_get("amount")?;
            let l = BudgetLineFact {
                account_id: r.try_get("account_id")?,
                account_code: r.try_get("account_code")?,
                period: r.try_get("period")?,
                amount: parse_amount(&amount)?,
                notes: r.try_get("notes")?,
            };
            old.insert(line_key(&l), l);
        }
        let mut saved = BudgetSaved::default();
        let mut audits = Vec::new();
        if before.as_ref() != Some(header) {
            saved.header_changed = true;
            sqlx::query(
                "INSERT INTO budgets (tenant_id, budget_id, budget_type, status, description, \
                 tracking_json, updated_utc, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, budget_id) DO UPDATE SET budget_type = excluded.budget_type, \
                 status = excluded.status, description = excluded.description, \
                 tracking_json = excluded.tracking_json, updated_utc = excluded.updated_utc, \
                 fetched_at = excluded.fetched_at",
            )
            .bind(tenant_id)
            .bind(&header.budget_id)
            .bind(&header.budget_type)
            .bind(&header.status)
            .bind(&header.description)
            .bind(&header.tracking_json)
            .bind(&header.updated_utc)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            audits.push(PendingAudit {
                table: "budgets",
                tenant_id: tenant_id.to_owned(),
                record_id: header.budget_id.clone(),
                action: if before.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Insert
                },
                changes_json: diff_fields(
                    before.as_ref().map(header_json).as_ref(),
                    Some(&header_json(header)),
                ),
            });
        }
        let mut new: BTreeMap<LineKey, &BudgetLineFact> = BTreeMap::new();
        for l in lines {
            if l.period.as_str() < from || l.period.as_str() > to || l.period.len() != 7 {
                continue;
            }
            new.insert(line_key(l), l);
        }
        let record_id = |k: &LineKey| format!("{}/{}/{}/{}", header.budget_id, k.0, k.1, k.2);
        for (k, l) in &new {
            let was = old.get(k);
            if was == Some(*l) {
                continue;
            }
            let money = Money::new(l.amount);
            sqlx::query(
                "INSERT INTO budget_lines (tenant_id, budget_id, account_id, account_code, period, \
                 amount, amount_e4, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, budget_id, account_id, account_code, period) DO UPDATE SET \
                 amount = excluded.amount, amount_e4 = excluded.amount_e4, notes = excluded.notes",
            )
            .bind(tenant_id)
            .bind(&header.budget_id)
            .bind(&l.account_id)
            .bind(&l.account_code)
            .bind(&l.period)
            .bind(money.to_string())
            .bind(money.to_e4())
            .bind(&l.notes)
            .execute(&mut *tx)
            .await?;
            if was.is_some() {
                saved.lines_changed += 1;
            } else {
                saved.lines_added += 1;
            }
            audits.push(PendingAudit {
                table: "budget_lines",
                tenant_id: tenant_id.to_owned(),
                record_id: record_id(k),
                action: if was.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Insert
                },
                changes_json: diff_fields(was.map(line_json).as_ref(), Some(&line_json(l))),
            });
        }
        for (k, l) in &old {
            if new.contains_key(k) {
                continue;
            }
            sqlx::query(
                "DELETE FROM budget_lines WHERE tenant_id = ? AND budget_id = ? AND account_id = ? \
                 AND account_code = ? AND period = ?",
            )
            .bind(tenant_id)
            .bind(&header.budget_id)
            .bind(&k.0)
            .bind(&k.1)
            .bind(&k.2)
            .execute(&mut *tx)
            .await?;
            saved.lines_removed += 1;
            audits.push(PendingAudit {
                table: "budget_lines",
                tenant_id: tenant_id.to_owned(),
                record_id: record_id(k),
                action: AuditAction::Delete,
                changes_json: diff_fields(Some(&line_json(l)), None),
            });
        }
        if audits.is_empty() {
            tx.rollback().await?;
            return Ok(saved);
        }
        audit::append(&mut tx, &audits, &actor.to_string(), &at).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(saved)
    }

    /// The organisation's budgets, overall first, then by description.
    pub async fn budgets(&self, tenant_id: &str) -> Result<Vec<StoredBudget>, StoreError> {
        let _timer = self.timed("budgets");
        let rows = sqlx::query(
            "SELECT b.budget_id, b.budget_type, b.status, b.description, b.tracking_json, \
             b.updated_utc, b.fetched_at, \
             (SELECT COUNT(*) FROM budget_lines l WHERE l.tenant_id = b.tenant_id \
              AND l.budget_id = b.budget_id) AS lines \
             FROM budgets b WHERE b.tenant_id = ? \
             ORDER BY b.budget_type <> 'OVERALL', b.description, b.budget_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StoredBudget {
                    header: BudgetHeader {
                        budget_id: r.try_get("budget_id")?,
                        budget_type: r.try_get("budget_type")?,
                        status: r.try_get("status")?,
                        description: r.try_get("description")?,
                        tracking_json: r.try_get("tracking_json")?,
                        updated_utc: r.try_get("updated_utc")?,
                    },
                    fetched_at: r.try_get("fetched_at")?,
                    lines: u64::try_from(r.try_get::<i64, _>("lines")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// A budget's lines for the months `from` to `to` (`YYYY-MM`,
    /// inclusive), by account then month.
    pub async fn budget_lines(
        &self,
        tenant_id: &str,
        budget_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<BudgetLineFact>, StoreError> {
        let _timer = self.timed("budget_lines");
        let rows = sqlx::query(
            "SELECT account_id, account_code, period, amount, notes FROM budget_lines \
             WHERE tenant_id = ? AND budget_id = ? AND period >= ? AND period <= ? \
             ORDER BY account_id, account_code, period",
        )
        .bind(tenant_id)
        .bind(budget_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let amount: String = r.try_get("amount")?;
                Ok(BudgetLineFact {
                    account_id: r.try_get("account_id")?,
                    account_code: r.try_get("account_code")?,
                    period: r.try_get("period")?,
                    amount: parse_amount(&amount)?,
                    notes: r.try_get("notes")?,
                })
            })
            .collect()
    }
}

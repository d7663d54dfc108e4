//! Contacts as the Contacts screen lists them: keyset pages by name, each
//! with what it owes and is owed (approved invoices' and bills' amounts due,
//! summed as `Decimal` in Rust, per currency).

use std::collections::BTreeMap;

use ledgerkeep_domain::xero::InvoiceType;
use ledgerkeep_domain::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::apply::bind_value;
use crate::rows::SqlValue;
use crate::{LedgerStore, StoreError};

/// What a contact owes (`receivable`) and is owed (`payable`) in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactBalance {
    pub currency_code: Option<String>,
    pub receivable: Money,
    pub payable: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub xero_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub is_customer: bool,
    pub is_supplier: bool,
    pub balances: Vec<ContactBalance>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPage {
    pub rows: Vec<ContactRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NameCursor {
    name: String,
    id: i64,
}

impl LedgerStore {
    /// One page of the organisation's contacts by name (then id), those whose
    /// name contains `text` when given, with their balances.
    pub async fn list_contacts(
        &self,
        tenant_id: &str,
        text: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<ContactPage, StoreError> {
        let _timer = self.timed("list_contacts");
        let limit = limit.clamp(1, 500);
        let mut sql = String::from(
            "SELECT id, xero_id, COALESCE(name, '') AS name_key, name, email, status, \
             is_customer, is_supplier FROM contacts WHERE tenant_id = ?",
        );
        let mut args = vec![SqlValue::Text(tenant_id.to_owned())];
        if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
            sql.push_str(" AND name LIKE ? ESCAPE '\\'");
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(SqlValue::Text(format!("%{escaped}%")));
        }
        if let Some(c) = after {
            let c: NameCursor = serde_json::from_str(c)
                .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))?;
            sql.push_str(" AND (COALESCE(name, ''), id) > (?, ?)");
            args.push(SqlValue::Text(c.name));
            args.push(SqlValue::Int(c.id));
        }
        sql.push_str(&format!(
            " ORDER BY COALESCE(name, ''), id LIMIT {}",
            limit + 1
        ));
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = bind_value(q, a);
        }
        let raw = q.fetch_all(self.pool()).await?;
        let more = raw.len() > limit as usize;
        let page: Vec<_> = raw.into_iter().take(limit as usize).collect();
        let next_cursor = match (more, page.last()) {
            (true, Some(r)) => Some(
                serde_json::to_string(&NameCursor {
                    name: r.try_get("name_key")?,
                    id: r.try_get("id")?,
                })
                .map_err(StoreError::value("a cursor"))?,
            ),
            _ => None,
        };
        let ids: Vec<String> = page
            .iter()
            .map(|r| r.try_get::<String, _>("xero_id"))
            .collect::<Result<_, _>>()?;
        let balances = self.contact_balances(tenant_id, &ids).await?;
        let mut rows = Vec::with_capacity(page.len());
        for r in &page {
            let xero_id: String = r.try_get("xero_id")?;
            rows.push(ContactRow {
                balances: balances.get(&xero_id).cloned().unwrap_or_default(),
                xero_id,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                status: r.try_get("status")?,
                is_customer: r.try_get::<Option<i64>, _>("is_customer")?.unwrap_or(0) != 0,
                is_supplier: r.try_get::<Option<i64>, _>("is_supplier")?.unwrap_or(0) != 0,
            });
        }
        Ok(ContactPage { rows, next_cursor })
    }

    /// Each contact's amounts due on approved invoices and bills, per currency.
    async fn contact_balances(
        &self,
        tenant_id: &str,
        contacts: &[String],
    ) -> Result<BTreeMap<String, Vec<ContactBalance>>, StoreError> {
        let mut out: BTreeMap<String, BTreeMap<Option<String>, (Decimal, Decimal)>> =
            BTreeMap::new();
        if contacts.is_empty() {
            return Ok(BTreeMap::new());
        }
        let marks = vec!["?"; contacts.len()].join(", ");
        let sql = format!(
            "SELECT contact_xero_id, type, currency_code, amount_due FROM invoices \
             WHERE tenant_id = ? AND status = 'AUTHORISED' AND amount_due IS NOT NULL \
             AND contact_xero_id IN ({marks})"
        );
        let mut q = sqlx::query(&sql).bind(tenant_id);
        for c in contacts {
            q = q.bind(c);
        }
        for r in q.fetch_all(self.pool()).await? {
            let contact: String = r.try_get("contact_xero_id")?;
            let kind: Option<InvoiceType> = r
                .try_get::<Option<String>, _>("type")?
                .map(InvoiceType::from);
            let due: String = r.try_get("amount_due")?;
            let due = Money::parse(&due)
                .map_err(StoreError::value("an amount"))?
                .as_decimal();
            let e = out
                .entry(contact)
                .or_default()
                .entry(r.try_get("currency_code")?)
                .or_insert((Decimal::ZERO, Decimal::ZERO));
            let slot = if kind == Some(InvoiceType::AccPay) {
                &mut e.1
            } else {
                &mut e.0
            };
            *slot = slot
                .checked_add(due)
                .ok_or_else(|| StoreError::Data("a balance overflows".to_owned()))?;
        }
        Ok(out
            .into_iter()
            .map(|(c, by)| {
                (
                    c,
                    by.into_iter()
                        .map(|(currency_code, (r, p))| ContactBalance {
                            currency_code,
                            receivable: Money::new(r),
                            payable: Money::new(p),
                        })
                        .collect(),
                )
            })
            .collect())
    }
}

//! Tracking categories and what the reports and the explorer read by them:
//! the synced categories with their options, the general ledger's account
//! movements restricted to one option or split by the options of one
//! category, and the condition that finds documents with a line in an
//! option.
//!
//! A line's tracking is JSON. The rebuilt ledger's `gl_lines.tracking_json`
//! is the posting's `[{"categoryId", "optionId", "category", "option"}]`;
//! the documents' line tables keep Xero's `[{"TrackingCategoryID",
//! "TrackingOptionID", "Name", "Option"}]`. A line is in an option when one
//! of its entries names the category's id and the option's id, or (Xero
//! leaves `TrackingOptionID` out of some lines) no option id and the option's
//! name. These reads go line by line (`json_each`), not through the month
//! totals: a tracked report reads every line of its period.

use std::collections::BTreeMap;

use ledgerkeep_domain::Money;
use sqlx::Row;

use crate::reports::{add, count_line, reach, AccountInfo, AccountMovement, LedgerPeriod};
use crate::{LedgerStore, StoreError};

/// One option of a tracking category, as last synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingOptionInfo {
    pub option_id: String,
    pub name: Option<String>,
    pub status: Option<String>,
}

/// A tracking category with its options, in Xero's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingCategoryInfo {
    pub category_id: String,
    pub name: Option<String>,
    pub status: Option<String>,
    pub options: Vec<TrackingOptionInfo>,
}

/// One option of one category: the lines tagged with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingFilter {
    pub category_id: String,
    pub option_id: String,
    /// The option's name, for lines that carry no option id.
    pub option_name: Option<String>,
}

/// Which keys a line's tracking JSON uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingJson {
    /// The rebuilt ledger's (`gl_lines`).
    Posting,
    /// Xero's, as the documents' line tables keep it.
    Xero,
}

impl TrackingJson {
    fn keys(self) -> (&'static str, &'static str, &'static str) {
        match self {
            TrackingJson::Posting => ("$.categoryId", "$.optionId", "$.option"),
            TrackingJson::Xero => ("$.TrackingCategoryID", "$.TrackingOptionID", "$.Option"),
        }
    }
}

/// `EXISTS` over the entries of `column` (a line's tracking JSON) that are
/// in `f`'s option, with its four arguments in order: a `LIKE` pattern that
/// skips lines without the category cheaply, the category id, the option id
/// and the option's name.
pub(crate) fn in_option_sql(column: &str, json: TrackingJson) -> String {
    let (cat, opt, name) = json.keys();
    format!(
        "({column} LIKE ? AND EXISTS (SELECT 1 FROM json_each({column}) t \
         WHERE json_extract(t.value, '{cat}') = ? AND (json_extract(t.value, '{opt}') = ? \
         OR (json_extract(t.value, '{opt}') IS NULL AND json_extract(t.value, '{name}') = ?))))"
    )
}

/// The arguments of [`in_option_sql`].
pub(crate) fn in_option_args(f: &TrackingFilter) -> [Option<String>; 4] {
    [
        Some(format!("%{}%", f.category_id)),
        Some(f.category_id.clone()),
        Some(f.option_id.clone()),
        f.option_name.clone(),
    ]
}

/// [`in_option_args`] as values to bind.
pub(crate) fn in_option_values(f: &TrackingFilter) -> [crate::rows::SqlValue; 4] {
    in_option_args(f).map(|a| a.map_or(crate::rows::SqlValue::Null, crate::rows::SqlValue::Text))
}

/// The option key under which [`LedgerStore::account_movements_by_option`]
/// files lines without an option of the category.
pub const UNASSIGNED: &str = "";

impl LedgerStore {
    /// The organisation's tracking categories with their options, by name
    /// (archived ones included, with their status).
    pub async fn tracking_categories(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<TrackingCategoryInfo>, StoreError> {
        let _timer = self.timed("tracking_categories");
        let rows = sqlx::query(
            "SELECT c.xero_id, c.name, c.status, o.option_xero_id, o.name AS option_name, \
             o.status AS option_status FROM tracking_categories c \
             LEFT JOIN tracking_options o ON o.parent_id = c.id \
             WHERE c.tenant_id = ? ORDER BY c.name, c.id, o.position",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<TrackingCategoryInfo> = Vec::new();
        for r in rows {
            let id: String = r.try_get("xero_id")?;
            if out.last().is_none_or(|c| c.category_id != id) {
                out.push(TrackingCategoryInfo {
                    category_id: id,
                    name: r.try_get("name")?,
                    status: r.try_get("status")?,
                    options: Vec::new(),
                });
            }
            let Some(option_id) = r.try_get::<Option<String>, _>("option_xero_id")? else {
                continue;
            };
            if let Some(c) = out.last_mut() {
                c.options.push(TrackingOptionInfo {
                    option_id,
                    name: r.try_get("option_name")?,
                    status: r.try_get("option_status")?,
                });
            }
        }
        Ok(out)
    }

    /// [`LedgerStore::account_movements`] over the lines in one tracking
    /// option only.
    pub async fn account_movements_in_option(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
        filter: &TrackingFilter,
    ) -> Result<Vec<BTreeMap<String, AccountMovement>>, StoreError> {
        let _timer = self.timed("account_movements_in_option");
        let mut by = self
            .movements_by(tenant_id, periods, &filter.category_id, Some(filter))
            .await?;
        let mut out = vec![BTreeMap::new(); periods.len()];
        for (_, moved) in std::mem::take(&mut by) {
            for (i, m) in moved.into_iter().enumerate() {
                merge(&mut out[i], m)?;
            }
        }
        Ok(out)
    }

    /// Each period's account movements per option of `category_id`: the
    /// lines tagged with each option (keyed by its id, or by its name where
    /// the line carries no id) and, under [`UNASSIGNED`], every other line.
    /// Every line (in `only`'s option, when given) is in exactly one of them.
    pub async fn account_movements_by_option(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
        category_id: &str,
        only: Option<&TrackingFilter>,
    ) -> Result<BTreeMap<String, Vec<BTreeMap<String, AccountMovement>>>, StoreError> {
        let _timer = self.timed("account_movements_by_option");
        self.movements_by(tenant_id, periods, category_id, only)
            .await
    }

    async fn movements_by(
        &self,
        tenant_id: &str,
        periods: &[LedgerPeriod],
        category_id: &str,
        only: Option<&TrackingFilter>,
    ) -> Result<BTreeMap<String, Vec<BTreeMap<String, AccountMovement>>>, StoreError> {
        let mut out: BTreeMap<String, Vec<BTreeMap<String, AccountMovement>>> = BTreeMap::new();
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
        // The line's option of the category (each line has at most one).
        let mut sql = String::from(
            "SELECT j.date, COALESCE(l.account_xero_id, l.account_code, '') AS account, \
             l.account_code, l.account_name, l.account_type, l.net_amount, \
             (SELECT COALESCE(json_extract(t.value, '$.optionId'), \
                json_extract(t.value, '$.option')) FROM json_each(l.tracking_json) t \
              WHERE l.tracking_json LIKE ? AND json_extract(t.value, '$.categoryId') = ? \
              LIMIT 1) AS option_key \
             FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id \
             WHERE j.tenant_id = ? AND j.date IS NOT NULL AND j.date <= ?",
        );
        if earliest.is_some() {
            sql.push_str(" AND j.date >= ?");
        }
        if only.is_some() {
            sql.push_str(" AND ");
            sql.push_str(&in_option_sql("l.tracking_json", TrackingJson::Posting));
        }
        let mut q = sqlx::query(&sql)
            .bind(format!("%{category_id}%"))
            .bind(category_id)
            .bind(tenant_id)
            .bind(&latest);
        if let Some(e) = &earliest {
            q = q.bind(e);
        }
        if let Some(f) = only {
            for a in in_option_args(f) {
                q = q.bind(a);
            }
        }
        for r in q.fetch_all(self.pool()).await? {
            let date: String = r.try_get("date")?;
            let Some(net) = r.try_get::<Option<String>, _>("net_amount")? else {
                continue;
            };
            let net = Money::parse(&net)
                .map_err(StoreError::value("an amount"))?
                .as_decimal();
            let key: String = r.try_get("account")?;
            let option: String = r
                .try_get::<Option<String>, _>("option_key")?
                .unwrap_or_else(|| UNASSIGNED.to_owned());
            let moved = out
                .entry(option)
                .or_insert_with(|| vec![BTreeMap::new(); periods.len()]);
            count_line(moved, periods, &date, &key, net, &chart, &r)?;
        }
        Ok(out)
    }
}

/// Adds one account's movement to `into` (an option keyed by both its id
/// and its name on different lines).
fn merge(
    into: &mut BTreeMap<String, AccountMovement>,
    moved: BTreeMap<String, AccountMovement>,
) -> Result<(), StoreError> {
    for (key, m) in moved {
        match into.get_mut(&key) {
            Some(have) => {
                have.debit = add(have.debit, m.debit)?;
                have.credit = add(have.credit, m.credit)?;
                have.lines += m.lines;
            }
            None => {
                into.insert(key, m);
            }
        }
    }
    Ok(())
}

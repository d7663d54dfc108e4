//! The simulated books' budgets, as Xero's Budgets endpoints serve them:
//! `GET Budgets` (each budget without its lines, as Xero lists them) and
//! `GET Budgets/{BudgetID}` (one budget with its lines, the periods limited
//! by `DateFrom` and `DateTo`), behind `accounting.budgets.read`.
//!
//! Budgets hold no state of their own: they are made from the books, so the
//! same books always serve the same budgets.
//!
//! - The **overall budget** ("Overall Budget", `OVERALL`) has a line for
//!   every profit-and-loss account that moved, with an amount for every
//!   month from the books' first month with a profit-and-loss movement to
//!   their last: near that month's actual, as the profit and loss shows it
//!   (between 85 % and 115 % of it, rounded to whole units; a stable hash of
//!   the account and month picks the share). A month the account did not
//!   move is budgeted at its average.
//! - A **tracking budget** (`TRACKING`) for the first option of the first
//!   tracking category, when the books have one: its revenue accounts at
//!   40 % of the overall budget's amounts.
//! - Amounts are numbers with two decimals; `Period` is `YYYY-MM`, as the
//!   spec's example writes it; `UpdatedDateUTC` is the books' last journal.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::books::{Collection, TenantBooks};
use crate::reports::{monthly_profit_and_loss, MonthMovement};
use crate::wire::{money, ms_date, parse_ms_date};

/// FNV-1a of `text`: a stable share for an account's month.
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A UUID made from `text` (stable across runs).
fn uuid_of(text: &str) -> String {
    let (a, b) = (fnv(&format!("a{text}")), fnv(&format!("b{text}")));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The overall budget's id for a tenant.
pub fn overall_id(tenant_id: &str) -> String {
    uuid_of(&format!(
        "overall-budget-{}",
        tenant_id.to_ascii_lowercase()
    ))
}

fn tracking_id(tenant_id: &str) -> String {
    uuid_of(&format!(
        "tracking-budget-{}",
        tenant_id.to_ascii_lowercase()
    ))
}

/// `(year, month)` as `YYYY-MM`.
pub fn period((y, m): (i32, u32)) -> String {
    format!("{y:04}-{m:02}")
}

fn next((y, m): (i32, u32)) -> (i32, u32) {
    if m == 12 {
        (y + 1, 1)
    } else {
        (y, m + 1)
    }
}

/// One budget line: an account and its amount per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account_id: String,
    pub code: String,
    pub revenue: bool,
    pub amounts: BTreeMap<(i32, u32), Decimal>,
}

/// The overall budget's lines: each profit-and-loss account's amount in
/// every month of the books (see the module's rules).
pub fn overall_lines(b: &TenantBooks) -> Vec<Line> {
    let moved = monthly_profit_and_loss(b);
    let (Some(first), Some(last)) = (
        moved.iter().map(|m| m.month).min(),
        moved.iter().map(|m| m.month).max(),
    ) else {
        return Vec::new();
    };
    let mut months = vec![first];
    while let Some(&m) = months.last() {
        if m >= last {
            break;
        }
        months.push(next(m));
    }
    let mut by_account: BTreeMap<String, Vec<&MonthMovement>> = BTreeMap::new();
    for m in &moved {
        by_account.entry(m.account_id.clone()).or_default().push(m);
    }
    let mut out = Vec::new();
    for (id, ms) in by_account {
        let Some(head) = ms.first() else { continue };
        let total: Decimal = ms.iter().map(|m| m.shown).sum();
        let average = total / Decimal::from(ms.len().max(1));
        let mut amounts = BTreeMap::new();
        for month in &months {
            let actual = ms
                .iter()
                .find(|m| m.month == *month)
                .map_or(average, |m| m.shown);
            let share = Decimal::from(85 + fnv(&format!("{id}{}", period(*month))) % 31);
            let amount = (actual * share / Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            amounts.insert(*month, amount.round_dp(2));
        }
        out.push(Line {
            account_id: id,
            code: head.code.clone(),
            revenue: head.revenue,
            amounts,
        });
    }
    out
}

/// The books' last journal, for `UpdatedDateUTC`.
fn updated_ms(b: &TenantBooks) -> i64 {
    b.table(Collection::Journals)
        .records()
        .iter()
        .filter_map(|r| r.value()["CreatedDateUTC"].as_str().and_then(parse_ms_date))
        .max()
        .unwrap_or(0)
}

fn line_json(l: &Line, share: Decimal, from: Option<&str>, to: Option<&str>) -> Value {
    let balances: Vec<Value> = l
        .amounts
        .iter()
        .map(|(m, a)| (period(*m), *a))
        .filter(|(p, _)| from.is_none_or(|f| p.as_str() >= f) && to.is_none_or(|t| p.as_str() <= t))
        .map(|(p, a)| {
            json!({
                "Period": p,
                "Amount": money((a * share).round_dp(2)),
                "Notes": "",
            })
        })
        .collect();
    json!({
        "AccountID": l.account_id,
        "AccountCode": l.code,
        "BudgetBalances": balances,
    })
}

/// Every budget of the books; with `lines`, each with its lines over the
/// periods from `from` to `to` (`YYYY-MM`, inclusive).
pub fn budgets(b: &TenantBooks, lines: bool, from: Option<&str>, to: Option<&str>) -> Vec<Value> {
    let overall = overall_lines(b);
    if overall.is_empty() {
        return Vec::new();
    }
    let updated = ms_date(updated_ms(b));
    let all = |share: Decimal, only_revenue: bool| -> Vec<Value> {
        if !lines {
            return Vec::new();
        }
        overall
            .iter()
            .filter(|l| !only_revenue || l.revenue)
            .map(|l| line_json(l, share, from, to))
            .collect()
    };
    let mut out = vec![json!({
        "BudgetID": overall_id(&b.tenant_id),
        "Status": "APPROVED",
        "Description": "Overall Budget",
        "Type": "OVERALL",
        "UpdatedDateUTC": updated,
        "BudgetLines": all(Decimal::ONE, false),
        "Tracking": [],
    })];
    let tracking = b
        .table(Collection::TrackingCategories)
        .records()
        .first()
        .map(|r| r.value());
    if let Some(t) = tracking {
        if let Some(option) = t["Options"].as_array().and_then(|o| o.first()) {
            out.push(json!({
                "BudgetID": tracking_id(&b.tenant_id),
                "Status": "APPROVED",
                "Description": format!("{} budget", option["Name"].as_str().unwrap_or("Tracking")),
                "Type": "TRACKING",
                "UpdatedDateUTC": updated,
                "BudgetLines": all(Decimal::new(4, 1), true),
                "Tracking": [{
                    "TrackingCategoryID": t["TrackingCategoryID"],
                    "Name": t["Name"],
                    "TrackingOptionID": option["TrackingOptionID"],
                    "Option": option["Name"],
                }],
            }));
        }
    }
    out
}

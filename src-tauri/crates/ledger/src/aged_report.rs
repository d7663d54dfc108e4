//! The aged receivables and payables report's rules, from what [`crate::aged`]
//! says was outstanding at a date: by currency, by contact, by how long past
//! due; the base-currency total set against the control account's balance,
//! with what stands between the two named, never absorbed.
//!
//! - Each document is aged by its due date (credits, which have none, by
//!   their date) into the five [`AgeBucket`]s.
//! - Documents in the control account are grouped by their own currency,
//!   then by contact (by name, then id), in their own currency.
//! - Their base-currency amounts add up to the total that the control
//!   account should hold of them. Prepayments not yet used are in no
//!   control account: they are summed on their own.
//! - The account's balance is the documents' lines plus any other line on
//!   it (a manual journal, a bank transaction coded to it). What the
//!   documents outstanding and the other lines do not explain is
//!   `unexplained`: a difference to look into, never a rounding.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerkeep_domain::reports::AgeBucket;
use rust_decimal::Decimal;

use crate::{Outstanding, Side};

/// Amounts per age bucket, in [`AgeBucket::ALL`]'s order.
pub type Buckets = [Decimal; 5];

/// An aged figure went beyond a decimal's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an aged report figure is out of range")]
pub struct AgedOverflow;

/// One contact's row in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgedContact {
    pub contact_id: Option<String>,
    /// The name the contact's documents give it, if any does.
    pub name: Option<String>,
    pub buckets: Buckets,
}

/// The documents in one currency (`None`: no currency is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgedCurrency {
    pub currency: Option<String>,
    pub contacts: Vec<AgedContact>,
    pub total: Buckets,
}

/// The aged report of one side at a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgedReport {
    pub currencies: Vec<AgedCurrency>,
    /// The documents in the control account, in the base currency.
    pub base_total: Buckets,
    /// Prepayments not yet used, in the base currency (not in the total).
    pub prepaid: Buckets,
    pub prepaid_count: usize,
    /// The control account's balance, signed as owed.
    pub account_balance: Decimal,
    /// Its lines that no document posted, signed as owed.
    pub other: Decimal,
    /// What neither the documents outstanding nor the other lines explain.
    pub unexplained: Decimal,
}

/// Which bucket a document outstanding at `as_at` falls in.
pub fn bucket_of(o: &Outstanding, as_at: NaiveDate) -> usize {
    let bucket = AgeBucket::of(Some(o.document.due_date.0), as_at);
    AgeBucket::ALL
        .iter()
        .position(|b| *b == bucket)
        .unwrap_or(0)
}

/// The buckets' total.
pub fn total_of(b: &Buckets) -> Result<Decimal, AgedOverflow> {
    b.iter()
        .try_fold(Decimal::ZERO, |a, x| a.checked_add(*x).ok_or(AgedOverflow))
}

fn add(slot: &mut Decimal, v: Decimal) -> Result<(), AgedOverflow> {
    *slot = slot.checked_add(v).ok_or(AgedOverflow)?;
    Ok(())
}

/// The control account a side's documents post to: Xero's system account
/// (`DEBTORS`, `CREDITORS`), else the account with the demo chart's code
/// (610, 800); and that code, for an account the chart does not hold.
pub fn control_account<A>(
    chart: &[A],
    side: Side,
    system_of: impl Fn(&A) -> Option<&str>,
    code_of: impl Fn(&A) -> Option<&str>,
) -> (Option<&A>, &'static str) {
    let (system, fallback) = match side {
        Side::Receivable => ("DEBTORS", "610"),
        Side::Payable => ("CREDITORS", "800"),
    };
    let found = chart
        .iter()
        .find(|a| system_of(a) == Some(system))
        .or_else(|| chart.iter().find(|a| code_of(a) == Some(fallback)));
    (found, fallback)
}

/// The aged report of `side` at the end of `as_at`, from what was
/// outstanding then (`outstanding`, both sides), the base currency, and the
/// control account's lines to that day (debit positive): those its
/// documents posted (`documents_net`) and the rest (`other_net`).
pub fn aged_report(
    outstanding: &[Outstanding],
    side: Side,
    as_at: NaiveDate,
    base_currency: Option<&str>,
    documents_net: Decimal,
    other_net: Decimal,
) -> Result<AgedReport, AgedOverflow> {
    // currency -> (contact name lowercased, contact id) -> buckets.
    let mut by: BTreeMap<String, BTreeMap<(String, String), Buckets>> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut base_total: Buckets = [Decimal::ZERO; 5];
    let mut prepaid: Buckets = [Decimal::ZERO; 5];
    let mut prepaid_count = 0usize;
    for o in outstanding.iter().filter(|o| o.document.side == side) {
        let i = bucket_of(o, as_at);
        if !o.document.in_control {
            add(&mut prepaid[i], o.base)?;
            prepaid_count += 1;
            continue;
        }
        add(&mut base_total[i], o.base)?;
        let contact_id = o.document.contact_id.clone().unwrap_or_default();
        let name = o.document.contact_name.clone().unwrap_or_default();
        if !contact_id.is_empty() && !name.is_empty() {
            names.insert(contact_id.clone(), name.clone());
        }
        let currency = o
            .document
            .currency
            .clone()
            .or_else(|| base_currency.map(str::to_owned))
            .unwrap_or_default();
        let slot = by
            .entry(currency)
            .or_default()
            .entry((name.to_lowercase(), contact_id))
            .or_insert([Decimal::ZERO; 5]);
        add(&mut slot[i], o.amount)?;
    }
    let mut currencies = Vec::new();
    for (currency, contacts) in by {
        let mut total: Buckets = [Decimal::ZERO; 5];
        let mut rows = Vec::new();
        for ((_, contact_id), buckets) in contacts {
            for (t, b) in total.iter_mut().zip(buckets) {
                add(t, b)?;
            }
            rows.push(AgedContact {
                name: names.get(&contact_id).cloned(),
                contact_id: Some(contact_id).filter(|c| !c.is_empty()),
                buckets,
            });
        }
        currencies.push(AgedCurrency {
            currency: Some(currency).filter(|c| !c.is_empty()),
            contacts: rows,
            total,
        });
    }
    // Signed as owed: receivables are the account's debit balance, payables
    // its credit balance.
    let owed = |net: Decimal| match side {
        Side::Receivable => net,
        Side::Payable => -net,
    };
    let account_balance = owed(documents_net.checked_add(other_net).ok_or(AgedOverflow)?);
    let other = owed(other_net);
    let unexplained = account_balance
        .checked_sub(total_of(&base_total)?)
        .and_then(|d| d.checked_sub(other))
        .ok_or(AgedOverflow)?;
    Ok(AgedReport {
        currencies,
        base_total,
        prepaid,
        prepaid_count,
        account_balance,
        other,
        unexplained,
    })
}

//! Shared set-up for the ledger's tests: the demo chart's system accounts and
//! documents read from Xero-shaped JSON, as the sync reads them.
#![allow(dead_code, clippy::expect_used)]

use std::str::FromStr;

use ledgerkeep_domain::{XeroEntity, XeroRecord};
use ledgerkeep_ledger::{
    AccountKey, JournalLine, LineRole, Posting, PostingContext, SystemAccounts,
};
use rust_decimal::Decimal;
use serde_json::Value;

/// The simulator's demo chart: receivable 610, payable 800, GST 820; its
/// chart has no gains or rounding account, so Xero's usual 497 and 860.
pub fn ctx() -> PostingContext {
    PostingContext::new(
        "NZD",
        SystemAccounts {
            receivable: AccountKey::code("610"),
            payable: AccountKey::code("800"),
            tax: AccountKey::code("820"),
            currency_gains: AccountKey::code("497"),
            rounding: AccountKey::code("860"),
        },
    )
}

pub fn read<T: XeroEntity>(v: Value) -> T {
    XeroRecord::<T>::from_value(v)
        .expect("a Xero record")
        .entity
}

pub fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal")
}

/// (account code or id, base amount, role) of each line, in order.
pub fn shape(p: &Posting) -> Vec<(String, Decimal, LineRole)> {
    p.lines
        .iter()
        .map(|l| {
            (
                l.account
                    .code
                    .clone()
                    .or_else(|| l.account.account_id.clone())
                    .unwrap_or_default(),
                l.amount,
                l.role,
            )
        })
        .collect()
}

pub fn expect(p: &Posting, want: &[(&str, &str, LineRole)]) {
    let want: Vec<(String, Decimal, LineRole)> = want
        .iter()
        .map(|(a, amount, role)| ((*a).to_owned(), d(amount), *role))
        .collect();
    assert_eq!(shape(p), want);
}

/// The sum of the lines on `code`.
pub fn on(lines: &[JournalLine], code: &str) -> Decimal {
    lines
        .iter()
        .filter(|l| l.account.code.as_deref() == Some(code))
        .map(|l| l.amount)
        .sum()
}

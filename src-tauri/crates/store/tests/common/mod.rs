//! Helpers shared by the store's integration tests: real ledger files in temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use ledgerkeep_domain::xero::{BankTransaction, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_store::LedgerStore;
use serde_json::Value;

pub const TENANT: &str = "tenant-1";

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

pub fn actor() -> Actor {
    Actor::sync("run-1")
}

pub struct Ledger {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: LedgerStore,
}

pub async fn ledger() -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let store = LedgerStore::open(&path).await.unwrap();
    Ledger { dir, path, store }
}

/// A bank transaction as Xero sends it. `total` is JSON number text.
pub fn bank_tx(id: &str, updated_ms: i64, total: &str, reference: &str) -> Value {
    let text = format!(
        r#"{{"BankTransactionID": "{id}", "Type": "SPEND", "Status": "AUTHORISED",
            "Contact": {{"ContactID": "c-1", "Name": "Acme Supplies"}},
            "BankAccount": {{"AccountID": "bank-1", "Code": "090"}},
            "Date": "/Date(1539993600000+0000)/", "Reference": "{reference}",
            "CurrencyCode": "NZD", "LineAmountTypes": "Inclusive",
            "LineItems": [{{"Description": "Paper for {reference}", "UnitAmount": 0.3333, "Quantity": 3,
                            "LineAmount": {total}, "AccountCode": "400"}}],
            "SubTotal": {total}, "TotalTax": 0.00, "Total": {total},
            "UpdatedDateUTC": "/Date({updated_ms}+0000)/"}}"#
    );
    serde_json::from_str(&text).unwrap()
}

pub fn recs(values: Vec<Value>) -> Vec<XeroRecord<BankTransaction>> {
    values
        .into_iter()
        .map(|v| XeroRecord::from_value(v).unwrap())
        .collect()
}

pub async fn count(store: &LedgerStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

pub fn file_digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

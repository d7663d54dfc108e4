//! A ledger holding the simulator's books, shared by the report and export tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::Page;
use ledgerkeep_domain::{with_records, Actor, EntityKind};
use ledgerkeep_sim::{Collection, Size, Truth};
use rust_decimal::Decimal;
use serde_json::Value;

/// A ledger holding every record of the simulator's small books (seed 7),
/// written through the store's page path, as the sync writes them, and the
/// general ledger rebuilt from them.
pub async fn seeded_from_sim() -> (tempfile::TempDir, AppContext, Truth) {
    let truth = ledgerkeep_sim::generate::generate(7, Size::Small);
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    for t in &truth.tenants {
        for (c, kind) in [
            (Collection::Organisation, EntityKind::Organisation),
            (Collection::Accounts, EntityKind::Account),
            (Collection::Contacts, EntityKind::Contact),
            (Collection::Invoices, EntityKind::Invoice),
            (Collection::CreditNotes, EntityKind::CreditNote),
            (Collection::Payments, EntityKind::Payment),
            (Collection::Overpayments, EntityKind::Overpayment),
            (Collection::Prepayments, EntityKind::Prepayment),
            (Collection::BankTransactions, EntityKind::BankTransaction),
            (Collection::BankTransfers, EntityKind::BankTransfer),
            (Collection::ManualJournals, EntityKind::ManualJournal),
            (Collection::Journals, EntityKind::Journal),
        ] {
            let records = truth.records(&t.tenant_id, c);
            for chunk in records.chunks(500) {
                let page = Page::from_value(kind, Value::Array(chunk.to_vec())).unwrap();
                let actor = Actor::sync("seed");
                with_records!(&page.records, recs => {
                    ctx.store().apply_page(&t.tenant_id, recs, &actor, now).await
                })
                .unwrap();
            }
        }
        // The reports read the general ledger the sync rebuilds from the documents.
        ledgerkeep_sync::general_ledger::rebuild_general_ledger(ctx.store(), &t.tenant_id, now)
            .await
            .unwrap();
    }
    (dir, ctx, truth)
}

/// `/Date(1539993600000+0000)/` as a calendar date, read here on its own.
pub fn ms_date(v: &Value) -> Option<NaiveDate> {
    let s = v.as_str()?;
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits: String = inner
        .chars()
        .enumerate()
        .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
        .map(|(_, c)| c)
        .collect();
    let ms: i64 = digits.parse().ok()?;
    Some(Utc.timestamp_millis_opt(ms).single()?.date_naive())
}

pub fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.to_string().trim_matches('"')).unwrap()
}

/// The tenant with the most journals, and the date of its last journal.
pub fn busiest(truth: &Truth) -> (String, NaiveDate) {
    let t = truth
        .tenants
        .iter()
        .max_by_key(|t| t.table(Collection::Journals).len())
        .unwrap();
    let last = truth
        .records(&t.tenant_id, Collection::Journals)
        .iter()
        .filter_map(|j| ms_date(&j["JournalDate"]))
        .max()
        .unwrap();
    (t.tenant_id.clone(), last)
}

/// The simulator's Journals that come from a document: what a ledger rebuilt
/// from the documents holds when no trial balance of Xero's is stored to
/// explain the rest (the pay runs, which no endpoint shows).
pub fn document_journals(truth: &Truth, tenant: &str) -> Vec<Value> {
    truth
        .records(tenant, Collection::Journals)
        .into_iter()
        .filter(|j| {
            !j["SourceType"]
                .as_str()
                .is_some_and(|t| t.starts_with("INTEGRATEDPAYROLL"))
        })
        .collect()
}

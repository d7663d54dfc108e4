//! The general ledger rebuilt from 1,000,000 documents (`make bench`;
//! docs/BENCHMARKS.md): `rebuild_general_ledger` timed on a real SQLite file,
//! through the real store.
//!
//! The documents are the simulator's medium books (seed 7, first
//! organisation: invoices and bills of 1 to 3 lines, some in a foreign
//! currency, their payments, credit notes with allocations, overpayments and
//! prepayments, bank transactions, transfers and manual journals), repeated
//! until the ledger holds `LEDGERKEEP_REBUILD_DOCUMENTS` posting documents
//! (default 1,000,000). Each copy has new ids for everything the copy owns
//! (documents, lines, payments, allocations; the chart, contacts and tax
//! rates are shared) and is dated 541 days (more than the books' span)
//! earlier than the one before: a longer history of the same business. The
//! ledger is written the way a sync writes it (`Page::from_value`, `apply_page`, pages of
//! 1,000), then `ANALYZE`; none of that is timed.
//!
//! Then the rebuild is timed on the real clock, twice (the first replaces an
//! empty ledger, the second a full one, as every later sync does), and the
//! documents per second printed, with where the time went. `LEDGERKEEP_REBUILD_DIR=<folder>` keeps the
//! ledger there and reuses it on the next run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark prints its figures and stops on failure
#![allow(clippy::float_arithmetic)] // seconds and rates of timings; no money passes through here

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use ledgerkeep_domain::xero::Page;
use ledgerkeep_domain::{with_records, Actor, EntityKind};
use ledgerkeep_sim::generate::generate;
use ledgerkeep_sim::{Collection, Size};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_sync::general_ledger::rebuild_general_ledger_timed;
use serde_json::Value;

const PAGE: usize = 1_000;
const SHIFT_MS: i64 = 541 * 86_400_000;
/// Marks a folder whose ledger is complete.
const READY: &str = "rebuild-ledger-ready";

const POSTING: [Collection; 8] = [
    Collection::Invoices,
    Collection::CreditNotes,
    Collection::Payments,
    Collection::Overpayments,
    Collection::Prepayments,
    Collection::BankTransactions,
    Collection::BankTransfers,
    Collection::ManualJournals,
];

fn kind_of(c: Collection) -> EntityKind {
    match c {
        Collection::Organisation => EntityKind::Organisation,
        other => EntityKind::from_stream(other.path()).unwrap(),
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Every id a value holds.
fn ids(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::String(s) if is_uuid(s) => {
            out.insert(s.to_ascii_lowercase());
        }
        Value::Array(a) => a.iter().for_each(|x| ids(x, out)),
        Value::Object(o) => o.values().for_each(|x| ids(x, out)),
        _ => {}
    }
}

/// A copy of a document: the ids it owns renamed (the same new id wherever
/// the same old one appears, in this document or another of the copy), and
/// its dates moved `by` ms earlier.
struct Copy<'a> {
    shared: &'a HashSet<String>,
    renamed: HashMap<String, String>,
    copy: u64,
    by: i64,
}

impl Copy<'_> {
    fn apply(&mut self, v: &mut Value) {
        match v {
            Value::String(s) if is_uuid(s) => {
                let key = s.to_ascii_lowercase();
                if !self.shared.contains(&key) {
                    let n = self.renamed.len() as u64;
                    let copy = self.copy;
                    *s = self
                        .renamed
                        .entry(key)
                        .or_insert_with(|| format!("b0c0{copy:04x}-0000-4000-8000-{n:012x}"))
                        .clone();
                }
            }
            Value::String(s) if s.starts_with("/Date(") => {
                let inner = s.trim_start_matches("/Date(").trim_end_matches(")/");
                let (ms, rest) = match inner[1..].find(['+', '-']) {
                    Some(i) => inner.split_at(i + 1),
                    None => (inner, ""),
                };
                let ms: i64 = ms.parse().unwrap();
                *s = format!("/Date({}{rest})/", ms - self.by);
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.apply(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.apply(x)),
            _ => {}
        }
    }
}

async fn apply_all(store: &LedgerStore, tenant: &str, kind: EntityKind, values: Vec<Value>) {
    let actor = Actor::sync("bench-rebuild");
    let now = Utc.timestamp_opt(1_782_864_000, 0).unwrap();
    for chunk in values.chunks(PAGE) {
        let page = Page::from_value(kind, Value::Array(chunk.to_vec())).unwrap();
        with_records!(&page.records, recs => store.apply_page(tenant, recs, &actor, now).await)
            .unwrap();
    }
}

/// Writes the medium books' first organisation, its documents repeated to
/// `documents`, into a ledger at `file`; returns the tenant.
async fn build(file: &Path, documents: usize) -> String {
    let t = Instant::now();
    let truth = generate(7, Size::Medium);
    let books = &truth.tenants[0];
    let store = LedgerStore::open(file).await.unwrap();
    let mut shared = HashSet::new();
    for c in Collection::ALL {
        if POSTING.contains(&c) || c == Collection::Journals {
            continue;
        }
        let values: Vec<Value> = books.table(c).records().iter().map(|r| r.value()).collect();
        values.iter().for_each(|v| ids(v, &mut shared));
        apply_all(&store, &books.tenant_id, kind_of(c), values).await;
    }
    let base: Vec<(Collection, Vec<Value>)> = POSTING
        .iter()
        .map(|c| {
            (
                *c,
                books
                    .table(*c)
                    .records()
                    .iter()
                    .map(|r| r.value())
                    .collect(),
            )
        })
        .collect();
    let per_copy: usize = base.iter().map(|(_, v)| v.len()).sum();
    let mut written = 0usize;
    let mut by_table: HashMap<&str, usize> = HashMap::new();
    for copy in 0u64.. {
        if written >= documents {
            break;
        }
        let mut c = Copy {
            shared: &shared,
            renamed: HashMap::new(),
            copy,
            by: i64::try_from(copy).unwrap() * SHIFT_MS,
        };
        for (collection, values) in &base {
            let take = values.len().min(documents - written);
            let mut out: Vec<Value> = values[..take].to_vec();
            if copy > 0 {
                out.iter_mut().for_each(|v| c.apply(v));
            }
            written += take;
            *by_table.entry(collection.path()).or_default() += take;
            apply_all(&store, &books.tenant_id, kind_of(*collection), out).await;
        }
    }
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    store.close().await;
    let mut tables: Vec<_> = by_table.into_iter().collect();
    tables.sort();
    println!(
        "wrote {written} documents ({per_copy} a copy of the medium books' first organisation) \
         in {:.0} s: {tables:?}",
        t.elapsed().as_secs_f64()
    );
    books.tenant_id.clone()
}

fn load() -> String {
    std::process::Command::new("uptime")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split("load average:").nth(1).map(|l| l.trim().to_owned()))
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let documents: usize = std::env::var("LEDGERKEEP_REBUILD_DOCUMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().unwrap();
    let root = std::env::var_os("LEDGERKEEP_REBUILD_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&root).unwrap();
    let file = root.join(format!("rebuild-{documents}.sqlite"));
    let ready = root.join(format!("{READY}-{documents}"));
    println!("# The general ledger rebuilt from {documents} documents");
    let tenant = if ready.exists() {
        println!("reusing the ledger in {}", file.display());
        std::fs::read_to_string(&ready).unwrap()
    } else {
        let _ = std::fs::remove_file(&file);
        let tenant = build(&file, documents).await;
        std::fs::write(&ready, &tenant).unwrap();
        tenant
    };
    let store = LedgerStore::open(&file).await.unwrap();
    for run in ["onto an empty ledger", "replacing a full one"] {
        if run.starts_with("onto") {
            sqlx::query("DELETE FROM gl_entries")
                .execute(store.pool())
                .await
                .unwrap();
            sqlx::query("DELETE FROM gl_state")
                .execute(store.pool())
                .await
                .unwrap();
        }
        let before = load();
        let now = Utc::now();
        let t = Instant::now();
        let (state, phases) = rebuild_general_ledger_timed(&store, &tenant, now)
            .await
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!(
            "rebuild {run}: {} documents, {} lines, {} unposted in {secs:.1} s: \
             {:.0} documents/s, {:.0} lines/s (load average before: {before}; after: {})",
            state.documents,
            state.lines,
            state.unposted.len(),
            state.documents as f64 / secs,
            state.lines as f64 / secs,
            load()
        );
        println!(
            "  phases: context {:.1} s, putting the old ledger away {:.1} s, reading, posting \
             and writing {:.1} s (the writer busy {:.1} s), the end (last lines, month totals, \
             indexes, commit) {:.1} s",
            phases.context.as_secs_f64(),
            phases.begin.as_secs_f64(),
            phases.post_and_write.as_secs_f64(),
            phases.writer_busy.as_secs_f64(),
            phases.finish.as_secs_f64()
        );
        if let Some(u) = state.unposted.first() {
            println!("  e.g. unposted: {u:?}");
        }
    }
    store.close().await;
}

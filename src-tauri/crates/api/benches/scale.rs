//! The reports, the explorer, search and record pages at scale (`make
//! bench-scale`, part of `make bench`; docs/BENCHMARKS.md):
//! the operations the Tauri commands call, timed on a ledger holding the
//! simulator's large books (one organisation with 1,000,000 bank
//! transactions) and the general ledger rebuilt from them (more than
//! 1,000,000 lines).
//!
//! The ledger is written the way a sync writes it: every record through
//! `Page::from_value` and `LedgerStore::apply_page` in pages of 1,000 (lines, search text, audit
//! rows). Xero's Journals are left out (the reports read the general ledger,
//! and a Starter app cannot read Journals). Then, as a sync ends, the general
//! ledger is rebuilt from the documents (`rebuild_general_ledger`, timed and
//! printed in documents per second), then `optimize` and `ANALYZE`. A data
//! folder kept from before the general ledger (its ledger has no rebuilt
//! ledger) is rebuilt on first use.
//!
//! Then, each on the real clock, p50 and p95 (after warm-up calls):
//! - reports: a financial year's profit and loss, the balance sheet and the
//!   trial balance at that year's end (`run_report`), a figure's first page of
//!   lines (`report_drill`);
//! - the explorer: what it asks for when it opens (`organisations`,
//!   `saved_views`, `list_documents` for a page of 200 newest first,
//!   `document_totals`), and the same two listing calls for each filter
//!   (a month, a status, an amount range, a contact) and for a search (a
//!   reference, a contact's name, a word of the line text, that word within a
//!   month and with a status);
//! - once each, on a second store of the same file: a search's totals that
//!   make the store's in-memory copy for search totals, then one with a month
//!   (which adds the days, statuses, types and accounts); and on the first, a
//!   search's totals after each of five sync pages of 1,000 changed documents
//!   (the copy catching up; the pages change the newest documents'
//!   `UpdatedDateUTC` by a second, so each run leaves the kept ledger 5,000
//!   updates further on);
//! - the same searches' totals as SQLite alone sums them
//!   (`document_totals_by_scan`), for the ratio;
//! - a search across every kind of document, as the explorer asks with "All
//!   kinds" (`search_documents`, the newest 200) and as the Ctrl-K palette
//!   asks (`quick_find`, 6 of each kind: documents, contacts, accounts,
//!   attachments' file names), for a reference, a contact's name, a word of
//!   the line text, an account's name, an attachment's file name, words in
//!   nothing, and one letter;
//! - a record's page (`record_detail`): invoices with the most payments, the
//!   newest and the oldest bank transactions, the busiest contact's
//!   documents, documents with files, and ten of each other kind.
//!
//! The large books mark the documents that have files (`HasAttachments`) but
//! a ledger written without the attachments job has no rows for them: once
//! a ledger is ready, the bench gives those documents the rows the job would
//! keep (the simulator's file names, ids and sizes; 204,571 for these books),
//! rows only, no files and no audit rows, so that the palette's file-name
//! search reads an organisation's worth of names.
//!
//! `LEDGERKEEP_SCALE_DIR=<folder>` keeps the data folder (the ledger under
//! `AppPaths`' layout) and reuses it on the next run, so that it is built
//! once; `make bench-app` points the real app at it. Without it, a temporary
//! folder is built and removed. `LEDGERKEEP_SCALE_RUNS` (default 40) sets the
//! timed calls per figure; `LEDGERKEEP_SCALE_ONLY=dashboard` times the
//! Dashboard alone (it comes first) and stops, and `=search` times search
//! across every kind and the record pages (the sections before are called
//! once each, untimed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark prints its figures and stops on failure
#![allow(clippy::float_arithmetic)] // milliseconds of timings; no money passes through here

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, TimeZone, Utc};
use ledgerkeep_api::ops::organisations::organisations;
use ledgerkeep_api::*;
use ledgerkeep_domain::reports::financial_year_start;
use ledgerkeep_domain::xero::Page;
use ledgerkeep_domain::{with_records, Actor, EntityKind};
use ledgerkeep_sim::generate::{generate, BOOKS_END_MS};
use ledgerkeep_sim::{Collection, Size};
use ledgerkeep_store::query::{DocumentFilter, DocumentKind};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_sync::general_ledger::rebuild_general_ledger;
use ledgerkeep_xero::MemoryTokenStore;
use serde_json::Value;

const PAGE: usize = 1_000;
/// Marks a data folder whose ledger is complete.
const READY: &str = "scale-ledger-ready";

fn kind_of(c: Collection) -> EntityKind {
    match c {
        Collection::Organisation => EntityKind::Organisation,
        other => EntityKind::from_stream(other.path()).unwrap(),
    }
}

async fn apply_all(store: &LedgerStore, tenant: &str, kind: EntityKind, values: Vec<Value>) {
    let actor = Actor::sync("bench-scale");
    let now = Utc.timestamp_opt(1_782_864_000, 0).unwrap();
    for chunk in values.chunks(PAGE) {
        let page = Page::from_value(kind, Value::Array(chunk.to_vec())).unwrap();
        with_records!(&page.records, recs => store.apply_page(tenant, recs, &actor, now).await)
            .unwrap();
    }
}

/// `/Date(ms+0000)/` moved `by` ms earlier.
fn earlier(date: &Value, by: i64) -> Value {
    let text = date.as_str().unwrap();
    let inner = text.trim_start_matches("/Date(").trim_end_matches(")/");
    let (ms, rest) = match inner.find(['+', '-']) {
        Some(i) => inner.split_at(i),
        None => (inner, ""),
    };
    let ms: i64 = ms.parse().unwrap();
    Value::String(format!("/Date({}{rest})/", ms - by))
}

fn load_average() -> String {
    std::process::Command::new("uptime")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split("load average:").nth(1).map(|l| l.trim().to_owned()))
        .unwrap_or_default()
}

/// Rebuilds the general ledger of the only organisation in the ledger under
/// `root`, as a sync does after it wrote changes, and prints the rate.
async fn rebuild(root: &Path) {
    let store = LedgerStore::open(&AppPaths::under(root).ledger_file())
        .await
        .unwrap();
    let tenant: String = sqlx::query_scalar("SELECT tenant_id FROM organisations LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let before = load_average();
    let t = Instant::now();
    let state = rebuild_general_ledger(&store, &tenant, Utc::now())
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "rebuilt the general ledger: {} documents, {} lines, {} unposted in {secs:.1} s: \
         {:.0} documents/s (load average before: {before}; after: {})",
        state.documents,
        state.lines,
        state.unposted.len(),
        state.documents as f64 / secs,
        load_average()
    );
    store.optimize().await.unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    store.close().await;
}

/// Writes the large books' first organisation into the ledger under `root`.
async fn build(root: &Path) {
    let paths = AppPaths::under(root);
    paths.create_all().unwrap();
    let t = Instant::now();
    let truth = generate(7, Size::Large);
    let books = &truth.tenants[0];
    println!(
        "generated the large books in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let store = LedgerStore::open(&paths.ledger_file()).await.unwrap();
    let t = Instant::now();
    let mut records = 0usize;
    for c in Collection::ALL {
        if c == Collection::Journals {
            continue;
        }
        let values: Vec<Value> = books
            .table(c)
            .records()
            .iter()
            .map(ledgerkeep_sim::Record::value)
            .collect();
        records += values.len();
        apply_all(&store, &books.tenant_id, kind_of(c), values).await;
    }
    store.close().await;
    println!(
        "wrote {records} records through apply_page in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    rebuild(root).await;
    std::fs::write(root.join(READY), "").unwrap();
}

#[derive(Default)]
struct Table {
    rows: Vec<(String, Vec<Duration>)>,
    /// Call each figure once, untimed (a section not asked for).
    skip: bool,
}

impl Table {
    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    fn pct(sorted: &[Duration], p: usize) -> Duration {
        let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
        sorted[i.min(sorted.len() - 1)]
    }

    async fn time<T, F, Fut>(&mut self, name: &str, runs: usize, mut call: F) -> T
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        // A section not asked for (`LEDGERKEEP_SCALE_ONLY`): called once, for
        // what later sections read from it, and not timed.
        if self.skip {
            return call(0).await.unwrap();
        }
        // Warm-up: the first calls read the pages from disk.
        for i in 0..3 {
            call(i).await.unwrap();
        }
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for i in 0..runs {
            let t = Instant::now();
            let out = call(i + 3).await.unwrap();
            times.push(t.elapsed());
            last = Some(out);
        }
        times.sort();
        println!(
            "  {name:<58} p50 {:>8.2} ms  p95 {:>8.2} ms  max {:>8.2} ms",
            Self::ms(Self::pct(&times, 50)),
            Self::ms(Self::pct(&times, 95)),
            Self::ms(*times.last().unwrap())
        );
        self.rows.push((name.to_owned(), times));
        last.unwrap()
    }
}

fn dto(tenant: &str) -> DocumentFilterDto {
    DocumentFilterDto {
        kind: Some(DocumentKindDto::BankTransactions),
        tenant_id: tenant.to_owned(),
        ..DocumentFilterDto::default()
    }
}

fn page_of_200(filter: DocumentFilterDto) -> ListDocumentsRequest {
    // What the explorer asks for: newest first, pages of 200.
    ListDocumentsRequest {
        filter,
        sort: SortFieldDto::Date,
        descending: true,
        after: None,
        limit: Some(200),
    }
}

/// Times the listing and the totals the explorer asks for with `filters`
/// (one filter per call, in turn).
async fn explorer_case(
    t: &mut Table,
    ctx: &AppContext,
    name: &str,
    runs: usize,
    filters: &[DocumentFilterDto],
) {
    let n = filters.len();
    t.time(&format!("{name}: list_documents"), runs, |i| {
        list_documents(ctx, page_of_200(filters[i % n].clone()))
    })
    .await;
    t.time(&format!("{name}: document_totals"), runs, |i| {
        document_totals(ctx, filters[i % n].clone())
    })
    .await;
}

/// Times one call, printed apart from the table: a one-off, not a percentile.
async fn once<T>(name: &str, call: impl Future<Output = Result<T, ApiError>>) {
    let at = Instant::now();
    call.await.unwrap();
    println!("  {name:<58} {:>8.2} ms (once)", Table::ms(at.elapsed()));
}

/// Each search of `searches` with the next filter of `filters` as well.
fn with_text<'a>(
    searches: &[DocumentFilterDto],
    filters: impl Iterator<Item = &'a DocumentFilterDto>,
) -> Vec<DocumentFilterDto> {
    searches
        .iter()
        .zip(filters)
        .map(|(w, f)| DocumentFilterDto {
            text: w.text.clone(),
            ..f.clone()
        })
        .collect()
}

/// Times the totals of `filters` as SQLite alone sums them, without the
/// rollups or the in-memory copy (`document_totals_by_scan`).
async fn sqlite_alone(
    t: &mut Table,
    ctx: &AppContext,
    name: &str,
    runs: usize,
    filters: &[DocumentFilterDto],
) {
    let filters: Vec<(DocumentKind, DocumentFilter)> =
        filters.iter().map(|f| f.validate().unwrap()).collect();
    t.time(&format!("{name}: totals by SQLite alone"), runs, |i| {
        let (kind, f) = filters[i % filters.len()].clone();
        let store = ctx.store().clone();
        async move {
            store
                .document_totals_by_scan(kind, &f)
                .await
                .map_err(ApiError::from)
        }
    })
    .await;
}

/// A stand-in for a file's SHA-256 (64 hex digits): the seeded attachment
/// rows have no file on disk.
fn stand_in_hash(text: &str) -> String {
    let mut out = String::with_capacity(64);
    for salt in 0..4u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// Gives the documents whose JSON says they have files the attachment rows
/// the sync's attachments job would keep for them (the simulator's ids, file
/// names, types and sizes), when the ledger has none: the palette searches
/// the file names. Rows only, in one transaction: no file is written (a
/// record page shows them as not held), no audit row, a stand-in hash.
async fn seed_attachments(root: &Path) {
    let store = LedgerStore::open(&AppPaths::under(root).ledger_file())
        .await
        .unwrap();
    let tenant: String = sqlx::query_scalar("SELECT tenant_id FROM organisations LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE tenant_id = ?")
        .bind(&tenant)
        .fetch_one(store.pool())
        .await
        .unwrap();
    if have == 0 {
        let t = Instant::now();
        let mut tx = store.pool().begin().await.unwrap();
        let mut files = 0usize;
        for (table, c) in [
            ("invoices", Collection::Invoices),
            ("credit_notes", Collection::CreditNotes),
            ("bank_transactions", Collection::BankTransactions),
        ] {
            let raws: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT raw_json FROM {table} WHERE tenant_id = ? \
                 AND json_extract(raw_json, '$.HasAttachments') = 1"
            ))
            .bind(&tenant)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            for raw in raws {
                let v: Value = serde_json::from_str(&raw).unwrap();
                let record_id = v[c.id_field()].as_str().unwrap().to_owned();
                for a in ledgerkeep_sim::attachments::attachments_of(c, &v) {
                    sqlx::query(
                        "INSERT INTO attachments (tenant_id, attachment_id, entity, record_id, \
                         file_name, mime_type, content_length, sha256, stored_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-07-01T00:00:00Z')",
                    )
                    .bind(&tenant)
                    .bind(&a.id)
                    .bind(kind_of(c).stream())
                    .bind(&record_id)
                    .bind(&a.file_name)
                    .bind(a.mime_type)
                    .bind(i64::try_from(a.bytes.len()).unwrap())
                    .bind(stand_in_hash(&a.id))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                    files += 1;
                }
            }
        }
        tx.commit().await.unwrap();
        sqlx::query("ANALYZE attachments")
            .execute(store.pool())
            .await
            .unwrap();
        println!(
            "gave the documents that have files {files} attachment rows (file names only) in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// The first column of `sql`'s rows (`?1` is the organisation).
async fn column(ctx: &AppContext, sql: &str, tenant: &str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .bind(tenant)
        .fetch_all(ctx.store().pool())
        .await
        .unwrap()
}

/// Times the explorer's search across every kind (`search_documents`, the
/// newest 200, as the Transactions screen asks with "All kinds") and the
/// palette's `quick_find` (6 of each kind, as Ctrl-K asks), for `texts` in
/// turn.
async fn search_case(
    t: &mut Table,
    ctx: &AppContext,
    tenant: &str,
    name: &str,
    runs: usize,
    texts: &[String],
) {
    if texts.is_empty() {
        println!("  {name}: none in the ledger, not timed");
        return;
    }
    let n = texts.len();
    let hits = t
        .time(
            &format!("every kind, {name}: search_documents"),
            runs,
            |i| {
                search_documents(
                    ctx,
                    SearchDocumentsRequest {
                        tenant_id: tenant.to_owned(),
                        text: texts[i % n].clone(),
                        limit: Some(200),
                    },
                )
            },
        )
        .await;
    let found = t
        .time(&format!("palette, {name}: quick_find"), runs, |i| {
            quick_find(
                ctx,
                QuickFindRequest {
                    tenant_id: tenant.to_owned(),
                    text: texts[i % n].clone(),
                    limit: Some(6),
                },
            )
        })
        .await;
    println!(
        "    (the last: {:?}: {} documents; palette {} documents, {} contacts, {} accounts, {} files)",
        texts[(runs + 2) % n],
        hits.len(),
        found.documents.len(),
        found.contacts.len(),
        found.accounts.len(),
        found.attachments.len()
    );
}

/// Times `record_detail` (what a record's page asks for) for `records` in
/// turn.
async fn record_case(
    t: &mut Table,
    ctx: &AppContext,
    tenant: &str,
    name: &str,
    runs: usize,
    records: &[(EntityKind, String)],
) {
    if records.is_empty() {
        println!("  {name}: none in the ledger, not timed");
        return;
    }
    let n = records.len();
    let page = t
        .time(&format!("record page, {name}"), runs, |i| {
            record_detail(
                ctx,
                RecordDetailRequest {
                    tenant_id: tenant.to_owned(),
                    entity: records[i % n].0,
                    xero_id: records[i % n].1.clone(),
                },
            )
        })
        .await;
    println!(
        "    (the last: {:?} {}: {} lines, {} links, {} files, {} history entries)",
        page.entity,
        page.title,
        page.lines.len(),
        page.links.len(),
        page.attachments.len(),
        page.history.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::var("LEDGERKEEP_SCALE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let temp = tempfile::tempdir().unwrap();
    let root = std::env::var_os("LEDGERKEEP_SCALE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    println!("# Reports and the explorer at scale");
    if root.join(READY).exists() {
        println!("reusing the ledger in {}", root.display());
        let store = LedgerStore::open(&AppPaths::under(&root).ledger_file())
            .await
            .unwrap();
        let rebuilt: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gl_state")
            .fetch_one(store.pool())
            .await
            .unwrap();
        store.close().await;
        if rebuilt == 0 {
            rebuild(&root).await;
        }
    } else {
        build(&root).await;
    }
    seed_attachments(&root).await;
    let config = AppConfig::new(AppPaths::under(&root));
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(MemoryTokenStore::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    let orgs = organisations(&ctx).await.unwrap();
    let tenant = orgs[0].tenant_id.clone();
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM bank_transactions WHERE tenant_id = ?1), \
         (SELECT COUNT(*) FROM gl_entries WHERE tenant_id = ?1), \
         (SELECT COUNT(*) FROM gl_lines l JOIN gl_entries j ON j.id = l.parent_id \
          WHERE j.tenant_id = ?1)",
    )
    .bind(&tenant)
    .fetch_one(ctx.store().pool())
    .await
    .unwrap();
    println!(
        "ledger: {} ({}): {} bank transactions; general ledger: {} entries, {} lines",
        orgs[0].name, tenant, counts.0, counts.1, counts.2
    );
    let mut t = Table::default();
    // `LEDGERKEEP_SCALE_ONLY=dashboard` times the Dashboard alone, then stops;
    // `=search` times search across every kind and the record pages alone.
    let only = std::env::var("LEDGERKEEP_SCALE_ONLY").ok();
    t.skip = only.as_deref() == Some("search");

    // --- The Dashboard ------------------------------------------------------
    // Its figures as the window asks for them each morning, on the day the
    // books end: bank balances, twelve months in and out, income against
    // expenses, what is owed by age, recent changes and what needs attention.
    let books_end = chrono::DateTime::from_timestamp_millis(BOOKS_END_MS)
        .unwrap()
        .date_naive();
    println!(
        "\ndashboard: as at {books_end} (load average {})",
        load_average()
    );
    t.time("dashboard: the figures", runs.min(20), |_| {
        ledgerkeep_api::ops::dashboard::dashboard(
            &ctx,
            ledgerkeep_api::ops::dashboard::DashboardRequest {
                tenant_id: tenant.clone(),
                as_at: books_end.to_string(),
                recent_limit: None,
            },
        )
    })
    .await;
    if only.as_deref() == Some("dashboard") {
        return;
    }

    // --- Reports ------------------------------------------------------------
    // The last financial year (to 31 March) that ends before the books do.
    let year_end = financial_year_start(books_end, 31, 3) - Days::new(1);
    let year_start = financial_year_start(year_end, 31, 3);
    let in_year: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM gl_lines l JOIN gl_entries j ON j.id = l.parent_id \
         WHERE j.tenant_id = ? AND j.date BETWEEN ? AND ?",
    )
    .bind(&tenant)
    .bind(year_start.to_string())
    .bind(year_end.to_string())
    .fetch_one(ctx.store().pool())
    .await
    .unwrap();
    println!(
        "\nreports: the year {year_start} to {year_end} ({in_year} general ledger lines in it; \
         load average {})",
        load_average()
    );
    let report = |kind, from: Option<NaiveDate>, comparisons: Vec<ReportPeriod>| ReportRequest {
        tracking: None,
        by_tracking_category: None,
        tenant_id: tenant.clone(),
        kind,
        period: ReportPeriod {
            from: from.map(|d| d.to_string()),
            to: year_end.to_string(),
        },
        comparisons,
        basis: None,
    };
    let pl = t
        .time(
            "run_report: profit and loss, one financial year",
            runs,
            |_| {
                run_report(
                    &ctx,
                    report(ReportKind::ProfitAndLoss, Some(year_start), Vec::new()),
                )
            },
        )
        .await;
    let previous = ReportPeriod {
        from: Some((year_start - chrono::Months::new(12)).to_string()),
        to: (year_start - Days::new(1)).to_string(),
    };
    t.time(
        "run_report: profit and loss, the year and the year before",
        runs,
        |_| {
            run_report(
                &ctx,
                report(
                    ReportKind::ProfitAndLoss,
                    Some(year_start),
                    vec![previous.clone()],
                ),
            )
        },
    )
    .await;
    t.time("run_report: balance sheet at the year's end", runs, |_| {
        run_report(&ctx, report(ReportKind::BalanceSheet, None, Vec::new()))
    })
    .await;
    t.time("run_report: trial balance at the year's end", runs, |_| {
        run_report(&ctx, report(ReportKind::TrialBalance, None, Vec::new()))
    })
    .await;
    let drill = pl
        .sections
        .iter()
        .flat_map(|s| &s.rows)
        .flat_map(|r| &r.cells)
        .find_map(|c| c.drill.clone())
        .unwrap();
    t.time("report_drill: a P&L figure's first 100 lines", runs, |_| {
        report_drill(
            &ctx,
            DrillRequest {
                tenant_id: tenant.clone(),
                drill: drill.clone(),
                after: None,
                limit: Some(100),
            },
        )
    })
    .await;

    // --- The explorer -------------------------------------------------------
    println!("\nthe explorer (bank transactions, pages of 200, newest first)");
    t.time("opening: organisations", runs, |_| organisations(&ctx))
        .await;
    t.time("opening: saved_views", runs, |_| saved_views(&ctx))
        .await;
    let first = t
        .time("opening: list_documents", runs, |_| {
            list_documents(&ctx, page_of_200(dto(&tenant)))
        })
        .await;
    t.time("opening: document_totals", runs, |_| {
        document_totals(&ctx, dto(&tenant))
    })
    .await;
    let contacts: Vec<String> = first
        .rows
        .iter()
        .filter_map(|r| r.contact_id.clone())
        .collect();
    let names: Vec<String> = first
        .rows
        .iter()
        .filter_map(|r| r.contact_name.clone())
        .collect();
    let months: Vec<DocumentFilterDto> = (0..12)
        .map(|m| {
            let from = year_start + chrono::Months::new(m);
            DocumentFilterDto {
                date_from: Some(from.to_string()),
                date_to: Some((from + chrono::Months::new(1) - Days::new(1)).to_string()),
                ..dto(&tenant)
            }
        })
        .collect();
    explorer_case(&mut t, &ctx, "filter: a month", runs, &months).await;
    let statuses: Vec<DocumentFilterDto> = ["AUTHORISED", "DELETED"]
        .iter()
        .map(|s| DocumentFilterDto {
            status: Some((*s).to_owned()),
            ..dto(&tenant)
        })
        .collect();
    explorer_case(&mut t, &ctx, "filter: a status", runs, &statuses).await;
    let amounts: Vec<DocumentFilterDto> = [("10", "50"), ("100", "120"), ("500", "2000")]
        .iter()
        .map(|(lo, hi)| DocumentFilterDto {
            amount_min: Some(ledgerkeep_domain::Money::parse(lo).unwrap()),
            amount_max: Some(ledgerkeep_domain::Money::parse(hi).unwrap()),
            ..dto(&tenant)
        })
        .collect();
    explorer_case(&mut t, &ctx, "filter: an amount range", runs, &amounts).await;
    let by_contact: Vec<DocumentFilterDto> = contacts
        .iter()
        .take(10)
        .map(|c| DocumentFilterDto {
            contact: Some(c.clone()),
            ..dto(&tenant)
        })
        .collect();
    explorer_case(&mut t, &ctx, "filter: a contact", runs, &by_contact).await;
    let search = |words: Vec<String>| -> Vec<DocumentFilterDto> {
        words
            .into_iter()
            .map(|w| DocumentFilterDto {
                text: Some(w),
                ..dto(&tenant)
            })
            .collect()
    };
    // A search's totals are summed from an in-memory copy of the documents'
    // amounts, made a second after the explorer opens (the calls above) and
    // warm by now. What a search pays when it must make the copy itself (it
    // came within that second): timed on a second store of the same file, just
    // opened, once plain and once with a month (which adds the day, status,
    // type and account).
    let fresh = LedgerStore::open(&AppPaths::under(&root).ledger_file())
        .await
        .unwrap();
    let bare = DocumentFilterDto {
        text: Some("valve".to_owned()),
        ..dto(&tenant)
    };
    for (name, f) in [
        ("search: totals, making the copy", bare.clone()),
        (
            "search: totals, adding day, status, type, account",
            with_text(std::slice::from_ref(&bare), months.iter()).remove(0),
        ),
    ] {
        let (kind, f) = f.validate().unwrap();
        once(name, async {
            fresh
                .document_totals(kind, &f)
                .await
                .map_err(ApiError::from)
        })
        .await;
    }
    fresh.pool().close().await;
    let references = search(
        [17, 4_321, 99_999, 250_000, 777_777, 999_990]
            .iter()
            .map(|n| format!("Ref {n}"))
            .collect(),
    );
    explorer_case(&mut t, &ctx, "search: a reference", runs, &references).await;
    let mut contact_names = names.clone();
    contact_names.dedup();
    contact_names.truncate(8);
    explorer_case(
        &mut t,
        &ctx,
        "search: a contact's name",
        runs,
        &search(contact_names),
    )
    .await;
    let words = search(
        ["valve", "labour", "copper", "certificate", "chrome"]
            .iter()
            .map(|w| (*w).to_owned())
            .collect(),
    );
    explorer_case(
        &mut t,
        &ctx,
        "search: a word of the line text",
        runs,
        &words,
    )
    .await;
    // A search with a filter on the day, status, type or bank account: the
    // first reads those into the copy (once), then a month and a status.
    let word_in_month = with_text(&words, months.iter().cycle().skip(3));
    explorer_case(
        &mut t,
        &ctx,
        "search: a word within a month",
        runs,
        &word_in_month,
    )
    .await;
    let word_with_status = with_text(&words, statuses.iter().cycle());
    explorer_case(
        &mut t,
        &ctx,
        "search: a word with a status",
        runs,
        &word_with_status,
    )
    .await;
    // A sync's page of 1,000 changed documents (each one's UpdatedDateUTC a
    // second later), then a search's totals: the copy reads those documents
    // again. Five pages, one search after each.
    let mut after_page = Vec::new();
    for round in 0..5 {
        let raw: Vec<String> = sqlx::query_scalar(
            "SELECT raw_json FROM bank_transactions WHERE tenant_id = ? \
             ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(&tenant)
        .bind(PAGE as i64)
        .bind(round * PAGE as i64)
        .fetch_all(ctx.store().pool())
        .await
        .unwrap();
        let page: Vec<Value> = raw
            .iter()
            .map(|r| {
                let mut v: Value = serde_json::from_str(r).unwrap();
                v["UpdatedDateUTC"] = earlier(&v["UpdatedDateUTC"], -1_000);
                v
            })
            .collect();
        apply_all(ctx.store(), &tenant, EntityKind::BankTransaction, page).await;
        let at = Instant::now();
        document_totals(&ctx, words[round as usize % words.len()].clone())
            .await
            .unwrap();
        after_page.push(at.elapsed());
    }
    // As a sync run ends: its pages left the search index in more segments.
    ctx.store().optimize().await.unwrap();
    after_page.sort();
    println!(
        "  {:<58} p50 {:>8.2} ms  max {:>8.2} ms (5 pages)",
        "search: totals after a page of 1,000 changes (catches up)",
        Table::ms(after_page[2]),
        Table::ms(after_page[4])
    );
    // The same searches' totals as SQLite alone sums them (what the copy
    // replaced, and what a search filtered by a contact still takes).
    sqlite_alone(
        &mut t,
        &ctx,
        "search: a word of the line text",
        runs,
        &words,
    )
    .await;
    sqlite_alone(
        &mut t,
        &ctx,
        "search: a word within a month",
        runs,
        &word_in_month,
    )
    .await;

    // --- Search across every kind, and the palette ----------------------------
    t.skip = false;
    let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE tenant_id = ?")
        .bind(&tenant)
        .fetch_one(ctx.store().pool())
        .await
        .unwrap();
    println!(
        "\nsearch across every kind (search_documents, newest 200) and the palette \
         (quick_find, 6 of each kind); {files} attachment rows; load average {}",
        load_average()
    );
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "a reference",
        runs,
        &owned(&[
            "Ref 17",
            "Ref 4321",
            "Ref 99999",
            "Ref 250000",
            "Ref 777777",
        ]),
    )
    .await;
    let mut busy_names = names.clone();
    busy_names.dedup();
    busy_names.truncate(8);
    search_case(&mut t, &ctx, &tenant, "a contact's name", runs, &busy_names).await;
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "a word of the line text",
        runs,
        &owned(&["valve", "labour", "copper", "certificate", "chrome"]),
    )
    .await;
    let account_names = column(
        &ctx,
        "SELECT name FROM accounts WHERE tenant_id = ?1 AND name IS NOT NULL \
         ORDER BY code LIMIT 6",
        &tenant,
    )
    .await;
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "an account's name",
        runs,
        &account_names,
    )
    .await;
    let file_names = column(
        &ctx,
        "SELECT file_name FROM (SELECT file_name, rowid FROM attachments WHERE tenant_id = ?1 \
         ORDER BY rowid DESC LIMIT 3) UNION ALL \
         SELECT file_name FROM (SELECT file_name FROM attachments WHERE tenant_id = ?1 \
         AND file_name LIKE 'receipt-%' ORDER BY rowid LIMIT 3)",
        &tenant,
    )
    .await;
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "an attachment's file name",
        runs,
        &file_names,
    )
    .await;
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "no hits",
        runs,
        &owned(&["zqxjw", "Ref 987654321", "unobtainium"]),
    )
    .await;
    search_case(
        &mut t,
        &ctx,
        &tenant,
        "one letter",
        runs,
        &owned(&["a", "e", "s", "k", "7"]),
    )
    .await;

    // --- A record's page ------------------------------------------------------
    println!(
        "\na record's page (record_detail); load average {}",
        load_average()
    );
    let of = |kind: EntityKind, ids: Vec<String>| -> Vec<(EntityKind, String)> {
        ids.into_iter().map(|x| (kind, x)).collect()
    };
    let paid = column(
        &ctx,
        "SELECT invoice_xero_id FROM payments WHERE tenant_id = ?1 \
         AND invoice_xero_id IS NOT NULL GROUP BY invoice_xero_id \
         ORDER BY COUNT(*) DESC, invoice_xero_id LIMIT 10",
        &tenant,
    )
    .await;
    record_case(
        &mut t,
        &ctx,
        &tenant,
        "an invoice with payments",
        runs,
        &of(EntityKind::Invoice, paid),
    )
    .await;
    let newest = column(
        &ctx,
        "SELECT xero_id FROM bank_transactions WHERE tenant_id = ?1 \
         ORDER BY date DESC, id DESC LIMIT 10",
        &tenant,
    )
    .await;
    record_case(
        &mut t,
        &ctx,
        &tenant,
        "a bank transaction, the newest",
        runs,
        &of(EntityKind::BankTransaction, newest),
    )
    .await;
    let oldest = column(
        &ctx,
        "SELECT xero_id FROM bank_transactions WHERE tenant_id = ?1 \
         ORDER BY date, id LIMIT 10",
        &tenant,
    )
    .await;
    record_case(
        &mut t,
        &ctx,
        &tenant,
        "a bank transaction, the oldest",
        runs,
        &of(EntityKind::BankTransaction, oldest),
    )
    .await;
    // The contact with the most documents: ten of its bank transactions and
    // ten of its invoices.
    let busiest: Vec<String> = column(
        &ctx,
        "SELECT contact_xero_id FROM bank_transactions WHERE tenant_id = ?1 \
         AND contact_xero_id IS NOT NULL GROUP BY contact_xero_id \
         ORDER BY COUNT(*) DESC LIMIT 1",
        &tenant,
    )
    .await;
    let mut heavy = Vec::new();
    if let Some(c) = busiest.first() {
        for (kind, table) in [
            (EntityKind::BankTransaction, "bank_transactions"),
            (EntityKind::Invoice, "invoices"),
        ] {
            let ids: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT xero_id FROM {table} WHERE tenant_id = ? AND contact_xero_id = ? \
                 ORDER BY id DESC LIMIT 10"
            ))
            .bind(&tenant)
            .bind(c)
            .fetch_all(ctx.store().pool())
            .await
            .unwrap();
            heavy.extend(of(kind, ids));
        }
    }
    record_case(
        &mut t,
        &ctx,
        &tenant,
        "the busiest contact's documents",
        runs,
        &heavy,
    )
    .await;
    let with_files: Vec<(String, String)> = sqlx::query_as(
        "SELECT entity, record_id FROM attachments WHERE tenant_id = ? \
         GROUP BY entity, record_id ORDER BY COUNT(*) DESC, record_id LIMIT 10",
    )
    .bind(&tenant)
    .fetch_all(ctx.store().pool())
    .await
    .unwrap();
    record_case(
        &mut t,
        &ctx,
        &tenant,
        "a document with files",
        runs,
        &with_files
            .into_iter()
            .map(|(e, x)| (EntityKind::from_stream(&e).unwrap(), x))
            .collect::<Vec<_>>(),
    )
    .await;
    for (kind, table, name) in [
        (EntityKind::CreditNote, "credit_notes", "a credit note"),
        (EntityKind::Payment, "payments", "a payment"),
        (EntityKind::Prepayment, "prepayments", "a prepayment"),
        (EntityKind::Overpayment, "overpayments", "an overpayment"),
        (
            EntityKind::BankTransfer,
            "bank_transfers",
            "a bank transfer",
        ),
        (
            EntityKind::ManualJournal,
            "manual_journals",
            "a manual journal",
        ),
        (
            EntityKind::RepeatingInvoice,
            "repeating_invoices",
            "a repeating invoice",
        ),
        (
            EntityKind::PurchaseOrder,
            "purchase_orders",
            "a purchase order",
        ),
        (EntityKind::Quote, "quotes", "a quote"),
    ] {
        let ids = column(
            &ctx,
            &format!("SELECT xero_id FROM {table} WHERE tenant_id = ?1 ORDER BY id DESC LIMIT 10"),
            &tenant,
        )
        .await;
        record_case(&mut t, &ctx, &tenant, name, runs, &of(kind, ids)).await;
    }

    let over = |within: &dyn Fn(&str) -> bool, limit: u64| -> String {
        let names: Vec<&str> = t
            .rows
            .iter()
            .filter(|(n, v)| within(n) && Table::pct(v, 95) > Duration::from_millis(limit))
            .map(|(n, _)| n.as_str())
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join("; ")
        }
    };
    let searches = |n: &str| n.starts_with("every kind") || n.starts_with("palette");
    let pages = |n: &str| n.starts_with("record page");
    println!("\nload average at the end: {}", load_average());
    println!(
        "explorer calls with p95 over 100 ms: {}",
        over(
            &|n: &str| !n.starts_with("run_report")
                && !n.ends_with("by SQLite alone")
                && !searches(n)
                && !pages(n),
            100
        )
    );
    println!(
        "searches across every kind and palette finds with p95 over 50 ms: {}",
        over(&searches, 50)
    );
    println!("record pages with p95 over 100 ms: {}", over(&pages, 100));
    ctx.close().await;
}

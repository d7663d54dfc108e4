//! The reports and the explorer at scale (`make bench`; docs/BENCHMARKS.md):
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
//!   (`document_totals_by_scan`), for the ratio.
//!
//! `LEDGERKEEP_SCALE_DIR=<folder>` keeps the data folder (the ledger under
//! `AppPaths`' layout) and reuses it on the next run, so that it is built
//! once; `make bench-app` points the real app at it. Without it, a temporary
//! folder is built and removed. `LEDGERKEEP_SCALE_RUNS` (default 40) sets the
//! timed calls per figure.
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

    // --- Reports ------------------------------------------------------------
    // The last financial year (to 31 March) that ends before the books do.
    let books_end = chrono::DateTime::from_timestamp_millis(BOOKS_END_MS)
        .unwrap()
        .date_naive();
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

    let over: Vec<&str> = t
        .rows
        .iter()
        .filter(|(n, v)| {
            !n.starts_with("run_report")
                && !n.ends_with("by SQLite alone")
                && Table::pct(v, 95) > Duration::from_millis(100)
        })
        .map(|(n, _)| n.as_str())
        .collect();
    println!("\nload average at the end: {}", load_average());
    println!(
        "explorer calls with p95 over 100 ms: {}",
        if over.is_empty() {
            "none".to_owned()
        } else {
            over.join("; ")
        }
    );
    ctx.close().await;
}

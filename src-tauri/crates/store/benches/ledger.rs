//! The ledger's benchmark: `make bench` (release optimisations, `cargo bench`).
//!
//! 1. Ingest: N bank transactions (2 lines each) through `apply_page`, in pages
//!    of 1,000 (Xero's largest page), each page one transaction with its
//!    upserts, lines, search text, audit rows and watermark. Compared with a
//!    plain bulk insert of the same rows (the same parent and line rows, in
//!    multi-row INSERTs, one transaction per page, no audit, no search text,
//!    no lookup of the stored version) into a fresh ledger, in the same run.
//! 2. Listings on a ledger of M bank transactions: a mix of filtered and
//!    sorted first pages and deeper keyset pages; p50 and p95.
//! 3. Full-text search on the same ledger; p50 and p95.
//!
//! Sizes: `LEDGERKEEP_BENCH_INGEST` (default 200000) and
//! `LEDGERKEEP_BENCH_LEDGER` (default 1000000).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a benchmark prints its figures and stops on failure
#![allow(clippy::float_arithmetic)] // rates and milliseconds of timings; no money passes through here

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ledgerkeep_domain::xero::{BankTransaction, XeroEntity, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_store::query::{DocumentFilter, DocumentKind, Sort, SortField};
use ledgerkeep_store::rows::{RowContext, SqlValue, StoredEntity};
use ledgerkeep_store::LedgerStore;

const TENANT: &str = "bench-tenant";
const PAGE: usize = 1_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 600 pronounceable words, so that search terms range from rare to common.
fn vocabulary() -> Vec<String> {
    let syl = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "go", "zu",
    ];
    let mut words = Vec::new();
    for a in syl {
        for b in syl {
            for c in ["", "n", "r", "s", "l"] {
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words.truncate(600);
    words
}

struct Gen {
    rng: Rng,
    words: Vec<String>,
}

impl Gen {
    fn word(&mut self) -> String {
        // Skewed: low indexes are much more common.
        let r = self.rng.below(600) as usize;
        let i = (r * r) / 600;
        self.words[i].clone()
    }

    fn bank_tx(&mut self, n: u64, updated_ms: i64) -> String {
        let day = self.rng.below(5 * 365) as i64;
        let date_ms = 1_577_836_800_000 + day * 86_400_000; // from 2020-01-01
        let cents = self.rng.below(1_000_000);
        let total = format!("{}.{:02}", cents / 100, cents % 100);
        let first = cents / 3;
        let second = cents - first;
        let kind = if self.rng.below(2) == 0 {
            "SPEND"
        } else {
            "RECEIVE"
        };
        let status = if self.rng.below(20) == 0 {
            "DELETED"
        } else {
            "AUTHORISED"
        };
        let account = self.rng.below(5);
        let contact = self.rng.below(2_000);
        let contact_name = format!("{} {} Ltd", self.word(), self.word());
        let reference = format!("REF-{n:07} {}", self.word());
        let d1 = format!("{} {} {}", self.word(), self.word(), self.word());
        let d2 = format!("{} {}", self.word(), self.word());
        format!(
            r#"{{"BankTransactionID": "bt-{n:010}", "Type": "{kind}", "Status": "{status}",
  "Contact": {{"ContactID": "contact-{contact:05}", "Name": "{contact_name}"}},
  "BankAccount": {{"AccountID": "bank-{account}", "Code": "09{account}"}},
  "Date": "/Date({date_ms}+0000)/", "Reference": "{reference}", "IsReconciled": true,
  "CurrencyCode": "NZD", "LineAmountTypes": "Inclusive",
  "LineItems": [
    {{"LineItemID": "li-{n}-1", "Description": "{d1}", "Quantity": 1.0000, "UnitAmount": {f1}.{f1c:02}00,
      "AccountCode": "400", "TaxType": "INPUT2", "TaxAmount": 0.00, "LineAmount": {f1}.{f1c:02},
      "Tracking": [{{"Name": "Region", "Option": "North"}}]}},
    {{"LineItemID": "li-{n}-2", "Description": "{d2}", "Quantity": 2.0000, "UnitAmount": 0.5000,
      "AccountCode": "410", "TaxType": "INPUT2", "TaxAmount": 0.00, "LineAmount": {f2}.{f2c:02}}}
  ],
  "SubTotal": {total}, "TotalTax": 0.00, "Total": {total},
  "UpdatedDateUTC": "/Date({updated_ms}+0000)/"}}"#,
            f1 = first / 100,
            f1c = first % 100,
            f2 = second / 100,
            f2c = second % 100,
        )
    }

    fn page(&mut self, start: u64, len: usize) -> Vec<XeroRecord<BankTransaction>> {
        (0..len as u64)
            .map(|i| {
                let n = start + i;
                let text = self.bank_tx(n, 1_700_000_000_000 + n as i64);
                XeroRecord::from_json(&text).unwrap()
            })
            .collect()
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let i = ((sorted.len() * p).div_ceil(100)).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_micros() as f64 / 1000.0)
}

/// The plain bulk insert: the same parent and line rows, multi-row INSERTs,
/// one transaction per page, nothing else.
async fn plain_insert(store: &LedgerStore, page: &[XeroRecord<BankTransaction>]) {
    let spec = &BankTransaction::spec();
    let ctx = RowContext {
        tenant_id: TENANT,
        base_currency: None,
    };
    let rows: Vec<_> = page
        .iter()
        .map(|r| {
            (
                r.entity.bank_transaction_id.clone(),
                r.entity.updated_utc().map(|u| u.to_iso()),
                ledgerkeep_domain::canonical_json(&r.raw),
                r.entity.row(&ctx),
            )
        })
        .collect();
    let mut tx = store.pool().begin().await.unwrap();
    let ncols = 4 + spec.columns.len();
    let ph = format!("({})", vec!["?"; ncols].join(","));
    let per = 30_000 / ncols;
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(per.min(250)) {
        let sql = format!(
            "INSERT INTO bank_transactions (tenant_id, xero_id, updated_utc, raw_json, {}) VALUES {} RETURNING id",
            spec.columns.join(", "),
            vec![ph.as_str(); chunk.len()].join(",")
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for (id, upd, raw, row) in chunk {
            q = q.bind(TENANT).bind(id).bind(upd).bind(raw);
            for v in &row.columns {
                q = match v {
                    SqlValue::Null => q.bind(None::<String>),
                    SqlValue::Int(i) => q.bind(i.to_owned()),
                    SqlValue::Text(t) => q.bind(t.clone()),
                };
            }
        }
        ids.extend(q.fetch_all(&mut *tx).await.unwrap());
    }
    let child = &spec.children[0];
    let width = 2 + child.columns.len();
    let ph = format!("({})", vec!["?"; width].join(","));
    let lines: Vec<(i64, i64, &Vec<SqlValue>)> = rows
        .iter()
        .zip(&ids)
        .flat_map(|((_, _, _, row), id)| {
            row.children[0]
                .iter()
                .enumerate()
                .map(move |(p, l)| (*id, p as i64, l))
        })
        .collect();
    for chunk in lines.chunks((30_000 / width).min(250)) {
        let sql = format!(
            "INSERT INTO bank_transaction_lines (parent_id, position, {}) VALUES {}",
            child.columns.join(", "),
            vec![ph.as_str(); chunk.len()].join(",")
        );
        let mut q = sqlx::query(&sql);
        for (id, pos, vals) in chunk {
            q = q.bind(*id).bind(*pos);
            for v in vals.iter() {
                q = match v {
                    SqlValue::Null => q.bind(None::<String>),
                    SqlValue::Int(i) => q.bind(i.to_owned()),
                    SqlValue::Text(t) => q.bind(t.clone()),
                };
            }
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The SQLite engine alone on the ledger's schema: `n` bank transactions of
/// the bench's shape (about 1.2 KB of raw JSON, 2 lines, a random day, bank
/// account, contact and amount), generated inside SQLite by a recursive CTE
/// in pages of 1,000 rows, one transaction each: no Rust, no sqlx binding, no
/// search text, no audit. With `bare`, the bank transactions' five secondary
/// indexes and the rollup triggers are dropped first: what they cost.
async fn engine_insert(path: &std::path::Path, n: usize, bare: bool) -> Duration {
    let store = LedgerStore::open(path).await.unwrap();
    if bare {
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT type, name FROM sqlite_master WHERE tbl_name = 'bank_transactions' \
             AND sql IS NOT NULL AND type IN ('index', 'trigger')",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        for (kind, name) in names {
            sqlx::query(&format!("DROP {kind} {name}"))
                .execute(store.pool())
                .await
                .unwrap();
        }
    }
    let t = Instant::now();
    let mut start = 0;
    while start < n {
        let (lo, hi) = (start + 1, (start + PAGE).min(n));
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query(&format!(
            "WITH RECURSIVE s(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM s WHERE n < {hi}) \
             INSERT INTO bank_transactions (tenant_id, xero_id, updated_utc, raw_json, type, \
               contact_xero_id, contact_name, bank_account_xero_id, bank_account_code, date, reference, \
               status, is_reconciled, line_amount_types, currency_code, sub_total, total_tax, total, total_e4) \
             SELECT '{TENANT}', printf('bt-%010d', n), '2023-11-14T22:13:20Z', hex(randomblob(600)), \
               CASE WHEN n % 2 THEN 'SPEND' ELSE 'RECEIVE' END, printf('contact-%05d', abs(random()) % 2000), \
               'Kalo Mine Ltd', printf('bank-%d', abs(random()) % 5), '090', \
               date('2020-01-01', printf('+%d days', abs(random()) % 1825)), printf('REF-%07d kalo', n), \
               'AUTHORISED', 1, 'Inclusive', 'NZD', '1234.56', '0.00', '1234.56', abs(random()) % 1000000 FROM s"
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(&format!(
            "WITH RECURSIVE s(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM s WHERE n < {hi}) \
             INSERT INTO bank_transaction_lines (parent_id, position, line_item_xero_id, description, quantity, \
               unit_amount, account_code, tax_type, tax_amount, line_amount, line_amount_e4, currency_code, tracking_json) \
             SELECT n, 0, printf('li-%d-1', n), 'kalo mine suta', '1.0000', '411.5200', '400', 'INPUT2', '0.00', \
               '411.52', 4115200, 'NZD', '[{{\"Name\":\"Region\",\"Option\":\"North\"}}]' FROM s \
             UNION ALL SELECT n, 1, printf('li-%d-2', n), 'kalo mine', '2.0000', '0.5000', '410', 'INPUT2', '0.00', \
               '823.04', 8230400, 'NZD', NULL FROM s"
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        start = hi;
    }
    let took = t.elapsed();
    store.close().await;
    took
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let ingest_n = env_usize("LEDGERKEEP_BENCH_INGEST", 200_000);
    let ledger_n = env_usize("LEDGERKEEP_BENCH_LEDGER", 1_000_000).max(ingest_n);
    // LEDGERKEEP_BENCH_QUERY_ONLY=<folder>: time the queries on the ledger a
    // previous run left there (with LEDGERKEEP_BENCH_KEEP=<folder>).
    if let Ok(folder) = std::env::var("LEDGERKEEP_BENCH_QUERY_ONLY") {
        let store = LedgerStore::open(&std::path::Path::new(&folder).join("ledger.sqlite"))
            .await
            .unwrap();
        queries(&store, ledger_n).await;
        store.close().await;
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir_path = match std::env::var("LEDGERKEEP_BENCH_KEEP") {
        Ok(folder) => {
            std::fs::create_dir_all(&folder).unwrap();
            std::path::PathBuf::from(folder)
        }
        Err(_) => temp.path().to_owned(),
    };
    let dir = &dir_path;
    let now = Utc.timestamp_opt(1_750_000_000, 0).unwrap();
    let actor = Actor::sync("bench");
    println!("# Ledgerkeep store benchmark");
    println!("ingest: {ingest_n} bank transactions, 2 lines each, pages of {PAGE}");

    // --- 1. Ingest vs plain bulk insert -----------------------------------
    let plain = LedgerStore::open(&dir.join("plain.sqlite")).await.unwrap();
    let mut g = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        words: vocabulary(),
    };
    let mut plain_time = Duration::ZERO;
    let mut start = 0u64;
    while (start as usize) < ingest_n {
        let len = PAGE.min(ingest_n - start as usize);
        let page = g.page(start, len);
        let t = Instant::now();
        plain_insert(&plain, &page).await;
        plain_time += t.elapsed();
        start += len as u64;
    }
    plain.close().await;

    let path = dir.join("ledger.sqlite");
    let store = LedgerStore::open(&path).await.unwrap();
    let mut g = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        words: vocabulary(),
    };
    let mut ingest_time = Duration::ZERO;
    let mut parse_time = Duration::ZERO;
    let mut start = 0u64;
    let mut audit_rows = 0usize;
    while (start as usize) < ingest_n {
        let len = PAGE.min(ingest_n - start as usize);
        let t = Instant::now();
        let page = g.page(start, len);
        parse_time += t.elapsed();
        let t = Instant::now();
        let out = store.apply_page(TENANT, &page, &actor, now).await.unwrap();
        ingest_time += t.elapsed();
        audit_rows += out.audit_rows;
        start += len as u64;
    }
    assert_eq!(audit_rows, ingest_n);
    let ingest_rate = ingest_n as f64 / ingest_time.as_secs_f64();
    let plain_rate = ingest_n as f64 / plain_time.as_secs_f64();
    println!(
        "apply_page ingest: {:.0} records/s ({:.2} s; {} audit rows)",
        ingest_rate,
        ingest_time.as_secs_f64(),
        audit_rows
    );
    println!(
        "plain bulk insert: {:.0} records/s ({:.2} s)",
        plain_rate,
        plain_time.as_secs_f64()
    );
    println!("ratio ingest / plain: {:.2}", ingest_rate / plain_rate);
    // What the engine itself does with rows of this shape on this machine.
    let rate = |d: Duration| ingest_n as f64 / d.as_secs_f64();
    let engine = engine_insert(&dir.join("engine.sqlite"), ingest_n, false).await;
    let bare = engine_insert(&dir.join("engine-bare.sqlite"), ingest_n, true).await;
    println!(
        "SQLite alone, rows made inside SQLite, same schema: {:.0} records/s; \
         without the five secondary indexes and the rollup triggers: {:.0} records/s",
        rate(engine),
        rate(bare)
    );
    println!(
        "(generating and parsing the JSON, not counted above: {:.0} records/s)",
        ingest_n as f64 / parse_time.as_secs_f64()
    );

    // Re-applying a page already stored: nothing written.
    let page = g_page_again(0);
    let t = Instant::now();
    let out = store.apply_page(TENANT, &page, &actor, now).await.unwrap();
    assert_eq!(out.unchanged, page.len());
    println!(
        "re-applying an unchanged page of {PAGE}: {} ({} audit rows)",
        ms(t.elapsed()),
        out.audit_rows
    );

    // --- 2. Grow to the listing ledger ------------------------------------
    let t = Instant::now();
    while (start as usize) < ledger_n {
        let len = PAGE.min(ledger_n - start as usize);
        let page = g.page(start, len);
        store.apply_page(TENANT, &page, &actor, now).await.unwrap();
        start += len as u64;
    }
    // What the sync engine does at the end of a run (merges the FTS segments).
    let t_opt = Instant::now();
    store.optimize().await.unwrap();
    println!(
        "optimize after the build: {:.2} s",
        t_opt.elapsed().as_secs_f64()
    );
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("ledger.sqlite-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "\nledger: {ledger_n} bank transactions ({:.0} s to build, {:.0} MB on disk)",
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );

    queries(&store, ledger_n).await;
    let t = Instant::now();
    let report = store.verify_audit().await.unwrap();
    assert!(report.is_intact());
    println!(
        "audit verify of {} rows: {:.2} s",
        report.rows_checked,
        t.elapsed().as_secs_f64()
    );
    store.close().await;
}

async fn queries(store: &LedgerStore, ledger_n: usize) {
    let base = DocumentFilter {
        tenant_id: TENANT.to_owned(),
        ..DocumentFilter::default()
    };
    let mut rng = Rng(42);
    let mut listing = Vec::new();
    let mut per_kind: Vec<(&str, Vec<Duration>)> = Vec::new();
    let scenarios = [
        "newest first",
        "bank account + date range",
        "status + type, by date",
        "contact + type",
        "amount range, by amount",
        "amount range, by date",
        "5th page by keyset, by amount desc",
    ];
    for name in scenarios {
        per_kind.push((name, Vec::new()));
    }
    for i in 0..700 {
        let which = i % scenarios.len();
        let day = rng.below(5 * 365 - 60) as i64;
        let from =
            chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(day);
        let to = from + chrono::Duration::days(30);
        let lo = rng.below(9_000) as i64;
        let (filter, sort) = match which {
            0 => (
                base.clone(),
                Sort {
                    field: SortField::Date,
                    descending: true,
                },
            ),
            1 => (
                DocumentFilter {
                    account: Some(format!("bank-{}", rng.below(5))),
                    date_from: Some(from.to_string()),
                    date_to: Some(to.to_string()),
                    ..base.clone()
                },
                Sort {
                    field: SortField::Date,
                    descending: false,
                },
            ),
            2 => (
                DocumentFilter {
                    status: Some("AUTHORISED".to_owned()),
                    doc_type: Some(
                        if rng.below(2) == 0 {
                            "SPEND"
                        } else {
                            "RECEIVE"
                        }
                        .to_owned(),
                    ),
                    ..base.clone()
                },
                Sort {
                    field: SortField::Date,
                    descending: true,
                },
            ),
            3 => (
                DocumentFilter {
                    contact: Some(format!("contact-{:05}", rng.below(2_000))),
                    doc_type: Some("SPEND".to_owned()),
                    ..base.clone()
                },
                Sort {
                    field: SortField::Date,
                    descending: true,
                },
            ),
            4 => (
                DocumentFilter {
                    amount_min: Some(ledgerkeep_domain::Money::parse(&lo.to_string()).unwrap()),
                    amount_max: Some(
                        ledgerkeep_domain::Money::parse(&(lo + 100).to_string()).unwrap(),
                    ),
                    ..base.clone()
                },
                Sort {
                    field: SortField::Amount,
                    descending: false,
                },
            ),
            5 => (
                DocumentFilter {
                    amount_min: Some(ledgerkeep_domain::Money::parse(&lo.to_string()).unwrap()),
                    amount_max: Some(
                        ledgerkeep_domain::Money::parse(&(lo + 100).to_string()).unwrap(),
                    ),
                    ..base.clone()
                },
                Sort {
                    field: SortField::Date,
                    descending: true,
                },
            ),
            _ => (
                base.clone(),
                Sort {
                    field: SortField::Amount,
                    descending: true,
                },
            ),
        };
        let mut cursor = None;
        if which == 6 {
            for _ in 0..4 {
                let p = store
                    .list_documents(
                        DocumentKind::BankTransactions,
                        &filter,
                        sort,
                        cursor.as_deref(),
                        50,
                    )
                    .await
                    .unwrap();
                cursor = p.next_cursor;
            }
        }
        let t = Instant::now();
        let page = store
            .list_documents(
                DocumentKind::BankTransactions,
                &filter,
                sort,
                cursor.as_deref(),
                50,
            )
            .await
            .unwrap();
        let e = t.elapsed();
        std::hint::black_box(page);
        if i >= scenarios.len() * 2 {
            // The first rounds warm the cache.
            listing.push(e);
            per_kind[which].1.push(e);
        }
    }
    listing.sort();
    println!(
        "\nlisting (page of 50, filter + sort), {} queries: p50 {}, p95 {}, max {}",
        listing.len(),
        ms(percentile(&listing, 50)),
        ms(percentile(&listing, 95)),
        ms(*listing.last().unwrap())
    );
    for (name, mut v) in per_kind {
        v.sort();
        println!(
            "  {name:<36} p50 {:>9}  p95 {:>9}",
            ms(percentile(&v, 50)),
            ms(percentile(&v, 95))
        );
    }

    // --- 3. Full-text search ----------------------------------------------
    let words = vocabulary();
    let mut search = Vec::new();
    let mut search_kinds: [(&str, Vec<Duration>); 3] = [
        ("one word", Vec::new()),
        ("two words", Vec::new()),
        ("a reference", Vec::new()),
    ];
    let mut hits = 0usize;
    for i in 0..300 {
        let r = rng.below(600) as usize;
        let text = match i % 3 {
            0 => words[r].clone(),
            1 => format!("{} {}", words[r / 4], words[(r * 7) % 600]),
            _ => format!("REF-{:07}", rng.below(ledger_n as u64)),
        };
        let f = DocumentFilter {
            text: Some(text),
            ..base.clone()
        };
        let t = Instant::now();
        let page = store
            .list_documents(
                DocumentKind::BankTransactions,
                &f,
                Sort {
                    field: SortField::Date,
                    descending: true,
                },
                None,
                50,
            )
            .await
            .unwrap();
        let e = t.elapsed();
        hits += page.rows.len();
        if i >= 30 {
            search.push(e);
            search_kinds[i % 3].1.push(e);
        }
    }
    search.sort();
    println!(
        "\nFTS search (page of 50, newest first), {} queries ({} rows found): p50 {}, p95 {}, max {}",
        search.len(),
        hits,
        ms(percentile(&search, 50)),
        ms(percentile(&search, 95)),
        ms(*search.last().unwrap())
    );
    for (name, mut v) in search_kinds {
        v.sort();
        println!(
            "  {name:<36} p50 {:>9}  p95 {:>9}",
            ms(percentile(&v, 50)),
            ms(percentile(&v, 95))
        );
    }

    let t = Instant::now();
    let totals = store
        .document_totals(DocumentKind::BankTransactions, &base)
        .await
        .unwrap();
    println!(
        "\nexact total of all {} rows: {} ({})",
        totals[0].count,
        totals[0].total,
        ms(t.elapsed())
    );
}

fn g_page_again(start: u64) -> Vec<XeroRecord<BankTransaction>> {
    let mut g = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        words: vocabulary(),
    };
    g.page(start, PAGE)
}

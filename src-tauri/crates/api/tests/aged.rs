//! One figure for what customers owe: the aged reports as at any date, on
//! the simulator's books synced over loopback by a new Starter app (no
//! Journals, the ledger rebuilt from the documents), against the Accounts
//! screen's balance of the receivable and payable control accounts at the
//! same date, and against the simulator's own Journals (which the Starter
//! app cannot read, but the simulator posts).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncEngine, SyncRequest};
use ledgerkeep_xero::XeroOptions;
use rust_decimal::Decimal;
use serde_json::Value;

struct Synced {
    sim: RunningSimulator,
    ctx: AppContext,
    today: NaiveDate,
    _dir: tempfile::TempDir,
}

/// The simulator's books (`seed`, small) synced whole by a new Starter app.
async fn synced(seed: u64) -> Synced {
    let mut options = XeroOptions::default();
    options.client.limits.per_day = Limits::STARTER.per_day;
    options.client.limits.per_minute = Limits::STARTER.per_minute;
    let common::SignedIn {
        sim,
        time,
        xero,
        ctx,
        dir,
    } = common::signed_in_on(
        RunningSimulator::builder()
            .seed(seed)
            .size(Size::Small)
            .new_starter_app(),
        options,
    )
    .await;
    let engine = SyncEngine::new(
        Arc::clone(&xero),
        ctx.store().clone(),
        time.timekeeping(),
        None,
    );
    for t in sim.tenants() {
        let r = engine
            .sync_tenant(
                &t.tenant_id,
                &SyncRequest::user(),
                &CancelToken::new(),
                &no_progress(),
            )
            .await;
        assert!(
            r.succeeded(),
            "{}: {:?} {:?}",
            t.tenant_id,
            r.stopped,
            r.error
        );
        let gl = ctx
            .store()
            .general_ledger_state(&t.tenant_id)
            .await
            .unwrap()
            .unwrap();
        assert!(gl.unposted.is_empty(), "{:?}", gl.unposted);
    }
    let today = Utc
        .timestamp_millis_opt(time.now_ms())
        .unwrap()
        .date_naive();
    Synced {
        sim,
        ctx,
        today,
        _dir: dir,
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `/Date(1539993600000+0000)/` as a calendar date, read here on its own.
fn ms_date(v: &Value) -> Option<NaiveDate> {
    let inner = v.as_str()?.strip_prefix("/Date(")?;
    let digits: String = inner
        .chars()
        .enumerate()
        .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
        .map(|(_, c)| c)
        .collect();
    Some(
        Utc.timestamp_millis_opt(digits.parse().ok()?)
            .single()?
            .date_naive(),
    )
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.to_string().trim_matches('"')).unwrap()
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .unwrap()
        .pred_opt()
        .unwrap()
}

/// The day before the books start, every month-end through them, a
/// mid-month day, and today.
fn dates(first: NaiveDate, last: NaiveDate, today: NaiveDate) -> Vec<NaiveDate> {
    let mut out = vec![first.pred_opt().unwrap()];
    let mut d = month_end(first);
    while d <= month_end(last) {
        out.push(d);
        d = month_end(d.succ_opt().unwrap());
    }
    let mid = first + (last - first) / 2;
    out.push(NaiveDate::from_ymd_opt(mid.year(), mid.month(), 15).unwrap());
    out.push(today);
    out.sort();
    out.dedup();
    out
}

fn figure(c: &ReportCellView) -> Decimal {
    c.amount.unwrap().as_decimal()
}

/// The summary row whose label starts with `prefix`.
fn summary<'a>(view: &'a ReportView, prefix: &str) -> Option<&'a ReportRowView> {
    view.summary.iter().find(|r| r.label.starts_with(prefix))
}

async fn drill_rows(ctx: &AppContext, tenant: &str, drill: &DrillView) -> Vec<DrillRowView> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = report_drill(
            ctx,
            DrillRequest {
                tenant_id: tenant.to_owned(),
                drill: drill.clone(),
                after: after.clone(),
                limit: Some(97),
            },
        )
        .await
        .unwrap();
        rows.extend(page.rows);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return rows,
        }
    }
}

/// The receivable and payable control accounts, by Xero's system account.
fn control_accounts(sim: &RunningSimulator, tenant: &str) -> (String, String) {
    let accounts = sim.truth().records(tenant, Collection::Accounts);
    let of = |system: &str| -> String {
        accounts
            .iter()
            .find(|a| a["SystemAccount"] == system)
            .and_then(|a| a["AccountID"].as_str())
            .unwrap_or_else(|| panic!("{tenant} has no {system} account"))
            .to_owned()
    };
    (of("DEBTORS"), of("CREDITORS"))
}

/// The simulator's own Journals: each account's lines dated on or before
/// `as_at`, summed (debit positive).
fn journals_on(sim: &RunningSimulator, tenant: &str, account: &str, as_at: NaiveDate) -> Decimal {
    let mut sum = Decimal::ZERO;
    for j in sim.truth().records(tenant, Collection::Journals) {
        if ms_date(&j["JournalDate"]).is_none_or(|d| d > as_at) {
            continue;
        }
        for l in j["JournalLines"].as_array().into_iter().flatten() {
            if l["AccountID"]
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case(account))
            {
                sum += dec(&l["NetAmount"]);
            }
        }
    }
    sum
}

/// The last date among the payments and credits an invoice's record lists:
/// when a paid invoice became paid in full. `None` when one has no date.
fn paid_in_full_on(inv: &Value) -> Option<NaiveDate> {
    let mut last = None;
    for list in ["Payments", "CreditNotes", "Overpayments", "Prepayments"] {
        for p in inv[list].as_array().into_iter().flatten() {
            let d = ms_date(&p["Date"])?;
            last = last.max(Some(d));
        }
    }
    last
}

/// One seed's books: on every date, the aged total of each side equals the
/// control account's balance on the Accounts screen and in the simulator's
/// Journals, to the cent; its documents add up to it; a document paid in
/// full by then is not among them; and today each invoice's outstanding
/// amount is what Xero says is still due.
async fn one_figure(seed: u64) -> usize {
    let s = synced(seed).await;
    let mut checked = 0;
    let mut paid_seen = 0;
    for t in s.sim.tenants() {
        let tenant = t.tenant_id.as_str();
        let (debtors, creditors) = control_accounts(&s.sim, tenant);
        let invoices = s.sim.truth().records(tenant, Collection::Invoices);
        let doc_dates: Vec<NaiveDate> = invoices
            .iter()
            .filter_map(|i| ms_date(&i["Date"]))
            .collect();
        let first = *doc_dates.iter().min().unwrap();
        let last = *doc_dates.iter().max().unwrap();
        for as_at in dates(first, last, s.today) {
            let accounts: BTreeMap<String, Decimal> = list_accounts(
                &s.ctx,
                ListAccountsRequest {
                    tenant_id: tenant.to_owned(),
                    as_at: ymd(as_at),
                },
            )
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.xero_id.to_ascii_lowercase(), a.balance.as_decimal()))
            .collect();
            for (kind, doc_type, account) in [
                (ReportKind::AgedReceivables, "ACCREC", &debtors),
                (ReportKind::AgedPayables, "ACCPAY", &creditors),
            ] {
                let what = format!("seed {seed} {tenant} {doc_type} at {as_at}");
                let view = common::report_at(&s.ctx, tenant, kind, as_at).await;
                let total_row = summary(&view, "Total in ").expect("the base-currency total");
                let aged_total = figure(&total_row.cells[5]);
                assert!(
                    summary(&view, "Not explained").is_none(),
                    "{what}: {:?}",
                    view.notes
                );
                let other = summary(&view, "Other lines on ")
                    .map_or(Decimal::ZERO, |r| figure(&r.cells[5]));
                // The Accounts screen: assets as debit balances, liabilities as credit balances.
                let screen = accounts
                    .get(&account.to_ascii_lowercase())
                    .copied()
                    .unwrap_or_default();
                assert_eq!(
                    aged_total + other,
                    screen,
                    "{what}: aged total and the Accounts screen"
                );
                assert_eq!(
                    other,
                    Decimal::ZERO,
                    "{what}: the simulator posts nothing else to its control accounts"
                );
                // The simulator's own Journals, which the Starter app never read.
                let journals = journals_on(&s.sim, tenant, account, as_at);
                let owed = if doc_type == "ACCREC" {
                    journals
                } else {
                    -journals
                };
                assert_eq!(
                    aged_total, owed,
                    "{what}: aged total and the simulator's Journals"
                );
                // The report's own last row says the same.
                assert_eq!(
                    figure(&view.summary.last().unwrap().cells[5]),
                    screen,
                    "{what}"
                );
                // The sections, per currency, add up to their totals, and the
                // base-currency buckets to the base total.
                let buckets: Decimal = total_row.cells[..5].iter().map(figure).sum();
                assert_eq!(buckets, aged_total, "{what}");
                for sec in &view.sections {
                    let total = figure(&sec.total.as_ref().unwrap().cells[5]);
                    let rows: Decimal = sec.rows.iter().map(|r| figure(&r.cells[5])).sum();
                    assert_eq!(rows, total, "{what} {}", sec.title);
                }

                // The documents behind the base total add up to it.
                let docs =
                    drill_rows(&s.ctx, tenant, total_row.cells[5].drill.as_ref().unwrap()).await;
                let listed: Decimal = docs
                    .iter()
                    .map(|r| r.base_amount.unwrap_or(r.amount).as_decimal())
                    .sum();
                assert_eq!(listed, aged_total, "{what}: the documents listed");
                let ids: BTreeSet<String> = docs
                    .iter()
                    .filter_map(|r| r.xero_id.clone())
                    .map(|i| i.to_ascii_lowercase())
                    .collect();
                // Paid in full on or before the date: not listed. When it was
                // paid in full is read from the invoice's own record: the last
                // of the payments and credits it lists. (The simulator's
                // `FullyPaidOnDate` is the date of one of its payments, not
                // always the last one, so it is not used.)
                for inv in &invoices {
                    if inv["Type"] != doc_type || inv["Status"] != "PAID" {
                        continue;
                    }
                    if paid_in_full_on(inv).is_some_and(|p| p <= as_at) {
                        paid_seen += 1;
                        let id = inv["InvoiceID"].as_str().unwrap().to_ascii_lowercase();
                        assert!(!ids.contains(&id), "{what}: {id} was paid in full by then");
                    }
                }
                // Today: each invoice's outstanding amount is Xero's AmountDue.
                if as_at == s.today {
                    let due: BTreeMap<String, Decimal> = docs
                        .iter()
                        .filter(|r| r.source_type.as_deref() == Some(doc_type))
                        .map(|r| {
                            (
                                r.xero_id.clone().unwrap().to_ascii_lowercase(),
                                r.amount.as_decimal(),
                            )
                        })
                        .collect();
                    let want: BTreeMap<String, Decimal> = invoices
                        .iter()
                        .filter(|i| {
                            i["Type"] == doc_type
                                && i["Status"] == "AUTHORISED"
                                && ms_date(&i["Date"]).is_some_and(|d| d <= as_at)
                                && !dec(&i["AmountDue"]).is_zero()
                        })
                        .map(|i| {
                            (
                                i["InvoiceID"].as_str().unwrap().to_ascii_lowercase(),
                                dec(&i["AmountDue"]),
                            )
                        })
                        .collect();
                    assert!(!want.is_empty(), "{what}: something is still due today");
                    assert_eq!(due, want, "{what}: outstanding today is Xero's AmountDue");
                }
                checked += 1;
            }
        }
    }
    assert!(
        paid_seen > 0,
        "seed {seed}: some invoice was paid in full within the books"
    );
    checked
}

#[tokio::test]
async fn the_aged_totals_are_the_control_accounts_at_every_date_on_the_demo_books() {
    // The demo company's books (seed 2026).
    let checked = one_figure(2026).await;
    assert!(checked > 20, "{checked} reports");
}

#[tokio::test]
async fn the_aged_totals_are_the_control_accounts_at_every_date_on_other_books() {
    let checked = one_figure(11).await;
    assert!(checked > 20, "{checked} reports");
}

/// A ledger rebuilt before the aged figures were kept with it (as one
/// migrated from an older schema is) is rebuilt before they are read, and
/// the figures are those the kept copy gives.
#[tokio::test]
async fn a_ledger_rebuilt_before_the_aged_figures_were_kept_is_rebuilt_before_they_are_read() {
    let s = synced(11).await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let kept = common::report_at(&s.ctx, &tenant, ReportKind::AgedReceivables, s.today).await;
    assert!(summary(&kept, "Total in ").is_some());
    let pool = s.ctx.store().pool().clone();
    sqlx::query("UPDATE gl_state SET aged_kept = 0")
        .execute(&pool)
        .await
        .unwrap();
    for table in ["gl_aged_documents", "gl_aged_settlements"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let kept_copy = || async {
        let state = s.ctx.store().general_ledger_state(&tenant).await.unwrap();
        state.unwrap().aged_kept
    };
    assert!(!kept_copy().await);
    let again = common::report_at(&s.ctx, &tenant, ReportKind::AgedReceivables, s.today).await;
    assert_eq!(again, kept, "the figures after the rebuild");
    assert!(kept_copy().await, "the rebuild kept the copy");
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM gl_aged_documents WHERE tenant_id = ?")
            .bind(&tenant)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(rows > 0, "the copy holds the documents");
}

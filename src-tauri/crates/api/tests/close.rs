//! Procedures and the period close, called as every front calls them, on a
//! real ledger file. The automated checks run on simulator books synced with
//! the real engine over loopback: first on books made clean (no false alarm),
//! then with planted cases, which must be found, and only they.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerkeep_api::ops::close::*;
use ledgerkeep_api::*;
use ledgerkeep_domain::close::{CheckKind, Period};
use ledgerkeep_sim::{Collection, Limits, RunningSimulator, Size, TenantBooks};
use ledgerkeep_sync::{no_progress, CancelToken};
use ledgerkeep_xero::{VirtualTime, Xero};
use serde_json::{json, Value};

mod common;

// ---------------------------------------------------------------------------
// Procedures: validation, versions, archive, audit.

async fn empty_ledger() -> (tempfile::TempDir, AppContext) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    (dir, ctx)
}

fn good_sop() -> SaveSopRequest {
    SaveSopRequest {
        id: None,
        title: "Month-end close".into(),
        owner: "Sam".into(),
        frequency: "monthly".into(),
        due_rule: "5th business day".into(),
        steps: vec![
            SopStepInput {
                body: "Reconcile **every** bank line.".into(),
                check: Some("unreconciled_bank_lines".into()),
                check_param: None,
            },
            SopStepInput {
                body: "Review aged receivables.".into(),
                ..SopStepInput::default()
            },
        ],
    }
}

async fn audit_rows(ctx: &AppContext, table: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE table_name = ?")
        .bind(table)
        .fetch_one(ctx.store().pool())
        .await
        .unwrap()
}

async fn nothing_saved(ctx: &AppContext) {
    assert!(list_sops(
        ctx,
        ListSopsRequest {
            include_archived: true
        }
    )
    .await
    .unwrap()
    .is_empty());
    for table in ["sops", "sop_steps", "sop_versions"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(ctx.store().pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} has rows");
    }
    assert_eq!(audit_rows(ctx, "sops").await, 0);
}

fn field_names(err: &ApiError) -> Vec<&str> {
    err.field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect()
}

#[tokio::test]
async fn each_bad_field_is_named_and_nothing_is_saved() {
    let (_dir, ctx) = empty_ledger().await;
    let cases: Vec<(&str, SaveSopRequest)> = vec![
        (
            "title",
            SaveSopRequest {
                title: "   ".into(),
                ..good_sop()
            },
        ),
        (
            "steps[1].body",
            SaveSopRequest {
                steps: vec![
                    good_sop().steps[0].clone(),
                    SopStepInput {
                        body: "x".repeat(100 * 1024),
                        ..SopStepInput::default()
                    },
                ],
                ..good_sop()
            },
        ),
        (
            "frequency",
            SaveSopRequest {
                frequency: "fortnightly".into(),
                ..good_sop()
            },
        ),
        (
            "dueRule",
            SaveSopRequest {
                due_rule: "5 business day".into(),
                ..good_sop()
            },
        ),
        (
            "dueRule",
            SaveSopRequest {
                due_rule: "soon-ish".into(),
                ..good_sop()
            },
        ),
    ];
    for (field, req) in cases {
        let err = save_sop(&ctx, req).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert_eq!(field_names(&err), vec![field], "{err:?}");
        assert!(!err.field_errors()[0].message.is_empty());
        nothing_saved(&ctx).await;
    }
    // All four at once: four field errors, in the form's order, and still nothing saved.
    let err = save_sop(
        &ctx,
        SaveSopRequest {
            title: String::new(),
            frequency: "hourly".into(),
            due_rule: "whenever".into(),
            steps: vec![SopStepInput {
                body: "y".repeat(100 * 1024),
                ..SopStepInput::default()
            }],
            ..good_sop()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_names(&err),
        vec!["title", "frequency", "dueRule", "steps[0].body"]
    );
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["fields"].as_array().unwrap().len(), 4);
    nothing_saved(&ctx).await;
    // An unknown check and a bad day count are field errors too.
    let mut req = good_sop();
    req.steps[0].check = Some("vibes".into());
    req.steps[1].check = Some("stale_drafts".into());
    req.steps[1].check_param = Some(0);
    let err = save_sop(&ctx, req).await.unwrap_err();
    assert_eq!(
        field_names(&err),
        vec!["steps[0].check", "steps[1].checkParam"]
    );
    nothing_saved(&ctx).await;
}

#[tokio::test]
async fn procedures_keep_every_version_and_every_change_is_audited() {
    let (_dir, ctx) = empty_ledger().await;
    let v1 = save_sop(&ctx, good_sop()).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.steps[0].check, Some(CheckKind::UnreconciledBankLines));
    // Saved unchanged: no new version.
    let same = save_sop(
        &ctx,
        SaveSopRequest {
            id: Some(v1.id),
            ..good_sop()
        },
    )
    .await
    .unwrap();
    assert_eq!(same.version, 1);
    let mut edit = SaveSopRequest {
        id: Some(v1.id),
        ..good_sop()
    };
    edit.due_rule = "3RD business  day".into();
    edit.steps.push(SopStepInput {
        body: "Lock the period.".into(),
        check: Some("period_locked".into()),
        check_param: None,
    });
    let v2 = save_sop(&ctx, edit).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.due_rule, "3rd business day");
    assert_eq!(v2.steps.len(), 3);
    let versions = sop_versions(&ctx, SopIdRequest { id: v1.id })
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(versions[0].due_rule, "5th business day");
    assert_eq!(versions[0].steps.len(), 2);
    // Archived: gone from the list, kept with include_archived.
    archive_sop(
        &ctx,
        ArchiveSopRequest {
            id: v1.id,
            archived: true,
        },
    )
    .await
    .unwrap();
    assert!(list_sops(&ctx, ListSopsRequest::default())
        .await
        .unwrap()
        .is_empty());
    let all = list_sops(
        &ctx,
        ListSopsRequest {
            include_archived: true,
        },
    )
    .await
    .unwrap();
    assert!(all[0].archived);
    // Create, edit, archive: three audit rows, and the chain holds.
    let history = ctx
        .store()
        .record_history("sops", "", &v1.id.to_string())
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| h.action.as_str())
            .collect::<Vec<_>>(),
        vec!["insert", "update", "update"]
    );
    assert!(
        history[1].changes_json.contains("3rd business day"),
        "{}",
        history[1].changes_json
    );
    assert!(
        history[2].changes_json.contains("archived_at"),
        "{}",
        history[2].changes_json
    );
    assert!(ctx.store().verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn the_starter_library_imports_once_and_every_procedure_is_valid() {
    let (_dir, ctx) = empty_ledger().await;
    let added = import_starter_sops(&ctx).await.unwrap();
    let titles: BTreeSet<&str> = added.iter().map(|s| s.title.as_str()).collect();
    for t in [
        "Month-end close",
        "Bank reconciliation",
        "Accounts receivable follow-up",
        "Bill payment run",
        "Payroll accrual",
        "Sales tax (GST/VAT) return preparation",
        "Year-end",
    ] {
        assert!(titles.contains(t), "{t} missing");
    }
    let month_end = added.iter().find(|s| s.title == "Month-end close").unwrap();
    let checks: BTreeSet<CheckKind> = month_end.steps.iter().filter_map(|s| s.check).collect();
    assert_eq!(
        checks.len(),
        CheckKind::ALL.len(),
        "the month-end close carries every check"
    );
    assert!(
        import_starter_sops(&ctx).await.unwrap().is_empty(),
        "imported twice"
    );
}

// ---------------------------------------------------------------------------
// The automated checks on synced simulator books.

struct Books {
    sim: RunningSimulator,
    time: Arc<VirtualTime>,
    xero: Arc<Xero>,
    ctx: AppContext,
    tenant: String,
    _dir: tempfile::TempDir,
}

const DAY_MS: i64 = 86_400_000;

fn ms(date: &str) -> i64 {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

fn xero_date(date: &str) -> Value {
    json!(format!("/Date({}+0000)/", ms(date)))
}

fn june() -> Period {
    Period::parse("2026-06").unwrap()
}

impl Books {
    async fn start() -> Books {
        Books::start_on(common::signed_in(8).await)
    }

    fn start_on(signed_in: common::SignedIn) -> Books {
        let common::SignedIn {
            sim,
            time,
            xero,
            ctx,
            dir,
        } = signed_in;
        let tenant = sim.tenants()[0].tenant_id.clone();
        Books {
            sim,
            time,
            xero,
            ctx,
            tenant,
            _dir: dir,
        }
    }

    /// Changes the first organisation's books in the simulator.
    fn edit(&self, f: impl FnOnce(&mut TenantBooks)) {
        let tenant = self.tenant.clone();
        self.sim.edit_books(|t| {
            f(t.tenants
                .iter_mut()
                .find(|b| b.tenant_id == tenant)
                .unwrap())
        });
    }

    /// Rewrites every record of `c` that `pick` accepts, moving its UpdatedDateUTC to now.
    fn rewrite(
        &self,
        c: Collection,
        pick: impl Fn(&Value) -> bool,
        change: impl Fn(&mut Value),
    ) -> Vec<String> {
        let now = self.time.now_ms();
        let mut changed = Vec::new();
        self.edit(|b| {
            let rows: Vec<Value> = b
                .table(c)
                .records()
                .iter()
                .map(|r| r.value())
                .filter(|v| pick(v))
                .collect();
            for mut v in rows {
                change(&mut v);
                if v.get("UpdatedDateUTC").is_some() {
                    v["UpdatedDateUTC"] = json!(format!("/Date({now}+0000)/"));
                }
                changed.push(v[c_id(c)].as_str().unwrap_or_default().to_owned());
                b.put(c, &v);
            }
        });
        changed
    }

    /// Moves the clock on a minute and syncs the organisation.
    async fn sync(&self) {
        self.time.advance(Duration::from_secs(60));
        let reports = sync_once(
            &self.ctx,
            Arc::clone(&self.xero),
            self.time.timekeeping(),
            Some(&self.tenant),
            false,
            &CancelToken::default(),
            &no_progress(),
        )
        .await
        .unwrap();
        assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    }

    async fn check(&self, period: Period, kind: CheckKind, param: Option<i64>) -> CheckOutcome {
        evaluate_check(self.ctx.store(), &self.tenant, period, kind, param, None)
            .await
            .unwrap()
    }
}

fn c_id(c: Collection) -> &'static str {
    c.id_field()
}

fn ids(o: &CheckOutcome, table: &str) -> BTreeSet<String> {
    o.evidence
        .iter()
        .filter(|e| e.table == table)
        .map(|e| e.xero_id.clone())
        .collect()
}

fn date_of(v: &Value) -> Option<String> {
    let s = v["Date"].as_str()?;
    let ms: i64 = s
        .trim_start_matches("/Date(")
        .split(['+', ')'])
        .next()?
        .parse()
        .ok()?;
    Some(
        Utc.timestamp_millis_opt(ms)
            .single()?
            .format("%Y-%m-%d")
            .to_string(),
    )
}

#[tokio::test]
async fn unreconciled_bank_lines_are_found_and_a_reconciled_month_passes() {
    let b = Books::start().await;
    // Clean books: every bank line reconciled.
    b.rewrite(
        Collection::BankTransactions,
        |v| v["IsReconciled"] != true,
        |v| v["IsReconciled"] = json!(true),
    );
    b.sync().await;
    let clean = b
        .check(june(), CheckKind::UnreconciledBankLines, None)
        .await;
    assert_eq!(clean.status, CloseCheckStatus::Pass, "{}", clean.summary);
    assert!(clean.evidence.is_empty());
    // Planted: two authorised lines dated in June unreconciled.
    let planted: Vec<String> = {
        let ids = b.sim.with_truth(|t| {
            t.records(&b.tenant, Collection::BankTransactions)
                .into_iter()
                .filter(|v| {
                    v["Status"] == "AUTHORISED"
                        && date_of(v).is_some_and(|d| d.starts_with("2026-06"))
                })
                .take(2)
                .map(|v| v["BankTransactionID"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        });
        assert_eq!(ids.len(), 2, "the books have June bank lines");
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        b.rewrite(
            Collection::BankTransactions,
            |v| set.contains(v["BankTransactionID"].as_str().unwrap_or_default()),
            |v| v["IsReconciled"] = json!(false),
        )
    };
    b.sync().await;
    let found = b
        .check(june(), CheckKind::UnreconciledBankLines, None)
        .await;
    assert_eq!(found.status, CloseCheckStatus::Fail);
    assert_eq!(
        ids(&found, "bank_transactions"),
        planted.iter().cloned().collect()
    );
    assert!(
        found.summary.starts_with("2 unreconciled"),
        "{}",
        found.summary
    );
    assert!(found
        .evidence
        .iter()
        .all(|e| e.amount.is_some() && e.date.as_deref().unwrap() <= "2026-06-30"));
    // May ended before them: May's close is not blamed for June's lines.
    let may = b
        .check(
            Period::parse("2026-05").unwrap(),
            CheckKind::UnreconciledBankLines,
            None,
        )
        .await;
    assert_eq!(may.status, CloseCheckStatus::Pass, "{}", may.summary);
}

#[tokio::test]
async fn drafts_older_than_n_days_are_found_and_recent_drafts_pass() {
    let b = Books::start().await;
    // Clean books: every draft or submitted document dated 25 June (5 days before the end).
    b.rewrite(
        Collection::Invoices,
        |v| v["Status"] == "DRAFT" || v["Status"] == "SUBMITTED",
        |v| v["Date"] = xero_date("2026-06-25"),
    );
    b.sync().await;
    let clean = b.check(june(), CheckKind::StaleDrafts, Some(14)).await;
    assert_eq!(clean.status, CloseCheckStatus::Pass, "{}", clean.summary);
    // Planted: a draft invoice of 1 May and a submitted bill of 10 June (20 days old).
    let pick = |kind: &'static str| {
        b.sim.with_truth(|t| {
            t.records(&b.tenant, Collection::Invoices)
                .into_iter()
                .find(|v| v["Type"] == kind && v["Status"] == "AUTHORISED")
                .map(|v| v["InvoiceID"].as_str().unwrap().to_owned())
                .unwrap()
        })
    };
    let (inv, bill) = (pick("ACCREC"), pick("ACCPAY"));
    b.rewrite(
        Collection::Invoices,
        |v| v["InvoiceID"] == inv.as_str(),
        |v| {
            v["Status"] = json!("DRAFT");
            v["Date"] = xero_date("2026-05-01");
        },
    );
    b.rewrite(
        Collection::Invoices,
        |v| v["InvoiceID"] == bill.as_str(),
        |v| {
            v["Status"] = json!("SUBMITTED");
            v["Date"] = xero_date("2026-06-10");
        },
    );
    b.sync().await;
    let found = b.check(june(), CheckKind::StaleDrafts, Some(14)).await;
    assert_eq!(found.status, CloseCheckStatus::Fail);
    assert_eq!(
        ids(&found, "invoices"),
        BTreeSet::from([inv.clone(), bill.clone()])
    );
    assert!(
        found
            .evidence
            .iter()
            .any(|e| e.detail == "Bill still submitted"),
        "{:?}",
        found.evidence
    );
    // With N = 30 the 20-day-old bill is not stale yet.
    let wider = b.check(june(), CheckKind::StaleDrafts, Some(30)).await;
    assert_eq!(ids(&wider, "invoices"), BTreeSet::from([inv]));
}

/// A posted manual journal of `amounts` to `account`, each against 429.
fn manual_journal(account: &Value, date: &str, amounts: &[&str], updated_ms: i64, n: i64) -> Value {
    let mut lines = Vec::new();
    for amt in amounts {
        let neg = match amt.strip_prefix('-') {
            Some(p) => p.to_owned(),
            None => format!("-{amt}"),
        };
        for (code, amount) in [
            (account["Code"].clone(), amt.to_string()),
            (json!("429"), neg),
        ] {
            lines.push(json!({
                "LineAmount": serde_json::from_str::<Value>(&amount).unwrap(),
                "AccountCode": code,
                "Description": "planted",
                "TaxType": "NONE",
                "IsBlank": false,
                "Tracking": []
            }));
        }
    }
    json!({
        "ManualJournalID": format!("00000000-0000-4000-8000-{n:012}"),
        "Narration": format!("planted {n}"),
        "JournalLines": lines,
        "Date": xero_date(date),
        "LineAmountTypes": "NoTax",
        "Status": "POSTED",
        "ShowOnCashBasisReports": true,
        "HasAttachments": false,
        "UpdatedDateUTC": format!("/Date({updated_ms}+0000)/")
    })
}

#[tokio::test]
async fn suspense_and_clearing_accounts_off_zero_are_found_and_cleared_ones_pass() {
    // A new Starter app: no Journals, so the balances come from the general
    // ledger rebuilt from the documents.
    let b = Books::start_on(common::starter_signed_in(8, Size::Small, Limits::XERO).await);
    let now = b.time.now_ms();
    // Clean books: a suspense account whose entries cancel out, and a clearing account never used.
    let suspense = json!({
        "AccountID": "0000aaaa-0000-4000-8000-000000000999", "Code": "999", "Name": "Suspense",
        "Status": "ACTIVE", "Type": "CURRLIAB", "TaxType": "NONE", "Class": "LIABILITY",
        "UpdatedDateUTC": format!("/Date({now}+0000)/")
    });
    let clearing = json!({
        "AccountID": "0000aaaa-0000-4000-8000-000000000998", "Code": "998", "Name": "Payroll Clearing",
        "Status": "ACTIVE", "Type": "CURRLIAB", "TaxType": "NONE", "Class": "LIABILITY",
        "UpdatedDateUTC": format!("/Date({now}+0000)/")
    });
    b.edit(|books| {
        books.put(Collection::Accounts, &suspense);
        books.put(Collection::Accounts, &clearing);
        books.put(
            Collection::ManualJournals,
            &manual_journal(&suspense, "2026-06-03", &["100.10"], now, 1),
        );
        books.put(
            Collection::ManualJournals,
            &manual_journal(&suspense, "2026-06-20", &["-100.10"], now, 2),
        );
    });
    b.sync().await;
    let clean = b.check(june(), CheckKind::SuspenseAtZero, None).await;
    assert_eq!(clean.status, CloseCheckStatus::Pass, "{}", clean.summary);
    assert!(
        clean
            .summary
            .starts_with("2 suspense and clearing accounts at zero"),
        "{}",
        clean.summary
    );
    // Planted: 250.05 left in the clearing account on 28 June, and a suspense entry in July (after the period).
    b.time.advance(Duration::from_secs(60));
    let now = b.time.now_ms();
    b.edit(|books| {
        books.put(
            Collection::ManualJournals,
            &manual_journal(&clearing, "2026-06-28", &["250.05"], now, 3),
        );
        books.put(
            Collection::ManualJournals,
            &manual_journal(&suspense, "2026-07-02", &["75"], now, 4),
        );
    });
    b.sync().await;
    let found = b.check(june(), CheckKind::SuspenseAtZero, None).await;
    assert_eq!(found.status, CloseCheckStatus::Fail);
    assert_eq!(
        ids(&found, "accounts"),
        BTreeSet::from([clearing["AccountID"].as_str().unwrap().to_owned()])
    );
    let balance = found
        .evidence
        .iter()
        .find(|e| e.table == "accounts")
        .unwrap();
    assert_eq!(balance.amount.as_ref().unwrap().to_string(), "250.05");
    // Each line names the document it posts from.
    assert_eq!(
        ids(&found, "manual_journals"),
        BTreeSet::from(["00000000-0000-4000-8000-000000000003".to_owned()])
    );
    // July holds both: the suspense account is off by 75 too.
    let july = b
        .check(
            Period::parse("2026-07").unwrap(),
            CheckKind::SuspenseAtZero,
            None,
        )
        .await;
    assert_eq!(ids(&july, "accounts").len(), 2);
}

#[tokio::test]
async fn bank_accounts_not_synced_since_the_period_ended_are_found() {
    let b = Books::start().await;
    b.sync().await; // on 1 July 2026
    let june_check = b.check(june(), CheckKind::BankAccountsSynced, None).await;
    assert_eq!(
        june_check.status,
        CloseCheckStatus::Pass,
        "{}",
        june_check.summary
    );
    assert!(june_check.evidence.is_empty());
    let banks: usize = b.sim.with_truth(|t| {
        t.records(&b.tenant, Collection::Accounts)
            .iter()
            .filter(|a| a["Type"] == "BANK" && a["Status"] == "ACTIVE")
            .count()
    });
    assert!(banks >= 2);
    // July has not ended when the books were last synced: every bank account is behind.
    let july = Period::parse("2026-07").unwrap();
    let behind = b.check(july, CheckKind::BankAccountsSynced, None).await;
    assert_eq!(behind.status, CloseCheckStatus::Fail);
    assert_eq!(behind.evidence.len(), banks);
    assert!(
        behind
            .evidence
            .iter()
            .all(|e| e.detail.starts_with("Last synced 2026-07-01")),
        "{:?}",
        behind.evidence
    );
    // A sync on 1 August brings them up to date.
    b.time.advance(Duration::from_secs(31 * 86_400));
    b.sync().await;
    assert_eq!(
        b.check(july, CheckKind::BankAccountsSynced, None)
            .await
            .status,
        CloseCheckStatus::Pass
    );
}

#[tokio::test]
async fn a_missing_or_early_lock_date_is_found_and_a_locked_period_passes() {
    let b = Books::start().await;
    b.sync().await;
    // The simulator's books have no lock date.
    let unset = b.check(june(), CheckKind::PeriodLocked, None).await;
    assert_eq!(unset.status, CloseCheckStatus::Fail);
    assert!(
        unset.evidence[0]
            .detail
            .contains("Period lock date not set"),
        "{:?}",
        unset.evidence
    );
    // Locked to the end of May only.
    b.rewrite(
        Collection::Organisation,
        |_| true,
        |v| v["PeriodLockDate"] = xero_date("2026-05-31"),
    );
    b.sync().await;
    let early = b.check(june(), CheckKind::PeriodLocked, None).await;
    assert_eq!(early.status, CloseCheckStatus::Fail);
    assert_eq!(early.evidence[0].date.as_deref(), Some("2026-05-31"));
    // Locked to the end of June: passes.
    b.rewrite(
        Collection::Organisation,
        |_| true,
        |v| v["PeriodLockDate"] = xero_date("2026-06-30"),
    );
    b.sync().await;
    let locked = b.check(june(), CheckKind::PeriodLocked, None).await;
    assert_eq!(locked.status, CloseCheckStatus::Pass, "{}", locked.summary);
    let _ = DAY_MS;
}

fn manual_sop() -> SaveSopRequest {
    SaveSopRequest {
        id: None,
        title: "Close".into(),
        owner: "Sam".into(),
        frequency: "monthly".into(),
        due_rule: "5th business day".into(),
        steps: vec![
            SopStepInput {
                body: "Review the month.".into(),
                ..SopStepInput::default()
            },
            SopStepInput {
                body: "No edits to closed periods.".into(),
                check: Some("closed_period_edits".into()),
                check_param: None,
            },
        ],
    }
}

#[tokio::test]
async fn edits_to_a_signed_off_period_are_found_and_warned_on_its_run() {
    let b = Books::start().await;
    b.sync().await;
    save_sop(&b.ctx, manual_sop()).await.unwrap();
    // May is closed and signed off.
    let may = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-05".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(may.title, "May 2026 close");
    assert_eq!(may.steps.len(), 2);
    let auto = may.steps.iter().find(|s| s.check.is_some()).unwrap();
    assert_eq!(
        auto.outcome.as_ref().unwrap().status,
        CloseCheckStatus::Pass
    );
    let manual = may.steps.iter().find(|s| s.check.is_none()).unwrap();
    // Sign-off is refused while a step is open.
    let err = sign_off_run(
        &b.ctx,
        SignOffRequest {
            run_id: may.id,
            who: "Sam".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("1 step is still open"),
        "{}",
        err.message
    );
    tick_step(
        &b.ctx,
        TickStepRequest {
            step_id: manual.id,
            done: true,
            who: "Sam".into(),
            note: Some("ok".into()),
        },
    )
    .await
    .unwrap();
    let signed = sign_off_run(
        &b.ctx,
        SignOffRequest {
            run_id: may.id,
            who: "Sam".into(),
        },
    )
    .await
    .unwrap();
    assert!(signed.signed_off_at.is_some());
    assert_eq!(signed.ledger_hash.as_ref().map(String::len), Some(64));
    assert!(signed.warnings.is_empty());
    // Locked: no more ticks.
    let err = tick_step(
        &b.ctx,
        TickStepRequest {
            step_id: manual.id,
            done: false,
            who: "Sam".into(),
            note: None,
        },
    )
    .await
    .unwrap_err();
    assert!(err.message.contains("signed off"), "{}", err.message);

    // Clean: the books change, but only in June; another sync of unchanged books changes nothing.
    let june_inv = b.sim.with_truth(|t| {
        t.records(&b.tenant, Collection::Invoices)
            .into_iter()
            .find(|v| {
                v["Status"] == "AUTHORISED" && date_of(v).is_some_and(|d| d.starts_with("2026-06"))
            })
            .map(|v| v["InvoiceID"].as_str().unwrap().to_owned())
            .unwrap()
    });
    b.rewrite(
        Collection::Invoices,
        |v| v["InvoiceID"] == june_inv.as_str(),
        |v| v["Reference"] = json!("June edit"),
    );
    b.sync().await;
    b.sync().await;
    let clean = b.check(june(), CheckKind::ClosedPeriodEdits, None).await;
    assert_eq!(clean.status, CloseCheckStatus::Pass, "{}", clean.summary);
    assert!(get_run(&b.ctx, RunIdRequest { run_id: may.id })
        .await
        .unwrap()
        .warnings
        .is_empty());

    // Planted: an invoice dated in May edited in Xero after the sign-off.
    let may_inv = b.sim.with_truth(|t| {
        t.records(&b.tenant, Collection::Invoices)
            .into_iter()
            .find(|v| {
                v["Status"] == "AUTHORISED" && date_of(v).is_some_and(|d| d.starts_with("2026-05"))
            })
            .map(|v| v["InvoiceID"].as_str().unwrap().to_owned())
            .unwrap()
    });
    b.rewrite(
        Collection::Invoices,
        |v| v["InvoiceID"] == may_inv.as_str(),
        |v| v["Reference"] = json!("changed after close"),
    );
    // And a May bank transaction moved into June: the closed period lost it.
    let moved = b.sim.with_truth(|t| {
        t.records(&b.tenant, Collection::BankTransactions)
            .into_iter()
            .find(|v| {
                v["Status"] == "AUTHORISED" && date_of(v).is_some_and(|d| d.starts_with("2026-05"))
            })
            .map(|v| v["BankTransactionID"].as_str().unwrap().to_owned())
            .unwrap()
    });
    b.rewrite(
        Collection::BankTransactions,
        |v| v["BankTransactionID"] == moved.as_str(),
        |v| v["Date"] = xero_date("2026-06-02"),
    );
    b.sync().await;
    let found = b.check(june(), CheckKind::ClosedPeriodEdits, None).await;
    assert_eq!(found.status, CloseCheckStatus::Fail);
    assert_eq!(ids(&found, "invoices"), BTreeSet::from([may_inv.clone()]));
    assert_eq!(
        ids(&found, "bank_transactions"),
        BTreeSet::from([moved.clone()])
    );
    let inv_edit = found
        .evidence
        .iter()
        .find(|e| e.table == "invoices")
        .unwrap();
    assert!(
        inv_edit.detail.contains("Reference"),
        "{:?}",
        found.evidence
    );
    let moved_edit = found
        .evidence
        .iter()
        .find(|e| e.table == "bank_transactions")
        .unwrap();
    assert!(
        moved_edit.date.as_deref().unwrap().starts_with("2026-05"),
        "{moved_edit:?}"
    );
    assert!(
        found.summary.contains("May 2026 close"),
        "{}",
        found.summary
    );
    let warned = get_run(&b.ctx, RunIdRequest { run_id: may.id })
        .await
        .unwrap();
    assert_eq!(warned.warnings.len(), 1, "{:?}", warned.warnings);
    assert!(
        warned.warnings[0].contains("May 2026"),
        "{}",
        warned.warnings[0]
    );
    assert_eq!(warned.edits_since_sign_off.len(), 2);
    // The June run carries the failure with its evidence.
    let june_run = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-06".into(),
        },
    )
    .await
    .unwrap();
    let step = june_run
        .steps
        .iter()
        .find(|s| s.check == Some(CheckKind::ClosedPeriodEdits))
        .unwrap();
    let o = step.outcome.as_ref().unwrap();
    assert_eq!(o.status, CloseCheckStatus::Fail);
    assert!(
        o.evidence.iter().any(|e| e.xero_id == may_inv),
        "{:?}",
        o.evidence
    );
    // Every change to the runs is in the audit chain, and it holds.
    assert!(audit_rows(&b.ctx, "close_runs").await >= 3);
    assert!(audit_rows(&b.ctx, "close_run_steps").await >= 2);
    assert!(b.ctx.store().verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn a_run_holds_the_procedures_due_and_start_run_validates_its_fields() {
    let b = Books::start().await;
    b.sync().await;
    let err = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: " ".into(),
            period: "June".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&err), vec!["tenantId", "period"]);
    // No procedure yet: refused on the period, nothing created.
    let err = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-06".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_names(&err), vec!["period"]);
    assert!(list_runs(
        &b.ctx,
        ListRunsRequest {
            tenant_id: b.tenant.clone()
        }
    )
    .await
    .unwrap()
    .is_empty());
    import_starter_sops(&b.ctx).await.unwrap();
    // The simulator's year ends in March: June ends a quarter, so the GST return is due; year-end is not.
    let run = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-06".into(),
        },
    )
    .await
    .unwrap();
    let sops: BTreeSet<&str> = run.steps.iter().map(|s| s.sop_title.as_str()).collect();
    assert!(
        sops.contains("Sales tax (GST/VAT) return preparation"),
        "{sops:?}"
    );
    assert!(!sops.contains("Year-end"), "{sops:?}");
    let month_end: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.sop_title == "Month-end close")
        .collect();
    assert!(
        month_end.iter().all(|s| s.due_date == "2026-07-07"),
        "5th business day after 30 June 2026"
    );
    assert!(run
        .steps
        .iter()
        .filter(|s| s.check.is_some())
        .all(|s| s.outcome.is_some()));
    let err = start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-06".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("already been started"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn reminders_name_due_and_overdue_closes_once() {
    let b = Books::start().await;
    b.sync().await;
    save_sop(&b.ctx, manual_sop()).await.unwrap();
    // 6 July 2026: June's close (due on the 7th) has not been started: due tomorrow.
    let day = |d: &str| {
        Utc.from_utc_datetime(
            &NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        )
    };
    let r = close_reminders(&b.ctx, day("2026-07-06")).await.unwrap();
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0].body.contains("June 2026 close") && r[0].body.contains("tomorrow"),
        "{}",
        r[0].body
    );
    assert!(
        close_reminders(&b.ctx, day("2026-07-06"))
            .await
            .unwrap()
            .is_empty(),
        "shown twice"
    );
    // Started on the 8th, not finished: overdue, once a day.
    start_run(
        &b.ctx,
        StartRunRequest {
            tenant_id: b.tenant.clone(),
            period: "2026-06".into(),
        },
    )
    .await
    .unwrap();
    let r = close_reminders(&b.ctx, day("2026-07-08")).await.unwrap();
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].kind, ledgerkeep_domain::close::ReminderKind::Overdue);
    assert!(close_reminders(&b.ctx, day("2026-07-08"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        close_reminders(&b.ctx, day("2026-07-09"))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The notifications dunst has shown, as its history's JSON text (each one shown is closed into it).
fn dunst_history() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("dunstctl")
            .args(args)
            .output()
            .unwrap()
    };
    run(&["close-all"]);
    String::from_utf8_lossy(&run(&["history"]).stdout).into_owned()
}

#[tokio::test]
#[ignore = "needs a D-Bus session with dunst: run by `make test`"]
async fn an_overdue_close_reaches_the_desktop_as_a_notification() {
    let b = Books::start().await;
    b.sync().await;
    save_sop(&b.ctx, manual_sop()).await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 7, 9, 9, 0, 0).unwrap();
    let sent = send_close_reminders(&b.ctx, at, &ledgerkeep_sync::DesktopNotifier::default())
        .await
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let mut seen = String::new();
    for _ in 0..100 {
        seen = dunst_history();
        if seen.contains("June 2026 close") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("Checklist overdue"), "{seen}");
    assert!(
        seen.contains("June 2026 close") && seen.contains("days ago"),
        "{seen}"
    );
}

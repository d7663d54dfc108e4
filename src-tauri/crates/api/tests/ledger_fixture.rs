//! Writes the migration fixture for the current schema version: a ledger filled
//! the way the app fills it (a sign-in, a sync of the simulator's books, changes
//! in Xero, a second sync, the owner's settings), saved as the gzipped SQL that
//! rebuilds the file (`tests/fixtures/ledgers/sql_dump.rs`). Run once when a
//! schema version ships, and commit the file; `store/tests/migrations.rs` then
//! rebuilds every committed fixture and migrates it to the newest schema.
//!
//! `LEDGERKEEP_LEDGER_FIXTURE_OUT=$PWD/tests/fixtures/ledgers/v<N>.sql.gz \
//!  cargo test -p ledgerkeep-api --test ledger_fixture -- --ignored`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure is the writer failing

use std::sync::Arc;

use ledgerkeep_api::*;
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_sync::{SchedulerConfig, Silent};
use ledgerkeep_xero::MemoryTokenStore;

mod common;
use common::BOUNCE_URL;

#[path = "../../../../tests/fixtures/ledgers/sql_dump.rs"]
mod sql_dump;

#[tokio::test]
#[ignore = "writes a committed fixture; run by hand when a schema version ships"]
async fn write_ledger_fixture_for_the_current_schema() {
    let Ok(out) = std::env::var("LEDGERKEEP_LEDGER_FIXTURE_OUT") else {
        eprintln!("LEDGERKEEP_LEDGER_FIXTURE_OUT is not set: nothing written");
        return;
    };
    let sim = RunningSimulator::builder()
        .seed(11)
        .size(Size::Small)
        .limits(Limits {
            per_minute: 6_000,
            ..Limits::XERO
        })
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.endpoints = common::endpoints_of(&sim);
    let mut options = ledgerkeep_xero::XeroOptions::default();
    options.client.limits.per_minute = 6_000;
    let setup = XeroSetup {
        store: Arc::new(MemoryTokenStore::default()),
        options,
        ..XeroSetup::default()
    };
    let ctx = AppContext::open_with(config, setup).await.unwrap();

    let xero = ctx.xero().clone();
    common::sign_in_by_bounce(&xero).await;

    let svc = SyncService::start(
        &ctx,
        xero,
        ledgerkeep_xero::Timekeeping::real(),
        SchedulerConfig {
            sync_on_launch: false,
            ..SchedulerConfig::default()
        },
        Arc::new(Silent),
    )
    .await
    .unwrap();
    // One organisation keeps the committed file small; it still fills every table.
    let tenants: Vec<String> = sim
        .tenants()
        .into_iter()
        .take(1)
        .map(|t| t.tenant_id)
        .collect();
    for round in 0..2 {
        for tenant in &tenants {
            let report = sync_now(
                &svc,
                SyncNowRequest {
                    tenant_id: tenant.clone(),
                    full: round == 1,
                },
            )
            .await
            .unwrap();
            assert!(report.ok, "{:?}", report.error);
        }
        // Changes in Xero between the syncs: the second brings updates, voids
        // and deletions into the audit trail, and (schema 4) a duplicated bill
        // that anomaly detection finds.
        sim.mutate(200);
        if round == 0 {
            sim.plant(&tenants[0], |p| {
                let bill = p
                    .first(ledgerkeep_sim::Collection::Invoices, |b| {
                        b["Type"] == "ACCPAY" && b["Status"] == "AUTHORISED"
                    })
                    .expect("an authorised bill");
                p.duplicate_bill(bill["InvoiceID"].as_str().unwrap(), 2, false)
            })
            .unwrap();
        }
    }
    // Schema 3: the month-end close. The starter procedures, a run for a month,
    // one step ticked with a note.
    use ledgerkeep_api::ops::close::{import_starter_sops, start_run, tick_step};
    use ledgerkeep_api::ops::close::{StartRunRequest, TickStepRequest};
    let sops = import_starter_sops(&ctx).await.unwrap();
    assert!(!sops.is_empty());
    let run = start_run(
        &ctx,
        StartRunRequest {
            tenant_id: tenants[0].clone(),
            period: "2026-10".into(),
        },
    )
    .await
    .unwrap();
    tick_step(
        &ctx,
        TickStepRequest {
            step_id: run.steps[0].id,
            done: true,
            who: "Owner".into(),
            note: Some("Bank statements downloaded".into()),
        },
    )
    .await
    .unwrap();

    // Schema 6: the payments outbox. One payment recorded in Xero, one
    // refused by Xero (its invoice voided there after our sync), one
    // cancelled, and one left queued.
    let bank = payment_accounts(
        &ctx,
        PaymentAccountsRequest {
            tenant_id: tenants[0].clone(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.account_type.as_deref() == Some("BANK"))
    .expect("a bank account");
    // Open in the ledger, and still open in Xero: the changes made after the
    // last sync may have paid or voided some.
    let open_in_xero: std::collections::HashSet<String> = sim
        .truth()
        .records(&tenants[0], ledgerkeep_sim::Collection::Invoices)
        .into_iter()
        .filter(|i| i["Status"] == "AUTHORISED")
        .filter_map(|i| i["InvoiceID"].as_str().map(str::to_owned))
        .collect();
    let open: Vec<String> = sqlx::query_scalar::<_, String>(
        "SELECT xero_id FROM invoices WHERE tenant_id = ? AND status = 'AUTHORISED'
           AND amount_due_e4 > 100000
           AND currency_code = (SELECT base_currency FROM organisations WHERE tenant_id = ?)
         ORDER BY xero_id",
    )
    .bind(&tenants[0])
    .bind(&tenants[0])
    .fetch_all(ctx.store().pool())
    .await
    .unwrap()
    .into_iter()
    .filter(|id| open_in_xero.contains(id))
    .take(4)
    .collect();
    assert_eq!(open.len(), 4, "four open documents");
    let record = |i: usize| {
        let ctx = ctx.clone();
        let req = RecordPaymentRequest {
            tenant_id: tenants[0].clone(),
            invoice_id: open[i].clone(),
            account_id: bank.account_id.clone(),
            amount: "10.00".into(),
            date: "2026-11-02".into(),
            reference: format!("fixture-{i}"),
        };
        async move { record_payment(&ctx, None, req).await.unwrap() }
    };
    record(0).await;
    record(1).await;
    let dropped = record(3).await;
    cancel_payment(&ctx, CancelPaymentRequest { id: dropped.id })
        .await
        .unwrap();
    let voided = open[1].clone();
    sim.plant(&tenants[0], move |p| {
        p.edit(ledgerkeep_sim::Collection::Invoices, &voided, |v| {
            v["Status"] = serde_json::json!("VOIDED");
        });
    })
    .unwrap();
    let report = svc
        .engine()
        .send_outbox(&tenants[0], ledgerkeep_xero::Priority::User, &Silent)
        .await;
    assert_eq!((report.recorded, report.failed), (1, 1), "{report:?}");
    record(2).await;

    // Schema 19: attachments kept offline. The files the simulator attaches
    // to the first three bills that have them, and one of them on a second
    // document too (kept once, listed twice).
    let with_files: Vec<serde_json::Value> = sim
        .truth()
        .records(&tenants[0], ledgerkeep_sim::Collection::Invoices)
        .into_iter()
        .filter(|i| i["HasAttachments"] == true)
        .take(3)
        .collect();
    assert_eq!(with_files.len(), 3, "three documents with files");
    for (k, doc) in with_files.iter().enumerate() {
        let id = doc["InvoiceID"].as_str().unwrap().to_owned();
        for f in
            ledgerkeep_sim::attachments::attachments_of(ledgerkeep_sim::Collection::Invoices, doc)
        {
            let meta = ledgerkeep_store::attachments::AttachmentMeta {
                tenant_id: tenants[0].clone(),
                attachment_id: f.id.clone(),
                entity: ledgerkeep_domain::EntityKind::Invoice,
                record_id: id.clone(),
                file_name: f.file_name.clone(),
                mime_type: Some(f.mime_type.to_owned()),
            };
            let actor = ledgerkeep_domain::Actor::sync("fixture");
            let now = chrono::Utc::now();
            ctx.store()
                .store_attachment(&meta, &f.bytes, &actor, now)
                .await
                .unwrap();
            if k == 0 {
                let copy = ledgerkeep_store::attachments::AttachmentMeta {
                    attachment_id: format!("{}-copy", f.id),
                    record_id: with_files[1]["InvoiceID"].as_str().unwrap().to_owned(),
                    ..meta
                };
                ctx.store()
                    .store_attachment(&copy, &f.bytes, &actor, now)
                    .await
                    .unwrap();
            }
        }
    }

    // Schema 27: Xero's history of a record, as the record page loads it
    // (one call, kept). Schema 26's batch payments and 24's published tax
    // returns come with the syncs when the organisation has them.
    let history = ledgerkeep_api::ops::xero_history::refresh_record_xero_history(
        &svc,
        RecordDetailRequest {
            tenant_id: tenants[0].clone(),
            entity: ledgerkeep_domain::EntityKind::Invoice,
            xero_id: with_files[0]["InvoiceID"].as_str().unwrap().to_owned(),
        },
    )
    .await
    .unwrap();
    assert!(!history.entries.is_empty(), "{history:?}");

    // Schema 29 adds indexes only (the documents most recently changed).
    // Schema 28: the demo company's organisations and their day. The writer
    // syncs no demo, so one organisation stands in for an earlier day's.
    ctx.store()
        .note_demo_organisations(&tenants[..1], "2026-12-05")
        .await
        .unwrap();

    set_log_level(
        &ctx,
        SetLogLevelRequest {
            level: ledgerkeep_obs::logging::LogLevel::Debug,
        },
    )
    .await
    .unwrap();
    assert!(ctx.store().verify_audit().await.unwrap().is_intact());

    let out = std::path::PathBuf::from(out);
    assert!(
        out.to_string_lossy().ends_with(".sql.gz"),
        "{}: a fixture is v<N>.sql.gz",
        out.display()
    );
    // The file as the app would back it up, then as the SQL that rebuilds it.
    let file = dir.path().join("fixture.sqlite");
    ctx.store().backup_to(&file).await.unwrap();
    svc.shutdown().await;
    ctx.close().await;
    sim.stop().await;
    let text = sql_dump::dump(&file).await;
    let rebuilt = dir.path().join("rebuilt.sqlite");
    sql_dump::restore(&text, &rebuilt).await;
    assert!(
        sql_dump::dump(&rebuilt).await == text,
        "the SQL does not rebuild the ledger it was dumped from"
    );
    sql_dump::write_gz(&out, &text);
    eprintln!("wrote {}", out.display());
}

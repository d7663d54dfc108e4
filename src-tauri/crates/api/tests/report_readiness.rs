//! Reports that explain a stream they need and do not have: a new Starter
//! app (granular scopes checked, no Journals) whose sign-in was not granted
//! bank transactions, synced over loopback from the simulator. Journals
//! refused is no gap (the reports are rebuilt from the documents); bank
//! transactions refused is, in the reports made from the general ledger and
//! not in the aged ones; and before the documents have synced a report shows
//! no figures at all, only why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_sim::{RunningSimulator, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncEngine, SyncRequest};
use ledgerkeep_xero::{XeroOptions, DEFAULT_SCOPES};

const WITHHELD: &str = "accounting.banktransactions.read";

fn request(tenant: &str, kind: ReportKind) -> ReportRequest {
    let over_period = matches!(kind, ReportKind::ProfitAndLoss | ReportKind::CashSummary);
    ReportRequest {
        tracking: None,
        by_tracking_category: None,
        tenant_id: tenant.to_owned(),
        kind,
        period: ReportPeriod {
            from: over_period.then(|| "2000-01-01".to_owned()),
            to: "2026-07-01".to_owned(),
        },
        comparisons: Vec::new(),
        basis: None,
    }
}

fn figures(v: &ReportView) -> usize {
    v.sections
        .iter()
        .flat_map(|s| s.rows.iter().chain(s.total.iter()))
        .chain(v.summary.iter())
        .flat_map(|r| r.cells.iter())
        .filter(|c| c.amount.is_some())
        .count()
}

fn streams(v: &ReportView) -> Vec<(String, IncompleteReason)> {
    v.incomplete
        .iter()
        .map(|i| (i.stream.clone(), i.reason))
        .collect()
}

#[tokio::test]
async fn a_report_says_which_stream_it_lacks_and_shows_no_figures_before_the_documents_sync() {
    // The sign-in asks for every scope Ledgerkeep asks for but bank transactions.
    let scopes: Vec<String> = DEFAULT_SCOPES
        .iter()
        .filter(|s| **s != WITHHELD)
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(scopes.len() + 1, DEFAULT_SCOPES.len());
    let common::SignedIn {
        sim,
        time,
        xero,
        ctx,
        dir: _dir,
    } = common::signed_in_on(
        RunningSimulator::builder()
            .new_starter_app()
            .seed(17)
            .size(Size::Small),
        XeroOptions {
            scopes,
            ..XeroOptions::default()
        },
    )
    .await;
    let tenant = sim.tenants()[0].tenant_id.clone();
    let engine = SyncEngine::new(
        Arc::clone(&xero),
        ctx.store().clone(),
        time.timekeeping(),
        None,
    );

    // First only the organisation and its chart: no document has synced.
    let mut first = SyncRequest::user();
    first.streams = Some(vec![EntityKind::Organisation, EntityKind::Account]);
    let r = engine
        .sync_tenant(&tenant, &first, &CancelToken::new(), &no_progress())
        .await;
    assert!(r.succeeded(), "{:?}", r.error);
    for kind in [
        ReportKind::ProfitAndLoss,
        ReportKind::TrialBalance,
        ReportKind::AgedReceivables,
    ] {
        let v = run_report(&ctx, request(&tenant, kind)).await.unwrap();
        assert_eq!(
            figures(&v),
            0,
            "{kind:?}: figures before any document synced"
        );
        assert!(v.sections.is_empty() && v.summary.is_empty(), "{kind:?}");
        assert!(!v.incomplete.is_empty(), "{kind:?}");
        assert!(
            v.incomplete
                .iter()
                .all(|i| i.reason == IncompleteReason::NotSynced),
            "{:?}",
            v.incomplete
        );
        assert!(v.incomplete.iter().any(|i| i.stream == "Invoices"));
        // The chart synced: it is not a gap.
        assert!(!v.incomplete.iter().any(|i| i.stream == "Accounts"));
        assert!(v
            .notes
            .iter()
            .any(|n| n.starts_with("No figures are shown")));
        for i in &v.incomplete {
            assert!(v.notes.contains(&i.message), "{i:?} not in the notes");
        }
    }

    // Then everything: Xero refuses Journals (plan) and bank transactions
    // and transfers (scope not granted).
    let r = engine
        .sync_tenant(
            &tenant,
            &SyncRequest::user(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await;
    assert!(r.succeeded(), "{:?}", r.error);
    let refused: Vec<&str> = r
        .streams
        .iter()
        .filter(|s| s.refused.is_some())
        .map(|s| s.stream.as_str())
        .collect();
    assert!(
        refused.contains(&"Journals") && refused.contains(&"BankTransactions"),
        "{refused:?}"
    );

    let expected = vec![
        ("BankTransactions".to_owned(), IncompleteReason::NotGranted),
        ("BankTransfers".to_owned(), IncompleteReason::NotGranted),
    ];
    for kind in [
        ReportKind::ProfitAndLoss,
        ReportKind::BalanceSheet,
        ReportKind::TrialBalance,
        ReportKind::CashSummary,
    ] {
        let v = run_report(&ctx, request(&tenant, kind)).await.unwrap();
        assert_eq!(streams(&v), expected, "{kind:?}");
        assert!(
            figures(&v) > 0,
            "{kind:?}: the rest of the books still shows"
        );
        assert!(!v.notes.iter().any(|n| n.starts_with("No figures")));
        let note = v
            .notes
            .iter()
            .find(|n| n.contains("bank transactions"))
            .unwrap_or_else(|| panic!("{kind:?}: no note in {:?}", v.notes));
        assert!(note.contains("sign in to Xero again"), "{note}");
        // Through serde as the UI and the CLI get it.
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["incomplete"][0]["reason"], "notGranted");
    }
    // The aged reports need no bank transactions: complete, with figures.
    for kind in [ReportKind::AgedReceivables, ReportKind::AgedPayables] {
        let v = run_report(&ctx, request(&tenant, kind)).await.unwrap();
        assert_eq!(streams(&v), vec![], "{kind:?}");
        assert!(figures(&v) > 0, "{kind:?}");
    }
    ctx.close().await;
}

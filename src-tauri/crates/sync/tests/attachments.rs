//! The attachments pass over real HTTP to the simulator: after the books, a
//! sync brings the files of every document that has them, byte for byte the
//! simulator's, kept once each; a second sync fetches none again; and the
//! setting turns the pass off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_sim::attachments::attachments_of;
use ledgerkeep_sim::{Collection, Size};
use ledgerkeep_sync::{no_progress, CancelToken, SyncReport, SyncRequest};

async fn run(h: &Harness) -> SyncReport {
    let r = h
        .engine
        .sync_tenant(
            &h.tenant(),
            &SyncRequest::user(),
            &CancelToken::new(),
            &no_progress(),
        )
        .await;
    assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
    r
}

/// Every file the simulator attaches to `tenant`'s documents: (entity,
/// record, attachment id, file name, bytes).
fn simulator_files(h: &Harness) -> Vec<(EntityKind, String, String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (c, kind, id_field) in [
        (Collection::Invoices, EntityKind::Invoice, "InvoiceID"),
        (
            Collection::CreditNotes,
            EntityKind::CreditNote,
            "CreditNoteID",
        ),
        (
            Collection::BankTransactions,
            EntityKind::BankTransaction,
            "BankTransactionID",
        ),
    ] {
        for r in h.sim.truth().records(&h.tenant(), c) {
            let id = r[id_field].as_str().unwrap().to_owned();
            for f in attachments_of(c, &r) {
                out.push((kind, id.clone(), f.id, f.file_name, f.bytes));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_sync_brings_every_attachment_byte_for_byte_and_the_next_fetches_none() {
    for h in [
        harness(Size::Small, ledgerkeep_sim::Limits::XERO).await,
        // A new app on Starter, with granular scopes and 1,000 calls a day.
        harness_starter(Size::Small).await,
    ] {
        h.store
            .set_setting("attachments.enabled", "1", chrono::Utc::now())
            .await
            .unwrap();
        let expected = simulator_files(&h);
        assert!(
            expected.len() > 20,
            "the books have files: {}",
            expected.len()
        );
        let first = run(&h).await;
        let pass = first.attachments.clone().expect("an attachments pass");
        assert_eq!(pass.files_fetched, expected.len(), "{pass:?}");
        assert!(pass.stopped.is_none());
        for (kind, record, id, name, bytes) in &expected {
            let kept = h
                .store
                .attachment(&h.tenant(), id)
                .await
                .unwrap()
                .expect("kept");
            assert_eq!((&kept.meta.entity, &kept.meta.record_id), (kind, record));
            assert_eq!(&kept.meta.file_name, name);
            assert_eq!(
                &h.store.attachment_bytes(&h.tenant(), id).await.unwrap(),
                bytes
            );
        }
        let distinct: std::collections::BTreeSet<&Vec<u8>> =
            expected.iter().map(|e| &e.4).collect();
        let space = h.store.attachment_space().await.unwrap();
        assert_eq!(space.files as usize, distinct.len());
        assert!(h
            .store
            .verify_attachments()
            .await
            .unwrap()
            .problems
            .is_empty());
        assert!(h.store.verify_audit().await.unwrap().is_intact());

        // Nothing new: no document to list, no file fetched, no call for them.
        let calls_before = h.api_calls();
        let second = run(&h).await;
        let pass = second.attachments.expect("an attachments pass");
        assert_eq!(
            (pass.documents_listed, pass.files_fetched),
            (0, 0),
            "{pass:?}"
        );
        assert_eq!(h.api_calls() - calls_before, second.calls);
    }
}

#[tokio::test]
async fn the_pass_is_off_unless_turned_on_and_a_size_cap_skips_larger_files() {
    let h = harness(Size::Small, ledgerkeep_sim::Limits::XERO).await;
    // Off by default.
    let r = run(&h).await;
    assert_eq!(r.attachments.unwrap().documents_listed, 0);
    assert_eq!(h.store.attachment_space().await.unwrap().attachments, 0);

    // On, with a cap at the largest PDF's size: the PDFs come, the larger photos do not.
    let expected = simulator_files(&h);
    let cap = expected
        .iter()
        .filter(|e| e.3.ends_with(".pdf"))
        .map(|e| e.4.len())
        .max()
        .unwrap();
    let within = expected.iter().filter(|e| e.4.len() <= cap).count();
    assert!(
        within > 0 && within < expected.len(),
        "{within} of {}",
        expected.len()
    );
    for (k, v) in [
        ("attachments.enabled", "1".to_owned()),
        ("attachments.max_bytes", cap.to_string()),
    ] {
        h.store
            .set_setting(k, &v, chrono::Utc::now())
            .await
            .unwrap();
    }
    let r = run(&h).await;
    let pass = r.attachments.unwrap();
    assert_eq!(pass.files_fetched, within, "{pass:?}");
    assert_eq!(pass.files_too_large, expected.len() - within);
}

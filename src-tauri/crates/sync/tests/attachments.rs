//! The attachments job over real HTTP to the simulator: after the books, it
//! brings the files of every document that has them, byte for byte the
//! simulator's, kept once each; a second run fetches none again; the setting
//! turns it off; it leaves the books their share of the day's calls and goes
//! on the next day where it stopped; and under the scheduler it runs after
//! the books' syncs, cancelled by each one, never delaying it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_domain::xero::EntityKind;
use ledgerkeep_sim::attachments::attachments_of;
use ledgerkeep_sim::{Collection, Size};
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_sim::{Limits, RunningSimulator};
use ledgerkeep_sync::attachments::{AttachmentsReport, JobEnd, BOOKS_SHARE_PERCENT};
use ledgerkeep_sync::{
    no_progress, CancelToken, SchedulerConfig, Silent, SyncEvent, SyncReport, SyncRequest,
    SyncScheduler,
};
use ledgerkeep_xero::XeroOptions;

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
    // Every kind Xero keeps files on, as the job lists them.
    for kind in ledgerkeep_store::attachments::WITH_ATTACHMENTS {
        let c = Collection::ALL
            .into_iter()
            .find(|c| c.path() == kind.stream())
            .unwrap();
        let id_field = c.id_field();
        for r in h.sim.truth().records(&h.tenant(), c) {
            let id = r[id_field].as_str().unwrap().to_owned();
            for f in attachments_of(c, &r) {
                out.push((kind, id.clone(), f.id, f.file_name, f.bytes));
            }
        }
    }
    out
}

/// Xero's count of the tenant's calls left today (the simulator's).
fn left_at_xero(h: &Harness) -> u32 {
    h.sim.limiter().remaining(&h.tenant(), h.time.now_ms()).day
}

/// One run of the job, whose count of calls must be Xero's.
async fn job(h: &Harness) -> AttachmentsReport {
    let before = left_at_xero(h);
    let r = h
        .engine
        .sync_attachments(&h.tenant(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(
        u64::from(before - left_at_xero(h)),
        r.calls,
        "the job counts the calls Xero saw: {r:?}"
    );
    r
}

/// Documents with files at the simulator.
fn documents_with_files(files: &[(EntityKind, String, String, String, Vec<u8>)]) -> usize {
    files
        .iter()
        .map(|f| (&f.0, &f.1))
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

#[tokio::test]
async fn the_job_brings_every_attachment_byte_for_byte_and_the_next_fetches_none() {
    for h in [
        harness(Size::Small, Limits::XERO).await,
        // A new app on Starter, with granular scopes and 1,000 calls a day.
        harness_starter(Size::Small).await,
    ] {
        let expected = simulator_files(&h);
        assert!(
            expected.len() > 20,
            "the books have files: {}",
            expected.len()
        );
        // Not only bills: files on most of the kinds Xero keeps them on.
        let kinds: std::collections::BTreeSet<_> = expected.iter().map(|f| f.0.stream()).collect();
        assert!(kinds.len() >= 6, "{kinds:?}");
        // The sync brings the books only, and counts only their calls.
        let calls_before = h.api_calls();
        let xero_before = left_at_xero(&h);
        let sync = run(&h).await;
        assert_eq!(h.api_calls() - calls_before, sync.calls);
        // Xero does not count the 401 that refuses a stream (Journals on Starter).
        let refused: u64 = sync
            .streams
            .iter()
            .filter(|s| s.refused.is_some())
            .map(|s| s.calls)
            .sum();
        assert_eq!(
            u64::from(xero_before - left_at_xero(&h)),
            sync.calls - refused
        );
        assert_eq!(h.store.attachment_space().await.unwrap().attachments, 0);

        // The job (on by default) brings every file.
        let pass = job(&h).await;
        assert_eq!(pass.end, JobEnd::Done, "{pass:?}");
        assert_eq!(pass.files_fetched, expected.len(), "{pass:?}");
        assert_eq!(pass.documents_listed, documents_with_files(&expected));
        assert_eq!(
            pass.calls as usize,
            pass.documents_listed + pass.files_fetched
        );
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

        // Nothing new: no document to list, no file fetched, no call.
        let again = job(&h).await;
        assert_eq!(
            (again.documents_listed, again.files_fetched, again.calls),
            (0, 0, 0),
            "{again:?}"
        );
    }
}

#[tokio::test]
async fn the_setting_turns_the_job_off_and_a_size_cap_skips_larger_files_once() {
    let h = harness(Size::Small, Limits::XERO).await;
    run(&h).await;
    h.store
        .set_setting("attachments.enabled", "0", chrono::Utc::now())
        .await
        .unwrap();
    let off = job(&h).await;
    assert_eq!((off.end, off.calls), (JobEnd::Off, 0));
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
    let pass = job(&h).await;
    assert_eq!(pass.files_fetched, within, "{pass:?}");
    assert_eq!(pass.files_too_large, expected.len() - within);

    // A document with a file over the cap is not listed again...
    let with_large: std::collections::BTreeSet<&String> = expected
        .iter()
        .filter(|e| e.4.len() > cap)
        .map(|e| &e.1)
        .collect();
    assert!(!with_large.is_empty());
    let again = job(&h).await;
    assert_eq!((again.documents_listed, again.calls), (0, 0), "{again:?}");
    // ...until the cap changes: then each is, and its larger files come.
    h.store
        .set_setting(
            "attachments.max_bytes",
            &(10 * 1024 * 1024).to_string(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let raised = job(&h).await;
    assert_eq!(raised.documents_listed, with_large.len(), "{raised:?}");
    assert_eq!(raised.files_fetched, expected.len() - within);
    assert_eq!(
        h.store.attachment_space().await.unwrap().attachments as usize,
        expected.len()
    );
}

/// The tenant's calls a day at Xero and in the client, and the reserve.
const PER_DAY: u32 = 200;
const RESERVE: u32 = 20;

async fn small_day() -> Harness {
    let mut options = XeroOptions::default();
    options.client.limits.per_day = PER_DAY;
    options.client.limits.background_reserve = RESERVE;
    let builder = RunningSimulator::builder()
        .seed(11)
        .size(Size::Small)
        .limits(Limits {
            per_day: PER_DAY,
            ..Limits::XERO
        });
    harness_of(builder, options).await
}

/// What the books keep of a day: the reserve and their share of the rest.
fn books_keep() -> u32 {
    RESERVE + (PER_DAY - RESERVE) * BOOKS_SHARE_PERCENT / 100
}

#[tokio::test]
async fn the_job_leaves_the_books_their_share_of_the_day_and_goes_on_the_next() {
    let h = small_day().await;
    let expected = simulator_files(&h);
    let needed = documents_with_files(&expected) + expected.len();
    run(&h).await;
    let share = left_at_xero(&h).saturating_sub(books_keep()) as usize;
    assert!(
        needed > share,
        "the files ({needed} calls) should need more than a day's share ({share})"
    );
    let mut fetched = 0;
    let mut days = 0;
    loop {
        days += 1;
        assert!(days < 10, "the files took too many days");
        let pass = job(&h).await;
        fetched += pass.files_fetched;
        // Never into the books' part of the day.
        assert!(
            left_at_xero(&h) >= books_keep(),
            "day {days}: {} left, the books keep {}",
            left_at_xero(&h),
            books_keep()
        );
        if pass.end == JobEnd::Done {
            break;
        }
        assert_eq!(pass.end, JobEnd::DailyLimit, "{pass:?}");
        assert!(pass.stopped.is_some());
        // Stopped for the day, it makes no call until the budget grows.
        let idle = job(&h).await;
        assert_eq!((idle.calls, idle.end), (0, JobEnd::DailyLimit));
        h.time.advance(Duration::from_secs(24 * 3600 + 60));
    }
    assert!(days >= 2, "{days} day(s)");
    // Every file once: none fetched twice across the days.
    assert_eq!(fetched, expected.len());
    assert_eq!(
        h.store.attachment_space().await.unwrap().attachments as usize,
        expected.len()
    );
    assert!(h
        .store
        .verify_attachments()
        .await
        .unwrap()
        .problems
        .is_empty());
}

/// The scheduler syncs `h`'s tenant every `interval` until the job has kept
/// every file: each sync's end (virtual ms) and report, and each job run's.
async fn scheduled(
    h: &Harness,
    interval: Duration,
) -> (Vec<(i64, SyncReport)>, Vec<(i64, AttachmentsReport)>) {
    let config = SchedulerConfig {
        interval,
        sync_on_launch: true,
        sweep_every: None,
        reports_every: None,
        ..SchedulerConfig::default()
    };
    let sched = SyncScheduler::start(
        Arc::clone(&h.engine),
        config,
        vec![(h.tenant(), "Org".to_owned())],
        Arc::new(Silent),
        h.time.timekeeping(),
    );
    let mut events = sched.subscribe();
    let mut jobs = sched.subscribe_attachments();
    let mut syncs = Vec::new();
    let mut runs = Vec::new();
    let collected = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            tokio::select! {
                e = events.recv() => {
                    if let SyncEvent::Finished(r) = e.unwrap() {
                        syncs.push((h.time.now_ms(), r));
                    }
                }
                j = jobs.recv() => {
                    let j = j.unwrap();
                    let done = j.end == JobEnd::Done;
                    runs.push((h.time.now_ms(), j));
                    if done {
                        return;
                    }
                }
            }
        }
    })
    .await;
    sched.shutdown().await;
    collected.expect("the files did not all come within two minutes of real time");
    (syncs, runs)
}

/// Every sync succeeded and ended within a minute of its tick: none waited
/// behind the job.
fn books_on_time(start: i64, interval: Duration, syncs: &[(i64, SyncReport)]) {
    let interval_ms = i64::try_from(interval.as_millis()).unwrap();
    assert!(syncs.len() > 2, "{} syncs", syncs.len());
    for (at, r) in syncs {
        assert!(r.succeeded(), "{:?} {:?}", r.stopped, r.error);
        let since_tick = (at - start) % interval_ms;
        assert!(
            since_tick < 60_000,
            "a sync ended {} s after its tick",
            since_tick / 1000
        );
    }
}

#[tokio::test]
async fn under_the_scheduler_the_job_follows_the_books_over_days_and_never_delays_them() {
    let h = small_day().await;
    let expected = simulator_files(&h);
    let start = h.time.now_ms();
    // Four syncs a day: what the books need of a small day.
    let interval = Duration::from_secs(6 * 3600);
    let (syncs, runs) = scheduled(&h, interval).await;
    books_on_time(start, interval, &syncs);
    let fetched: usize = runs.iter().map(|(_, r)| r.files_fetched).sum();
    assert_eq!(fetched, expected.len(), "every file, once");
    assert!(runs.iter().any(|(_, r)| r.end == JobEnd::DailyLimit));
    let (last_at, _) = runs.last().unwrap();
    assert!(
        last_at - start > 24 * 3_600_000,
        "the files came in {} h, within one day's share",
        (last_at - start) / 3_600_000
    );
    assert_eq!(h.metrics.snapshot().xero_rate_limited, 0, "no 429");
}

#[tokio::test]
async fn a_sync_that_falls_due_cancels_the_job_which_goes_on_after_it() {
    // A day large enough for a sync every 30 seconds (the scheduler spreads
    // its syncs over a smaller day's calls).
    let h = harness(
        Size::Small,
        Limits {
            per_day: 1_000_000,
            ..Limits::XERO
        },
    )
    .await;
    let expected = simulator_files(&h);
    let start = h.time.now_ms();
    // Ticks closer than the job takes at 60 calls a minute.
    let interval = Duration::from_secs(30);
    let (syncs, runs) = scheduled(&h, interval).await;
    books_on_time(start, interval, &syncs);
    assert!(
        runs.iter().any(|(_, r)| r.end == JobEnd::Cancelled),
        "{runs:?}"
    );
    let fetched: usize = runs.iter().map(|(_, r)| r.files_fetched).sum();
    assert_eq!(fetched, expected.len(), "every file, once");
    assert_eq!(
        h.store.attachment_space().await.unwrap().attachments as usize,
        expected.len()
    );
}

#[tokio::test]
async fn a_kept_file_lost_from_disk_is_fetched_again_by_the_next_run() {
    let h = harness(Size::Small, Limits::XERO).await;
    run(&h).await;
    assert_eq!(job(&h).await.end, JobEnd::Done);
    let expected = simulator_files(&h);
    // A file on one attachment only (some are on two).
    let (_, _, id, _, bytes) = expected
        .iter()
        .find(|e| expected.iter().filter(|x| x.4 == e.4).count() == 1)
        .unwrap();
    let kept = h.store.attachment(&h.tenant(), id).await.unwrap().unwrap();
    std::fs::remove_file(h.store.attachment_path(&kept.sha256)).unwrap();
    assert!(h.store.attachment_bytes(&h.tenant(), id).await.is_err());

    let again = job(&h).await;
    assert_eq!(
        (again.files_repaired, again.calls, again.documents_listed),
        (1, 1, 0),
        "{again:?}"
    );
    assert_eq!(
        &h.store.attachment_bytes(&h.tenant(), id).await.unwrap(),
        bytes
    );
    assert!(h
        .store
        .verify_attachments()
        .await
        .unwrap()
        .problems
        .is_empty());
}

/// A document Xero changes after its files were kept (a file added or
/// removed changes the document) is listed again by the next job, alone; the
/// files it still lists are kept already and are not stored twice.
#[tokio::test]
async fn a_document_changed_at_xero_is_listed_again_and_only_it() {
    let h = harness(Size::Small, Limits::XERO).await;
    assert!(run(&h).await.succeeded());
    let first = job(&h).await;
    assert_eq!(first.end, JobEnd::Done, "{first:?}");
    let files = simulator_files(&h);
    let (kind, record) = files
        .iter()
        .find(|f| f.0 == EntityKind::Invoice)
        .map(|f| (f.0, f.1.clone()))
        .expect("a bill with a file");
    let space = h.store.attachment_space().await.unwrap();

    let tenant = h.tenant();
    let now = h.time.now_ms();
    h.sim.edit_books(|t| {
        let books = t
            .tenants
            .iter_mut()
            .find(|b| b.tenant_id == tenant)
            .unwrap();
        ledgerkeep_sim::mutate::touch(books, Collection::Invoices, &record, now);
    });
    assert!(run(&h).await.succeeded());
    let again = job(&h).await;
    assert_eq!(again.end, JobEnd::Done, "{again:?}");
    assert_eq!(
        again.documents_listed, 1,
        "only the changed {kind:?}: {again:?}"
    );
    assert_eq!(h.store.attachment_space().await.unwrap(), space);
    assert!(h.store.verify_audit().await.unwrap().is_intact());

    // And then nothing again.
    let after = job(&h).await;
    assert_eq!((after.documents_listed, after.calls), (0, 0), "{after:?}");
}

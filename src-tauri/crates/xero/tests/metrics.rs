//! Metrics from a known workload: the real client against the simulator, with
//! 429s and errors injected at known calls. The counts by endpoint and status,
//! the 429 count, the error rate, the token refreshes and the rate-limit
//! figures must match exactly, and the day's summary is saved when the day ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_obs::metrics::{read_summaries, StatusCount};
use ledgerkeep_obs::{Metrics, MetricsSnapshot};
use ledgerkeep_sim::{Fault, FaultRule, Limits};
use ledgerkeep_xero::{
    ApiRequest, ClientSettings, MemoryTokenStore, RateLimits, Xero, XeroOptions,
};

const PER_DAY: u32 = 500;

fn statuses(pairs: &[(u16, u32)]) -> Vec<StatusCount> {
    pairs
        .iter()
        .map(|&(status, count)| StatusCount { status, count })
        .collect()
}

/// The figures that do not depend on when they are read (RSS does).
fn stable(mut s: MetricsSnapshot) -> MetricsSnapshot {
    s.rss_mb = None;
    s
}

#[tokio::test]
async fn a_known_workload_gives_exact_counts_and_rate_limit_figures() {
    let h = harness(Limits {
        per_day: PER_DAY,
        ..Limits::XERO
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let metrics = Arc::new(Metrics::new(timekeeping(&h).clock, Some(dir.path())));
    let xero = Arc::new(
        Xero::new(
            h.endpoints.clone(),
            Arc::new(MemoryTokenStore::default()),
            timekeeping(&h),
            Some(Arc::clone(&metrics)),
            XeroOptions {
                client: ClientSettings {
                    // The injected timeout gives up after this long.
                    read_timeout: Duration::from_millis(300),
                    limits: RateLimits {
                        per_day: PER_DAY,
                        background_reserve: 0,
                        ..RateLimits::default()
                    },
                    ..ClientSettings::default()
                },
                ..XeroOptions::default()
            },
        )
        .unwrap(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();

    // Faults by wire call (retries included), per endpoint:
    // Invoices #2 and #3 are refused as over the minute limit (429 with
    // Retry-After), #6 and #7 answer 503.
    h.sim.inject(
        FaultRule::next(
            Fault::RateLimited {
                problem: ledgerkeep_sim::Problem::Minute,
                retry_after_secs: 3,
            },
            2,
        )
        .on("Invoices")
        .after(1),
    );
    h.sim.inject(
        FaultRule::next(Fault::Status(503), 2)
            .on("Invoices")
            .after(5),
    );
    // Contacts #1 answers a bare 429, #4 a 500, #7 never answers (a timeout),
    // and before #10 the access token expires (401, then one refresh).
    h.sim
        .inject(FaultRule::next(Fault::Status(429), 1).on("Contacts"));
    h.sim.inject(
        FaultRule::next(Fault::Status(500), 1)
            .on("Contacts")
            .after(3),
    );
    h.sim
        .inject(FaultRule::next(Fault::Timeout, 1).on("Contacts").after(6));
    h.sim.inject(
        FaultRule::next(Fault::ExpireTokens, 1)
            .on("Contacts")
            .after(9),
    );

    // The workload: 12 GETs of Invoices, then 8 of Contacts, each answered in the end.
    for (path, n) in [("Invoices", 12), ("Contacts", 8)] {
        for page in 1..=n {
            let r = xero
                .client()
                .get(
                    &tenant,
                    &ApiRequest::get(path).query("page", page.to_string()),
                )
                .await
                .unwrap();
            assert_eq!(r.status, 200);
        }
    }

    // Invoices: 12 answers + 2 refused + 2 errors = 16 calls.
    // Contacts: 8 answers + 1 refused + 2 errors + 1 unauthorised = 12 calls.
    let (n, m, k) = (28, 3, 4);
    let s = metrics.snapshot();
    assert_eq!(s.xero_calls, n);
    assert_eq!(s.xero_rate_limited, m);
    assert_eq!(s.xero_errors, k);
    assert_eq!(s.xero_error_rate_pct, k * 100 / n);
    assert_eq!((s.token_refreshes_ok, s.token_refreshes_failed), (1, 0));
    let by = |name: &str| s.endpoints.iter().find(|e| e.endpoint == name).unwrap();
    let invoices = by("Invoices");
    assert_eq!(invoices.calls, 16);
    assert_eq!(
        invoices.statuses,
        statuses(&[(200, 12), (429, 2), (503, 2)])
    );
    let contacts = by("Contacts");
    assert_eq!(contacts.calls, 12);
    assert_eq!(
        contacts.statuses,
        statuses(&[(0, 1), (200, 8), (401, 1), (429, 1), (500, 1)])
    );
    for e in &s.endpoints {
        assert!(e.p50_ms <= e.p95_ms && e.p95_ms <= e.p99_ms, "{e:?}");
    }
    assert_eq!(s.endpoints.len(), 2);

    // Rate-limit use, from the last answer's X-MinLimit-Remaining and
    // X-DayLimit-Remaining. The simulator counted every call that reached its
    // limits: not the two it refused as over the limit, nor the unauthorised one.
    let counted = n - 2 - 1;
    let left = h.sim.limiter().remaining(&tenant, h.time.now_ms());
    assert_eq!(left.day, PER_DAY - counted);
    assert_eq!(s.day_limit_used_pct, Some(counted * 100 / PER_DAY));
    assert_eq!(s.minute_limit_used_pct, Some((60 - left.minute) * 100 / 60));
    assert!(left.minute < 60, "the last minute had calls in it");

    // The day's summary is saved when the day ends, and the next day's counts
    // start from zero; `persist` (the app calls it at exit) saves the day so far.
    assert!(read_summaries(dir.path()).is_empty());
    h.time.advance(Duration::from_secs(24 * 3600));
    xero.client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap();
    let saved = read_summaries(dir.path());
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(stable(saved[0].clone()), stable(s.clone()));
    let today = metrics.snapshot();
    assert_ne!(today.day, s.day);
    assert_eq!(
        (today.xero_calls, today.xero_rate_limited, today.xero_errors),
        (1, 0, 0)
    );
    metrics.persist().unwrap();
    let saved = read_summaries(dir.path());
    assert_eq!(saved.len(), 2);
    assert_eq!(stable(saved[1].clone()), stable(today));
}

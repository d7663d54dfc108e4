//! The rate limits against the simulator's real limits, in simulated time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Limits};
use ledgerkeep_xero::{
    ApiRequest, ClientSettings, MemoryTokenStore, RateLimits, TokenStore, XeroError, XeroOptions,
};

/// Largest number of instants in any half-open window of `window` ms.
fn max_in_any_window(times: &mut [i64], window: i64) -> usize {
    times.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn two_thousand_calls_meet_the_limits_with_no_429_and_no_time_lost() {
    const CALLS: usize = 2_000;
    const WORKERS: usize = 20;
    let h = harness(Limits::XERO).await;
    let store = Arc::new(keyring_store());
    let (xero, metrics) = xero_with_metrics(&h, store.clone(), XeroOptions::default());
    let conn = connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let start = h.time.now_ms();

    let queue = Arc::new(parking_lot::Mutex::new((0..CALLS).collect::<Vec<_>>()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (xero, queue, tenant, time) = (
                Arc::clone(&xero),
                Arc::clone(&queue),
                tenant.clone(),
                Arc::clone(&h.time),
            );
            tokio::spawn(async move {
                let mut done = Vec::new();
                while queue.lock().pop().is_some() {
                    let r = xero
                        .client()
                        .get(&tenant, &ApiRequest::get("Invoices").query("page", "1"))
                        .await
                        .unwrap();
                    assert_eq!(r.status, 200);
                    // The network takes no simulated time: the answer's time is the call's.
                    done.push(time.now_ms());
                }
                done
            })
        })
        .collect();
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await.unwrap());
    }
    let elapsed_ms = h.time.now_ms() - start;
    let snap = metrics.snapshot();
    let busiest_minute = max_in_any_window(&mut times, 60_000);
    let peak = xero.client().limiter().peak_in_flight();
    // The time the limits allow: 60 calls a minute, so CALLS / 60 minutes.
    // (With perfectly aligned fixed windows a burst at both ends could save up
    // to two more minutes; printed as `best case`.)
    let allowed_ms = (CALLS as i64) * 60_000 / 60;
    let best_case_ms = (CALLS.div_ceil(60) as i64 - 2) * 60_000;
    println!(
        "workload: {} calls, {} answered 429, busiest minute {busiest_minute}, peak in flight {peak}, \
         {:.2} simulated minutes (limits allow {:.2}): {:+.2}% (best case {:.1}: {:+.2}%); {} token refresh(es)",
        times.len(),
        snap.xero_rate_limited,
        elapsed_ms as f64 / 60_000.0,
        allowed_ms as f64 / 60_000.0,
        (elapsed_ms - allowed_ms) as f64 * 100.0 / allowed_ms as f64,
        best_case_ms as f64 / 60_000.0,
        (elapsed_ms - best_case_ms) as f64 * 100.0 / best_case_ms as f64,
        snap.token_refreshes_ok,
    );
    assert_eq!(times.len(), CALLS);
    assert_eq!(snap.xero_rate_limited, 0, "Xero answered 429");
    assert!(busiest_minute <= 60, "{busiest_minute} calls in one minute");
    assert!(peak <= 5, "{peak} in flight");
    assert!(
        elapsed_ms * 100 <= allowed_ms * 105,
        "took {elapsed_ms} ms of simulated time; the limits allow {allowed_ms}"
    );
    assert!(
        snap.token_refreshes_ok >= 1,
        "a 33-minute run outlives one access token"
    );
    store.delete(conn.id()).unwrap();
}

#[tokio::test]
async fn never_more_than_five_calls_in_flight() {
    // Real time here: overlap needs answers that take time (a 20 ms delay).
    let h = real_time_harness(Limits {
        per_minute: 100_000,
        app_per_minute: 100_000,
        ..Limits::XERO
    })
    .await;
    let options = XeroOptions {
        client: ClientSettings {
            limits: RateLimits {
                per_minute: 100_000,
                app_per_minute: 100_000,
                ..RateLimits::default()
            },
            ..ClientSettings::default()
        },
        ..XeroOptions::default()
    };
    let (xero, metrics) = xero_with_metrics(&h, Arc::new(MemoryTokenStore::default()), options);
    connect(&xero).await;
    h.sim
        .inject(FaultRule::always(Fault::Delay(Duration::from_millis(20))));
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (xero, tenant) = (Arc::clone(&xero), tenant.clone());
            tokio::spawn(async move {
                xero.client()
                    .get(&tenant, &ApiRequest::get("Contacts"))
                    .await
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    assert_eq!(
        xero.client().limiter().peak_in_flight(),
        5,
        "the cap was not reached, or passed"
    );
    assert_eq!(metrics.snapshot().xero_rate_limited, 0);
}

#[tokio::test]
async fn another_app_on_the_tenant_is_caught_by_the_servers_counts_and_a_429_pauses_the_tenant() {
    let h = harness(Limits::XERO).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    // Another app, with no limiter of its own, spends 55 of this minute's 60.
    let unlimited = XeroOptions {
        client: ClientSettings {
            limits: RateLimits {
                per_minute: 1_000_000,
                ..RateLimits::default()
            },
            ..ClientSettings::default()
        },
        ..XeroOptions::default()
    };
    let other = xero(&h, Arc::new(MemoryTokenStore::default()), unlimited);
    connect(&other).await;
    let (ours, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&ours).await;
    for _ in 0..55 {
        other
            .client()
            .get(&tenant, &ApiRequest::get("Accounts"))
            .await
            .unwrap();
    }
    // Ours: 20 calls. The first answer says only 4 are left this minute.
    for _ in 0..20 {
        let r = ours
            .client()
            .get(&tenant, &ApiRequest::get("Accounts"))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    let snap = metrics.snapshot();
    assert!(
        snap.xero_rate_limited <= 1,
        "{} 429s",
        snap.xero_rate_limited
    );
    assert_eq!(
        snap.xero_calls as u64,
        20 + u64::from(snap.xero_rate_limited)
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_a_daily_429_surfaces_at_once() {
    let h = harness(Limits::XERO).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    for i in 0..8 {
        if i == 3 {
            // From now on the simulator allows 3 a minute, which our counts cannot
            // know: 8 calls in a few seconds span at most two windows, so some get a 429.
            h.sim.limiter().set_limits(Limits {
                per_minute: 3,
                ..Limits::XERO
            });
        }
        let r = xero
            .client()
            .get(&tenant, &ApiRequest::get("Accounts"))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    let snap = metrics.snapshot();
    assert!(snap.xero_rate_limited >= 1, "no 429 seen");
    assert_eq!(
        snap.xero_calls,
        8 + snap.xero_rate_limited,
        "a 429 was not retried"
    );
    // A daily-limit 429 is not retried: it surfaces at once, typed.
    h.sim.limiter().set_limits(Limits {
        per_day: 0,
        ..Limits::XERO
    });
    let calls = metrics.snapshot().xero_calls;
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("Accounts"))
        .await
        .unwrap_err();
    assert!(matches!(err, XeroError::DailyLimit(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, calls + 1);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_and_client_errors_surface_at_once() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    h.sim.inject(FaultRule::next(Fault::Status(503), 2));
    let before = h.time.now_ms();
    let r = xero
        .client()
        .get(&tenant, &ApiRequest::get("Invoices"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(metrics.snapshot().xero_calls, 3);
    // Two backoffs of base 1 s doubled, with jitter (half to full): at least 1 s + 2 s.
    assert!(
        h.time.now_ms() - before >= 3_000,
        "{}",
        h.time.now_ms() - before
    );
    let err = xero
        .client()
        .get(&tenant, &ApiRequest::get("NoSuchThing"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, XeroError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(metrics.snapshot().xero_calls, 4, "a 404 was retried");
}

/// Runs `per_tenant` calls to each tenant, `workers` at a time per tenant, and
/// returns each tenant's send instants (virtual ms, in the order answered).
async fn workload(
    xero: &Arc<ledgerkeep_xero::Xero>,
    time: &Arc<ledgerkeep_xero::VirtualTime>,
    tenants: &[String],
    per_tenant: usize,
    workers: usize,
) -> Vec<Vec<i64>> {
    let mut handles = Vec::new();
    for tenant in tenants {
        let queue = Arc::new(parking_lot::Mutex::new(per_tenant));
        let mut mine = Vec::new();
        for _ in 0..workers {
            let (xero, queue, tenant, time) = (
                Arc::clone(xero),
                Arc::clone(&queue),
                tenant.clone(),
                Arc::clone(time),
            );
            mine.push(tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    {
                        let mut left = queue.lock();
                        if *left == 0 {
                            break;
                        }
                        *left -= 1;
                    }
                    let r = xero
                        .client()
                        .get(&tenant, &ApiRequest::get("Currencies"))
                        .await
                        .unwrap();
                    assert_eq!(r.status, 200);
                    done.push(time.now_ms());
                }
                done
            }));
        }
        handles.push(mine);
    }
    let mut out = Vec::new();
    for mine in handles {
        let mut times = Vec::new();
        for h in mine {
            times.extend(h.await.unwrap());
        }
        out.push(times);
    }
    out
}

#[tokio::test]
async fn the_app_wide_minute_holds_across_tenants_against_the_simulator() {
    // Xero's app-wide 10,000 a minute, lowered (at both ends) to 90 so that
    // three tenants of 60 a minute each would overrun it.
    const APP: u32 = 90;
    let h = harness(Limits {
        app_per_minute: APP,
        ..Limits::XERO
    })
    .await;
    assert_eq!(Limits::XERO.app_per_minute, 10_000, "the real default");
    let options = XeroOptions {
        client: ClientSettings {
            limits: RateLimits {
                app_per_minute: APP,
                ..RateLimits::default()
            },
            ..ClientSettings::default()
        },
        ..XeroOptions::default()
    };
    let (xero, metrics) = xero_with_metrics(&h, Arc::new(MemoryTokenStore::default()), options);
    connect(&xero).await;
    let tenants: Vec<String> = h
        .sim
        .tenants()
        .into_iter()
        .take(3)
        .map(|t| t.tenant_id)
        .collect();
    assert_eq!(tenants.len(), 3);
    let start = h.time.now_ms();
    let per_tenant = 90;
    let times = workload(&xero, &h.time, &tenants, per_tenant, 5).await;
    let elapsed = h.time.now_ms() - start;
    let snap = metrics.snapshot();
    assert_eq!(snap.xero_rate_limited, 0, "Xero answered 429");
    let mut all: Vec<i64> = times.iter().flatten().copied().collect();
    assert_eq!(all.len(), 3 * per_tenant);
    let busiest_app_minute = max_in_any_window(&mut all, 60_000);
    assert!(
        busiest_app_minute <= APP as usize,
        "{busiest_app_minute} calls in one minute across tenants"
    );
    for mut t in times {
        let busiest = max_in_any_window(&mut t, 60_000);
        assert!(
            busiest <= 60,
            "{busiest} calls to one tenant in a minute: {t:?}"
        );
    }
    // 270 calls at 90 a minute take three minutes, not the one and a half
    // that the tenants' own limits would allow: the app's minute bound them,
    // and its slots were used back to back while all three had work.
    let period = 60_000 / i64::from(APP);
    assert!(
        elapsed >= (3 * per_tenant as i64 - 1) * period,
        "{elapsed} ms: the app limit did not bind"
    );
    all.sort_unstable();
    let full_load = all.partition_point(|t| *t < all[0] + 90_000);
    assert!(
        all[..full_load]
            .windows(2)
            .all(|w| w[1] - w[0] <= period + 1),
        "an app slot went unused while every tenant had work"
    );
}

#[tokio::test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
async fn an_injected_429_is_waited_out_for_its_retry_after_and_no_call_is_lost() {
    let h = harness(Limits::XERO).await;
    let (xero, metrics) = xero_with_metrics(&h, Arc::new(keyring_store()), XeroOptions::default());
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    // Another app spends the tenant's minute: the 41st call gets a 429 with
    // Retry-After 45, and the simulator refuses every call in those 45 seconds.
    h.sim.inject(
        FaultRule::next(
            Fault::RateLimited {
                problem: ledgerkeep_sim::Problem::Minute,
                retry_after_secs: 45,
            },
            1,
        )
        .after(40),
    );
    let mut times = workload(&xero, &h.time, std::slice::from_ref(&tenant), 100, 5)
        .await
        .remove(0);
    let snap = metrics.snapshot();
    assert_eq!(times.len(), 100, "a call was lost");
    // One 429, and no second one: nothing was sent before Retry-After ended.
    assert_eq!(snap.xero_rate_limited, 1);
    assert_eq!(snap.xero_calls, 101);
    times.sort_unstable();
    let longest_gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        (45_000..47_000).contains(&longest_gap),
        "the tenant paused {longest_gap} ms"
    );
}

#[tokio::test]
async fn after_a_daily_429_calls_resume_when_xeros_day_for_the_tenant_turns() {
    // Three calls a day, on the simulator's clock: its windows are fixed and
    // each tenant's day turns at its own moment, not at midnight UTC.
    let h = harness(Limits {
        per_day: 3,
        ..Limits::XERO
    })
    .await;
    let (xero, metrics) = xero_with_metrics(
        &h,
        Arc::new(MemoryTokenStore::default()),
        XeroOptions::default(),
    );
    connect(&xero).await;
    let tenant = h.sim.tenants()[0].tenant_id.clone();
    let get = || async {
        xero.client()
            .get(&tenant, &ApiRequest::get("Currencies"))
            .await
    };
    for _ in 0..3 {
        get().await.unwrap();
    }
    // Nothing left: one call learns from Xero's daily 429 when the day turns.
    let err = get().await.unwrap_err();
    assert!(matches!(err, XeroError::DailyLimit(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, 4);
    let at_429 = h.time.now_ms();
    // From then on the tenant is refused here, without a request.
    let err = get().await.unwrap_err();
    let XeroError::DailyLimit(detail) = &err else {
        panic!("{err:?}")
    };
    assert!(detail.contains("until"), "{detail}");
    assert_eq!(metrics.snapshot().xero_calls, 4);
    // Xero named the moment in Retry-After: within a day, and not midnight UTC.
    let turn = xero.client().limiter().day_turns_at_ms(&tenant).unwrap();
    assert!(
        turn > at_429 && turn - at_429 <= 86_400_000,
        "{}",
        turn - at_429
    );
    assert_ne!(turn.rem_euclid(86_400_000), 0);
    // A second before it, still refused here, without a request.
    h.time.advance(Duration::from_millis(
        u64::try_from(turn - at_429 - 1_000).unwrap(),
    ));
    let err = get().await.unwrap_err();
    assert!(matches!(err, XeroError::DailyLimit(_)), "{err:?}");
    assert_eq!(metrics.snapshot().xero_calls, 4, "a request went out");
    // At it, the tenant's day has turned, here and at the simulator: calls succeed.
    h.time.advance(Duration::from_secs(1));
    for _ in 0..3 {
        assert_eq!(get().await.unwrap().status, 200);
    }
    assert_eq!(metrics.snapshot().xero_calls, 7);
    assert_eq!(metrics.snapshot().xero_rate_limited, 1);
}

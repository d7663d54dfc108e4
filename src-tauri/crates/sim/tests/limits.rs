//! Rate limits over real HTTP, with a manual clock: minute, day, app-minute and
//! concurrency, their headers and their 429s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Fault, FaultRule, Gate, Limits};

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn num(r: &reqwest::Response, name: &str) -> u64 {
    header(r, name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_61st_call_in_a_minute_gets_429_with_retry_after_and_headers_count_down() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    for i in 1..=60u64 {
        let r = h.get(&t.access, &tenant, "Organisation").await;
        assert_eq!(r.status(), 200, "call {i}");
        assert_eq!(num(&r, "x-minlimit-remaining"), 60 - i);
        assert_eq!(num(&r, "x-daylimit-remaining"), 5000 - i);
        assert_eq!(num(&r, "x-appminlimit-remaining"), 10_000 - i);
    }
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        header(&r, "x-rate-limit-problem").as_deref(),
        Some("minute")
    );
    let retry = num(&r, "retry-after");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(num(&r, "x-minlimit-remaining"), 0);
    // Another tenant has its own minute.
    assert_eq!(
        h.get(&t.access, &h.tenant(1), "Organisation")
            .await
            .status(),
        200
    );
    // Just before Retry-After: still refused. At it: a new window.
    h.clock
        .advance(Duration::from_secs(retry) - Duration::from_millis(1001));
    assert_eq!(
        h.get(&t.access, &tenant, "Organisation").await.status(),
        429
    );
    h.clock.advance(Duration::from_millis(1001));
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 200);
    assert_eq!(num(&r, "x-minlimit-remaining"), 59);
    assert_eq!(
        num(&r, "x-daylimit-remaining"),
        5000 - 61,
        "refused calls do not count"
    );
}

#[tokio::test]
async fn the_daily_cap_holds_across_minutes_until_the_next_day() {
    let limits = Limits {
        per_day: 130,
        ..Limits::XERO
    };
    let h = start_limited(limits).await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let mut ok = 0;
    for _ in 0..3 {
        for _ in 0..60 {
            let r = h.get(&t.access, &tenant, "Currencies").await;
            if r.status() == 200 {
                ok += 1;
            } else {
                assert_eq!(r.status(), 429);
                assert_eq!(header(&r, "x-rate-limit-problem").as_deref(), Some("day"));
                assert_eq!(num(&r, "x-daylimit-remaining"), 0);
                let retry = num(&r, "retry-after");
                assert!(retry > 60 && retry <= 86_400, "{retry}");
            }
        }
        h.clock.advance(Duration::from_secs(60));
    }
    assert_eq!(ok, 130);
    // The token lives 30 minutes: log in again after the long wait.
    h.clock.advance(Duration::from_secs(86_400));
    let t = h.login().await;
    let r = h.get(&t.access, &tenant, "Currencies").await;
    assert_eq!(r.status(), 200);
    assert_eq!(num(&r, "x-daylimit-remaining"), 129);
}

#[tokio::test]
async fn starters_thousand_a_day() {
    let h = start_limited(Limits {
        per_minute: 2_000,
        ..Limits::STARTER
    })
    .await;
    let t = h.login().await;
    let tenant = h.tenant(2);
    for i in 1..=1000u64 {
        let r = h.get(&t.access, &tenant, "Currencies").await;
        assert_eq!(r.status(), 200, "call {i}");
        if i == 1000 {
            assert_eq!(num(&r, "x-daylimit-remaining"), 0);
        }
    }
    let r = h.get(&t.access, &tenant, "Currencies").await;
    assert_eq!(r.status(), 429);
    assert_eq!(header(&r, "x-rate-limit-problem").as_deref(), Some("day"));
}

#[tokio::test]
async fn the_app_minute_spans_every_tenant() {
    let h = start_limited(Limits {
        app_per_minute: 5,
        ..Limits::XERO
    })
    .await;
    let t = h.login().await;
    for i in 0..5 {
        let r = h.get(&t.access, &h.tenant(i % 3), "Currencies").await;
        assert_eq!(r.status(), 200);
    }
    let r = h.get(&t.access, &h.tenant(1), "Currencies").await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        header(&r, "x-rate-limit-problem").as_deref(),
        Some("appminute")
    );
    // xero-facts.md: Retry-After comes with the minute and the day only.
    assert_eq!(header(&r, "retry-after"), None);
    assert_eq!(num(&r, "x-appminlimit-remaining"), 0);
}

#[tokio::test]
async fn the_sixth_concurrent_call_gets_429_concurrent() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let gate = Gate::new();
    h.sim
        .inject(FaultRule::next(Fault::Hold(gate.clone()), 5).on("Contacts"));
    let mut slow = Vec::new();
    for _ in 0..5 {
        let http = h.http.clone();
        let url = h.url("/api.xro/2.0/Contacts");
        let (access, tenant) = (t.access.clone(), tenant.clone());
        slow.push(tokio::spawn(async move {
            http.get(url)
                .bearer_auth(access)
                .header("xero-tenant-id", tenant)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    // Wait (bounded) until all five are in flight on the server.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while h.sim.limiter().in_flight(&tenant) < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "five calls never got in flight"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        header(&r, "x-rate-limit-problem").as_deref(),
        Some("concurrent")
    );
    // Another tenant is not affected.
    assert_eq!(
        h.get(&t.access, &h.tenant(1), "Organisation")
            .await
            .status(),
        200
    );
    assert_eq!(
        h.sim.limiter().in_flight(&tenant),
        5,
        "the refused call did not count"
    );
    gate.open();
    for s in slow {
        assert_eq!(s.await.unwrap(), 200);
    }
    assert_eq!(h.sim.limiter().in_flight(&tenant), 0);
    assert_eq!(
        h.get(&t.access, &tenant, "Organisation").await.status(),
        200
    );
}

#[tokio::test]
async fn an_injected_429_refuses_the_tenant_until_its_retry_after() {
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    h.sim.inject(FaultRule::next(
        Fault::RateLimited {
            problem: ledgerkeep_sim::Problem::Minute,
            retry_after_secs: 30,
        },
        1,
    ));
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        header(&r, "x-rate-limit-problem").as_deref(),
        Some("minute")
    );
    assert_eq!(num(&r, "retry-after"), 30);
    // The rule fired once, but the tenant stays refused until Retry-After ends.
    h.clock.advance(Duration::from_secs(29));
    let r = h.get(&t.access, &tenant, "Organisation").await;
    assert_eq!(r.status(), 429);
    assert_eq!(num(&r, "retry-after"), 1);
    assert_eq!(
        h.get(&t.access, &h.tenant(1), "Organisation")
            .await
            .status(),
        200,
        "another tenant is not refused"
    );
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(
        h.get(&t.access, &tenant, "Organisation").await.status(),
        200
    );
}

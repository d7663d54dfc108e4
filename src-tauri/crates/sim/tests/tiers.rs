//! The Xero of 2026, over real HTTP: apps created from 2 March 2026 get
//! granular scopes only, every endpoint checks its scope, Journals is for the
//! Advanced tier, Starter connects five organisations and makes 1,000 calls a
//! day, and endpoint names are not case-sensitive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use ledgerkeep_sim::{Collection, Fault, FaultRule, Limits, Tier};
use serde_json::{json, Value};

/// Every read a sync needs, in granular scopes.
const GRANULAR_READ: &str = "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.payments.read accounting.banktransactions.read accounting.manualjournals.read accounting.journals.read accounting.reports.profitandloss.read accounting.reports.balancesheet.read accounting.reports.trialbalance.read";

/// What an older app asked for before March 2026.
const BROAD: &str = "openid offline_access accounting.settings.read accounting.contacts.read accounting.transactions accounting.journals.read accounting.reports.read";

async fn new_starter() -> Harness {
    start_with(|b| b.new_starter_app()).await
}

/// Asserts Xero's 401 for a call the token may not make.
async fn assert_not_permitted(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 401, "{what}");
    assert!(
        !r.headers().contains_key("www-authenticate"),
        "{what}: no invalid_token header, a refresh would not help"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Type"], Value::Null, "{what}");
    assert_eq!(body["Title"], "Unauthorized", "{what}");
    assert_eq!(body["Status"], 401, "{what}");
    assert_eq!(body["Detail"], "AuthorizationUnsuccessful", "{what}");
    assert_eq!(body["Extensions"], json!({}), "{what}");
    let instance = body["Instance"].as_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(instance).is_ok(),
        "{what}: {instance}"
    );
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{what}: {body}");
}

async fn put_payment(
    h: &Harness,
    access: &str,
    tenant: &str,
    invoice_id: &str,
) -> reqwest::Response {
    let body = json!({"Payments": [{"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 0.01}]});
    h.http
        .put(h.url("/api.xro/2.0/Payments"))
        .bearer_auth(access)
        .header("xero-tenant-id", tenant)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn amount_due(h: &Harness, tenant: &str, id: &str) -> String {
    h.sim
        .truth()
        .records(tenant, Collection::Invoices)
        .into_iter()
        .find(|i| i["InvoiceID"] == id)
        .unwrap()["AmountDue"]
        .to_string()
}

#[tokio::test]
async fn a_new_app_is_refused_broad_scopes_at_authorize_with_no_code() {
    let h = new_starter().await;
    assert!(h.sim.app().is_new());
    assert_eq!(h.sim.app().tier, Tier::Starter);
    for broad in [
        "accounting.transactions",
        "accounting.transactions.read",
        "accounting.reports.read",
    ] {
        let q = h
            .authorize_with(
                VERIFIER,
                &format!("openid offline_access accounting.settings.read {broad}"),
            )
            .await;
        assert_eq!(
            q.get("error").map(String::as_str),
            Some("invalid_scope"),
            "{broad}: {q:?}"
        );
        assert_eq!(q.get("state").map(String::as_str), Some("st4te"), "{broad}");
        assert!(!q.contains_key("code"), "{broad}: {q:?}");
        assert!(q["error_description"].contains(broad), "{q:?}");
    }
    // Nothing was issued: no code, no token.
    assert!(h
        .sim
        .secrets_seen()
        .iter()
        .all(|s| s == "st4te" || s.is_empty()));
    // The same request is accepted from an app created the day before.
    let h = start_with(|b| {
        b.new_starter_app()
            .app_created(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
    })
    .await;
    let q = h.authorize_with(VERIFIER, BROAD).await;
    assert!(q.contains_key("code"), "{q:?}");
}

#[tokio::test]
async fn a_new_app_signs_in_with_granular_read_scopes_and_reads_with_them() {
    let h = new_starter().await;
    let (t, body) = h.login_with(GRANULAR_READ).await;
    assert_eq!(body["scope"], GRANULAR_READ);
    let tenant = h.tenant(0);
    for c in Collection::ALL {
        let r = h.get(&t.access, &tenant, c.path()).await;
        if c == Collection::Journals {
            // Starter has no Journals, even with accounting.journals.read.
            assert_not_permitted(r, "Journals on Starter").await;
        } else {
            assert_eq!(r.status(), 200, "{c}");
        }
    }
    for report in ["ProfitAndLoss", "BalanceSheet", "TrialBalance"] {
        let r = h
            .get(&t.access, &tenant, &format!("Reports/{report}"))
            .await;
        assert_eq!(r.status(), 200, "{report}");
    }
}

#[tokio::test]
async fn journals_answers_authorization_unsuccessful_below_advanced_and_expiry_stays_distinct() {
    for tier in [Tier::Starter, Tier::Core, Tier::Plus, Tier::Advanced] {
        let h = start_with(|b| b.new_app(true).app_tier(tier)).await;
        let (t, _) = h.login_with(GRANULAR_READ).await;
        let r = h.get(&t.access, &h.tenant(0), "Journals").await;
        if tier == Tier::Advanced {
            assert_eq!(r.status(), 200, "{tier:?}");
            let body: Value = r.json().await.unwrap();
            assert!(!body["Journals"].as_array().unwrap().is_empty());
        } else {
            assert_not_permitted(r, &format!("Journals on {tier:?}")).await;
        }
        // Not counted as a call: the day's budget is whole but for nothing.
        if tier == Tier::Starter {
            let r = h.get(&t.access, &h.tenant(0), "Currencies").await;
            assert_eq!(r.headers()["x-daylimit-remaining"], "999");
        }
    }
    // An expired token's 401 is another kind: the header, and TokenExpired.
    let h = new_starter().await;
    let (t, _) = h.login_with(GRANULAR_READ).await;
    h.clock.advance(Duration::from_secs(31 * 60));
    let r = h.get(&t.access, &h.tenant(0), "Journals").await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let body: Value = r.json().await.unwrap();
    // The login was at the clock's start, 2026-07-01T00:00:00Z: 30 minutes on.
    assert_eq!(
        body["Detail"],
        "TokenExpired: token expired at 07/01/2026 00:30:00"
    );
}

#[tokio::test]
async fn every_endpoint_checks_its_own_scope() {
    let h = new_starter().await;
    let (t, _) = h
        .login_with("openid offline_access accounting.settings.read")
        .await;
    let tenant = h.tenant(0);
    for c in [
        Collection::Organisation,
        Collection::Accounts,
        Collection::Items,
    ] {
        assert_eq!(
            h.get(&t.access, &tenant, c.path()).await.status(),
            200,
            "{c}"
        );
    }
    for c in [
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::Quotes,
        Collection::Contacts,
        Collection::Payments,
        Collection::Prepayments,
        Collection::BankTransactions,
        Collection::BankTransfers,
        Collection::ManualJournals,
    ] {
        assert_not_permitted(h.get(&t.access, &tenant, c.path()).await, c.path()).await;
    }
    let id = h.sim.truth().records(&tenant, Collection::Invoices)[0]["InvoiceID"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_not_permitted(
        h.get(&t.access, &tenant, &format!("Invoices/{id}")).await,
        "one invoice",
    )
    .await;
    for report in ["ProfitAndLoss", "BalanceSheet", "TrialBalance"] {
        assert_not_permitted(
            h.get(&t.access, &tenant, &format!("Reports/{report}"))
                .await,
            report,
        )
        .await;
    }
    // Each report has a scope of its own.
    let (t, _) = h
        .login_with("openid offline_access accounting.reports.profitandloss.read")
        .await;
    assert_eq!(
        h.get(&t.access, &tenant, "Reports/ProfitAndLoss")
            .await
            .status(),
        200
    );
    assert_not_permitted(
        h.get(&t.access, &tenant, "Reports/TrialBalance").await,
        "TrialBalance with the P&L scope",
    )
    .await;
}

#[tokio::test]
async fn writing_a_payment_needs_the_write_scope_and_a_later_sign_in_adds_it() {
    let h = new_starter().await;
    let (t, _) = h.login_with(GRANULAR_READ).await;
    let tenant = h.tenant(0);
    let inv = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| i["Status"] == "AUTHORISED")
        .unwrap();
    let id = inv["InvoiceID"].as_str().unwrap();
    let before = amount_due(&h, &tenant, id);
    assert_not_permitted(
        put_payment(&h, &t.access, &tenant, id).await,
        "PUT Payments with accounting.payments.read",
    )
    .await;
    assert_eq!(amount_due(&h, &tenant, id), before, "nothing recorded");
    // Consent again for the write scope: scopes add up.
    let (t2, body) = h
        .login_with("openid offline_access accounting.payments")
        .await;
    let scope = body["scope"].as_str().unwrap();
    for s in GRANULAR_READ.split(' ').chain(["accounting.payments"]) {
        assert!(scope.split(' ').any(|x| x == s), "{s} in {scope}");
    }
    let r = put_payment(&h, &t2.access, &tenant, id).await;
    assert_eq!(r.status(), 200);
    assert_ne!(amount_due(&h, &tenant, id), before, "recorded");
    // The second token reads what the first sign-in granted.
    assert_eq!(h.get(&t2.access, &tenant, "Contacts").await.status(), 200);
}

#[tokio::test]
async fn the_granted_scopes_are_kept_on_refresh_and_dropped_by_a_revocation() {
    let h = new_starter().await;
    let (t, body) = h
        .login_with("openid offline_access accounting.invoices.read")
        .await;
    let granted = body["scope"].as_str().unwrap().to_owned();
    let r = h.refresh(&t.refresh).await;
    assert_eq!(r.status(), 200);
    let refreshed: Value = r.json().await.unwrap();
    assert_eq!(refreshed["scope"], granted.as_str());
    let access = refreshed["access_token"].as_str().unwrap();
    assert_eq!(h.get(access, &h.tenant(0), "Invoices").await.status(), 200);
    assert_not_permitted(h.get(access, &h.tenant(0), "Contacts").await, "Contacts").await;
    // A revocation takes the scopes back: the next sign-in holds only its own.
    let r = h
        .http
        .post(h.url("/connect/revocation"))
        .form(&[("token", refreshed["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (t, body) = h
        .login_with("openid offline_access accounting.contacts.read")
        .await;
    assert_eq!(
        body["scope"],
        "openid offline_access accounting.contacts.read"
    );
    assert_not_permitted(h.get(&t.access, &h.tenant(0), "Invoices").await, "Invoices").await;
}

#[tokio::test]
async fn a_starter_app_connects_five_organisations_and_refuses_a_sixth() {
    let h = start_with(|b| b.new_starter_app().organisations(6)).await;
    let tenants: Vec<String> = h.sim.tenants().into_iter().map(|t| t.tenant_id).collect();
    assert_eq!(tenants.len(), 6);
    // Ticking all six at once is refused whole.
    let q = h.authorize_with(VERIFIER, GRANULAR_READ).await;
    assert_eq!(
        q.get("error").map(String::as_str),
        Some("access_denied"),
        "{q:?}"
    );
    assert!(!q.contains_key("code"));
    assert_eq!(q["state"], "st4te");
    let why = &q["error_description"];
    assert!(
        why.contains("Starter") && why.contains('5') && why.contains('6'),
        "{why}"
    );
    // Five are fine.
    h.sim.consent_organisations(Some(tenants[..5].to_vec()));
    let (t, _) = h.login_with(GRANULAR_READ).await;
    let conns: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conns.as_array().unwrap().len(), 5);
    // A sixth, later, is refused, and named.
    h.sim.consent_organisations(Some(vec![tenants[5].clone()]));
    let q = h.authorize_with(VERIFIER, GRANULAR_READ).await;
    assert_eq!(
        q.get("error").map(String::as_str),
        Some("access_denied"),
        "{q:?}"
    );
    assert!(!q.contains_key("code"));
    assert!(
        q["error_description"].contains(&h.sim.tenants()[5].name),
        "{q:?}"
    );
    // Reconnecting one already connected is not a new connection.
    h.sim.consent_organisations(Some(vec![tenants[0].clone()]));
    assert!(h
        .authorize_with(VERIFIER, GRANULAR_READ)
        .await
        .contains_key("code"));
    // Once one is disconnected, the sixth fits.
    let r = h
        .http
        .delete(h.url(&format!(
            "/connections/{}",
            conns[1]["id"].as_str().unwrap()
        )))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    h.sim.consent_organisations(Some(vec![tenants[5].clone()]));
    let (t6, _) = h.login_with(GRANULAR_READ).await;
    assert_eq!(
        h.get(&t6.access, &tenants[5], "Organisation")
            .await
            .status(),
        200
    );
    // A Core app takes all six at once.
    let h = start_with(|b| b.new_app(true).app_tier(Tier::Core).organisations(6)).await;
    assert!(h
        .authorize_with(VERIFIER, GRANULAR_READ)
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn starter_makes_a_thousand_calls_a_day_per_tenant_then_429_day() {
    let h = new_starter().await;
    assert_eq!(h.sim.limiter().limits(), Limits::STARTER);
    let (t, _) = h.login_with(GRANULAR_READ).await;
    let tenant = h.tenant(1);
    // Sixty a minute still holds, so the clock moves a minute every sixty
    // calls; if the tenant's day turns meanwhile, counting starts again.
    // (About 17 minutes of calls: the 30-minute token lasts.)
    let mut since_reset = 0u32;
    for call in 0..2_100u32 {
        if call > 0 && call % 60 == 0 {
            h.clock.advance(Duration::from_secs(60));
        }
        let r = h.get(&t.access, &tenant, "Currencies").await;
        match r.status().as_u16() {
            200 => {
                let left: u32 = r.headers()["x-daylimit-remaining"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                if left == 999 {
                    since_reset = 0;
                }
                since_reset += 1;
                assert_eq!(left, 1000 - since_reset, "call {call}");
            }
            429 => {
                assert_eq!(r.headers()["x-rate-limit-problem"], "day");
                let retry: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry > 0 && retry <= 86_400, "{retry}");
                assert_eq!(since_reset, 1000);
                break;
            }
            other => panic!("call {call}: {other}"),
        }
        assert!(call < 2_099, "no day limit after {call} calls");
    }
    // Another tenant has its own thousand.
    let r = h.get(&t.access, &h.tenant(0), "Currencies").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-daylimit-remaining"], "999");
}

#[tokio::test]
async fn endpoint_names_are_not_case_sensitive_and_organisations_is_organisation() {
    let h = new_starter().await;
    let (t, _) = h.login_with(GRANULAR_READ).await;
    let tenant = h.tenant(0);
    let invoices = h.get_json(&t.access, &tenant, "Invoices").await;
    let id = invoices["Invoices"][0]["InvoiceID"]
        .as_str()
        .unwrap()
        .to_owned();
    let strip = |mut v: Value| {
        // Each answer has its own Id and time.
        let o = v.as_object_mut().unwrap();
        o.remove("Id");
        o.remove("DateTimeUTC");
        v
    };
    assert_eq!(
        strip(h.get_json(&t.access, &tenant, "invoices").await),
        strip(invoices.clone())
    );
    let one = h
        .get_json(&t.access, &tenant, &format!("INVOICES/{id}"))
        .await;
    assert_eq!(one["Invoices"][0]["InvoiceID"], id.as_str());
    // tap-xero's names: its stream ids title-cased, plural Organisations.
    let org = strip(h.get_json(&t.access, &tenant, "Organisation").await);
    for alias in ["Organisations", "organisations", "ORGANISATION"] {
        assert_eq!(
            strip(h.get_json(&t.access, &tenant, alias).await),
            org,
            "{alias}"
        );
    }
    for (stream, c) in [
        ("bank_transactions", Collection::BankTransactions),
        ("contact_groups", Collection::ContactGroups),
        ("tracking_categories", Collection::TrackingCategories),
        ("repeating_invoices", Collection::RepeatingInvoices),
    ] {
        let name: String = stream
            .split('_')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        let body = h.get_json(&t.access, &tenant, &name.to_lowercase()).await;
        assert!(body[c.key()].is_array(), "{name}");
    }
    // Reports, and the API's prefix itself, in any case.
    let tb = h.get_json(&t.access, &tenant, "reports/trialbalance").await;
    assert_eq!(tb["Reports"][0]["ReportID"], "TrialBalance");
    let r = h
        .http
        .get(h.url("/API.XRO/2.0/CURRENCIES"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Scope checks follow the alias: no settings scope, no Organisations.
    let h2 = new_starter().await;
    let (t2, _) = h2.login_with("openid accounting.invoices.read").await;
    assert_not_permitted(
        h2.get(&t2.access, &h2.tenant(0), "organisations").await,
        "organisations without accounting.settings",
    )
    .await;
    // Faults name the collection, whatever the case of the call.
    h.sim
        .inject(FaultRule::next(Fault::Status(503), 1).on("Organisation"));
    assert_eq!(
        h.get(&t.access, &tenant, "organisations").await.status(),
        503
    );
    // The connections path in any case, both ways.
    for path in ["/connections", "/CONNECTIONS", "/Connections"] {
        let r = h
            .http
            .get(h.url(path))
            .bearer_auth(&t.access)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let list: Value = r.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 3, "{path}");
    }
    let conns: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = h
        .http
        .delete(h.url(&format!(
            "/CONNECTIONS/{}",
            conns[2]["id"].as_str().unwrap()
        )))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Unknown names are still 404s.
    assert_eq!(
        h.get(&t.access, &tenant, "Organisationz").await.status(),
        404
    );
    assert_eq!(
        h.get(&t.access, &tenant, "Reports/NoSuchReport")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_older_app_keeps_its_broad_scopes_and_they_cover_the_granular_ones() {
    // Checking scopes: the broad ones imply the granular ones they cover.
    let h = start_with(|b| b.check_scopes(true)).await;
    assert!(!h.sim.app().is_new());
    assert_eq!(h.sim.app().tier, Tier::Advanced);
    let (t, body) = h.login_with(BROAD).await;
    assert_eq!(body["scope"], BROAD);
    let tenant = h.tenant(0);
    for c in Collection::ALL {
        assert_eq!(
            h.get(&t.access, &tenant, c.path()).await.status(),
            200,
            "{c}"
        );
    }
    for report in ["ProfitAndLoss", "BalanceSheet", "TrialBalance"] {
        let r = h
            .get(&t.access, &tenant, &format!("Reports/{report}"))
            .await;
        assert_eq!(r.status(), 200, "{report}");
    }
    let inv = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| i["Status"] == "AUTHORISED")
        .unwrap();
    let r = put_payment(&h, &t.access, &tenant, inv["InvoiceID"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200, "accounting.transactions writes payments");
    // transactions.read does not reach contacts, nor write (a fresh app:
    // scopes granted to the first would add up).
    let h2 = start_with(|b| b.check_scopes(true)).await;
    let (t2, _) = h2
        .login_with("openid offline_access accounting.transactions.read")
        .await;
    assert_eq!(
        h2.get(&t2.access, &h2.tenant(0), "Invoices").await.status(),
        200
    );
    assert_not_permitted(
        h2.get(&t2.access, &h2.tenant(0), "Contacts").await,
        "Contacts",
    )
    .await;
    assert_not_permitted(
        put_payment(
            &h2,
            &t2.access,
            &h2.tenant(0),
            inv["InvoiceID"].as_str().unwrap(),
        )
        .await,
        "a write with transactions.read",
    )
    .await;
    // The builder's default is that older app, answering as the simulator
    // always has: every call with any scope, Journals included.
    let h = start().await;
    assert_eq!(h.sim.app(), ledgerkeep_sim::AppProfile::legacy());
    let (t, _) = h
        .login_with("openid offline_access accounting.transactions.read")
        .await;
    for c in [
        Collection::Contacts,
        Collection::Accounts,
        Collection::Journals,
    ] {
        assert_eq!(
            h.get(&t.access, &h.tenant(0), c.path()).await.status(),
            200,
            "{c}"
        );
    }
}

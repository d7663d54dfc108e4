//! The living demo profile: books that end "today" and look like a healthy
//! small business; and the default generation, which hundreds of tests
//! compare reports with, unchanged by it.

use sha2::{Digest, Sha256};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use ledgerkeep_sim::generate::{generate, generate_profile, Profile};
use ledgerkeep_sim::wire::parse_ms_date;
use ledgerkeep_sim::{Collection, Size, TenantBooks};

const DAY_MS: i64 = 86_400_000;

/// The SHA-256 of every record of every tenant, in order.
fn books_hash(truth: &ledgerkeep_sim::Truth) -> String {
    let mut h = Sha256::new();
    for t in &truth.tenants {
        h.update(t.tenant_id.as_bytes());
        for c in Collection::ALL {
            for r in t.table(c).records() {
                h.update(r.json.as_bytes());
                h.update(b"\n");
            }
        }
    }
    format!("{:x}", h.finalize())
}

/// The default generation's output, hashed before the living profile was
/// added: any change to it changes every test's books. Changed on purpose
/// once since, on 6 December 2026, when the books gained a batch payment
/// entered by mistake and deleted (`deleted_batch`).
#[test]
fn the_default_generation_is_byte_for_byte_what_it_was() {
    let before = [
        (
            2026,
            Size::Small,
            "d5ec2e5fcf1c43e168bf913176af5654d8e0e0d55b5f2f85b3dc4e24a7ab8533",
        ),
        (
            7,
            Size::Small,
            "38d74caae9b5db6fb06f9a50dd889bd54466d1c28b9321aab234484929737830",
        ),
        (
            42,
            Size::Medium,
            "6bf6645b0a25d79a94184896aad497d475ed95ee70955f5a542c2d2ee6496afe",
        ),
    ];
    // Every case is checked before failing, so that a deliberate change to
    // the books shows all of its new hashes at once.
    let mut changed = Vec::new();
    for (seed, size, hash) in before {
        for (profile, got) in [
            ("default", books_hash(&generate(seed, size))),
            (
                "fixed",
                books_hash(&generate_profile(seed, size, Profile::Fixed)),
            ),
        ] {
            if got != hash {
                changed.push(format!("seed {seed} {size:?} ({profile}): {got}"));
            }
        }
    }
    assert!(
        changed.is_empty(),
        "the default generation changed:\n{}",
        changed.join("\n")
    );
}

fn day_of(v: &Value, field: &str) -> Option<i64> {
    v[field]
        .as_str()
        .and_then(parse_ms_date)
        .map(|ms| ms.div_euclid(DAY_MS))
}

fn dec(v: &Value) -> Decimal {
    v.to_string()
        .trim_matches('"')
        .parse()
        .unwrap_or(Decimal::ZERO)
}

fn epoch_day(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp().div_euclid(86_400))
        .unwrap_or_default()
}

/// Each bank account's balance on `day` (inclusive), from the Journals.
fn bank_balances(t: &TenantBooks, day: i64) -> Vec<(String, Decimal)> {
    let mut out = Vec::new();
    for code in ["090", "091"] {
        let mut sum = Decimal::ZERO;
        for j in t.table(Collection::Journals).records() {
            let j = j.value();
            if day_of(&j, "JournalDate").is_some_and(|d| d <= day) {
                for l in j["JournalLines"].as_array().into_iter().flatten() {
                    if l["AccountCode"] == code {
                        sum += dec(&l["NetAmount"]);
                    }
                }
            }
        }
        out.push((code.to_owned(), sum));
    }
    out
}

/// Amount due of open sales invoices by ageing bucket on `today`: current,
/// 1–30, 31–60, 61–90, older.
fn ageing(t: &TenantBooks, today: i64) -> [usize; 5] {
    let mut buckets = [0; 5];
    for v in t.table(Collection::Invoices).records() {
        let v = v.value();
        if v["Type"] != "ACCREC" || v["Status"] != "AUTHORISED" || dec(&v["AmountDue"]).is_zero() {
            continue;
        }
        let Some(due) = day_of(&v, "DueDate") else {
            continue;
        };
        let late = today - due;
        let b = match late {
            ..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        buckets[b] += 1;
    }
    buckets
}

fn check_living(today: NaiveDate) {
    let d = epoch_day(today);
    let truth = generate_profile(2026, Size::Small, Profile::LivingDemo { today });
    for t in &truth.tenants {
        let name = format!("{} on {today}", t.name);
        let invoices: Vec<Value> = t
            .table(Collection::Invoices)
            .records()
            .iter()
            .map(|r| r.value())
            .collect();
        // The newest document is within the week before today, none after it.
        let newest = invoices
            .iter()
            .filter_map(|v| day_of(v, "Date"))
            .max()
            .unwrap_or_default();
        assert!(
            newest < d && newest >= d - 7,
            "{name}: newest {newest}, today {d}"
        );
        let oldest = invoices
            .iter()
            .filter_map(|v| day_of(v, "Date"))
            .min()
            .unwrap_or_default();
        assert!(
            oldest >= d - 731 && oldest < d - 600,
            "{name}: 24 months, oldest {oldest}"
        );
        // Nothing updated after today began.
        for c in [
            Collection::Invoices,
            Collection::Payments,
            Collection::BankTransactions,
        ] {
            for r in t.table(c).records() {
                if let Some(u) = r.updated_ms {
                    assert!(u < d * DAY_MS, "{name}: {c:?} updated at {u}");
                }
            }
        }
        for (code, balance) in bank_balances(t, d) {
            assert!(balance > Decimal::ZERO, "{name}: bank {code} is {balance}");
        }
        let buckets = ageing(t, d);
        assert!(buckets.iter().all(|n| *n > 0), "{name}: ageing {buckets:?}");
        // Overdue is the exception: most sales invoices are paid.
        let sales = invoices.iter().filter(|v| v["Type"] == "ACCREC").count();
        let overdue: usize = buckets[1..].iter().sum();
        assert!(overdue * 5 < sales, "{name}: {overdue} of {sales} overdue");
        let bills_this_week = invoices
            .iter()
            .filter(|v| v["Type"] == "ACCPAY" && v["Status"] == "AUTHORISED")
            .filter_map(|v| day_of(v, "DueDate"))
            .filter(|due| (d..d + 7).contains(due))
            .count();
        assert!(bills_this_week > 0, "{name}: no bill due this week");
        let mut abroad: Vec<String> = invoices
            .iter()
            .filter(|v| v["CurrencyCode"] != t.base_currency.as_str())
            .map(|v| {
                v["Contact"]["ContactID"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        abroad.dedup();
        abroad.sort();
        abroad.dedup();
        assert_eq!(abroad.len(), 1, "{name}: customers abroad {abroad:?}");
    }
}

#[test]
fn the_living_demo_ends_today_healthy_on_an_ordinary_day() {
    check_living(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap());
}

#[test]
fn the_living_demo_ends_today_healthy_at_a_month_end() {
    check_living(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
}

#[test]
fn the_living_demo_ends_today_healthy_on_the_29th_of_february() {
    check_living(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
}

#[test]
fn another_day_is_another_demo_organisation() {
    let day = |d| Profile::LivingDemo {
        today: NaiveDate::from_ymd_opt(2027, 3, d).unwrap(),
    };
    let a = generate_profile(2026, Size::Small, day(15));
    let again = generate_profile(2026, Size::Small, day(15));
    let b = generate_profile(2026, Size::Small, day(16));
    assert_eq!(books_hash(&a), books_hash(&again));
    assert_eq!(a.tenants[0].tenant_id, again.tenants[0].tenant_id);
    assert_ne!(a.tenants[0].tenant_id, b.tenants[0].tenant_id);
    let fixed = generate(2026, Size::Small);
    assert_ne!(a.tenants[0].tenant_id, fixed.tenants[0].tenant_id);
}

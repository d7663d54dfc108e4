//! `ledgerkeep-cli report`: the real binary reading a ledger synced from the
//! simulator over loopback (in this process, with the tokens in memory, as
//! the app would). Every report in JSON and CSV; the figures checked against
//! each other from the printed rows; and the refusals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use ledgerkeep_api::{AppConfig, AppContext, AppPaths, XeroSetup};
use ledgerkeep_sim::{Limits, RunningSimulator, Size};
use ledgerkeep_store::audit::MemoryAnchor;
use ledgerkeep_sync::{no_progress, CancelToken};
use ledgerkeep_xero::{
    MemoryTokenStore, RedirectTarget, VirtualTime, Xero, XeroEndpoints, XeroOptions,
};
use rust_decimal::Decimal;
use serde_json::Value;

const BOUNCE_URL: &str = "https://bounce.example/ledgerkeep";
const KINDS: [&str; 6] = [
    "profit-and-loss",
    "balance-sheet",
    "trial-balance",
    "cash-summary",
    "aged-receivables",
    "aged-payables",
];

/// Signs in as a browser would through the bounce page.
async fn sign_in(xero: &Xero) {
    let req = xero
        .start_sign_in(&RedirectTarget::Https(BOUNCE_URL.into()))
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(&req.url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    xero.complete_sign_in(location.split_once('?').unwrap().1)
        .await
        .unwrap();
}

struct Synced {
    sim: RunningSimulator,
    time: Arc<VirtualTime>,
    xero: Arc<Xero>,
    dir: tempfile::TempDir,
}

impl Synced {
    async fn open(&self) -> AppContext {
        let mut config = AppConfig::new(AppPaths::under(self.dir.path()));
        config.clock = self.time.timekeeping().clock;
        AppContext::open_with(
            config,
            XeroSetup {
                store: Arc::new(MemoryTokenStore::default()),
                audit_anchor: Arc::new(MemoryAnchor::default()),
                ..XeroSetup::default()
            },
        )
        .await
        .unwrap()
    }

    /// One sync of `tenant` into the ledger, then the ledger closed.
    async fn sync(&self, tenant: &str) {
        let ctx = self.open().await;
        let reports = ledgerkeep_api::sync_once(
            &ctx,
            Arc::clone(&self.xero),
            self.time.timekeeping(),
            Some(tenant),
            false,
            &CancelToken::new(),
            &no_progress(),
        )
        .await
        .unwrap();
        assert!(reports.iter().all(|r| r.ok), "{reports:?}");
        ctx.close().await;
    }
}

/// The simulator's small books, and a ledger in a temporary folder holding
/// its first organisation only.
async fn synced() -> Synced {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .seed(23)
        .size(Size::Small)
        .limits(Limits::XERO)
        .clock(time.clone())
        .auto_consent(true)
        .redirect_uri(BOUNCE_URL)
        .start()
        .await
        .unwrap();
    let endpoints = XeroEndpoints {
        login_url: sim.base_url().to_owned(),
        identity_url: sim.base_url().to_owned(),
        api_url: sim.base_url().to_owned(),
        client_id: Some(sim.client_id().to_owned()),
        oauth_port: 0,
    };
    let xero = Arc::new(
        Xero::new(
            endpoints,
            Arc::new(MemoryTokenStore::default()),
            time.timekeeping(),
            None,
            XeroOptions::default(),
        )
        .unwrap(),
    );
    sign_in(&xero).await;
    let s = Synced {
        sim,
        time,
        xero,
        dir: tempfile::tempdir().unwrap(),
    };
    let first = s.sim.tenants()[0].tenant_id.clone();
    s.sync(&first).await;
    s
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        // Never the owner's keyring entries: the audit anchor goes under a test name.
        .env("LEDGERKEEP_KEYRING_SERVICE", "Ledgerkeep-test-report-cli")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok_json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("an amount is not a string: {v}"))
        .parse()
        .unwrap()
}

/// The rows of `section` (all sections when `None`) of `kind` ("account", ...).
fn rows<'a>(r: &'a Value, section: Option<&str>, kind: &str) -> Vec<&'a Value> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == kind && section.is_none_or(|s| row["section"] == s))
        .collect()
}

/// The sum of column `col` over `rows` (an absent figure is none).
fn column_sum(rows: &[&Value], col: usize) -> Decimal {
    rows.iter()
        .filter_map(|r| r["amounts"][col].as_str().map(|_| dec(&r["amounts"][col])))
        .sum()
}

/// The arguments of each report: a period wide enough for every record of
/// the books, or the date the simulator's clock stands at.
fn args_of<'a>(kind: &'a str, tenant: &'a str, to: &'a str, format: &'a str) -> Vec<&'a str> {
    let mut a = vec!["report", kind, "--tenant", tenant, "--format", format];
    if matches!(kind, "profit-and-loss" | "cash-summary") {
        a.extend(["--from", "2000-01-01", "--to", to]);
    } else {
        a.extend(["--as-at", to]);
    }
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_prints_as_json_and_csv_with_exact_figures_that_agree() {
    let s = synced().await;
    let tenant = s.sim.tenants()[0].tenant_id.clone();
    let today = chrono::DateTime::from_timestamp_millis(s.time.now_ms())
        .unwrap()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let dir = s.dir.path();
    for kind in KINDS {
        let started = std::time::Instant::now();
        let json = ok_json(&cli(dir, &args_of(kind, &tenant, &today, "json")));
        let took = started.elapsed();
        eprintln!("report {kind} json: {} ms", took.as_millis());
        assert!(json["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(json["organisation"], s.sim.tenants()[0].name.as_str());
        assert_eq!(json["period"]["to"], today.as_str());
        assert!(json["xero"]["status"].is_string());
        assert!(json["notes"].is_array());
        // Everything the report needs was synced (the simulator's app serves every stream).
        assert_eq!(json["incomplete"], serde_json::json!([]), "{kind}");
        let columns = json["columns"].as_array().unwrap().len();
        assert!(columns > 0, "{kind}");
        let all = json["rows"].as_array().unwrap();
        assert!(!all.is_empty(), "{kind}: no rows");
        let mut figures = 0;
        for row in all {
            let amounts = row["amounts"].as_array().unwrap();
            assert_eq!(amounts.len(), columns, "{kind}: {row}");
            for a in amounts {
                // Exact decimal text, never a JSON number.
                assert!(a.is_string() || a.is_null(), "{kind}: {row}");
                if a.is_string() {
                    dec(a);
                    figures += 1;
                }
            }
            assert!(row["name"].as_str().is_some_and(|n| !n.is_empty()), "{row}");
        }
        assert!(figures > 0, "{kind}: no figure");

        // The CSV: one header line, then the JSON's rows, cell for cell.
        let out = cli(dir, &args_of(kind, &tenant, &today, "csv"));
        assert!(out.status.success(), "{}", stderr(&out));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(out.stdout.as_slice());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(&header[..4], ["section", "kind", "account_code", "name"]);
        assert_eq!(header.len(), 4 + columns);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), all.len(), "{kind}: CSV and JSON rows");
        for (rec, row) in records.iter().zip(all) {
            let safe = |v: &Value| {
                ledgerkeep_api::ops::exports::spreadsheet_safe(v.as_str().unwrap_or(""))
                    .into_owned()
            };
            assert_eq!(rec[0], safe(&row["section"]), "{kind}");
            assert_eq!(rec[1], *row["kind"].as_str().unwrap());
            assert_eq!(rec[2], safe(&row["accountCode"]));
            assert_eq!(rec[3], safe(&row["name"]));
            for (i, a) in row["amounts"].as_array().unwrap().iter().enumerate() {
                assert_eq!(rec[4 + i], *a.as_str().unwrap_or(""), "{kind}: {row}");
            }
        }
    }

    // The trial balance: its debits equal its credits, summed here from its account rows.
    let tb = ok_json(&cli(
        dir,
        &args_of("trial-balance", &tenant, &today, "json"),
    ));
    // Its lines: the accounts, and earlier years' earnings folded into equity.
    let mut lines = rows(&tb, None, "account");
    assert!(lines.len() > 5);
    lines.extend(rows(&tb, None, "line"));
    let (debits, credits) = (column_sum(&lines, 0), column_sum(&lines, 1));
    assert!(debits > Decimal::ZERO);
    assert_eq!(debits, credits);
    let total = &rows(&tb, Some("Summary"), "summary")[0];
    assert_eq!(dec(&total["amounts"][0]), debits);
    assert_eq!(dec(&total["amounts"][1]), credits);

    // The profit and loss: its net profit is its income less its costs,
    // summed here from its account rows.
    let pl = ok_json(&cli(
        dir,
        &args_of("profit-and-loss", &tenant, &today, "json"),
    ));
    let income = column_sum(&rows(&pl, Some("Income"), "account"), 0)
        + column_sum(&rows(&pl, Some("Other income"), "account"), 0);
    let costs = column_sum(&rows(&pl, Some("Cost of sales"), "account"), 0)
        + column_sum(&rows(&pl, Some("Operating expenses"), "account"), 0);
    assert!(income > Decimal::ZERO);
    let net = rows(&pl, Some("Summary"), "summary")
        .into_iter()
        .find(|r| r["name"] == "Net profit")
        .unwrap();
    assert_eq!(dec(&net["amounts"][0]), income - costs);
    // An account row names the account apart from its code.
    let first = rows(&pl, Some("Income"), "account")[0];
    let code = first["accountCode"].as_str().unwrap();
    assert!(!first["name"].as_str().unwrap().starts_with(code));

    // The defaults: the ledger's one organisation, and today (the system's
    // clock: after every record of the books) as the trial balance's date.
    let tb_default = ok_json(&cli(dir, &["report", "trial-balance", "--json"]));
    let mut d_lines = rows(&tb_default, None, "account");
    d_lines.extend(rows(&tb_default, None, "line"));
    assert_eq!(column_sum(&d_lines, 0), column_sum(&d_lines, 1));
    assert!(column_sum(&d_lines, 0) > Decimal::ZERO);

    // In words (the default): the title, the organisation, and each
    // account's figures exactly as the JSON has them, on the account's line.
    let out = cli(dir, &["report", "trial-balance"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    eprintln!("{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let title = text.lines().next().unwrap();
    assert!(
        title.starts_with(tb_default["title"].as_str().unwrap())
            && title.contains(tb_default["organisation"].as_str().unwrap()),
        "{title}"
    );
    for r in rows(&tb_default, None, "account") {
        let code = r["accountCode"].as_str().unwrap_or("");
        let label = format!("{code} {}", r["name"].as_str().unwrap());
        let line = text
            .lines()
            .find(|l| l.contains(label.trim()))
            .unwrap_or_else(|| panic!("{label} missing:\n{text}"));
        for a in r["amounts"].as_array().unwrap() {
            if let Some(a) = a.as_str() {
                assert!(line.split_whitespace().any(|c| c == a), "{a}: {line}");
            }
        }
    }

    // The app open on the ledger (it holds the writer lock from start to
    // close): a sync must wait for it, a report reads beside it.
    let app = s.open().await;
    let out = cli(dir, &["sync", "--no-wait"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let beside = ok_json(&cli(
        dir,
        &args_of("trial-balance", &tenant, &today, "json"),
    ));
    assert_eq!(beside["rows"], tb["rows"]);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_kind_date_or_organisation_is_a_sentence_and_a_non_zero_exit() {
    let s = synced().await;
    let tenants = s.sim.tenants();
    let dir = s.dir.path();

    let out = cli(dir, &["report", "profit-and-lost"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("profit-and-lost") && err.contains("trial-balance"),
        "{err}"
    );

    let out = cli(dir, &["report", "balance-sheet", "--as-at", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("2026-02-30") && err.contains("not a date"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = cli(
        dir,
        &[
            "report",
            "trial-balance",
            "--tenant",
            "no-such-organisation",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no-such-organisation") && err.contains(&tenants[0].tenant_id),
        "{err}"
    );

    let out = cli(dir, &["report", "trial-balance", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));

    // The basis goes to the API as given: the profit and loss answers on the
    // cash basis, with figures of its own; a report that does not offer it
    // says so.
    let pl = |basis: &str| {
        cli(
            dir,
            &[
                "report",
                "profit-and-loss",
                "--basis",
                basis,
                "--from",
                "2025-04-01",
                "--to",
                "2026-03-31",
                "--json",
            ],
        )
    };
    let net_profit = |v: &Value| {
        rows(v, Some("Summary"), "summary")
            .into_iter()
            .find(|r| r["name"] == "Net profit")
            .map(|r| dec(&r["amounts"][0]))
            .unwrap()
    };
    let cash = ok_json(&pl("cash"));
    assert_eq!(cash["basis"], "cash");
    assert!(
        cash["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("Cash basis")),
        "{}",
        cash["notes"]
    );
    let accrual = ok_json(&pl("accrual"));
    assert_eq!(accrual["basis"], "accrual");
    assert_ne!(net_profit(&cash), net_profit(&accrual));
    let out = cli(dir, &["report", "balance-sheet", "--basis", "cash"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("accrual basis only"),
        "{}",
        stderr(&out)
    );

    // A second organisation in the ledger: leaving --tenant out names both.
    if tenants.len() > 1 {
        s.sync(&tenants[1].tenant_id).await;
        let out = cli(dir, &["report", "trial-balance"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        for t in &tenants[..2] {
            assert!(err.contains(&t.tenant_id) && err.contains(&t.name), "{err}");
        }
    }

    // An empty ledger: nothing to report, said as such.
    let empty = tempfile::tempdir().unwrap();
    let out = cli(empty.path(), &["report", "profit-and-loss"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no organisation"), "{}", stderr(&out));
}

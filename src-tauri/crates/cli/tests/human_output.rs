//! What a person sees: each command that prints a report, as readable text
//! (the default) and as JSON (`--json`, `--format json`), run as the real
//! binary on a ledger synced from the simulator. The text is checked against
//! figures read apart from it (the JSON, or the records `export` prints);
//! and `completions`, and that no escape code reaches a pipe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

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

/// A data folder holding the simulator's small books (its first
/// organisation), synced in this process as the app would; and the
/// simulator's clock then.
struct Books {
    dir: tempfile::TempDir,
    now_ms: i64,
    tenant: String,
}

async fn sync_books(seed: u64) -> Books {
    let time = VirtualTime::starting_at(ledgerkeep_sim::clock::DEFAULT_START_MS);
    let sim = RunningSimulator::builder()
        .seed(seed)
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

    let dir = tempfile::tempdir().unwrap();
    let tenant = sim.tenants()[0].tenant_id.clone();
    let mut config = AppConfig::new(AppPaths::under(dir.path()));
    config.clock = time.timekeeping().clock;
    let ctx = AppContext::open_with(
        config,
        XeroSetup {
            store: Arc::new(MemoryTokenStore::default()),
            audit_anchor: Arc::new(MemoryAnchor::default()),
            ..XeroSetup::default()
        },
    )
    .await
    .unwrap();
    let reports = ledgerkeep_api::sync_once(
        &ctx,
        Arc::clone(&xero),
        time.timekeeping(),
        Some(&tenant),
        false,
        &CancelToken::new(),
        &no_progress(),
    )
    .await
    .unwrap();
    assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    ctx.close().await;
    sim.stop().await;
    Books {
        dir,
        now_ms: time.now_ms(),
        tenant,
    }
}

/// Books the read-only tests share (synced once, on a runtime of their own).
fn shared() -> &'static Books {
    static BOOKS: OnceLock<Books> = OnceLock::new();
    BOOKS.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(sync_books(23))
        })
        .join()
        .unwrap()
    })
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        // Never the owner's keyring entries.
        .env("LEDGERKEEP_KEYRING_SERVICE", "Ledgerkeep-test-human-output")
        .env("COLUMNS", "200")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn ok_text(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    // Stdout is a pipe here: never an escape code, never JSON.
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    text
}

fn ok_json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The line of `text` that starts with `first` (after spaces).
fn line_of<'a>(text: &'a str, first: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(first))
        .unwrap_or_else(|| panic!("no line starts with {first:?} in:\n{text}"))
}

/// The records of `entity` as `export` prints them.
fn exported(dir: &Path, entity: &str) -> Vec<Value> {
    let v = ok_json(&cli(dir, &["export", entity, "--format", "json"]));
    v.as_array().unwrap().clone()
}

#[test]
fn info_as_text_and_as_json() {
    let b = shared();
    let dir = b.dir.path();
    let mut json = ok_json(&cli(dir, &["info", "--json"]));
    assert_eq!(json["dataDir"], dir.display().to_string());
    // Now, by the app's clock: the one field that differs between two runs.
    let now = |v: &mut Value| {
        let now = v.as_object_mut().unwrap().remove("nowUtc").unwrap();
        chrono::DateTime::parse_from_rfc3339(now.as_str().unwrap()).unwrap()
    };
    let first = now(&mut json);
    let mut again = ok_json(&cli(dir, &["info", "--format", "json"]));
    assert!(now(&mut again) >= first);
    assert_eq!(json, again, "--format json is --json");

    let text = ok_text(&cli(dir, &["info"]));
    eprintln!("{text}");
    assert!(
        line_of(&text, "Data folder:").ends_with(&dir.display().to_string()),
        "{text}"
    );
    assert!(
        line_of(&text, "Ledgerkeep:").ends_with(json["appVersion"].as_str().unwrap()),
        "{text}"
    );
    let schema = json["schemaVersion"].as_u64().unwrap().to_string();
    assert!(line_of(&text, "Schema:").contains(&schema), "{text}");
    assert_eq!(ok_text(&cli(dir, &["info", "--format", "text"])), text);
}

#[test]
fn status_as_text_and_as_json() {
    let b = shared();
    let dir = b.dir.path();
    let invoices = exported(dir, "Invoices").len();
    assert!(invoices > 0);

    let json = ok_json(&cli(dir, &["status", "--json"]));
    let tenants = json["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0]["tenantId"], b.tenant.as_str());
    let stream = tenants[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"] == "Invoices")
        .unwrap();
    assert_eq!(stream["records"], invoices);

    let text = ok_text(&cli(dir, &["status"]));
    eprintln!("{text}");
    // Headed by the organisation's name, as the ledger keeps Xero's record.
    let orgs = exported(dir, "Organisations");
    let name = orgs[0]["Name"].as_str().unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        format!("{name} ({})", b.tenant)
    );
    let row = line_of(&text, "Invoices ");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2], invoices.to_string(), "{row}");
    assert!(row.contains(stream["watermark"].as_str().unwrap()), "{row}");
    assert!(line_of(&text, "Stream").contains("Records"), "{text}");
}

#[test]
fn audit_verify_as_text_and_as_json() {
    let b = shared();
    let dir = b.dir.path();
    let json = ok_json(&cli(dir, &["audit", "verify", "--json"]));
    assert_eq!(json["intact"], true);
    let rows = json["rowsChecked"].as_u64().unwrap();
    assert!(rows > 0, "{json}");

    let text = ok_text(&cli(dir, &["audit", "verify"]));
    eprintln!("{text}");
    assert!(line_of(&text, "Audit trail:").ends_with("intact"), "{text}");
    assert!(
        line_of(&text, "Rows checked:").ends_with(&format!(" {rows}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_payments_and_cancel_as_text_and_as_json() {
    let b = sync_books(29).await;
    let dir = b.dir.path();
    let now = b.now_ms.to_string();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("LEDGERKEEP_KEYRING_SERVICE", "Ledgerkeep-test-human-output")
            .env("LEDGERKEEP_TEST_NOW_MS", &now)
            .env("COLUMNS", "200")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    assert!(ok_text(&run(&["payments"])).contains("No payments"));
    assert_eq!(
        ok_json(&run(&["payments", "--json"])),
        serde_json::json!([])
    );

    // An invoice still owing more than the payment, and a bank account in its
    // currency, as the ledger holds them.
    let invoices = exported(dir, "Invoices");
    let accounts = exported(dir, "Accounts");
    let dec = |v: &Value| v.as_str().unwrap_or("0").parse::<Decimal>().unwrap();
    let (invoice, account) = invoices
        .iter()
        .filter(|i| {
            i["Type"] == "ACCREC"
                && i["Status"] == "AUTHORISED"
                && dec(&i["AmountDue"]) > Decimal::new(200, 0)
        })
        .find_map(|i| {
            accounts
                .iter()
                .find(|a| {
                    a["Type"] == "BANK"
                        && a["Status"] == "ACTIVE"
                        && (a["CurrencyCode"].is_null() || a["CurrencyCode"] == i["CurrencyCode"])
                })
                .map(|a| (i, a))
        })
        .expect("the books hold an owing invoice and a bank account");
    let invoice_id = invoice["InvoiceID"].as_str().unwrap();
    let contact = invoice["Contact"]["Name"].as_str().unwrap();
    let number = invoice["InvoiceNumber"].as_str().unwrap();
    let date = invoice["Date"].as_str().unwrap();
    let pay = |amount: &str, json: bool| {
        let mut args = vec![
            "pay",
            "--tenant",
            b.tenant.as_str(),
            "--invoice",
            invoice_id,
            "--account",
            account["AccountID"].as_str().unwrap(),
            "--amount",
            amount,
            "--date",
            date,
        ];
        if json {
            args.push("--json");
        }
        run(&args)
    };

    let text = ok_text(&pay("125.50", false));
    assert!(
        text.starts_with("Payment 1 queued: 125.50") && text.contains(contact),
        "{text}"
    );
    let json = ok_json(&pay("0.05", true));
    assert_eq!(json["id"], 2);
    assert_eq!(json["amount"], "0.05");
    assert_eq!(json["state"], "queued");

    let list = ok_json(&run(&["payments", "--json"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["amount"], "125.50");
    assert_eq!(list[0]["contactName"], contact);

    let text = ok_text(&run(&["payments"]));
    eprintln!("{text}");
    let header = line_of(&text, "ID");
    assert!(
        header.contains("Amount") && header.contains("Contact"),
        "{text}"
    );
    let first = line_of(&text, "1 ");
    assert!(
        first.contains("125.50") && first.contains(contact) && first.contains(number),
        "{first}"
    );
    assert!(line_of(&text, "2 ").contains("0.05"), "{text}");
    assert!(text.contains("2 waiting for Xero"), "{text}");

    // Cancelled: in words, then in JSON.
    let text = ok_text(&run(&["cancel-payment", "2"]));
    assert!(text.starts_with("Payment 2 cancelled: 0.05"), "{text}");
    let json = ok_json(&run(&["cancel-payment", "1", "--json"]));
    assert_eq!(json["state"], "cancelled");
    assert_eq!(json["amount"], "125.50");
}

/// A narrow terminal: every line fits, the amounts are whole, a name is cut.
#[test]
fn a_narrow_terminal_cuts_text_columns_never_figures() {
    let b = shared();
    let dir = b.dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--data-dir")
        .arg(dir)
        .arg("status")
        .env("COLUMNS", "50")
        .env("LEDGERKEEP_KEYRING_SERVICE", "Ledgerkeep-test-human-output")
        .output()
        .unwrap();
    let text = ok_text(&out);
    eprintln!("{text}");
    let json = ok_json(&cli(dir, &["status", "--json"]));
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Stream"))
        .collect();
    let streams = json["tenants"][0]["streams"].as_array().unwrap();
    assert_eq!(table.len(), streams.len() + 1, "{text}");
    // Row by row, in the JSON's order: the count whole in its own cell.
    for (s, row) in streams.iter().zip(&table[1..]) {
        let count = s["records"].to_string();
        assert!(
            row.split_whitespace().nth(2) == Some(count.as_str())
                || row.split_whitespace().any(|c| c == count),
            "{}: {row}",
            s["stream"]
        );
    }
    assert!(text.contains('…'), "nothing was shortened:\n{text}");
    for l in table {
        assert!(l.chars().count() <= 50, "{l:?}");
    }
}

/// `NO_COLOR` and a pipe both mean plain text, even where a failure would
/// be coloured red on a terminal.
#[test]
fn no_color_and_a_pipe_print_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("doctor")
        .env("NO_COLOR", "1")
        .env("LEDGERKEEP_XERO_API_URL", "http://127.0.0.1:9")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ledgerkeep-test-bus",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("FAILED") && text.contains("keyring"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn sync_without_a_connection_says_so_and_its_json_flag_is_accepted() {
    // No keyring here: the sync's own text is tested through the ignored
    // side-by-side test (JSON) and the renderer's unit tests; this checks the
    // flags parse and an error stays on stderr with exit 1.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["sync", "--no-wait", "--format", "json"])
        .env("LEDGERKEEP_KEYRING_SERVICE", "Ledgerkeep-test-human-output")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ledgerkeep-test-bus",
        )
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}

#[test]
fn completions_for_bash_name_the_subcommands() {
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("complete -F"), "{script}");
    for sub in [
        "status",
        "payments",
        "sync",
        "audit",
        "verify",
        "completions",
    ] {
        assert!(script.contains(sub), "{sub} missing");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_documents_the_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Exit codes:"), "{text}");
    for code in ["  3  audit verify", "  4  sync --no-wait"] {
        assert!(text.contains(code), "{code}: {text}");
    }
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), colour;
/// with `NO_COLOR` set, none.
#[cfg(target_os = "linux")]
#[test]
fn colour_on_a_terminal_unless_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("util-linux's script is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |no_color: bool| {
        let line = format!(
            "{} --data-dir {} info",
            env!("CARGO_BIN_EXE_ledgerkeep-cli"),
            dir.path().display()
        );
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let coloured = run(false);
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    assert!(coloured.contains("Data folder:"), "{coloured:?}");
    let plain = run(true);
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(plain.contains("Data folder:"), "{plain:?}");
}

//! `payments`, `pay` and `cancel-payment` on a ledger, run as the owner would
//! (no keyring or network needed: a payment is only queued here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn cli(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ledgerkeep-cli"));
    c.arg("--data-dir").arg(dir);
    c
}

#[test]
fn a_payment_the_ledger_cannot_back_is_refused_field_by_field_and_nothing_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let pay = |amount: &str, date: &str| {
        cli(dir.path())
            .args([
                "pay",
                "--tenant",
                "t-1",
                "--invoice",
                "inv-1",
                "--account",
                "acc-1",
            ])
            .args(["--amount", amount, "--date", date])
            .output()
            .unwrap()
    };
    // Unreadable: each input named.
    let out = pay("1e3", "1 July");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("amount: Enter the amount as digits"), "{err}");
    assert!(err.contains("date: Enter the date as YYYY-MM-DD."), "{err}");
    // Readable, but the ledger holds neither the invoice nor the account.
    let out = pay("12.50", "2026-07-01");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("invoiceId: This invoice or bill is not in the ledger"),
        "{err}"
    );
    assert!(
        err.contains("accountId: Choose an account from the list."),
        "{err}"
    );

    let out = cli(dir.path())
        .args(["payments", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
    let out = cli(dir.path())
        .args(["cancel-payment", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("There is no such payment."));
}

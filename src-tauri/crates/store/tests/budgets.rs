//! Budgets kept on a real ledger file: saved with an audit row per change in
//! the same transaction, saved again unchanged writes nothing, a changed
//! amount is one update, a line gone from the months read is removed and
//! lines outside them are kept; amounts come back exactly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_store::budgets::{BudgetHeader, BudgetLineFact, BudgetRead};
use rust_decimal::Decimal;

fn header(description: &str) -> BudgetHeader {
    BudgetHeader {
        budget_id: "b-1".into(),
        budget_type: "OVERALL".into(),
        status: Some("APPROVED".into()),
        description: Some(description.into()),
        tracking_json: "[]".into(),
        updated_utc: Some("2026-03-01T00:00:00Z".into()),
    }
}

fn read(description: &str, lines: &[BudgetLineFact], from: &str, to: &str) -> BudgetRead {
    BudgetRead {
        header: header(description),
        lines: lines.to_vec(),
        from: from.into(),
        to: to.into(),
    }
}

fn line(account: &str, period: &str, amount: &str) -> BudgetLineFact {
    BudgetLineFact {
        account_id: account.into(),
        account_code: String::new(),
        period: period.into(),
        amount: amount.parse().unwrap(),
        notes: None,
    }
}

#[tokio::test]
async fn budgets_are_saved_audited_and_idempotent() {
    let l = ledger().await;
    let audits = || count(&l.store, "SELECT COUNT(*) FROM audit_log");
    let before = audits().await;
    let lines = vec![
        line("sales", "2026-01", "1000.00"),
        line("sales", "2026-02", "98765432109876.54"),
        line("rent", "2026-01", "-12.3456"),
    ];
    let saved = l
        .store
        .save_budget(
            TENANT,
            &read("Overall", &lines, "2026-01", "2026-02"),
            &actor(),
            at(1),
        )
        .await
        .unwrap();
    assert!(saved.header_changed);
    assert_eq!(saved.lines_added, 3);
    assert_eq!(audits().await, before + 4);
    let kept = l
        .store
        .budget_lines(TENANT, "b-1", "2026-01", "2026-12")
        .await
        .unwrap();
    let mut want = lines.clone();
    want.sort_by(|a, b| (&a.account_id, &a.period).cmp(&(&b.account_id, &b.period)));
    assert_eq!(kept, want);
    assert_eq!(
        kept.iter().find(|x| x.period == "2026-02").unwrap().amount,
        "98765432109876.54".parse::<Decimal>().unwrap()
    );
    let e4: Option<i64> =
        sqlx::query_scalar("SELECT amount_e4 FROM budget_lines WHERE account_id = 'rent'")
            .fetch_one(l.store.pool())
            .await
            .unwrap();
    assert_eq!(e4, Some(-123_456));

    // The same again: nothing written.
    let again = l
        .store
        .save_budget(
            TENANT,
            &read("Overall", &lines, "2026-01", "2026-02"),
            &actor(),
            at(2),
        )
        .await
        .unwrap();
    assert!(!again.changed());
    assert_eq!(audits().await, before + 4);

    // February read again with one amount changed and the rent line gone
    // from January untouched (outside the months read).
    let feb = vec![line("sales", "2026-02", "1100")];
    let saved = l
        .store
        .save_budget(
            TENANT,
            &read("Overall", &feb, "2026-02", "2026-02"),
            &actor(),
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(
        (saved.lines_changed, saved.lines_added, saved.lines_removed),
        (1, 0, 0)
    );
    assert!(!saved.header_changed);
    assert_eq!(audits().await, before + 5);
    // January read again without the rent line: removed, audited.
    let jan = vec![line("sales", "2026-01", "1000.00")];
    let saved = l
        .store
        .save_budget(
            TENANT,
            &read("Overall 2026", &jan, "2026-01", "2026-01"),
            &actor(),
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(saved.lines_removed, 1);
    assert!(saved.header_changed);
    assert_eq!(audits().await, before + 7);
    let kept = l
        .store
        .budget_lines(TENANT, "b-1", "2026-01", "2026-12")
        .await
        .unwrap();
    assert_eq!(
        kept.iter()
            .map(|x| (x.account_id.as_str(), x.period.as_str(), x.amount))
            .collect::<Vec<_>>(),
        vec![
            ("sales", "2026-01", Decimal::new(100_000, 2)),
            ("sales", "2026-02", Decimal::new(1100, 0)),
        ]
    );
    let budgets = l.store.budgets(TENANT).await.unwrap();
    assert_eq!(budgets.len(), 1);
    assert_eq!(budgets[0].lines, 2);
    assert_eq!(budgets[0].header, header("Overall 2026"));
    let actions: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name, action FROM audit_log WHERE table_name LIKE 'budget%' ORDER BY seq",
    )
    .fetch_all(l.store.pool())
    .await
    .unwrap();
    assert_eq!(
        actions.last().unwrap(),
        &("budget_lines".to_owned(), "delete".to_owned())
    );
    assert!(l.store.verify_audit().await.unwrap().is_intact());
}

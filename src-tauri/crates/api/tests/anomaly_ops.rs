//! The anomaly operations, called as every front calls them, on a real data folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use chrono::{TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_domain::XeroDate;
use ledgerkeep_store::anomalies::DatedBill;
use ledgerkeep_store::{Finding, FindingFacts, RecordRef};
use rust_decimal::Decimal;

fn bill(id: &str, number: &str, date: &str) -> DatedBill {
    DatedBill {
        bill: RecordRef::new(EntityKind::Invoice, id).with_number(Some(number.into())),
        date: Some(XeroDate::parse(date).unwrap()),
        total: Some("1234.50".parse().unwrap()),
        currency: Some("NZD".into()),
    }
}

async fn with_findings() -> (tempfile::TempDir, AppContext) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let duplicate = Finding {
        key: "duplicate_bill:a:b".into(),
        facts: FindingFacts::DuplicateBill {
            contact: Some("Harbour Supplies".into()),
            first: bill("a", "BILL-1", "2026-06-01"),
            second: bill("b", "BILL-2", "2026-06-03"),
            days_apart: Some(2),
            shared_reference: None,
        },
    };
    let round = Finding {
        key: "round_amount:s".into(),
        facts: FindingFacts::RoundSpend {
            record: RecordRef::new(EntityKind::BankTransaction, "s")
                .with_reference(Some("Cash advance".into())),
            contact: Some("Harbour Supplies".into()),
            currency: Some("NZD".into()),
            date: Some(XeroDate::parse("2026-06-29").unwrap()),
            amount: Decimal::new(500_000, 2),
            unit: Decimal::from(1000),
        },
    };
    ctx.store()
        .store_findings(
            "t1",
            &[duplicate, round],
            Utc.timestamp_opt(1_750_000_000, 0).unwrap(),
        )
        .await
        .unwrap();
    (dir, ctx)
}

#[tokio::test]
async fn findings_are_listed_worded_from_their_facts_with_records_and_exact_amounts() {
    let (_dir, ctx) = with_findings().await;
    let list = list_anomalies(
        &ctx,
        ListAnomaliesRequest {
            tenant_id: Some("t1".into()),
            include_closed: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(list.len(), 2);
    let dup = list.iter().find(|f| f.rule == "duplicate_bill").unwrap();
    assert_eq!(dup.title, "Possible duplicate bill from Harbour Supplies");
    assert_eq!(
        dup.explanation,
        "Bills BILL-1 and BILL-2 from Harbour Supplies are both NZD 1,234.50 and are dated \
         2026-06-01 and 2026-06-03 (2 days apart). One may be a duplicate: pay only one of them."
    );
    let records: Vec<(EntityKind, &str, &str)> = dup
        .records
        .iter()
        .map(|r| (r.entity, r.xero_id.as_str(), r.label.as_str()))
        .collect();
    assert_eq!(
        records,
        [
            (EntityKind::Invoice, "a", "BILL-1"),
            (EntityKind::Invoice, "b", "BILL-2")
        ]
    );
    assert_eq!(serde_json::to_value(dup.amount).unwrap(), "1234.50");
    assert_eq!(dup.currency_code.as_deref(), Some("NZD"));
    let round = list.iter().find(|f| f.rule == "round_amount").unwrap();
    assert_eq!(round.title, "Round-amount payment to Harbour Supplies");
    assert!(
        round.explanation.starts_with(
            "Spend money \"Cash advance\" paid NZD 5,000.00 to Harbour Supplies on 2026-06-29: \
             a round amount (a multiple of 1000)"
        ),
        "{}",
        round.explanation
    );
    assert_eq!(round.records[0].label, "Cash advance");
    assert_eq!(serde_json::to_value(round.amount).unwrap(), "5000.00");
    let other = list_anomalies(
        &ctx,
        ListAnomaliesRequest {
            tenant_id: Some("t2".into()),
            include_closed: true,
        },
    )
    .await
    .unwrap();
    assert!(other.is_empty());
}

#[tokio::test]
async fn a_finding_stored_in_words_before_the_facts_is_listed_with_its_words_and_can_be_dismissed()
{
    let (_dir, ctx) = with_findings().await;
    // A row as schema 4 to 20 wrote it: sentences, worded links, no facts.
    sqlx::query(
        "INSERT INTO anomaly_findings (tenant_id, finding_key, rule, title, explanation, records_json, \
         amount, currency_code, first_seen_at, last_seen_at) VALUES ('t1', 'backdated_entry:j1', \
         'backdated_entry', 'Backdated entry', 'Journal 7 is dated 2026-01-01 but was entered on \
         2026-04-01, 90 days later.', '[{\"entity\":\"journal\",\"xeroId\":\"j1\",\"label\":\"Journal 7\"}]', \
         NULL, NULL, '2026-04-02T00:00:00.000Z', '2026-04-02T00:00:00.000Z')",
    )
    .execute(ctx.store().pool())
    .await
    .unwrap();
    let list = list_anomalies(&ctx, ListAnomaliesRequest::default())
        .await
        .unwrap();
    let old = list.iter().find(|f| f.rule == "backdated_entry").unwrap();
    assert_eq!(old.title, "Backdated entry");
    assert!(old.explanation.starts_with("Journal 7 is dated"));
    assert_eq!(old.records[0].entity, EntityKind::Journal);
    assert_eq!(old.records[0].label, "Journal 7");
    assert_eq!(old.amount, None);
    let done = dismiss_anomaly(
        &ctx,
        DismissAnomalyRequest {
            id: old.id,
            reason: "Entered late on purpose".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(done.title, "Backdated entry");
    assert_eq!(
        done.dismissed_reason.as_deref(),
        Some("Entered late on purpose")
    );
}

#[tokio::test]
async fn a_dismissal_needs_a_reason_and_is_audited_once() {
    let (_dir, ctx) = with_findings().await;
    let all = |closed| {
        list_anomalies(
            &ctx,
            ListAnomaliesRequest {
                tenant_id: None,
                include_closed: closed,
            },
        )
    };
    let id = all(false).await.unwrap()[0].id;
    for reason in ["", "   \n", &"x".repeat(1001)] {
        let e = dismiss_anomaly(
            &ctx,
            DismissAnomalyRequest {
                id,
                reason: reason.to_owned(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert!(e.message.starts_with("reason:"), "{}", e.message);
    }
    // Nothing was saved.
    assert_eq!(all(false).await.unwrap().len(), 2);
    assert_eq!(ctx.store().verify_audit().await.unwrap().head_seq, 0);

    let done = dismiss_anomaly(
        &ctx,
        DismissAnomalyRequest {
            id,
            reason: "  A known standing order  ".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        done.dismissed_reason.as_deref(),
        Some("A known standing order")
    );
    assert_eq!(done.dismissed_by.as_deref(), Some("user:dismiss_anomaly"));
    assert_eq!(all(false).await.unwrap().len(), 1);
    assert_eq!(all(true).await.unwrap().len(), 2);
    let verify = ctx.store().verify_audit().await.unwrap();
    assert!(verify.is_intact());
    assert_eq!(verify.head_seq, 1);

    let again = dismiss_anomaly(
        &ctx,
        DismissAnomalyRequest {
            id,
            reason: "twice".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(again.message.contains("already dismissed"));
    let missing = dismiss_anomaly(
        &ctx,
        DismissAnomalyRequest {
            id: 999,
            reason: "gone".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code, ErrorCode::Invalid);
    assert_eq!(ctx.store().verify_audit().await.unwrap().head_seq, 1);
}

//! The anomaly operations, called as every front calls them, on a real data folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use chrono::{TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::EntityKind;
use ledgerkeep_store::{AnomalyRule, Finding, RecordLink};

async fn with_findings() -> (tempfile::TempDir, AppContext) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let finding = |k: &str, rule| Finding {
        key: format!("{k}:a:b"),
        rule,
        title: format!("{k} title"),
        explanation: format!("{k} explained, NZD 1,234.50."),
        records: vec![RecordLink {
            entity: EntityKind::Invoice,
            xero_id: "a".into(),
            label: "BILL-1".into(),
        }],
        amount: Some(
            ledgerkeep_domain::Money::parse("1234.50")
                .unwrap()
                .as_decimal(),
        ),
        currency_code: Some("NZD".into()),
    };
    ctx.store()
        .store_findings(
            "t1",
            &[
                finding("duplicate_bill", AnomalyRule::DuplicateBill),
                finding("round_amount", AnomalyRule::RoundAmount),
            ],
            Utc.timestamp_opt(1_750_000_000, 0).unwrap(),
        )
        .await
        .unwrap();
    (dir, ctx)
}

#[tokio::test]
async fn findings_are_listed_with_their_explanations_records_and_exact_amounts() {
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
    assert_eq!(dup.explanation, "duplicate_bill explained, NZD 1,234.50.");
    assert_eq!(dup.records[0].entity, EntityKind::Invoice);
    assert_eq!(dup.records[0].label, "BILL-1");
    assert_eq!(serde_json::to_value(dup.amount).unwrap(), "1234.50");
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

//! The ledger operations, called as every front calls them, on a real data folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use chrono::{TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::{BankTransaction, Invoice, Organisation, XeroRecord};
use ledgerkeep_domain::{Actor, EntityKind, Money};

fn now() -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000, 0).unwrap()
}

async fn seeded() -> (tempfile::TempDir, AppContext) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let page: Vec<serde_json::Value> = (0..12)
        .map(|i| {
            serde_json::from_str(&format!(
                r#"{{"BankTransactionID": "bt-{i}", "Type": "SPEND", "Status": "AUTHORISED",
                    "Date": "/Date({}+0000)/", "CurrencyCode": "NZD", "Total": {i}.25,
                    "Reference": "coffee {i}", "BankAccount": {{"AccountID": "bank-1"}},
                    "LineItems": [{{"Description": "beans", "LineAmount": {i}.25}}],
                    "UpdatedDateUTC": "/Date({}+0000)/"}}"#,
                i * 86_400_000,
                1_000 + i
            ))
            .unwrap()
        })
        .collect();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<BankTransaction>::page_from_value(serde_json::Value::Array(page))
                .unwrap(),
            &Actor::sync("r1"),
            now(),
        )
        .await
        .unwrap();
    (dir, ctx)
}

fn filter() -> DocumentFilterDto {
    DocumentFilterDto {
        kind: Some(DocumentKindDto::BankTransactions),
        tenant_id: "t1".to_owned(),
        ..DocumentFilterDto::default()
    }
}

#[tokio::test]
async fn listings_page_through_every_row_and_totals_are_exact() {
    let (_dir, ctx) = seeded().await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = list_documents(
            &ctx,
            ListDocumentsRequest {
                filter: filter(),
                sort: SortFieldDto::Amount,
                descending: true,
                after: after.clone(),
                limit: Some(5),
            },
        )
        .await
        .unwrap();
        seen.extend(page.rows.iter().map(|r| r.total.unwrap().to_string()));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..12).rev().map(|i| format!("{i}.25")).collect();
    assert_eq!(seen, expected);

    let totals = ledgerkeep_api::document_totals(&ctx, filter())
        .await
        .unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].count, 12);
    assert_eq!(totals[0].total.to_string(), "69.00");
    // The JSON the UI receives carries money as a string.
    let json = serde_json::to_value(&totals[0]).unwrap();
    assert_eq!(json["total"], "69.00");
    assert_eq!(json["currencyCode"], "NZD");

    let f = DocumentFilterDto {
        amount_min: Some(Money::parse("3").unwrap()),
        amount_max: Some(Money::parse("5.25").unwrap()),
        text: Some("coffee".to_owned()),
        ..filter()
    };
    let totals = ledgerkeep_api::document_totals(&ctx, f).await.unwrap();
    assert_eq!(
        (totals[0].count, totals[0].total.to_string()),
        (3, "12.75".to_owned())
    );
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_reason() {
    let (_dir, ctx) = seeded().await;
    let cases = [
        DocumentFilterDto {
            tenant_id: " ".to_owned(),
            ..filter()
        },
        DocumentFilterDto {
            date_from: Some("31/03/2026".to_owned()),
            ..filter()
        },
        DocumentFilterDto {
            date_from: Some("2026-04-01".to_owned()),
            date_to: Some("2026-03-01".to_owned()),
            ..filter()
        },
        DocumentFilterDto {
            amount_min: Some(Money::parse("5").unwrap()),
            amount_max: Some(Money::parse("1").unwrap()),
            ..filter()
        },
        DocumentFilterDto {
            amount_min: Some(Money::parse("0.00001").unwrap()),
            ..filter()
        },
    ];
    for f in cases {
        let err = ledgerkeep_api::document_totals(&ctx, f.clone())
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid, "{f:?}: {}", err.message);
    }
    let err = list_documents(
        &ctx,
        ListDocumentsRequest {
            filter: filter(),
            limit: Some(0),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    let err = list_documents(
        &ctx,
        ListDocumentsRequest {
            filter: filter(),
            after: Some("garbage".to_owned()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

#[tokio::test]
async fn a_record_history_shows_each_change_with_old_and_new() {
    let (_dir, ctx) = seeded().await;
    let changed: serde_json::Value = serde_json::from_str(
        r#"{"BankTransactions": [{"BankTransactionID": "bt-3", "Type": "SPEND", "Status": "DELETED",
            "Date": "/Date(259200000+0000)/", "CurrencyCode": "NZD", "Total": 3.25,
            "Reference": "coffee 3", "BankAccount": {"AccountID": "bank-1"},
            "LineItems": [{"Description": "beans", "LineAmount": 3.25}],
            "UpdatedDateUTC": "/Date(9000+0000)/"}]}"#,
    )
    .unwrap();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<BankTransaction>::page_from_value(changed).unwrap(),
            &Actor::user("void"),
            now(),
        )
        .await
        .unwrap();
    let history = record_history(
        &ctx,
        RecordHistoryRequest {
            entity: EntityKind::BankTransaction,
            tenant_id: "t1".into(),
            xero_id: "bt-3".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action, "update");
    assert_eq!(history[1].actor, "user:void");
    let status = history[1]
        .changes
        .iter()
        .find(|c| c.field == "Status")
        .unwrap();
    assert_eq!(
        (status.old.as_str(), status.new.as_str()),
        ("\"AUTHORISED\"", "\"DELETED\"")
    );
    assert_eq!(history[1].changes.len(), 2, "{:?}", history[1].changes);
}

#[tokio::test]
async fn backup_then_restore_round_trips_and_verify_reports_the_chain() {
    let (dir, ctx) = seeded().await;
    let report = verify_audit(&ctx).await.unwrap();
    assert!(report.intact);
    assert_eq!(report.rows_checked, 12);

    let b = backup_now(&ctx, BackupRequest::default(), now())
        .await
        .unwrap();
    assert!(b
        .path
        .starts_with(&dir.path().join("backups").display().to_string()));
    assert_eq!(b.audit_rows, 12);
    let paths = ctx.paths().clone();
    ctx.store()
        .delete_record(
            EntityKind::BankTransaction,
            "t1",
            "bt-0",
            &Actor::cli("test"),
            now(),
        )
        .await
        .unwrap();
    ctx.close().await;

    let out = restore_backup(
        &paths,
        RestoreRequest {
            from: b.path.clone(),
        },
        now(),
    )
    .await
    .unwrap();
    assert_eq!(out.audit_rows, 12);
    assert!(out.previous_copy.is_some());
    let ctx = AppContext::open(AppConfig::new(paths.clone()))
        .await
        .unwrap();
    let totals = ledgerkeep_api::document_totals(&ctx, filter())
        .await
        .unwrap();
    assert_eq!(totals[0].count, 12);
    ctx.close().await;

    let err = restore_backup(
        &paths,
        RestoreRequest {
            from: "/nowhere/x.sqlite".into(),
        },
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

#[tokio::test]
async fn a_ledger_from_a_newer_build_is_refused_with_its_own_code() {
    let (dir, ctx) = seeded().await;
    sqlx_insert_future_migration(&ctx).await;
    ctx.close().await;
    let err = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NewerSchema, "{}", err.message);
    assert!(err.message.contains("newer"), "{}", err.message);
}

async fn sqlx_insert_future_migration(ctx: &AppContext) {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (424242, 'future', 1, x'00', 0)",
    )
    .execute(ctx.store().pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_foreign_document_shows_its_amount_in_the_base_currency_and_the_zone_is_iana() {
    let (_dir, ctx) = seeded().await;
    let actor = Actor::sync("r2");
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<Organisation>::page_from_value(
                serde_json::json!([{"OrganisationID": "org-1", "Name": "Kiwi Ltd",
                "BaseCurrency": "NZD", "Timezone": "NEWZEALANDSTANDARDTIME"}]),
            )
            .unwrap(),
            &actor,
            now(),
        )
        .await
        .unwrap();
    // Amounts as JSON numbers, read from their own digits.
    let invoices: serde_json::Value = serde_json::from_str(
        r#"[
        {"InvoiceID": "usd-rated", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-1",
         "CurrencyCode": "USD", "CurrencyRate": 0.600000, "Total": 100.00, "UpdatedDateUTC": "/Date(5000+0000)/"},
        {"InvoiceID": "usd-no-rate", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-2",
         "CurrencyCode": "USD", "Total": 50.00, "UpdatedDateUTC": "/Date(5001+0000)/"},
        {"InvoiceID": "nzd", "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-3",
         "CurrencyCode": "NZD", "CurrencyRate": 1.000000, "Total": 70.00, "UpdatedDateUTC": "/Date(5002+0000)/"}
    ]"#,
    )
    .unwrap();
    ctx.store()
        .apply_page(
            "t1",
            &XeroRecord::<Invoice>::page_from_value(invoices).unwrap(),
            &actor,
            now(),
        )
        .await
        .unwrap();

    let page = list_documents(
        &ctx,
        ListDocumentsRequest {
            filter: DocumentFilterDto {
                kind: Some(DocumentKindDto::Invoices),
                tenant_id: "t1".to_owned(),
                ..DocumentFilterDto::default()
            },
            ..ListDocumentsRequest::default()
        },
    )
    .await
    .unwrap();
    let by_id = |id: &str| page.rows.iter().find(|r| r.xero_id == id).unwrap();
    let rated = by_id("usd-rated");
    assert_eq!(rated.base_currency.as_deref(), Some("NZD"));
    assert_eq!(
        rated.currency_rate.map(|m| m.to_string()).as_deref(),
        Some("0.600000")
    );
    // 100.00 USD / 0.6 = 166.666... NZD, to 2 places.
    assert_eq!(
        rated.base_total.map(|m| m.to_string()).as_deref(),
        Some("166.67")
    );
    assert_eq!(
        by_id("usd-no-rate").base_total,
        None,
        "no rate, no base amount"
    );
    assert_eq!(
        by_id("nzd").base_total,
        None,
        "already in the base currency"
    );
    let json = serde_json::to_value(rated).unwrap();
    assert_eq!(json["baseTotal"], "166.67", "crosses as a string");

    let orgs = ledgerkeep_api::ops::organisations::organisations(&ctx)
        .await
        .unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].timezone.as_deref(), Some("NEWZEALANDSTANDARDTIME"));
    assert_eq!(orgs[0].iana_timezone.as_deref(), Some("Pacific/Auckland"));
}

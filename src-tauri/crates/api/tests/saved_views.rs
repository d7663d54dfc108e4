//! The explorer's saved views, kept in the ledger across a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

use ledgerkeep_api::*;
use ledgerkeep_domain::Money;

fn view(name: &str, text: &str) -> SavedView {
    SavedView {
        name: name.to_owned(),
        filter: DocumentFilterDto {
            kind: Some(DocumentKindDto::Invoices),
            tenant_id: "t-ignored".to_owned(),
            text: Some(text.to_owned()),
            amount_min: Some(Money::parse("100.25").unwrap()),
            ..DocumentFilterDto::default()
        },
        sort: SortFieldDto::Amount,
        descending: true,
    }
}

#[tokio::test]
async fn views_are_saved_by_name_replaced_deleted_and_kept_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || AppContext::open(AppConfig::new(AppPaths::under(dir.path())));
    let ctx = open().await.unwrap();
    assert!(saved_views(&ctx).await.unwrap().is_empty());
    save_view(&ctx, view("Unpaid big", "acme")).await.unwrap();
    save_view(&ctx, view("coffee", "beans")).await.unwrap();
    let all = save_view(&ctx, view(" Unpaid big ", "globex"))
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["coffee", "Unpaid big"]);
    let big = &all[1];
    assert_eq!(big.filter.text.as_deref(), Some("globex"));
    assert_eq!(
        big.filter.tenant_id, "",
        "a view belongs to no organisation"
    );
    assert_eq!(big.filter.amount_min.unwrap().to_string(), "100.25");
    ctx.close().await;

    let ctx = open().await.unwrap();
    assert_eq!(saved_views(&ctx).await.unwrap(), all);
    let rest = delete_view(
        &ctx,
        DeleteViewRequest {
            name: "coffee".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(saved_views(&ctx).await.unwrap(), rest);
}

#[tokio::test]
async fn a_view_without_a_name_or_with_bad_filters_is_refused_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let mut bad = view("  ", "x");
    bad.filter.date_from = Some("31/03/2026".into());
    let err = save_view(&ctx, bad).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["name", "filter"]);
    assert!(
        saved_views(&ctx).await.unwrap().is_empty(),
        "nothing was saved"
    );
}

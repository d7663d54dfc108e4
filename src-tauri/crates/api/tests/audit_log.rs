//! The Audit log screen's listing: every filter holds on every row, and paging
//! by the cursor returns each matching row exactly once, newest first.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::{Invoice, Organisation, XeroRecord};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_sim::Collection;
use seeded::{busiest, seeded_from_sim};
use serde_json::Value;

/// Every page of `req` (with `limit`), in order.
async fn walk(ctx: &AppContext, mut req: AuditLogRequest, limit: u32) -> Vec<AuditLogRowView> {
    req.limit = Some(limit);
    let mut all = Vec::new();
    loop {
        let page = audit_log(ctx, req.clone()).await.unwrap();
        assert!(page.rows.len() <= limit as usize);
        all.extend(page.rows);
        match page.next_cursor {
            Some(c) => req.after = Some(c),
            None => return all,
        }
    }
}

fn seqs(rows: &[AuditLogRowView]) -> Vec<u32> {
    rows.iter().map(|r| r.entry.seq).collect()
}

fn newest_first_once(rows: &[AuditLogRowView]) {
    let s = seqs(rows);
    assert!(
        s.windows(2).all(|w| w[0] > w[1]),
        "newest first, each row once"
    );
}

#[tokio::test]
async fn the_audit_log_filters_by_record_table_actor_and_date_and_pages_through_every_row() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, _) = busiest(&truth);

    // A later day's sync edits three invoices of the busiest organisation.
    let later = Utc.timestamp_opt(1_790_000_000 + 3 * 86_400, 0).unwrap();
    let mut edited: Vec<Value> = truth.records(&tenant, Collection::Invoices)[..3].to_vec();
    for inv in &mut edited {
        inv["Reference"] = Value::from("Edited later");
        inv["UpdatedDateUTC"] = Value::from("/Date(1800000000000+0000)/");
    }
    let edited_ids: BTreeSet<String> = edited
        .iter()
        .map(|i| i["InvoiceID"].as_str().unwrap().to_owned())
        .collect();
    ctx.store()
        .apply_page(
            &tenant,
            &XeroRecord::<Invoice>::page_from_value(Value::Array(edited)).unwrap(),
            &Actor::sync("later"),
            later,
        )
        .await
        .unwrap();

    // Every row, page by page, against the chain's own count.
    let all = walk(&ctx, AuditLogRequest::default(), 500).await;
    newest_first_once(&all);
    let verified = verify_audit(&ctx).await.unwrap();
    assert!(verified.intact);
    assert_eq!(all.len(), verified.rows_checked as usize);
    assert!(all.len() > 500, "more than one page");

    // By actor: the later sync's rows are exactly the three edits.
    let later_rows = walk(
        &ctx,
        AuditLogRequest {
            actor: Some("sync:later".into()),
            ..Default::default()
        },
        2,
    )
    .await;
    newest_first_once(&later_rows);
    let ids: BTreeSet<String> = later_rows.iter().map(|r| r.record_id.clone()).collect();
    assert_eq!(ids, edited_ids);
    assert!(later_rows
        .iter()
        .all(|r| r.entry.action == "update"
            && r.entry.changes.iter().any(|c| c.field == "Reference")));
    // An actor's start matches every run of it.
    let syncs = walk(
        &ctx,
        AuditLogRequest {
            actor: Some("sync".into()),
            ..Default::default()
        },
        500,
    )
    .await;
    assert_eq!(
        syncs.len(),
        all.iter()
            .filter(|r| r.entry.actor.starts_with("sync"))
            .count()
    );

    // By date: the later day holds only the edits; up to the first day, everything else.
    let day = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let first = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let on_later = walk(
        &ctx,
        AuditLogRequest {
            date_from: Some(day(later)),
            date_to: Some(day(later)),
            ..Default::default()
        },
        500,
    )
    .await;
    assert_eq!(seqs(&on_later), seqs(&later_rows));
    let up_to_first = walk(
        &ctx,
        AuditLogRequest {
            date_to: Some(day(first)),
            ..Default::default()
        },
        500,
    )
    .await;
    assert_eq!(up_to_first.len() + on_later.len(), all.len());

    // By record and table: the record's whole history, as the drawer shows it.
    let id = edited_ids.iter().next().unwrap().clone();
    let history = record_history(
        &ctx,
        RecordHistoryRequest {
            entity: EntityKind::Invoice,
            tenant_id: tenant.clone(),
            xero_id: id.clone(),
        },
    )
    .await
    .unwrap();
    let by_record = walk(
        &ctx,
        AuditLogRequest {
            record_id: Some(id.clone()),
            table: Some("invoices".into()),
            tenant_id: Some(tenant.clone()),
            ..Default::default()
        },
        1,
    )
    .await;
    let mut want: Vec<u32> = history.iter().map(|e| e.seq).collect();
    want.reverse();
    assert_eq!(seqs(&by_record), want);
    assert!(want.len() >= 2, "inserted, then edited");

    // By table and organisation: every row holds both, and none is missed.
    let invoices = walk(
        &ctx,
        AuditLogRequest {
            table: Some("invoices".into()),
            tenant_id: Some(tenant.clone()),
            ..Default::default()
        },
        500,
    )
    .await;
    let want: Vec<u32> = all
        .iter()
        .filter(|r| r.table == "invoices" && r.tenant_id == tenant)
        .map(|r| r.entry.seq)
        .collect();
    assert_eq!(seqs(&invoices), want);
    assert!(!want.is_empty());
}

#[tokio::test]
async fn refused_filters_are_named_field_by_field() {
    let (_dir, ctx, _truth) = seeded_from_sim().await;
    let e = audit_log(
        &ctx,
        AuditLogRequest {
            date_from: Some("2026-13-01".into()),
            date_to: Some("yesterday".into()),
            limit: Some(0),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["dateFrom", "dateTo", "limit"]);
    let e = audit_log(
        &ctx,
        AuditLogRequest {
            date_from: Some("2026-03-02".into()),
            date_to: Some("2026-03-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.field_errors()[0].field, "dateTo");
    assert!(audit_log(
        &ctx,
        AuditLogRequest {
            after: Some("not a cursor".into()),
            ..Default::default()
        },
    )
    .await
    .is_err());
}

/// An organisation as Xero sends it, with the fields this test needs.
fn organisation(tenant: &str, name: &str, timezone: &str) -> Value {
    serde_json::json!({
        "OrganisationID": tenant,
        "Name": name,
        "BaseCurrency": "NZD",
        "Timezone": timezone,
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
    })
}

#[tokio::test]
async fn the_date_filters_days_are_the_organisations_days() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = AppContext::open(AppConfig::new(AppPaths::under(dir.path())))
        .await
        .unwrap();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    // In Auckland (UTC+13 until 5 April 2026) 1 April begins at 2026-03-31T11:00Z.
    let writes = [
        (
            "t-nz",
            "Kōwhai Plumbing",
            "NEWZEALANDSTANDARDTIME",
            "2026-03-31T10:59:59Z",
        ),
        (
            "t-nz",
            "Kōwhai Plumbing Ltd",
            "NEWZEALANDSTANDARDTIME",
            "2026-03-31T11:00:00Z",
        ),
        (
            "t-nz",
            "Kōwhai Plumbing Limited",
            "NEWZEALANDSTANDARDTIME",
            "2026-03-31T20:00:00Z",
        ),
        ("t-utc", "Greenwich Joinery", "UTC", "2026-03-31T20:00:00Z"),
    ];
    for (tenant, name, zone, when) in writes {
        ctx.store()
            .apply_page(
                tenant,
                &XeroRecord::<Organisation>::page_from_value(Value::Array(vec![organisation(
                    tenant, name, zone,
                )]))
                .unwrap(),
                &Actor::sync("zones"),
                at(when),
            )
            .await
            .unwrap();
    }
    let all = walk(&ctx, AuditLogRequest::default(), 500).await;
    assert_eq!(all.len(), 4, "one row per write");
    let stamped = |rows: &[AuditLogRowView]| -> Vec<(String, String)> {
        rows.iter()
            .map(|r| (r.tenant_id.clone(), r.entry.at[..19].to_owned()))
            .collect()
    };
    let on = |tenant: Option<&str>, days_of: Option<&str>, day: &str| AuditLogRequest {
        tenant_id: tenant.map(str::to_owned),
        days_of: days_of.map(str::to_owned),
        date_from: Some(day.to_owned()),
        date_to: Some(day.to_owned()),
        ..Default::default()
    };
    let pair = |t: &str, s: &str| (t.to_owned(), s.to_owned());

    // Auckland's 1 April holds the rows from 11:00Z on 31 March, its 31 March the one before.
    let nz_april = walk(&ctx, on(Some("t-nz"), None, "2026-04-01"), 500).await;
    assert_eq!(
        stamped(&nz_april),
        [
            pair("t-nz", "2026-03-31T20:00:00"),
            pair("t-nz", "2026-03-31T11:00:00")
        ]
    );
    let nz_march = walk(&ctx, on(Some("t-nz"), None, "2026-03-31"), 500).await;
    assert_eq!(stamped(&nz_march), [pair("t-nz", "2026-03-31T10:59:59")]);

    // An organisation in UTC: 20:00Z on 31 March is 31 March, not 1 April.
    let utc_april = walk(&ctx, on(Some("t-utc"), None, "2026-04-01"), 500).await;
    assert!(utc_april.is_empty());
    let utc_march = walk(&ctx, on(Some("t-utc"), None, "2026-03-31"), 500).await;
    assert_eq!(stamped(&utc_march), [pair("t-utc", "2026-03-31T20:00:00")]);

    // Every organisation's rows, on the days of the one being looked at.
    let all_in_nz = walk(&ctx, on(None, Some("t-nz"), "2026-04-01"), 500).await;
    assert_eq!(
        stamped(&all_in_nz),
        [
            pair("t-utc", "2026-03-31T20:00:00"),
            pair("t-nz", "2026-03-31T20:00:00"),
            pair("t-nz", "2026-03-31T11:00:00"),
        ]
    );
    let all_in_utc = walk(&ctx, on(None, Some("t-utc"), "2026-04-01"), 500).await;
    assert!(all_in_utc.is_empty());
    // `daysOf` names the zone even when the log is limited to another organisation.
    let utc_in_nz = walk(&ctx, on(Some("t-utc"), Some("t-nz"), "2026-04-01"), 500).await;
    assert_eq!(stamped(&utc_in_nz), [pair("t-utc", "2026-03-31T20:00:00")]);
    // No organisation named: UTC days.
    let utc_days = walk(&ctx, on(None, None, "2026-03-31"), 500).await;
    assert_eq!(utc_days.len(), 4);
    // A range's last day ends where the organisation's next day begins.
    let range = walk(
        &ctx,
        AuditLogRequest {
            tenant_id: Some("t-nz".into()),
            date_from: Some("2026-03-01".into()),
            date_to: Some("2026-03-31".into()),
            ..Default::default()
        },
        500,
    )
    .await;
    assert_eq!(stamped(&range), [pair("t-nz", "2026-03-31T10:59:59")]);
}

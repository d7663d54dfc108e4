//! Exports of reports and of the explorer's view, read back from the files
//! written and compared with the ledger and with the simulator's own records.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::collections::BTreeMap;
use std::io::Read;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use ledgerkeep_api::*;
use ledgerkeep_domain::xero::{BankTransaction, XeroRecord};
use ledgerkeep_domain::Actor;
use ledgerkeep_sim::Collection;
use rust_decimal::Decimal;
use seeded::{dec, document_journals, ms_date, seeded_from_sim};

fn read_csv(path: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// An xlsx file's first sheet, read here from its XML: cell reference ->
/// (is a number, text). Shared strings are resolved.
fn read_xlsx(path: &str) -> BTreeMap<String, (bool, String)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_string(&mut s).unwrap();
        }
        s
    };
    let sheet = part("xl/worksheets/sheet1.xml");
    let shared_xml = part("xl/sharedStrings.xml");
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let shared: Vec<String> = shared_xml
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = si.split_once('>').map_or("", |(_, rest)| rest);
            unescape(t.split("</t>").next().unwrap_or(""))
        })
        .collect();
    let mut out = BTreeMap::new();
    for c in sheet.split("<c ").skip(1) {
        let head = c.split('>').next().unwrap();
        let attr = |name: &str| {
            head.split_once(&format!("{name}=\""))
                .map(|(_, rest)| rest.split('"').next().unwrap().to_owned())
        };
        let r = attr("r").unwrap();
        let Some(v) = c
            .split_once("<v>")
            .map(|(_, rest)| rest.split("</v>").next().unwrap())
        else {
            continue;
        };
        match attr("t").as_deref() {
            Some("s") => {
                out.insert(r, (false, shared[v.parse::<usize>().unwrap()].clone()));
            }
            _ => {
                out.insert(r, (true, v.to_owned()));
            }
        }
    }
    out
}

fn cell_ref(row: usize, col: usize) -> String {
    let mut name = String::new();
    let mut c = col + 1;
    while c > 0 {
        let m = (c - 1) % 26;
        name.insert(0, char::from(b'A' + u8::try_from(m).unwrap()));
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Each line of the report: (section, label, amounts as text).
fn report_lines(r: &ReportView) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let amounts = |row: &ReportRowView| {
        row.cells
            .iter()
            .map(|c| c.amount.map(|m| m.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    for s in &r.sections {
        for row in s.rows.iter().chain(&s.total) {
            out.push((s.title.clone(), row.label.clone(), amounts(row)));
        }
    }
    for row in &r.summary {
        out.push((String::new(), row.label.clone(), amounts(row)));
    }
    out
}

#[tokio::test]
async fn a_profit_and_loss_exports_to_csv_and_excel_with_the_ledgers_exact_figures() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let tenant = truth
        .tenants
        .iter()
        .max_by_key(|t| t.table(Collection::Journals).len())
        .unwrap()
        .tenant_id
        .clone();
    // The simulator's whole last financial year: from 1 April to 31 March.
    let last = truth
        .records(&tenant, Collection::Journals)
        .iter()
        .filter_map(|j| ms_date(&j["JournalDate"]))
        .max()
        .unwrap();
    let year = if last.month() >= 4 {
        last.year()
    } else {
        last.year() - 1
    };
    let from = NaiveDate::from_ymd_opt(year - 1, 4, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
    let request = ReportRequest {
        tracking: None,
        by_tracking_category: None,
        tenant_id: tenant.clone(),
        kind: ReportKind::ProfitAndLoss,
        period: ReportPeriod {
            from: Some(from.to_string()),
            to: to.to_string(),
        },
        comparisons: vec![ReportPeriod {
            from: Some(NaiveDate::from_ymd_opt(year - 2, 4, 1).unwrap().to_string()),
            to: NaiveDate::from_ymd_opt(year - 1, 3, 31)
                .unwrap()
                .to_string(),
        }],
        basis: None,
    };
    let report = run_report(&ctx, request.clone()).await.unwrap();
    let lines = report_lines(&report);

    let csv_file = export_report(
        &ctx,
        ExportReportRequest {
            report: request.clone(),
            format: ExportFileFormat::Csv,
        },
    )
    .await
    .unwrap();
    assert!(csv_file.path.ends_with(".csv"));
    assert!(std::path::Path::new(&csv_file.path).starts_with(ctx.paths().data_dir.join("exports")));
    let csv = read_csv(&csv_file.path);
    assert_eq!(csv[0][2], report.columns[0].label);
    assert_eq!(csv.len() - 1, lines.len());
    assert_eq!(csv_file.rows as usize, lines.len());
    for (row, (section, label, amounts)) in csv[1..].iter().zip(&lines) {
        assert_eq!((&row[0], &row[1]), (section, label));
        assert_eq!(&row[2..], amounts.as_slice(), "{label}");
    }
    // The file's net profit, against the simulator's journals summed here.
    let classes: BTreeMap<String, String> = truth
        .records(&tenant, Collection::Accounts)
        .iter()
        .map(|a| {
            (
                a["AccountID"].as_str().unwrap().to_owned(),
                a["Class"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut net = Decimal::ZERO;
    for j in document_journals(&truth, &tenant) {
        let date = ms_date(&j["JournalDate"]).unwrap();
        if date < from || date > to {
            continue;
        }
        for l in j["JournalLines"].as_array().unwrap() {
            let class = &classes[l["AccountID"].as_str().unwrap()];
            if class == "REVENUE" || class == "EXPENSE" {
                net -= dec(&l["NetAmount"]);
            }
        }
    }
    let net_row = csv.iter().find(|r| r[1] == "Net profit").unwrap();
    assert_eq!(d(&net_row[2]), net);
    assert!(!net.is_zero());

    // The same report in Excel: numbers where they are exact, the same figures.
    let xlsx_file = export_report(
        &ctx,
        ExportReportRequest {
            report: request,
            format: ExportFileFormat::Xlsx,
        },
    )
    .await
    .unwrap();
    let sheet = read_xlsx(&xlsx_file.path);
    assert_eq!(sheet[&cell_ref(0, 2)].1, report.columns[0].label);
    for (i, (section, label, amounts)) in lines.iter().enumerate() {
        let text = |c| {
            sheet
                .get(&cell_ref(i + 1, c))
                .map(|x| x.1.clone())
                .unwrap_or_default()
        };
        assert_eq!((&text(0), &text(1)), (section, label));
        for (k, a) in amounts.iter().enumerate() {
            let Some((is_number, v)) = sheet.get(&cell_ref(i + 1, k + 2)) else {
                assert!(a.is_empty());
                continue;
            };
            assert!(*is_number, "{label}: an amount this size is a number");
            // Excel keeps the shortest text of the number: 1234.50 as 1234.5.
            assert_eq!(d(v), d(a), "{label}");
        }
    }
}

#[tokio::test]
async fn the_explorers_view_exports_every_matching_row_with_exact_totals() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let tenant = truth.tenants[0].tenant_id.clone();
    // One amount too long for an Excel number, and one ordinary.
    let planted = |id: &str, total: &str| {
        serde_json::from_str::<serde_json::Value>(&format!(
            r#"{{"BankTransactionID": "{id}", "Type": "SPEND", "Status": "AUTHORISED",
                "Date": "/Date(1767225600000+0000)/", "CurrencyCode": "NZD", "Total": {total},
                "Reference": "planted {id}", "BankAccount": {{"AccountID": "bank-x"}},
                "LineItems": [], "UpdatedDateUTC": "/Date(1767225600000+0000)/"}}"#
        ))
        .unwrap()
    };
    ctx.store()
        .apply_page(
            &tenant,
            &XeroRecord::<BankTransaction>::page_from_value(serde_json::Value::Array(vec![
                planted("huge", "98765432109876.54"),
                planted("plain", "1234.50"),
            ]))
            .unwrap(),
            &Actor::sync("plant"),
            Utc.timestamp_opt(1_790_000_000, 0).unwrap(),
        )
        .await
        .unwrap();

    // Approved sales invoices: every one, in the view's order, with its exact total.
    let filter = DocumentFilterDto {
        kind: Some(DocumentKindDto::Invoices),
        tenant_id: tenant.clone(),
        doc_type: Some("ACCREC".into()),
        status: Some("AUTHORISED".into()),
        ..DocumentFilterDto::default()
    };
    let file = export_view(
        &ctx,
        ExportViewRequest {
            filter,
            sort: SortFieldDto::Amount,
            descending: true,
            format: ExportFileFormat::Csv,
        },
    )
    .await
    .unwrap();
    let csv = read_csv(&file.path);
    assert_eq!(csv[0][7], "Total");
    let mut want: Vec<(String, Decimal)> = truth
        .records(&tenant, Collection::Invoices)
        .iter()
        .filter(|i| i["Type"] == "ACCREC" && i["Status"] == "AUTHORISED")
        .map(|i| {
            (
                i["InvoiceID"].as_str().unwrap().to_owned(),
                dec(&i["Total"]),
            )
        })
        .collect();
    assert!(want.len() > 10, "the books have approved invoices");
    let got: Vec<(String, Decimal)> = csv[1..].iter().map(|r| (r[8].clone(), d(&r[7]))).collect();
    assert_eq!(got.len(), want.len());
    assert!(
        got.windows(2).all(|w| w[0].1 >= w[1].1),
        "largest first, as the view"
    );
    let mut got_sorted = got.clone();
    got_sorted.sort();
    want.sort();
    assert_eq!(got_sorted, want);
    // Amounts keep their scale: "1.50", never "1.5".
    assert!(csv[1..]
        .iter()
        .all(|r| r[7].split_once('.').is_some_and(|(_, f)| f.len() == 2)));

    // Bank transactions in Excel: the long amount as its exact text, the other a number.
    let file = export_view(
        &ctx,
        ExportViewRequest {
            filter: DocumentFilterDto {
                kind: Some(DocumentKindDto::BankTransactions),
                tenant_id: tenant.clone(),
                text: Some("planted".into()),
                ..DocumentFilterDto::default()
            },
            sort: SortFieldDto::Amount,
            descending: true,
            format: ExportFileFormat::Xlsx,
        },
    )
    .await
    .unwrap();
    assert_eq!(file.rows, 2);
    let sheet = read_xlsx(&file.path);
    assert_eq!(
        sheet[&cell_ref(1, 7)],
        (false, "98765432109876.54".to_owned())
    );
    assert_eq!(sheet[&cell_ref(1, 8)].1, "huge");
    let (is_number, v) = &sheet[&cell_ref(2, 7)];
    assert!(is_number);
    assert_eq!(d(v), d("1234.50"));
}

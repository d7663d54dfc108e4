//! PDF exports of the simulator's books, read back with poppler's tools (the
//! Debian package poppler-utils, which `make deps` installs): `pdftotext`
//! finds the report's title and every one of its exact amounts on the line of
//! its account, `pdftotext -bbox` shows the amounts aligned right, `pdfinfo`
//! gives the page size, and `pdftoppm` renders the first page to an image that
//! is not blank. See docs/design/pdf.md.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod seeded;

use std::path::Path;
use std::process::Command;

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_api::ops::records::FieldValueView;
use ledgerkeep_api::*;
use ledgerkeep_sim::Collection;
use seeded::{ms_date, seeded_from_sim};

/// A poppler tool's standard output; the test fails with a clear message when it is missing.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils; `make deps` installs it): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Copies `path` into the folder named by LEDGERKEEP_KEEP_PDF, when set, to be looked at.
fn keep(path: &str, name: &str) {
    if let Ok(dir) = std::env::var("LEDGERKEEP_KEEP_PDF") {
        std::fs::copy(path, Path::new(&dir).join(name)).unwrap();
    }
}

/// The page size pdfinfo reads, as "<width> x <height> pts (A4)".
fn page_size(path: &str) -> String {
    let info = poppler("pdfinfo", &[path]);
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap_or_else(|| panic!("{info}"));
    line.trim().to_owned()
}

/// The text of a PDF, each page's lines laid out as printed; pages are split by form feeds.
fn pdf_text(path: &str) -> String {
    poppler("pdftotext", &["-layout", path, "-"])
}

/// An amount as printed: an optional minus, digits grouped by commas, a point and digits.
fn is_amount(word: &str) -> bool {
    let w = word.strip_prefix('-').unwrap_or(word);
    let (whole, frac) = w.split_once('.').unwrap_or((w, "0"));
    !whole.is_empty()
        && whole.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && whole.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The report's lines in order: label, and each column's exact amount ("" when none).
fn report_lines(r: &ReportView) -> Vec<(String, Vec<String>)> {
    let amounts = |row: &ReportRowView| {
        row.cells
            .iter()
            .map(|c| c.amount.map(|m| m.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for s in &r.sections {
        for row in s.rows.iter().chain(&s.total) {
            out.push((row.label.clone(), amounts(row)));
        }
    }
    for row in &r.summary {
        out.push((row.label.clone(), amounts(row)));
    }
    out
}

/// Asserts that each line of a report is printed, in order, on a line of its
/// own: its label (or, when it wraps, its first words), then exactly its
/// amounts (commas taken out), in order. A label with a letter beyond ASCII
/// (printed with a base letter, or `?`) is found by its amounts alone. The
/// count of amounts found.
fn assert_printed_in_order(lines: &[(String, Vec<String>)], text: &str) -> usize {
    let printed: Vec<&str> = text.lines().collect();
    let mut at = 0;
    let mut amounts_seen = 0;
    for (label, amounts) in lines {
        let want: Vec<&str> = amounts
            .iter()
            .filter(|a| !a.is_empty())
            .map(String::as_str)
            .collect();
        let found = printed[at..].iter().position(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            if words.is_empty() {
                return false;
            }
            let amounts_after = |k: usize| -> bool {
                let got: Vec<String> = words[k..].iter().map(|w| w.replace(',', "")).collect();
                words[k..].iter().all(|w| is_amount(w)) && got == want
            };
            if !label.is_ascii() {
                // Found by its amounts alone.
                let k = words.len() - want.len().min(words.len());
                return amounts_after(k);
            }
            // The label, or its first words when it wraps, then exactly the amounts.
            let label_words: Vec<&str> = label.split_whitespace().collect();
            (1..=label_words.len().min(words.len()))
                .rev()
                .any(|k| words[..k] == label_words[..k] && amounts_after(k))
        });
        let Some(k) = found else {
            panic!("{label} {want:?} is not printed after line {at}:\n{text}");
        };
        at += k + 1;
        amounts_seen += want.len();
    }
    amounts_seen
}

/// Page 1 rendered at 50 dpi in grey: (width, height, pixels darker than near-white).
fn render_first_page(path: &str, dir: &Path) -> (usize, usize, usize) {
    let stem = dir.join("page");
    // A PNG to look at, as the design note describes...
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path,
            stem.to_str().unwrap(),
        ],
    );
    assert!(std::fs::metadata(stem.with_extension("png")).unwrap().len() > 0);
    // ...and the same page as a plain grey map, whose pixels are counted here.
    poppler(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path,
            stem.to_str().unwrap(),
        ],
    );
    let pgm = std::fs::read(stem.with_extension("pgm")).unwrap();
    // "P5 <width> <height> <max>" and one whitespace byte, then one byte a pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(pgm[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &pgm[at + 1..];
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels.iter().filter(|&&p| p < 200).count())
}

/// A report request as the UI sends it (JSON), its other options left to their defaults.
fn report_request(
    tenant: &str,
    kind: ReportKind,
    period: ReportPeriod,
    comparisons: Vec<ReportPeriod>,
    basis: Option<ReportBasis>,
) -> ReportRequest {
    serde_json::from_value(serde_json::json!({
        "tenantId": tenant,
        "kind": kind,
        "period": period,
        "comparisons": comparisons,
        "basis": basis,
    }))
    .unwrap()
}

/// The simulator's tenant with the most journals, and its last financial year (1 April to 31 March).
fn busiest_year(truth: &ledgerkeep_sim::Truth) -> (String, NaiveDate, NaiveDate) {
    let tenant = truth
        .tenants
        .iter()
        .max_by_key(|t| t.table(Collection::Journals).len())
        .unwrap()
        .tenant_id
        .clone();
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
    (
        tenant,
        NaiveDate::from_ymd_opt(year - 1, 4, 1).unwrap(),
        NaiveDate::from_ymd_opt(year, 3, 31).unwrap(),
    )
}

#[tokio::test]
async fn a_profit_and_loss_prints_to_a_pdf_with_its_exact_figures() {
    let (dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, from, to) = busiest_year(&truth);
    let request = report_request(
        &tenant,
        ReportKind::ProfitAndLoss,
        ReportPeriod {
            from: Some(from.to_string()),
            to: to.to_string(),
        },
        vec![ReportPeriod {
            from: Some((from - Months::new(12)).to_string()),
            to: (to - Months::new(12)).to_string(),
        }],
        None,
    );
    let report = run_report(&ctx, request.clone()).await.unwrap();
    let lines = report_lines(&report);
    assert!(lines.len() > 5, "the books have a real profit and loss");

    let file = export_report(
        &ctx,
        ExportReportRequest {
            report: request,
            format: ExportFileFormat::Pdf,
        },
    )
    .await
    .unwrap();
    let path = Path::new(&file.path);
    assert!(path.starts_with(ctx.paths().exports_dir()));
    assert_eq!(path.extension().unwrap(), "pdf");
    assert_eq!(file.rows as usize, lines.len());
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));

    keep(&file.path, "profit-and-loss.pdf");
    let text = pdf_text(&file.path);
    assert!(text.contains(&report.title), "{text}");
    if let Some(org) = &report.organisation {
        assert!(text.contains(org.as_str()), "{text}");
    }
    for c in &report.columns {
        assert!(text.contains(&c.label), "{}: {text}", c.label);
    }
    for s in &report.sections {
        assert!(text.contains(&s.title), "{}", s.title);
    }
    // Each line of the report, in order, on a printed line of its own: its
    // label, then exactly its amounts (thousands' commas taken out), in order.
    let amounts_seen = assert_printed_in_order(&lines, &text);
    assert!(amounts_seen > 10, "{amounts_seen}");
    // The net profit is there, and not zero.
    let net = &lines.iter().find(|(l, _)| l == "Net profit").unwrap().1[0];
    assert!(!net.is_empty() && net != "0.00");

    // Amounts aligned right: in each column every amount ends at the same x.
    let bbox = poppler("pdftotext", &["-bbox", &file.path, "-"]);
    let mut right_edges: Vec<i64> = Vec::new();
    for word in bbox.split("<word ").skip(1) {
        let (attrs, rest) = word.split_once('>').unwrap();
        let text = rest.split("</word>").next().unwrap();
        // Amounts with a decimal point (not a page number, nor an account's code).
        if !is_amount(text) || !text.contains('.') {
            continue;
        }
        // xMax in thousandths of a point, read from its digits.
        let x_max = attrs
            .split("xMax=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let (whole, frac) = x_max.split_once('.').unwrap_or((x_max, "0"));
        let frac = format!("{frac:0<3}");
        right_edges.push(whole.parse::<i64>().unwrap() * 1000 + frac[..3].parse::<i64>().unwrap());
    }
    // Edges less than a tenth of a point apart are one edge.
    right_edges.sort_unstable();
    right_edges.dedup_by(|a, b| *a - *b < 100);
    assert_eq!(
        right_edges.len(),
        report.columns.len(),
        "one right edge per column of amounts: {right_edges:?}"
    );

    // A4 portrait for two columns.
    assert_eq!(page_size(&file.path), "595.276 x 841.89 pts (A4)");

    // Page 1 as an image: A4 at 50 dpi, and ink on it (text, not a blank page),
    // though far from all of it.
    let (w, h, dark) = render_first_page(&file.path, dir.path());
    // 595.276 x 841.89 pt at 50 dpi is 413.4 x 584.6 pixels.
    assert!(
        (413..=414).contains(&w) && (584..=585).contains(&h),
        "{w} x {h}"
    );
    assert!(dark > 2_000, "only {dark} dark pixels");
    assert!(dark < w * h / 4, "{dark} dark pixels of {}", w * h);
}

#[tokio::test]
async fn twelve_months_print_landscape_and_a_long_listing_repeats_its_heading_on_every_page() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, _, to) = busiest_year(&truth);
    // The year's last month and the eleven before it.
    let month = |back: u32| {
        let start = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap() - Months::new(back);
        ReportPeriod {
            from: Some(start.to_string()),
            to: (start + Months::new(1)).pred_opt().unwrap().to_string(),
        }
    };
    let request = report_request(
        &tenant,
        ReportKind::ProfitAndLoss,
        month(0),
        (1..12).map(month).collect(),
        None,
    );
    let report = run_report(&ctx, request.clone()).await.unwrap();
    assert_eq!(report.columns.len(), 12);
    let file = export_report(
        &ctx,
        ExportReportRequest {
            report: request,
            format: ExportFileFormat::Pdf,
        },
    )
    .await
    .unwrap();
    keep(&file.path, "profit-and-loss-by-month.pdf");
    assert_eq!(page_size(&file.path), "841.89 x 595.276 pts (A4)");
    let text = pdf_text(&file.path);
    for (label, amounts) in report_lines(&report) {
        let row = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(label.as_str()))
            .unwrap_or_else(|| panic!("{label}:\n{text}"));
        let got: Vec<String> = row
            .split_whitespace()
            .filter(|w| is_amount(w))
            .map(|w| w.replace(',', ""))
            .collect();
        let want: Vec<String> = amounts.into_iter().filter(|a| !a.is_empty()).collect();
        assert_eq!(got, want, "{label}");
    }

    // Every bank transaction of the organisation: many pages, each with the
    // title, the columns' heading and its number.
    let view = export_view(
        &ctx,
        ExportViewRequest {
            filter: DocumentFilterDto {
                tenant_id: tenant,
                ..DocumentFilterDto::default()
            },
            sort: SortFieldDto::default(),
            descending: false,
            format: ExportFileFormat::Pdf,
        },
    )
    .await
    .unwrap();
    keep(&view.path, "bank-transactions.pdf");
    let text = pdf_text(&view.path);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(
        pages.len() > 2,
        "{} pages for {} rows",
        pages.len(),
        view.rows
    );
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains("Bank transactions"), "page {}", i + 1);
        for heading in ["Date", "Reference", "Total"] {
            assert!(page.contains(heading), "page {} lacks {heading}", i + 1);
        }
        assert!(page.contains(&format!("Page {} of {n}", i + 1)), "{page}");
    }
}

#[tokio::test]
async fn an_invoice_prints_its_header_lines_to_four_places_and_totals() {
    let (dir, ctx, truth) = seeded_from_sim().await;
    // An invoice with several lines, one of them a unit amount to four places.
    let four_places = |i: &serde_json::Value| {
        let lines = i["LineItems"].as_array().unwrap();
        lines.len() > 1
            && lines.iter().any(|l| {
                let u = l["UnitAmount"].to_string();
                u.split_once('.')
                    .is_some_and(|(_, f)| f.len() == 4 && !f.ends_with('0'))
            })
    };
    let mut found = None;
    for t in &truth.tenants {
        let invoices = truth.records(&t.tenant_id, Collection::Invoices);
        if let Some(i) = invoices.iter().find(|i| four_places(i)) {
            found = Some((t.tenant_id.clone(), i.clone()));
            break;
        }
    }
    let (tenant, invoice) = found.expect("the simulator writes unit amounts to 4 places");
    let id = invoice["InvoiceID"].as_str().unwrap().to_owned();
    let record = RecordDetailRequest {
        tenant_id: tenant,
        entity: ledgerkeep_domain::EntityKind::Invoice,
        xero_id: id,
    };
    let view = record_detail(&ctx, record.clone()).await.unwrap();
    let file = ledgerkeep_api::ops::exports::export_record(
        &ctx,
        ledgerkeep_api::ops::exports::ExportRecordRequest { record },
    )
    .await
    .unwrap();
    keep(&file.path, "invoice.pdf");
    assert_eq!(Path::new(&file.path).extension().unwrap(), "pdf");
    assert_eq!(file.rows as usize, view.lines.len());
    let text = pdf_text(&file.path);
    assert!(text.contains(&view.title), "{text}");
    // Each line, in order: its unit amount exactly as the simulator sent it
    // (four places), and its line amount, on one printed line.
    let printed: Vec<&str> = text.lines().collect();
    let mut at = 0;
    for (sent, line) in invoice["LineItems"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&view.lines)
    {
        let unit = sent["UnitAmount"].to_string();
        assert_eq!(line.unit_amount.unwrap().to_string(), unit);
        let amount = line.line_amount.unwrap().to_string();
        let k = printed[at..]
            .iter()
            .position(|l| {
                let words: Vec<String> = l
                    .split_whitespace()
                    .filter(|w| is_amount(w))
                    .map(|w| w.replace(',', ""))
                    .collect();
                words.contains(&unit) && words.last() == Some(&amount)
            })
            .unwrap_or_else(|| panic!("{unit} .. {amount} not printed after line {at}:\n{text}"));
        at += k + 1;
    }
    // The totals under the lines, each on its own line, as the header holds them.
    for label in ["Subtotal", "Tax", "Total"] {
        let Some(FieldValueView::Money { amount, .. }) = view
            .header
            .iter()
            .find(|f| f.label == label)
            .map(|f| &f.value)
        else {
            panic!("{label} missing from the header");
        };
        let row = printed[at..]
            .iter()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label}:\n{text}"));
        let last = row.split_whitespace().last().unwrap().replace(',', "");
        assert_eq!(last, amount.to_string(), "{label}");
    }
    // The contact, from the header, is printed.
    let contact = view.header.iter().find(|f| f.label == "Contact").unwrap();
    if let FieldValueView::Text { text: name } = &contact.value {
        if name.is_ascii() {
            assert!(text.contains(name.as_str()), "{name}");
        }
    }
    let (_, _, dark) = render_first_page(&file.path, dir.path());
    assert!(dark > 1_000, "{dark}");
}

#[tokio::test]
async fn every_kind_of_report_prints_every_line_with_its_exact_amounts() {
    let (_dir, ctx, truth) = seeded_from_sim().await;
    let (tenant, from, to) = busiest_year(&truth);
    for kind in [
        ReportKind::ProfitAndLoss,
        ReportKind::BalanceSheet,
        ReportKind::TrialBalance,
        ReportKind::CashSummary,
        ReportKind::AgedReceivables,
        ReportKind::AgedPayables,
    ] {
        let request = report_request(
            &tenant,
            kind,
            ReportPeriod {
                from: Some(from.to_string()),
                to: to.to_string(),
            },
            Vec::new(),
            (kind == ReportKind::CashSummary).then_some(ReportBasis::Cash),
        );
        let report = run_report(&ctx, request.clone()).await.unwrap();
        let lines = report_lines(&report);
        let file = export_report(
            &ctx,
            ExportReportRequest {
                report: request,
                format: ExportFileFormat::Pdf,
            },
        )
        .await
        .unwrap();
        keep(&file.path, &format!("{kind:?}.pdf"));
        let text = pdf_text(&file.path);
        assert!(text.contains(&report.title), "{kind:?}: {text}");
        let seen = assert_printed_in_order(&lines, &text);
        assert!(seen > 0, "{kind:?} printed no amount");
    }
}

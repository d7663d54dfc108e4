//! The aged receivables and payables reports, as at any date: what each
//! invoice, credit note and overpayment had outstanding at the end of that
//! day, from its payments and allocations (the pure rule in
//! `ledgerkeep_ledger::aged`), not the amount due Xero reports today.
//!
//! The report's sections are per currency, in each document's own currency.
//! Its base-currency total is the receivable (payable) control account's
//! balance at the date, to the cent; what stands between the two (unused
//! prepayments, which Xero's aged report leaves out too, lines on the
//! account from no receivable or payable document, documents that could not
//! be posted) is shown on named rows with a note, never absorbed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerkeep_domain::reports::AgeBucket;
use ledgerkeep_domain::xero::{CreditNoteType, InvoiceType, OverpaymentType, PrepaymentType};
use ledgerkeep_domain::{EntityKind, Money, XeroDate};
use ledgerkeep_ledger::aged_report::control_account;
use ledgerkeep_ledger::{outstanding_at, AgedKind, Outstanding, Side};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ops::reports::{
    empty_view, DrillPageView, DrillRowView, DrillView, LedgerDrillView, OutstandingDrillView,
    ReportBasis, ReportCellView, ReportColumnView, ReportKind, ReportRowView, ReportSectionView,
    ReportView,
};
use crate::{ApiError, AppContext};

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn side_of(doc_type: &str) -> Result<Side, ApiError> {
    match InvoiceType::from(doc_type) {
        InvoiceType::AccRec => Ok(Side::Receivable),
        InvoiceType::AccPay => Ok(Side::Payable),
        InvoiceType::Other(_) => Err(ApiError::invalid(
            "Choose receivables (ACCREC) or payables (ACCPAY).",
        )),
    }
}

fn overflow() -> ApiError {
    ApiError::internal(
        "An aged report figure is too large to show: an amount in the books is out of range.",
    )
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, ApiError> {
    a.checked_add(b).ok_or_else(overflow)
}

fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, ApiError> {
    values.into_iter().try_fold(Decimal::ZERO, add)
}

fn zero_positive(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// What an organisation's receivable and payable documents had outstanding
/// at the end of a day, as the last rebuild of the ledger kept them (the
/// documents it could not post left out: they are in no control account).
struct Held {
    outstanding: Vec<Outstanding>,
    base_currency: Option<String>,
}

/// What was outstanding at the end of `as_at`: the documents not settled
/// for good by then and their settlements, from the copy each rebuild of
/// the general ledger keeps (`LedgerStore::aged_open_at`). A ledger never
/// rebuilt, or rebuilt before the copy was kept, is rebuilt first, once.
async fn held(ctx: &AppContext, tenant: &str, as_at: NaiveDate) -> Result<Held, ApiError> {
    let Some(org) = ctx.store().reporting_organisation(tenant).await? else {
        // No such organisation: nothing to rebuild, nothing outstanding.
        return Ok(Held {
            outstanding: Vec::new(),
            base_currency: None,
        });
    };
    let day = ymd(as_at);
    let copy = match ctx.store().aged_open_at(tenant, &day).await? {
        Some(copy) => copy,
        None => {
            ledgerkeep_sync::general_ledger::rebuild_general_ledger(
                ctx.store(),
                tenant,
                ctx.config().now(),
            )
            .await?;
            ctx.store()
                .aged_open_at(tenant, &day)
                .await?
                .ok_or_else(|| {
                    ApiError::internal("The general ledger was rebuilt but kept no aged figures.")
                })?
        }
    };
    let documents = copy.documents.into_iter().map(|(d, _)| d).collect();
    let outstanding =
        outstanding_at(documents, &copy.settlements, XeroDate(as_at)).map_err(|_| overflow())?;
    Ok(Held {
        outstanding,
        base_currency: org.base_currency,
    })
}

impl Held {
    fn currency_of(&self, o: &Outstanding) -> String {
        o.document
            .currency
            .clone()
            .or_else(|| self.base_currency.clone())
            .unwrap_or_default()
    }
}

/// The five ageing buckets and the total, as report cells.
type Buckets = [Decimal; 5];

fn cells(
    buckets: &Buckets,
    drill: impl Fn(Option<AgeBucket>) -> Option<DrillView>,
) -> Result<Vec<ReportCellView>, ApiError> {
    let mut out: Vec<ReportCellView> = AgeBucket::ALL
        .iter()
        .zip(buckets)
        .map(|(b, v)| ReportCellView {
            amount: Some(Money::new(zero_positive(*v))),
            drill: drill(Some(*b)),
        })
        .collect();
    out.push(ReportCellView {
        amount: Some(Money::new(zero_positive(sum(buckets.iter().copied())?))),
        drill: drill(None),
    });
    Ok(out)
}

/// A row with only its total cell.
fn total_only(label: String, total: Decimal, drill: Option<DrillView>) -> ReportRowView {
    let mut cells: Vec<ReportCellView> = AgeBucket::ALL
        .iter()
        .map(|_| ReportCellView {
            amount: None,
            drill: None,
        })
        .collect();
    cells.push(ReportCellView {
        amount: Some(Money::new(zero_positive(total))),
        drill,
    });
    ReportRowView {
        label,
        code: None,
        cells,
    }
}

fn row(label: String, cells: Vec<ReportCellView>) -> ReportRowView {
    ReportRowView {
        label,
        code: None,
        cells,
    }
}

/// The aged receivables (`Side::Receivable`) or payables report at the end
/// of `as_at`. `comparisons` is how many comparison periods were asked for
/// (an aged report shows one date).
pub(crate) async fn aged_report(
    ctx: &AppContext,
    tenant: &str,
    doc_type: &str,
    as_at: Option<NaiveDate>,
    comparisons: usize,
) -> Result<ReportView, ApiError> {
    let side = side_of(doc_type)?;
    let as_at = as_at.ok_or_else(|| ApiError::invalid("Choose a date."))?;
    let held = held(ctx, tenant, as_at).await?;
    let all = &held.outstanding;
    let day = ymd(as_at);
    let drill = |contact: Option<String>,
                 currency: Option<String>,
                 prepayments: bool,
                 bucket: Option<AgeBucket>| {
        let (from, to) = bucket.map_or((None, None), |b| b.due_range(as_at));
        Some(DrillView::Outstanding(OutstandingDrillView {
            doc_type: doc_type.to_owned(),
            as_at: day.clone(),
            contact,
            currency,
            due_from: from.map(ymd),
            due_to: to.map(ymd),
            prepayments: prepayments.then_some(true),
        }))
    };
    let chart = ctx.store().posting_chart(tenant).await?;
    let (account, fallback) = control_account(
        &chart,
        side,
        |a| a.system_account.as_deref(),
        |a| a.code.as_deref(),
    );
    let (account_id, account_code, account_label) = match account {
        Some(a) => {
            let name = a.name.clone().unwrap_or_else(|| a.xero_id.clone());
            let label = match &a.code {
                Some(c) if !c.is_empty() => format!("{c} {name}"),
                _ => name,
            };
            (Some(a.xero_id.clone()), a.code.clone(), label)
        }
        None => (
            None,
            Some(fallback.to_owned()),
            format!("account {fallback}"),
        ),
    };
    let balance = ctx
        .store()
        .control_balance(tenant, account_id.as_deref(), account_code.as_deref(), &day)
        .await?;
    let report = ledgerkeep_ledger::aged_report::aged_report(
        all,
        side,
        as_at,
        held.base_currency.as_deref(),
        balance.documents,
        balance.other,
    )
    .map_err(|_| overflow())?;

    let mut sections = Vec::new();
    for c in &report.currencies {
        let mut rows = Vec::new();
        for contact in &c.contacts {
            rows.push(row(
                contact
                    .name
                    .clone()
                    .unwrap_or_else(|| "(no contact)".to_owned()),
                cells(&contact.buckets, |b| {
                    drill(contact.contact_id.clone(), c.currency.clone(), false, b)
                })?,
            ));
        }
        sections.push(ReportSectionView {
            title: c
                .currency
                .clone()
                .unwrap_or_else(|| "(no currency)".to_owned()),
            rows,
            total: Some(row(
                "Total".to_owned(),
                cells(&c.total, |b| drill(None, c.currency.clone(), false, b))?,
            )),
        });
    }

    // The base-currency figure, and what stands between it and the account.
    let base = held.base_currency.clone().unwrap_or_default();
    let mut summary = vec![row(
        format!("Total in {base}: what {account_label} holds of these documents"),
        cells(&report.base_total, |b| drill(None, None, false, b))?,
    )];
    let mut notes = vec![
        format!(
            "Invoices, credit notes and overpayments outstanding at the end of {day}, from the \
             payments and allocations dated on or before it; by days past the due date (credits, \
             which have none, by their date)."
        ),
        format!(
            "Sections are in each document's own currency. The total in {base} converts each \
             document as the general ledger does, and is what {account_label} holds of them at {day}."
        ),
    ];
    if report.prepaid_count > 0 {
        summary.push(row(
            format!("Prepayments not yet used, in {base}: not in the total"),
            cells(&report.prepaid, |b| drill(None, None, true, b))?,
        ));
        notes.push(format!(
            "{} prepayment(s) not yet used at {day}: a prepayment's money sits in the \
             accounts on its lines, not in {account_label}, until it is used on an invoice, and \
             Xero's aged report leaves prepayments out too. They are shown on their own row, not \
             in the total.",
            report.prepaid_count
        ));
    }
    if !report.other.is_zero() {
        summary.push(total_only(
            format!("Other lines on {account_label} (manual journals, bank transactions)"),
            report.other,
            None,
        ));
        notes.push(format!(
            "{account_label} also holds {} line(s) that no invoice, credit note, overpayment or \
             payment posted (a manual journal, a bank transaction coded to it): they are in its \
             balance, not in the aged figures.",
            balance.other_lines
        ));
    }
    if !report.unexplained.is_zero() {
        // The documents the last rebuild could not post, of every kind.
        let unposted = ctx
            .store()
            .general_ledger_state(tenant)
            .await?
            .map_or(0, |s| s.unposted.len());
        summary.push(total_only(
            "Not explained by the documents".to_owned(),
            report.unexplained,
            None,
        ));
        notes.push(format!(
            "{} of {account_label}'s balance is not explained by the documents \
             outstanding: {} document(s) could not be posted to the ledger or read (see the sync \
             panel). This is a difference to look into, not a rounding.",
            report.unexplained, unposted
        ));
    }
    let ledger_account = account_id.clone().or(account_code.clone());
    summary.push(total_only(
        format!("{account_label} at {day}"),
        report.account_balance,
        ledger_account.map(|account| {
            DrillView::Ledger(LedgerDrillView {
                account,
                from: None,
                to: day.clone(),
                sign: None,
                negate: side == Side::Payable,
                tracking: None,
            })
        }),
    ));
    if comparisons > 1 {
        notes.push("Aged reports show one date; the comparison periods are not used.".to_owned());
    }

    let (kind, title) = match side {
        Side::Receivable => (ReportKind::AgedReceivables, "Aged receivables"),
        Side::Payable => (ReportKind::AgedPayables, "Aged payables"),
    };
    let mut view = empty_view(kind, ReportBasis::Accrual, title);
    view.columns = AgeBucket::ALL
        .iter()
        .map(|b| b.label().to_owned())
        .chain(std::iter::once("Total".to_owned()))
        .map(|label| ReportColumnView::named(label, as_at))
        .collect();
    view.sections = sections;
    view.summary = summary;
    view.notes = notes;
    Ok(view)
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct DueCursor {
    due: String,
    id: String,
}

fn entity_of(kind: AgedKind) -> EntityKind {
    match kind {
        AgedKind::Invoice => EntityKind::Invoice,
        AgedKind::CreditNote => EntityKind::CreditNote,
        AgedKind::Overpayment => EntityKind::Overpayment,
        AgedKind::Prepayment => EntityKind::Prepayment,
    }
}

/// Xero's `Type` of a document of `kind` on `side`.
fn type_of(kind: AgedKind, side: Side) -> String {
    match (kind, side) {
        (AgedKind::Invoice, Side::Receivable) => InvoiceType::AccRec.to_string(),
        (AgedKind::Invoice, Side::Payable) => InvoiceType::AccPay.to_string(),
        (AgedKind::CreditNote, Side::Receivable) => CreditNoteType::AccRecCredit.to_string(),
        (AgedKind::CreditNote, Side::Payable) => CreditNoteType::AccPayCredit.to_string(),
        (AgedKind::Overpayment, Side::Receivable) => {
            OverpaymentType::ReceiveOverpayment.to_string()
        }
        (AgedKind::Overpayment, Side::Payable) => OverpaymentType::SpendOverpayment.to_string(),
        (AgedKind::Prepayment, Side::Receivable) => PrepaymentType::ReceivePrepayment.to_string(),
        (AgedKind::Prepayment, Side::Payable) => PrepaymentType::SpendPrepayment.to_string(),
    }
}

/// The documents behind an aged figure: those outstanding at the drill's
/// date, by due date (then id), signed as owed in their own currency, with
/// the base amount of a foreign one. A page's `amount`s add up to a
/// section's figure; `baseAmount` (else `amount`) to a base-currency one.
pub(crate) async fn outstanding_drill(
    ctx: &AppContext,
    tenant: &str,
    d: &OutstandingDrillView,
    after: Option<&str>,
    limit: u32,
) -> Result<DrillPageView, ApiError> {
    let side = side_of(&d.doc_type)?;
    let date = |name: &str, v: &str| {
        NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid(format!("{name} must be a date like 2026-03-31.")))
    };
    let as_at = date("The date", &d.as_at)?;
    let due_from = d
        .due_from
        .as_deref()
        .map(|v| date("The first due date", v))
        .transpose()?;
    let due_to = d
        .due_to
        .as_deref()
        .map(|v| date("The last due date", v))
        .transpose()?;
    let cursor: Option<DueCursor> = after
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|_| ApiError::invalid("That page cursor is not valid."))
        })
        .transpose()?;
    let prepayments = d.prepayments.unwrap_or(false);
    let held = held(ctx, tenant, as_at).await?;
    let all = &held.outstanding;
    let mut rows: Vec<(DueCursor, &Outstanding)> = all
        .iter()
        .filter(|o| o.document.side == side && o.document.in_control != prepayments)
        .filter(|o| {
            d.contact
                .as_ref()
                .is_none_or(|c| o.document.contact_id.as_ref() == Some(c))
        })
        .filter(|o| {
            d.currency
                .as_ref()
                .is_none_or(|c| held.currency_of(o) == *c)
        })
        .filter(|o| due_from.is_none_or(|f| o.document.due_date.0 >= f))
        .filter(|o| due_to.is_none_or(|t| o.document.due_date.0 <= t))
        .map(|o| {
            (
                DueCursor {
                    due: ymd(o.document.due_date.0),
                    id: o.document.id.clone(),
                },
                o,
            )
        })
        .filter(|(k, _)| cursor.as_ref().is_none_or(|c| k > c))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let limit = limit as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = match (more, rows.last()) {
        (true, Some((k, _))) => Some(
            serde_json::to_string(k).map_err(|_| ApiError::internal("A page cursor failed."))?,
        ),
        _ => None,
    };
    Ok(DrillPageView {
        rows: rows
            .into_iter()
            .map(|(_, o)| {
                let doc = &o.document;
                DrillRowView {
                    date: Some(ymd(doc.due_date.0)),
                    label: doc.number.clone().unwrap_or_else(|| doc.id.clone()),
                    contact_name: doc.contact_name.clone(),
                    description: None,
                    source_type: Some(type_of(doc.kind, doc.side)),
                    entity: Some(entity_of(doc.kind)),
                    xero_id: Some(doc.id.clone()),
                    amount: Money::new(zero_positive(o.amount)),
                    currency_code: Some(held.currency_of(o)).filter(|c| !c.is_empty()),
                    base_currency: held.base_currency.clone(),
                    base_amount: doc
                        .currency
                        .is_some()
                        .then(|| Money::new(zero_positive(o.base))),
                }
            })
            .collect(),
        next_cursor,
    })
}

/// What `doc_type` documents had outstanding at the end of `as_at`, as the
/// Dashboard shows it: the aged report's base-currency total (what the
/// control account holds), and per currency in each document's own
/// currency, credits netted, with the part of the invoices (or bills) past
/// their due date.
pub(crate) struct OwedTotals {
    pub base_total: Decimal,
    /// currency -> (due, documents, overdue, invoices overdue)
    pub by_currency: BTreeMap<Option<String>, (Decimal, u32, Decimal, u32)>,
}

fn owed_of(
    held: &Held,
    all: &[Outstanding],
    side: Side,
    as_at: NaiveDate,
) -> Result<OwedTotals, ApiError> {
    let mut out = OwedTotals {
        base_total: Decimal::ZERO,
        by_currency: BTreeMap::new(),
    };
    for o in all
        .iter()
        .filter(|o| o.document.side == side && o.document.in_control)
    {
        out.base_total = add(out.base_total, o.base)?;
        let s = out
            .by_currency
            .entry(Some(held.currency_of(o)).filter(|c| !c.is_empty()))
            .or_insert((Decimal::ZERO, 0, Decimal::ZERO, 0));
        s.0 = add(s.0, o.amount)?;
        s.1 = s.1.saturating_add(1);
        if o.document.kind == AgedKind::Invoice && o.document.due_date.0 < as_at {
            s.2 = add(s.2, o.amount)?;
            s.3 = s.3.saturating_add(1);
        }
    }
    Ok(out)
}

/// One side's documents in the control account by age, in the base
/// currency: the aged report's own buckets (credits netted in the bucket of
/// their date), so that they add up to the total the control account holds.
pub(crate) struct Ageing {
    pub buckets: Buckets,
    /// How many documents in each bucket, credits included.
    pub counts: [u32; 5],
}

/// Both sides' [`OwedTotals`] and [`Ageing`] at the end of `as_at`, from one
/// read of the documents: receivables first, then payables.
pub(crate) async fn owed_and_aged(
    ctx: &AppContext,
    tenant: &str,
    as_at: NaiveDate,
) -> Result<[(OwedTotals, Ageing); 2], ApiError> {
    let held = held(ctx, tenant, as_at).await?;
    let all = &held.outstanding;
    let one = |side: Side| -> Result<(OwedTotals, Ageing), ApiError> {
        let report = ledgerkeep_ledger::aged_report::aged_report(
            all,
            side,
            as_at,
            held.base_currency.as_deref(),
            Decimal::ZERO,
            Decimal::ZERO,
        )
        .map_err(|_| overflow())?;
        let mut counts = [0u32; 5];
        for o in all
            .iter()
            .filter(|o| o.document.side == side && o.document.in_control)
        {
            let i = ledgerkeep_ledger::aged_report::bucket_of(o, as_at);
            if let Some(c) = counts.get_mut(i) {
                *c = c.saturating_add(1);
            }
        }
        Ok((
            owed_of(&held, all, side, as_at)?,
            Ageing {
                buckets: report.base_total,
                counts,
            },
        ))
    };
    Ok([one(Side::Receivable)?, one(Side::Payable)?])
}

//! Xero's Reports endpoints (`/Reports/ProfitAndLoss`, `/Reports/BalanceSheet`,
//! `/Reports/TrialBalance`), computed from the simulator's own general ledger:
//! its Journals, as Xero computes its reports from its postings.
//!
//! The answer is the spec's `ReportWithRows`: `Reports[0].Rows` of `Header`,
//! `Section`, `Row` and `SummaryRow`, each cell a `Value` string (amounts with
//! two decimals, no separators) and, on an account's cells, the attribute
//! `{"Id": "account", "Value": <AccountID>}`. The layout is Xero's: the P&L's
//! *Income*, *Less Cost of Sales*, *Gross Profit*, *Plus Other Income*, *Less
//! Operating Expenses*, *Net Profit*; the balance sheet's asset and liability
//! groups by account type, *Net Assets*, and equity with *Current Year
//! Earnings* (the nil account) and the retained earnings account holding the
//! earlier years' profit; the trial balance's month movement (*Debit*,
//! *Credit*) and balance (*YTD Debit*, *YTD Credit*; the financial year to
//! date for revenue and expenses).
//!
//! Query parameters as the spec gives them: `fromDate`, `toDate`, `periods`
//! (1 to 12) and `timeframe` (`MONTH`, `QUARTER`, `YEAR`) for the P&L; `date`,
//! `periods` and `timeframe` for the balance sheet; `date` for the trial
//! balance. Dates are calendar days (`YYYY-MM-DD`); "today" is the clock's UTC
//! day. Not simulated, and refused with a 400 rather than answered wrongly:
//! the tracking filters, and `paymentsOnly=true` on the balance sheet and
//! the trial balance.
//!
//! `paymentsOnly=true` on the P&L is the cash basis, worked out here from the
//! simulator's own documents and payments (not from the ledger crate it
//! tests): an invoice's, bill's or credit note's lines count in proportion
//! to each payment or allocation that settles it, on that one's date (see
//! `cash_lines`); every other journal (spend and receive money, payments'
//! currency gains, prepayments, manual journals, pay runs) counts as posted.
//! Xero's cash-basis reports show manual journals as posted too: a journal
//! has no payment to follow.
//!
//! The aged reports by contact (`AgedReceivablesByContact`,
//! `AgedPayablesByContact`) are in [`aged`]: they read the documents and
//! their payments and allocations, not the Journals.

pub mod aged;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Months, NaiveDate};
use ledgerkeep_domain::reports::{financial_year_start, AccountClass};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::api::{bad_request, envelope, flag, not_found, Answer};
use crate::books::{Collection, TenantBooks};
use crate::server::Shared;
use crate::wire::{ms_date_bare, parse_ms_date};

/// The account id Xero gives the balance sheet's *Current Year Earnings*.
pub const NIL_ACCOUNT: &str = "00000000-0000-0000-0000-000000000000";

/// The reports served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportName {
    ProfitAndLoss,
    BalanceSheet,
    TrialBalance,
}

impl ReportName {
    pub fn from_path(segment: &str) -> Option<ReportName> {
        [
            ReportName::ProfitAndLoss,
            ReportName::BalanceSheet,
            ReportName::TrialBalance,
        ]
        .into_iter()
        .find(|r| r.path().eq_ignore_ascii_case(segment))
    }

    pub fn path(self) -> &'static str {
        match self {
            ReportName::ProfitAndLoss => "ProfitAndLoss",
            ReportName::BalanceSheet => "BalanceSheet",
            ReportName::TrialBalance => "TrialBalance",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ReportName::ProfitAndLoss => "Profit and Loss",
            ReportName::BalanceSheet => "Balance Sheet",
            ReportName::TrialBalance => "Trial Balance",
        }
    }
}

/// An account as the reports need it.
#[derive(Debug, Clone)]
struct Acct {
    id: String,
    code: String,
    name: String,
    kind: String,
    class: Option<AccountClass>,
    retained_earnings: bool,
}

/// The books as a general ledger: the chart, and every journal line with its day.
struct Ledger {
    accounts: BTreeMap<String, Acct>,
    lines: Vec<(NaiveDate, String, Decimal)>,
    fy_end_day: u32,
    fy_end_month: u32,
    org_name: String,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn day_of(ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(|d| d.date_naive())
}

impl Ledger {
    /// The books' general ledger; with `payments_only`, on the cash basis
    /// (see [`cash_lines`]).
    fn of(b: &TenantBooks, payments_only: bool) -> Ledger {
        let mut accounts = BTreeMap::new();
        for a in b.table(Collection::Accounts).records() {
            let v = a.value();
            let id = text(&v["AccountID"]);
            let kind = text(&v["Type"]);
            accounts.insert(
                id.clone(),
                Acct {
                    code: text(&v["Code"]),
                    name: text(&v["Name"]),
                    class: AccountClass::of(v["Class"].as_str(), Some(&kind)),
                    kind,
                    retained_earnings: v["SystemAccount"] == "RETAINEDEARNINGS",
                    id,
                },
            );
        }
        // Manual journals the owner left off cash-basis reports.
        let off_cash: HashSet<String> = if payments_only {
            b.table(Collection::ManualJournals)
                .records()
                .iter()
                .map(|r| r.value())
                .filter(|m| m["ShowOnCashBasisReports"] == false)
                .map(|m| text(&m["ManualJournalID"]).to_ascii_lowercase())
                .collect()
        } else {
            HashSet::new()
        };
        let mut lines = Vec::new();
        for j in b.table(Collection::Journals).records() {
            let j = j.value();
            if payments_only && j["SourceType"].as_str().is_some_and(counts_when_paid) {
                continue;
            }
            if j["SourceType"] == "MANJOURNAL"
                && off_cash.contains(&text(&j["SourceID"]).to_ascii_lowercase())
            {
                continue;
            }
            // A journal without a date belongs to no period (Xero dates every one).
            let Some(day) = j["JournalDate"]
                .as_str()
                .and_then(parse_ms_date)
                .and_then(day_of)
            else {
                continue;
            };
            for l in j["JournalLines"].as_array().into_iter().flatten() {
                let Some(net) = decimal(&l["NetAmount"]) else {
                    continue;
                };
                let key = l["AccountID"]
                    .as_str()
                    .or_else(|| l["AccountCode"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                accounts.entry(key.clone()).or_insert_with(|| {
                    let kind = text(&l["AccountType"]);
                    Acct {
                        id: key.clone(),
                        code: text(&l["AccountCode"]),
                        name: text(&l["AccountName"]),
                        class: AccountClass::from_xero_type(&kind),
                        kind,
                        retained_earnings: false,
                    }
                });
                lines.push((day, key, net));
            }
        }
        if payments_only {
            let by_code: HashMap<String, String> = accounts
                .values()
                .filter(|a| !a.code.is_empty())
                .map(|a| (a.code.clone(), a.id.clone()))
                .collect();
            lines.extend(cash_lines(b, &by_code));
        }
        let org = b
            .table(Collection::Organisation)
            .records()
            .first()
            .map(|r| r.value())
            .unwrap_or(Value::Null);
        let num = |k: &str, d: u32| {
            org[k]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(d)
        };
        Ledger {
            accounts,
            lines,
            fy_end_day: num("FinancialYearEndDay", 31),
            fy_end_month: num("FinancialYearEndMonth", 12),
            org_name: org["Name"].as_str().unwrap_or(&b.name).to_owned(),
        }
    }

    /// Each account's debits less credits over `from..=to` (`None`: since the beginning).
    fn net(&self, from: Option<NaiveDate>, to: NaiveDate) -> BTreeMap<String, Decimal> {
        let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
        for (day, key, net) in &self.lines {
            if *day > to || from.is_some_and(|f| *day < f) {
                continue;
            }
            *out.entry(key.clone()).or_default() += *net;
        }
        out
    }

    fn year_start(&self, d: NaiveDate) -> NaiveDate {
        financial_year_start(d, self.fy_end_day, self.fy_end_month)
    }

    /// The profit and loss's net (debit positive) over a range.
    fn pl_net(&self, m: &BTreeMap<String, Decimal>) -> Decimal {
        m.iter()
            .filter(|(k, _)| {
                self.accounts
                    .get(*k)
                    .and_then(|a| a.class)
                    .is_some_and(AccountClass::is_profit_and_loss)
            })
            .map(|(_, v)| *v)
            .sum()
    }

    /// Accounts with any line in any of `maps` that pass `ok`, by code then name.
    fn accounts_in(
        &self,
        maps: &[BTreeMap<String, Decimal>],
        ok: impl Fn(&Acct) -> bool,
    ) -> Vec<&Acct> {
        let mut out: Vec<&Acct> = self
            .accounts
            .values()
            .filter(|a| maps.iter().any(|m| m.contains_key(&a.id)))
            .filter(|a| ok(a))
            .collect();
        out.sort_by(|a, b| {
            (a.code.is_empty(), &a.code, &a.name).cmp(&(b.code.is_empty(), &b.code, &b.name))
        });
        out
    }
}

/// One profit-and-loss account's movement in one calendar month, as the
/// profit and loss shows it (revenue negated): what the budgets are made
/// near (`budgets.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthMovement {
    pub account_id: String,
    pub code: String,
    pub revenue: bool,
    /// `(year, month)`.
    pub month: (i32, u32),
    pub shown: Decimal,
}

/// Every profit-and-loss account's movement per calendar month on the
/// accrual basis, from the books' Journals, by account then month.
pub fn monthly_profit_and_loss(b: &TenantBooks) -> Vec<MonthMovement> {
    let l = Ledger::of(b, false);
    let mut sums: BTreeMap<(String, (i32, u32)), Decimal> = BTreeMap::new();
    for (day, key, net) in &l.lines {
        *sums
            .entry((key.clone(), (day.year(), day.month())))
            .or_default() += *net;
    }
    sums.into_iter()
        .filter_map(|((key, month), net)| {
            let a = l.accounts.get(&key)?;
            if !a.class.is_some_and(AccountClass::is_profit_and_loss) {
                return None;
            }
            Some(MonthMovement {
                account_id: a.id.clone(),
                code: a.code.clone(),
                revenue: a.class == Some(AccountClass::Revenue),
                month,
                shown: shown(a, net),
            })
        })
        .collect()
}

/// Whether a journal of this `SourceType` is an invoice, bill or credit note
/// as issued: on the cash basis its lines count when it is paid instead.
fn counts_when_paid(source_type: &str) -> bool {
    ["ACCREC", "ACCPAY", "ACCRECCREDIT", "ACCPAYCREDIT"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(source_type))
}

fn round_cent(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The day of a record's `/Date(...)/` field.
fn day_field(v: &Value) -> Option<NaiveDate> {
    v.as_str().and_then(parse_ms_date).and_then(day_of)
}

fn posts(v: &Value, statuses: &[&str]) -> bool {
    v["Status"]
        .as_str()
        .is_some_and(|s| statuses.iter().any(|t| t.eq_ignore_ascii_case(s)))
}

/// The cash basis's lines of invoices, bills and credit notes, from the
/// documents and what settled them: each line's net (tax excluded, as the
/// profit and loss has no tax account), converted at the document's rate
/// as its journal converts it, counts in proportion to each payment, refund
/// or allocation, on that one's date. The parts are taken of the running
/// total settled, in date order then by id (`line × settled so far / total`,
/// to the cent, less the same before this part), so a document settled in
/// full counts its whole lines. A credit note allocated to an invoice
/// settles both on the allocation's date.
fn cash_lines(
    b: &TenantBooks,
    by_code: &HashMap<String, String>,
) -> Vec<(NaiveDate, String, Decimal)> {
    // Per settled document: (day, the payment's or allocation's id, amount).
    let mut settled: HashMap<String, Vec<(NaiveDate, String, Decimal)>> = HashMap::new();
    for p in b.table(Collection::Payments).records() {
        let p = p.value();
        if !posts(&p, &["AUTHORISED"]) {
            continue;
        }
        let doc = p["Invoice"]["InvoiceID"]
            .as_str()
            .or_else(|| p["CreditNote"]["CreditNoteID"].as_str());
        if let (Some(doc), Some(on), Some(amount)) =
            (doc, day_field(&p["Date"]), decimal(&p["Amount"]))
        {
            settled
                .entry(doc.to_owned())
                .or_default()
                .push((on, text(&p["PaymentID"]), amount));
        }
    }
    let credits = [
        (Collection::CreditNotes, "CreditNoteID"),
        (Collection::Overpayments, "OverpaymentID"),
        (Collection::Prepayments, "PrepaymentID"),
    ];
    for (collection, id_key) in credits {
        for c in b.table(collection).records() {
            let c = c.value();
            if !posts(&c, &["AUTHORISED", "PAID"]) {
                continue;
            }
            for a in c["Allocations"].as_array().into_iter().flatten() {
                if a["IsDeleted"] == Value::Bool(true) {
                    continue;
                }
                let on = day_field(&a["Date"]).or_else(|| day_field(&c["Date"]));
                let (Some(on), Some(amount)) = (on, decimal(&a["Amount"])) else {
                    continue;
                };
                let id = text(&a["AllocationID"]);
                let invoice = a["Invoice"]["InvoiceID"].as_str().map(str::to_owned);
                for doc in invoice.into_iter().chain(Some(text(&c[id_key]))) {
                    settled
                        .entry(doc)
                        .or_default()
                        .push((on, id.clone(), amount));
                }
            }
        }
    }
    let documents = [
        (Collection::Invoices, "InvoiceID"),
        (Collection::CreditNotes, "CreditNoteID"),
    ];
    let mut out = Vec::new();
    for (collection, id_key) in documents {
        for d in b.table(collection).records() {
            let d = d.value();
            if !posts(&d, &["AUTHORISED", "PAID"]) {
                continue;
            }
            let Some(parts) = settled.get_mut(&text(&d[id_key])) else {
                continue;
            };
            let total = decimal(&d["Total"]).unwrap_or_default();
            if total <= Decimal::ZERO {
                continue;
            }
            // Income is a credit and expense a debit; a credit note reverses.
            let sign = match d["Type"].as_str().unwrap_or_default() {
                "ACCREC" | "ACCPAYCREDIT" => Decimal::NEGATIVE_ONE,
                _ => Decimal::ONE,
            };
            let rate = decimal(&d["CurrencyRate"])
                .filter(|r| !r.is_zero())
                .unwrap_or(Decimal::ONE);
            let inclusive = d["LineAmountTypes"] == "Inclusive";
            let mut lines: Vec<(String, Decimal)> = Vec::new();
            for l in d["LineItems"].as_array().into_iter().flatten() {
                let amount = decimal(&l["LineAmount"]).unwrap_or_default();
                let net = if inclusive {
                    amount - decimal(&l["TaxAmount"]).unwrap_or_default()
                } else {
                    amount
                };
                let base = if rate == Decimal::ONE {
                    net
                } else {
                    round_cent(net / rate)
                };
                let account = l["AccountID"].as_str().map(str::to_owned).or_else(|| {
                    l["AccountCode"]
                        .as_str()
                        .and_then(|c| by_code.get(c).cloned())
                });
                if let Some(account) = account {
                    lines.push((account, sign * base));
                }
            }
            parts.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            let part_of = |line: Decimal, paid: Decimal| {
                if paid >= total {
                    line
                } else {
                    round_cent(line * paid / total)
                }
            };
            let mut paid = Decimal::ZERO;
            for (on, _, amount) in parts.iter() {
                let before = paid;
                paid += *amount;
                for (account, line) in &lines {
                    let piece = part_of(*line, paid) - part_of(*line, before);
                    if !piece.is_zero() {
                        out.push((*on, account.clone(), piece));
                    }
                }
                if paid >= total {
                    break;
                }
            }
        }
    }
    out
}

/// Xero's amount text: two decimals, no separators, never `-0.00`.
pub fn amount(d: Decimal) -> String {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r.to_string()
}

fn account_attr(id: &str) -> Value {
    json!([{"Value": id, "Id": "account"}])
}

fn account_row(label: &str, id: &str, values: &[String]) -> Value {
    let mut cells = vec![json!({"Value": label, "Attributes": account_attr(id)})];
    cells.extend(
        values
            .iter()
            .map(|v| json!({"Value": v, "Attributes": account_attr(id)})),
    );
    json!({"RowType": "Row", "Cells": cells})
}

fn plain_row(row_type: &str, label: &str, values: &[Decimal]) -> Value {
    let mut cells = vec![json!({"Value": label})];
    cells.extend(values.iter().map(|v| json!({"Value": amount(*v)})));
    json!({"RowType": row_type, "Cells": cells})
}

fn section(title: &str, rows: Vec<Value>) -> Value {
    json!({"RowType": "Section", "Title": title, "Rows": rows})
}

fn header(cells: Vec<String>) -> Value {
    json!({"RowType": "Header", "Cells": cells.into_iter().map(|c| json!({"Value": c})).collect::<Vec<_>>()})
}

fn short_day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn long_day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// `d` moved back `months`: a month end stays a month end, a first stays a first.
fn back(d: NaiveDate, months: u32) -> NaiveDate {
    let moved = d.checked_sub_months(Months::new(months)).unwrap_or(d);
    if d == month_end(d) {
        month_end(moved)
    } else {
        moved
    }
}

/// The account's figure as shown: debit balances (assets, expenses) as they
/// are, credit balances (liabilities, equity, revenue) negated.
fn shown(a: &Acct, net: Decimal) -> Decimal {
    if a.class.is_some_and(AccountClass::shown_negated) {
        -net
    } else {
        net
    }
}

struct Params {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    date: Option<NaiveDate>,
    /// Comparison columns after the first.
    periods: u32,
    step_months: u32,
    /// `paymentsOnly=true`: the cash basis.
    payments_only: bool,
}

fn params(q: &HashMap<String, String>) -> Result<Params, String> {
    let date = |name: &str| -> Result<Option<NaiveDate>, String> {
        match flag(q, name).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("'{v}' is not a valid date for {name}; use YYYY-MM-DD")),
        }
    };
    let payments_only_flag = flag(q, "paymentsOnly");
    let payments_only = match payments_only_flag.as_deref().map(str::trim) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => return Err(format!("paymentsOnly must be true or false, not '{v}'")),
    };
    if q.keys()
        .any(|k| k.to_ascii_lowercase().starts_with("tracking"))
    {
        return Err("tracking filters are not simulated".to_owned());
    }
    let periods = match flag(q, "periods") {
        None => 0,
        Some(p) => match p.trim().parse::<u32>() {
            Ok(n) if (1..=12).contains(&n) => n,
            _ => {
                return Err(format!(
                    "periods must be a whole number from 1 to 12, not '{p}'"
                ))
            }
        },
    };
    let step_months = match flag(q, "timeframe").map(|t| t.to_ascii_uppercase()) {
        None => 1,
        Some(t) if t == "MONTH" => 1,
        Some(t) if t == "QUARTER" => 3,
        Some(t) if t == "YEAR" => 12,
        Some(t) => {
            return Err(format!(
                "timeframe must be MONTH, QUARTER or YEAR, not '{t}'"
            ))
        }
    };
    Ok(Params {
        from: date("fromDate")?,
        to: date("toDate")?,
        date: date("date")?,
        periods,
        step_months,
        payments_only,
    })
}

/// `GET /api.xro/2.0/Reports/{name}` for `tenant`.
pub(crate) fn report(
    shared: &Shared,
    tenant: &str,
    name: &str,
    q: &HashMap<String, String>,
) -> Answer {
    if let Some(side) = aged::AgedSide::from_path(name) {
        return aged::report(shared, tenant, side, q);
    }
    let Some(kind) = ReportName::from_path(name) else {
        return not_found();
    };
    let p = match params(q) {
        Ok(p) => p,
        Err(e) => return bad_request(&e),
    };
    let now = shared.clock.now_ms();
    let Some(today) = day_of(now) else {
        return bad_request("the clock is out of range");
    };
    let books = shared.books.read();
    let Some(b) = books.tenant_named(tenant) else {
        return not_found();
    };
    if p.payments_only && kind != ReportName::ProfitAndLoss {
        return bad_request("paymentsOnly (cash basis) is simulated for the profit and loss only");
    }
    let ledger = Ledger::of(b, p.payments_only);
    let built = match kind {
        ReportName::ProfitAndLoss => profit_and_loss(&ledger, &p, today),
        ReportName::BalanceSheet => Ok(balance_sheet(&ledger, &p, today)),
        ReportName::TrialBalance => Ok(trial_balance(&ledger, &p, today)),
    };
    let (titles, rows) = match built {
        Ok(x) => x,
        Err(e) => return bad_request(&e),
    };
    let mut all_titles = vec![kind.title().to_owned(), ledger.org_name.clone()];
    all_titles.push(titles);
    let report = json!({
        "ReportID": kind.path(),
        "ReportName": kind.title(),
        "ReportType": kind.path(),
        "ReportTitles": all_titles,
        "ReportDate": long_day(today),
        "UpdatedDateUTC": ms_date_bare(now),
        "Fields": [],
        "Rows": rows,
    });
    Answer::ok(envelope(shared, "Reports", vec![report], None), Vec::new())
}

type Built = (String, Vec<Value>);

/// The P&L's groups, in Xero's order: (section, total, class, an account
/// type, whether the group holds that type or everything else of the class).
const PL_GROUPS: [(&str, &str, AccountClass, &str, bool); 4] = [
    (
        "Income",
        "Total Income",
        AccountClass::Revenue,
        "OTHERINCOME",
        false,
    ),
    (
        "Less Cost of Sales",
        "Total Cost of Sales",
        AccountClass::Expense,
        "DIRECTCOSTS",
        true,
    ),
    (
        "Plus Other Income",
        "Total Other Income",
        AccountClass::Revenue,
        "OTHERINCOME",
        true,
    ),
    (
        "Less Operating Expenses",
        "Total Operating Expenses",
        AccountClass::Expense,
        "DIRECTCOSTS",
        false,
    ),
];

fn profit_and_loss(l: &Ledger, p: &Params, today: NaiveDate) -> Result<Built, String> {
    let to = p.to.unwrap_or_else(|| month_end(today));
    let from = p.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err("fromDate is after toDate".to_owned());
    }
    let columns: Vec<(NaiveDate, NaiveDate)> = (0..=p.periods)
        .map(|i| {
            let m = i * p.step_months;
            (back(from, m), back(to, m))
        })
        .collect();
    let maps: Vec<BTreeMap<String, Decimal>> =
        columns.iter().map(|(f, t)| l.net(Some(*f), *t)).collect();
    let n = columns.len();
    let mut totals = vec![vec![Decimal::ZERO; n]; 4];
    let mut sections: Vec<Option<Value>> = Vec::new();
    for (g, (title, total_label, class, kind, holds)) in PL_GROUPS.iter().enumerate() {
        let accounts = l.accounts_in(&maps, |a| {
            a.class == Some(*class) && a.kind.eq_ignore_ascii_case(kind) == *holds
        });
        if accounts.is_empty() {
            sections.push(None);
            continue;
        }
        let mut rows = Vec::new();
        for a in accounts {
            let values: Vec<Decimal> = maps
                .iter()
                .map(|m| shown(a, m.get(&a.id).copied().unwrap_or_default()))
                .collect();
            for (i, v) in values.iter().enumerate() {
                totals[g][i] += *v;
            }
            let text: Vec<String> = values.into_iter().map(amount).collect();
            rows.push(account_row(&a.name, &a.id, &text));
        }
        rows.push(plain_row("SummaryRow", total_label, &totals[g]));
        sections.push(Some(section(title, rows)));
    }
    let gross: Vec<Decimal> = (0..n).map(|i| totals[0][i] - totals[1][i]).collect();
    let net: Vec<Decimal> = (0..n)
        .map(|i| gross[i] + totals[2][i] - totals[3][i])
        .collect();
    let mut rows = vec![header(
        std::iter::once(String::new())
            .chain(columns.iter().map(|(_, t)| short_day(*t)))
            .collect(),
    )];
    let mut sections = sections.into_iter();
    rows.extend(sections.next().flatten());
    rows.extend(sections.next().flatten());
    rows.push(section("", vec![plain_row("Row", "Gross Profit", &gross)]));
    rows.extend(sections.flatten());
    rows.push(section("", vec![plain_row("Row", "Net Profit", &net)]));
    Ok((format!("{} to {}", long_day(from), long_day(to)), rows))
}

/// Balance sheet groups: (section, total label, class, account types; empty = the rest).
const BS_GROUPS: [(&str, &str, AccountClass, &[&str]); 6] = [
    ("Bank", "Total Bank", AccountClass::Asset, &["BANK"]),
    (
        "Fixed Assets",
        "Total Fixed Assets",
        AccountClass::Asset,
        &["FIXED"],
    ),
    (
        "Non-current Assets",
        "Total Non-current Assets",
        AccountClass::Asset,
        &["NONCURRENT"],
    ),
    (
        "Current Assets",
        "Total Current Assets",
        AccountClass::Asset,
        &[],
    ),
    (
        "Non-current Liabilities",
        "Total Non-current Liabilities",
        AccountClass::Liability,
        &["TERMLIAB"],
    ),
    (
        "Current Liabilities",
        "Total Current Liabilities",
        AccountClass::Liability,
        &[],
    ),
];

fn in_group(a: &Acct, class: AccountClass, types: &[&str]) -> bool {
    if a.class != Some(class) {
        return false;
    }
    let listed = |ts: &[&str]| ts.iter().any(|t| a.kind.eq_ignore_ascii_case(t));
    if types.is_empty() {
        // The rest of the class: not in any listed group of it.
        !BS_GROUPS
            .iter()
            .filter(|(_, _, c, ts)| *c == class && !ts.is_empty())
            .any(|(_, _, _, ts)| listed(ts))
    } else {
        listed(types)
    }
}

/// Per column: every account's balance to the date, this year's P&L net
/// (debit positive) and the earlier years'.
struct AsAt {
    balances: Vec<BTreeMap<String, Decimal>>,
    year: Vec<BTreeMap<String, Decimal>>,
    current: Vec<Decimal>,
    earlier: Vec<Decimal>,
}

fn as_at(l: &Ledger, dates: &[NaiveDate]) -> AsAt {
    let mut out = AsAt {
        balances: Vec::new(),
        year: Vec::new(),
        current: Vec::new(),
        earlier: Vec::new(),
    };
    for d in dates {
        let all = l.net(None, *d);
        let year = l.net(Some(l.year_start(*d)), *d);
        let current = l.pl_net(&year);
        out.earlier.push(l.pl_net(&all) - current);
        out.current.push(current);
        out.balances.push(all);
        out.year.push(year);
    }
    out
}

fn retained_earnings(l: &Ledger) -> Option<&Acct> {
    l.accounts.values().find(|a| a.retained_earnings)
}

fn balance_sheet(l: &Ledger, p: &Params, today: NaiveDate) -> Built {
    let date = p.date.unwrap_or_else(|| month_end(today));
    let dates: Vec<NaiveDate> = (0..=p.periods)
        .map(|i| back(date, i * p.step_months))
        .collect();
    let n = dates.len();
    let at = as_at(l, &dates);
    let value =
        |a: &Acct, i: usize| shown(a, at.balances[i].get(&a.id).copied().unwrap_or_default());
    let mut rows = vec![header(
        std::iter::once(String::new())
            .chain(dates.iter().map(|d| short_day(*d)))
            .collect(),
    )];
    let mut class_totals: BTreeMap<AccountClass, Vec<Decimal>> = BTreeMap::new();
    for (class, heading, total_label) in [
        (AccountClass::Asset, "Assets", "Total Assets"),
        (AccountClass::Liability, "Liabilities", "Total Liabilities"),
    ] {
        rows.push(section(heading, Vec::new()));
        let mut total = vec![Decimal::ZERO; n];
        for (title, group_total, c, types) in BS_GROUPS.iter().filter(|g| g.2 == class) {
            let accounts = l.accounts_in(&at.balances, |a| in_group(a, *c, types));
            if accounts.is_empty() {
                continue;
            }
            let mut group = vec![Decimal::ZERO; n];
            let mut srows = Vec::new();
            for a in accounts {
                let values: Vec<Decimal> = (0..n).map(|i| value(a, i)).collect();
                for i in 0..n {
                    group[i] += values[i];
                }
                srows.push(account_row(
                    &a.name,
                    &a.id,
                    &values.into_iter().map(amount).collect::<Vec<_>>(),
                ));
            }
            for i in 0..n {
                total[i] += group[i];
            }
            srows.push(plain_row("SummaryRow", group_total, &group));
            rows.push(section(title, srows));
        }
        rows.push(section(
            "",
            vec![plain_row("SummaryRow", total_label, &total)],
        ));
        class_totals.insert(class, total);
    }
    let zero = vec![Decimal::ZERO; n];
    let assets = class_totals.get(&AccountClass::Asset).unwrap_or(&zero);
    let liabilities = class_totals.get(&AccountClass::Liability).unwrap_or(&zero);
    let net_assets: Vec<Decimal> = (0..n).map(|i| assets[i] - liabilities[i]).collect();
    rows.push(section(
        "",
        vec![plain_row("Row", "Net Assets", &net_assets)],
    ));
    // Equity: this year's earnings, then the accounts; the retained earnings
    // account holds the earlier years' profit (Xero posts no closing entries).
    let re = retained_earnings(l);
    let mut equity_total = vec![Decimal::ZERO; n];
    let current: Vec<Decimal> = at.current.iter().map(|c| -*c).collect();
    let mut erows = vec![account_row(
        "Current Year Earnings",
        NIL_ACCOUNT,
        &current.iter().map(|v| amount(*v)).collect::<Vec<_>>(),
    )];
    for i in 0..n {
        equity_total[i] += current[i];
    }
    let mut accounts = l.accounts_in(&at.balances, |a| a.class == Some(AccountClass::Equity));
    if let Some(re) = re {
        if !accounts.iter().any(|a| a.id == re.id) {
            accounts.push(re);
        }
    }
    for a in accounts {
        let values: Vec<Decimal> = (0..n)
            .map(|i| {
                let own = value(a, i);
                if a.retained_earnings {
                    own - at.earlier[i]
                } else {
                    own
                }
            })
            .collect();
        for i in 0..n {
            equity_total[i] += values[i];
        }
        erows.push(account_row(
            &a.name,
            &a.id,
            &values.into_iter().map(amount).collect::<Vec<_>>(),
        ));
    }
    if re.is_none() {
        let earlier: Vec<Decimal> = at.earlier.iter().map(|e| -*e).collect();
        for i in 0..n {
            equity_total[i] += earlier[i];
        }
        erows.push(plain_row("Row", "Retained Earnings", &earlier));
    }
    erows.push(plain_row("SummaryRow", "Total Equity", &equity_total));
    rows.push(section("Equity", erows));
    (format!("As at {}", long_day(date)), rows)
}

/// A trial balance pair of cells: the debit or the credit side of a net.
fn sides(net: Decimal) -> [String; 2] {
    if net.is_sign_negative() && !net.is_zero() {
        [String::new(), amount(-net)]
    } else {
        [amount(net), String::new()]
    }
}

fn trial_balance(l: &Ledger, p: &Params, today: NaiveDate) -> Built {
    let date = p.date.unwrap_or(today);
    let month = l.net(Some(date.with_day(1).unwrap_or(date)), date);
    let at = as_at(l, &[date]);
    let (balances, year, earlier) = (&at.balances[0], &at.year[0], at.earlier[0]);
    let mut totals = [Decimal::ZERO; 4];
    let mut rows = vec![header(
        ["Account", "Debit", "Credit", "YTD Debit", "YTD Credit"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
    )];
    let re = retained_earnings(l);
    for (class, title) in [
        (AccountClass::Revenue, "Revenue"),
        (AccountClass::Expense, "Expenses"),
        (AccountClass::Asset, "Assets"),
        (AccountClass::Liability, "Liabilities"),
        (AccountClass::Equity, "Equity"),
    ] {
        let ytd_map = if class.is_profit_and_loss() {
            year
        } else {
            balances
        };
        let mut accounts = l.accounts_in(std::slice::from_ref(ytd_map), |a| a.class == Some(class));
        if class == AccountClass::Equity {
            if let Some(re) = re.filter(|_| !earlier.is_zero()) {
                if !accounts.iter().any(|a| a.id == re.id) {
                    accounts.push(re);
                }
            }
        }
        let mut srows = Vec::new();
        for a in accounts {
            let moved = month.get(&a.id).copied().unwrap_or_default();
            let mut ytd = ytd_map.get(&a.id).copied().unwrap_or_default();
            if a.retained_earnings {
                ytd += earlier;
            }
            let [d, c] = sides(moved);
            let [yd, yc] = sides(ytd);
            for (t, v) in totals.iter_mut().zip([&d, &c, &yd, &yc]) {
                if let Ok(x) = v.parse::<Decimal>() {
                    *t += x;
                }
            }
            let label = if a.code.is_empty() {
                a.name.clone()
            } else {
                format!("{} ({})", a.name, a.code)
            };
            srows.push(account_row(&label, &a.id, &[d, c, yd, yc]));
        }
        if class == AccountClass::Equity && re.is_none() && !earlier.is_zero() {
            let [yd, yc] = sides(earlier);
            for (t, v) in totals[2..].iter_mut().zip([&yd, &yc]) {
                if let Ok(x) = v.parse::<Decimal>() {
                    *t += x;
                }
            }
            srows.push(json!({"RowType": "Row", "Cells": [{"Value": "Retained Earnings"}, {"Value": ""}, {"Value": ""}, {"Value": yd}, {"Value": yc}]}));
        }
        if !srows.is_empty() {
            rows.push(section(title, srows));
        }
    }
    rows.push(section("", vec![plain_row("SummaryRow", "Total", &totals)]));
    (format!("As at {}", long_day(date)), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_two_decimals_and_no_negative_zero() {
        assert_eq!(amount(Decimal::new(5, 1)), "0.50");
        assert_eq!(amount(-Decimal::ZERO), "0.00");
        assert_eq!(amount(Decimal::new(-123456, 2)), "-1234.56");
    }

    #[test]
    fn moving_back_keeps_month_ends_and_firsts() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(back(d("2026-03-31"), 1), d("2026-02-28"));
        assert_eq!(back(d("2026-02-28"), 1), d("2026-01-31"));
        assert_eq!(back(d("2026-03-01"), 3), d("2025-12-01"));
        assert_eq!(back(d("2026-03-15"), 12), d("2025-03-15"));
    }

    #[test]
    fn parameters_outside_the_spec_are_refused() {
        let q = |k: &str, v: &str| HashMap::from([(k.to_owned(), v.to_owned())]);
        assert!(params(&q("periods", "13")).is_err());
        assert!(params(&q("timeframe", "WEEK")).is_err());
        assert!(params(&q("fromDate", "2026-13-01")).is_err());
        assert!(params(&q("paymentsOnly", "true")).is_ok_and(|p| p.payments_only));
        assert!(params(&q("paymentsOnly", "False")).is_ok_and(|p| !p.payments_only));
        assert!(params(&q("paymentsOnly", "yes")).is_err());
        assert_eq!(params(&q("timeframe", "quarter")).unwrap().step_months, 3);
    }
}

//! The general ledger screen: one account's lines over a period, a page at a
//! time, with a running balance (as Xero's Account Transactions report), each
//! line naming the document it was posted from.
//!
//! The store gives the lines and the account's movement before the period; the core
//! (`ledgerkeep_ledger::account_transactions`) says which span makes the
//! opening balance and runs the balance; this maps them to the view. The
//! running balance is carried from page to page in the cursor.

use chrono::NaiveDate;
use ledgerkeep_domain::reports::AccountClass;
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_ledger::account_transactions::{opening_span, BalanceState, RunningBalance};
use ledgerkeep_ledger::statements::YearEnd;
use ledgerkeep_ledger::SourceKind;
use ledgerkeep_store::general_ledger::AccountLinesFilter;
use ledgerkeep_store::reports::LedgerPeriod;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// One page of an account's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneralLedgerRequest {
    pub tenant_id: String,
    /// The account's Xero id (as the chart of accounts lists it).
    pub account: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive.
    pub to: String,
    /// The `nextCursor` of the previous page; none for the first.
    #[serde(default)]
    pub after: Option<String>,
    /// 1 to 500; 100 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One line of the account, with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneralLedgerRowView {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Xero's source type (`ACCREC`, `CASHPAID`...).
    pub source_type: String,
    /// The document the line was posted from, when it is a record the app
    /// shows (absent for lines kept from Xero's reports, such as pay runs).
    pub entity: Option<EntityKind>,
    /// The document's Xero id.
    pub xero_id: String,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// Absent when the line is a credit.
    pub debit: Option<Money>,
    /// Absent when the line is a debit.
    pub credit: Option<Money>,
    /// The balance after this line, shown as `balanceNegated` says.
    pub balance: Money,
    /// The line is the first of a later financial year: a profit-and-loss
    /// account's balance started again at zero before it.
    pub year_start: bool,
    /// The document's currency and amount, when not the base currency.
    pub currency_code: Option<String>,
    pub foreign_amount: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneralLedgerPageView {
    pub account: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// Xero's `Type` (`BANK`, `REVENUE`...).
    pub account_type: Option<String>,
    /// The base currency every amount is in.
    pub currency: Option<String>,
    /// The balance before the period: every earlier line, or for a revenue
    /// or expense account its lines since the financial year began.
    pub opening_balance: Money,
    /// Balances are credit balances shown positive (liabilities, equity,
    /// revenue); debits and credits are always positive.
    pub balance_negated: bool,
    pub rows: Vec<GeneralLedgerRowView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The balance at the period's end; on the last page only (the trial
    /// balance's figure for the account on that day).
    pub closing_balance: Option<Money>,
}

/// The cursor the fronts hand back: the store's, and the balance so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    after: String,
    balance: Money,
    year_start: NaiveDate,
    /// The period's opening balance, debit positive.
    opening: Money,
}

fn parse_date(name: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{name} must be a date like 2026-03-31.")))
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

const OUT_OF_RANGE: &str =
    "A balance is too large to show: an amount in the books is out of range. Check the largest amounts in Xero.";

/// The record a line's source is.
pub fn source_entity(source_type: &str) -> Option<EntityKind> {
    SourceKind::parse(source_type).map(SourceKind::entity)
}

#[tracing::instrument(name = "op", skip_all, fields(op = "general_ledger", request_id = %crate::request_id()))]
pub async fn general_ledger(
    ctx: &AppContext,
    req: GeneralLedgerRequest,
) -> Result<GeneralLedgerPageView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let account = req.account.trim();
    if account.is_empty() {
        return Err(ApiError::invalid("Choose an account."));
    }
    let from = parse_date("The start date", &req.from)?;
    let to = parse_date("The end date", &req.to)?;
    if from > to {
        return Err(ApiError::invalid("The start date is after the end date."));
    }
    let limit = super::page_limit(req.limit, 100)?;
    let org = ctx
        .store()
        .reporting_organisation(tenant)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "This organisation has not been synced yet: there is no ledger to show.",
            )
        })?;
    let year_end = YearEnd {
        day: org.financial_year_end_day.unwrap_or(31),
        month: org.financial_year_end_month.unwrap_or(12),
    };
    let chart = ctx.store().chart_of_accounts(tenant).await?;
    let info = chart.into_iter().find(|a| a.key == account);
    let class: Option<AccountClass> = info.as_ref().and_then(|a| a.class);

    // A later page carries on from the cursor: the balance so far, and the
    // opening balance (the account's movement is read for the first page only).
    let cursor: Option<Cursor> = req
        .after
        .as_deref()
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|_| ApiError::invalid("That page cursor is not valid."))
        })
        .transpose()?;
    let opening = match (&cursor, opening_span(class, from, year_end)) {
        (Some(c), _) => c.opening.as_decimal(),
        (None, Some(span)) => {
            let read = LedgerPeriod {
                from: span.from.map(ymd),
                to: ymd(span.to),
            };
            ctx.store()
                .account_total(tenant, account, &read)
                .await?
                .net()
        }
        (None, None) => Decimal::ZERO,
    };
    let mut run = RunningBalance::start(class, year_end, from, opening);
    let opening_balance = Money::new(run.shown());
    let store_after = match cursor {
        Some(c) => {
            run = RunningBalance::resume(
                class,
                year_end,
                BalanceState {
                    balance: c.balance.as_decimal(),
                    year_start: c.year_start,
                },
            );
            Some(c.after)
        }
        None => None,
    };
    let page = ctx
        .store()
        .account_lines(
            &AccountLinesFilter {
                tenant_id: tenant.to_owned(),
                account: account.to_owned(),
                from: Some(ymd(from)),
                to: ymd(to),
            },
            store_after.as_deref(),
            limit,
        )
        .await?;
    let mut rows = Vec::with_capacity(page.rows.len());
    for l in page.rows {
        let date = parse_date("A line's date", &l.date)
            .map_err(|_| ApiError::internal("A ledger line's date could not be read."))?;
        let r = run
            .post(date, l.net.as_decimal())
            .map_err(|_| ApiError::internal(OUT_OF_RANGE))?;
        rows.push(GeneralLedgerRowView {
            date: l.date,
            entity: source_entity(&l.source_type),
            source_type: l.source_type,
            xero_id: l.source_xero_id,
            reference: l.reference.filter(|s| !s.is_empty()),
            description: l.description.filter(|s| !s.is_empty()),
            debit: (!r.debit.is_zero() || r.credit.is_zero()).then(|| Money::new(r.debit)),
            credit: (!r.credit.is_zero()).then(|| Money::new(r.credit)),
            balance: Money::new(r.shown),
            year_start: r.year_restarted,
            currency_code: l.currency_code,
            foreign_amount: l.foreign_amount,
        });
    }
    let (next_cursor, closing_balance) = match page.next_cursor {
        Some(after) => {
            let state = run.state();
            let cursor = Cursor {
                after,
                balance: Money::new(state.balance),
                year_start: state.year_start,
                opening: Money::new(opening),
            };
            let text = serde_json::to_string(&cursor)
                .map_err(|_| ApiError::internal("A page cursor could not be written."))?;
            (Some(text), None)
        }
        None => (None, Some(Money::new(run.closing_shown(to)))),
    };
    Ok(GeneralLedgerPageView {
        account: account.to_owned(),
        code: info.as_ref().and_then(|a| a.code.clone()),
        name: info.as_ref().and_then(|a| a.name.clone()),
        account_type: info.as_ref().and_then(|a| a.account_type.clone()),
        currency: org.base_currency,
        opening_balance,
        balance_negated: run.negated(),
        rows,
        next_cursor,
        closing_balance,
    })
}

//! The Dashboard's figures for one organisation, all from the local ledger,
//! in one command: the bank accounts as tiles (the general ledger's balance,
//! and when the organisation last synced), money in and out of the bank and
//! income against expenses for twelve months (the profit and loss the
//! reports make, one column a month), receivables and payables by age (the
//! aged report's buckets), what came in since the owner's last look, the
//! bills due within a week, the latest changed documents, and what needs
//! attention (a sign-in refused, a failed sync, open anomalies, a month-end
//! close due).
//!
//! The "last look" is when the owner last opened the Dashboard: a setting
//! per organisation, moved by [`dashboard_look`] at the clock's now and kept
//! as the audit chain's head then, so what changed since is a range of the
//! chain's key.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerkeep_domain::close::Period;
use ledgerkeep_domain::reports::AgeBucket;
use ledgerkeep_domain::xero::AccountType;
use ledgerkeep_domain::xero_report::TotalLine;
use ledgerkeep_domain::Money;
use ledgerkeep_ledger::statements::{self, Line, Span, StatementKind, YearEnd};
use ledgerkeep_store::reports::LedgerPeriod;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{
    list_documents, DocumentFilterDto, DocumentKindDto, DocumentRowView, ListDocumentsRequest,
    SortFieldDto,
};
use crate::ops::reports::{list_accounts, AccountView, ListAccountsRequest};
use crate::ops::xero_connection::OrganisationStatus;
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardRequest {
    pub tenant_id: String,
    /// Today in the organisation's timezone, `YYYY-MM-DD`: balances are to
    /// this day and a document due before it is overdue.
    pub as_at: String,
    /// How many recently changed documents, 1 to 50; 10 when absent.
    #[serde(default)]
    pub recent_limit: Option<u32>,
}

/// What was outstanding at the date on approved invoices (or bills) in one
/// currency, less the credit notes and overpayments not yet used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DueTotalView {
    pub currency_code: Option<String>,
    /// Every outstanding document's amount (credits negative).
    pub due: Money,
    /// How many documents, credits included.
    pub due_count: u32,
    /// The part of `due` on invoices (bills) whose due date has passed.
    pub overdue: Money,
    pub overdue_count: u32,
}

/// A document changed lately, from either listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecentDocumentView {
    pub kind: DocumentKindDto,
    pub document: DocumentRowView,
}

/// What needs the owner's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardAlertsView {
    /// Xero refused this organisation's sign-in: connect again to resume syncing.
    pub reauthorisation_needed: bool,
    /// The newest sync run of the organisation failed: its error, for the owner.
    pub last_sync_failed: Option<String>,
    /// Open anomaly findings (neither dismissed nor resolved).
    pub anomalies: u32,
    /// Month-end closes due by `as_at` (or overdue) for this organisation:
    /// an open run's earliest unfinished step, or last month's run not yet
    /// started while a procedure is due in it.
    pub closes_due: Vec<CloseDueView>,
}

/// A month-end close that is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CloseDueView {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// Whether the day has passed (`due` before `as_at`).
    pub overdue: bool,
}

/// A bank account as a tile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BankTileView {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// The general ledger's balance at `as_at`, in the base currency.
    pub balance: Money,
    /// When the organisation's newest successful sync finished (RFC 3339):
    /// the ledger holds Xero's bank transactions as of then.
    pub last_synced_utc: Option<String>,
}

/// One month's money and profit, in the base currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    /// The days read, `YYYY-MM-DD` inclusive (the last month ends at `as_at`).
    pub from: String,
    pub to: String,
    /// Every debit to a bank account: money in (transfers between the
    /// accounts count on both sides).
    pub money_in: Money,
    /// Every credit to a bank account, as a positive amount: money out.
    pub money_out: Money,
    /// The profit and loss's total income plus other income.
    pub income: Money,
    /// Its cost of sales plus operating expenses.
    pub expenses: Money,
    /// Its net profit: `income - expenses`.
    pub net_profit: Money,
}

/// One age bucket of receivables or payables, in the base currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AgeBucketView {
    /// `current`, `1-30`, `31-60`, `61-90` or `older`.
    pub key: String,
    /// What a heading says ("1-30 days").
    pub label: String,
    /// What the bucket's documents had outstanding, credits netted.
    pub amount: Money,
    /// How many documents, credits included.
    pub count: u32,
    /// The due dates the bucket holds (`YYYY-MM-DD`, inclusive; absent = open).
    pub due_from: Option<String>,
    pub due_to: Option<String>,
}

/// Receivables or payables by age: the aged report's base-currency figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AgeingView {
    /// `ACCREC` or `ACCPAY`: what the aged list the bars open is of.
    pub doc_type: String,
    /// Current, 1-30, 31-60, 61-90 and older days past due.
    pub buckets: Vec<AgeBucketView>,
    /// The buckets' sum: everything outstanding (equal to
    /// `receivablesTotal` / `payablesTotal`).
    pub total: Money,
    /// The four past-due buckets' sum, credits netted as in the total.
    pub past_due: Money,
}

/// What the ledger took in since the owner's last look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SinceLastLookView {
    /// When the owner last opened the Dashboard before this visit (RFC 3339).
    pub since_utc: String,
    pub new_invoices: u32,
    pub new_bills: u32,
    pub payments_received: u32,
    /// Every record added, changed or removed, each once.
    pub records_changed: u32,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyAmountView {
    pub currency_code: Option<String>,
    pub amount: Money,
}

/// Approved bills with something still to pay, due from `as_at` to 7 days on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BillsDueSoonView {
    pub from: String,
    pub to: String,
    pub count: u32,
    /// What is due, per currency (Xero's amount due as last synced).
    pub totals: Vec<CurrencyAmountView>,
}

/// The organisation whose Dashboard the owner opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardLookRequest {
    pub tenant_id: String,
}

/// The look [`dashboard_look`] recorded, and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardLookView {
    /// The look before this visit (RFC 3339), none on the first.
    pub previous_utc: Option<String>,
    /// This visit's look.
    pub current_utc: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub as_at: String,
    /// The general ledger's currency: the bank balances are in it.
    pub base_currency: Option<String>,
    /// Every bank account of the chart with its balance at `as_at`.
    pub cash: Vec<AccountView>,
    pub receivables: Vec<DueTotalView>,
    pub payables: Vec<DueTotalView>,
    /// What customers owe, in the base currency: the aged receivables total,
    /// equal to the receivable control account's balance at `as_at`.
    #[serde(default)]
    pub receivables_total: Option<Money>,
    /// What is owed to suppliers, in the base currency: the aged payables
    /// total, equal to the payable control account's balance at `as_at`.
    #[serde(default)]
    pub payables_total: Option<Money>,
    /// Newest change first.
    pub recent: Vec<RecentDocumentView>,
    pub alerts: DashboardAlertsView,
    /// The bank accounts as tiles, in the chart's order.
    pub banks: Vec<BankTileView>,
    /// Twelve months, oldest first, the last being `as_at`'s to that day.
    pub months: Vec<MonthView>,
    pub receivables_ageing: AgeingView,
    pub payables_ageing: AgeingView,
    /// None before the first look was recorded.
    pub since_last_look: Option<SinceLastLookView>,
    pub bills_due_soon: BillsDueSoonView,
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn overflow() -> ApiError {
    ApiError::internal(
        "A Dashboard figure is too large to show: an amount in the books is out of range.",
    )
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, ApiError> {
    a.checked_add(b).ok_or_else(overflow)
}

fn count32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// Per currency, from the aged figures.
fn due_views(owed: crate::ops::aged::OwedTotals) -> Vec<DueTotalView> {
    owed.by_currency
        .into_iter()
        .map(
            |(currency_code, (due, due_count, overdue, overdue_count))| DueTotalView {
                currency_code,
                due: Money::new(due),
                due_count,
                overdue: Money::new(overdue),
                overdue_count,
            },
        )
        .collect()
}

/// The bucket's key as the UI and the aged list's address name it.
fn bucket_key(b: AgeBucket) -> &'static str {
    match b {
        AgeBucket::Current => "current",
        AgeBucket::Days1To30 => "1-30",
        AgeBucket::Days31To60 => "31-60",
        AgeBucket::Days61To90 => "61-90",
        AgeBucket::Older => "older",
    }
}

fn ageing_view(
    doc_type: &str,
    a: &crate::ops::aged::Ageing,
    as_at: NaiveDate,
) -> Result<AgeingView, ApiError> {
    let mut total = Decimal::ZERO;
    let mut past_due = Decimal::ZERO;
    let mut buckets = Vec::new();
    for ((b, amount), count) in AgeBucket::ALL.iter().zip(a.buckets).zip(a.counts) {
        total = add(total, amount)?;
        if *b != AgeBucket::Current {
            past_due = add(past_due, amount)?;
        }
        let (from, to) = b.due_range(as_at);
        buckets.push(AgeBucketView {
            key: bucket_key(*b).to_owned(),
            label: b.label().to_owned(),
            amount: Money::new(statements::shown(amount, false)),
            count,
            due_from: from.map(ymd),
            due_to: to.map(ymd),
        });
    }
    Ok(AgeingView {
        doc_type: doc_type.to_owned(),
        buckets,
        total: Money::new(statements::shown(total, false)),
        past_due: Money::new(statements::shown(past_due, false)),
    })
}

/// The twelve months that end with `as_at`'s (cut at `as_at`), oldest first.
fn twelve_months(as_at: NaiveDate) -> Vec<(Period, Span)> {
    let mut p = Period::of(as_at);
    let mut out = Vec::with_capacity(12);
    for _ in 0..12 {
        out.push((
            p,
            Span {
                from: Some(p.first_day()),
                to: p.last_day().min(as_at),
            },
        ));
        p = p.previous();
    }
    out.reverse();
    out
}

/// Each month's movements on the bank accounts (money in and out) and the
/// profit and loss the reports make over the same months, from one read of
/// the general ledger (its month totals).
async fn months(
    ctx: &AppContext,
    tenant: &str,
    as_at: NaiveDate,
    year_end: YearEnd,
    banks: &std::collections::BTreeSet<String>,
) -> Result<Vec<MonthView>, ApiError> {
    let months = twelve_months(as_at);
    let columns: Vec<Span> = months.iter().map(|(_, s)| *s).collect();
    let read: Vec<LedgerPeriod> =
        statements::spans(StatementKind::ProfitAndLoss, &columns, year_end)
            .iter()
            .map(|s| LedgerPeriod {
                from: s.from.map(ymd),
                to: ymd(s.to),
            })
            .collect();
    let moved = ctx.store().account_movements(tenant, &read).await?;
    let pl = statements::statement(StatementKind::ProfitAndLoss, &columns, year_end, &moved)
        .map_err(|_| overflow())?;
    // A total line's figure in column `i` (zero when its section is empty).
    let total_of = |line: TotalLine, i: usize| -> Decimal {
        pl.sections
            .iter()
            .filter_map(|s| s.total.as_ref())
            .chain(pl.summary.iter())
            .find(|r| r.line == Line::Total(line))
            .and_then(|r| r.cells.get(i))
            .and_then(|c| c.amount)
            .unwrap_or(Decimal::ZERO)
    };
    let mut out = Vec::with_capacity(months.len());
    for (i, (period, span)) in months.iter().enumerate() {
        let (mut money_in, mut money_out) = (Decimal::ZERO, Decimal::ZERO);
        if let Some(m) = moved.get(i) {
            for a in m.values().filter(|a| banks.contains(&a.key)) {
                money_in = add(money_in, a.debit)?;
                money_out = add(money_out, a.credit)?;
            }
        }
        let income = add(
            total_of(TotalLine::TotalIncome, i),
            total_of(TotalLine::TotalOtherIncome, i),
        )?;
        let expenses = add(
            total_of(TotalLine::TotalCostOfSales, i),
            total_of(TotalLine::TotalOperatingExpenses, i),
        )?;
        out.push(MonthView {
            month: format!("{:04}-{:02}", period.year, period.month),
            from: span.from.map(ymd).unwrap_or_default(),
            to: ymd(span.to),
            money_in: Money::new(statements::shown(money_in, false)),
            money_out: Money::new(statements::shown(money_out, false)),
            income: Money::new(statements::shown(income, false)),
            expenses: Money::new(statements::shown(expenses, false)),
            net_profit: Money::new(statements::shown(total_of(TotalLine::NetProfit, i), false)),
        });
    }
    Ok(out)
}

/// The settings key of an organisation's last look.
fn look_key(tenant: &str) -> String {
    format!("dashboard.last_look.{tenant}")
}

/// One look: when, and the audit chain's head then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Look {
    at: DateTime<Utc>,
    audit_seq: i64,
}

/// The setting: this visit's look and the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Looks {
    previous: Option<Look>,
    current: Option<Look>,
}

/// Opening the Dashboard again within this long is the same visit: the look
/// before it stays the one "since your last look" counts from (a screen
/// drawn twice, or a quick trip to another screen and back).
const SAME_VISIT: chrono::Duration = chrono::Duration::minutes(10);

async fn looks(ctx: &AppContext, tenant: &str) -> Result<Looks, ApiError> {
    Ok(ctx
        .store()
        .setting(&look_key(tenant))
        .await?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Records that the owner opened the Dashboard of an organisation now (the
/// configured clock's): the look before becomes the one "since your last
/// look" counts from, unless the last one was in this same visit.
#[tracing::instrument(name = "op", skip_all, fields(op = "dashboard_look", request_id = %crate::request_id()))]
pub async fn dashboard_look(
    ctx: &AppContext,
    req: DashboardLookRequest,
) -> Result<DashboardLookView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let now = ctx.config().now();
    let mut l = looks(ctx, tenant).await?;
    let same_visit = l
        .current
        .as_ref()
        .is_some_and(|c| now >= c.at && now - c.at < SAME_VISIT);
    if !same_visit {
        l.previous = l.current.take();
        l.current = Some(Look {
            at: now,
            audit_seq: ctx.store().audit_head_seq().await?,
        });
        let json = serde_json::to_string(&l).map_err(|e| ApiError::internal(e.to_string()))?;
        ctx.store()
            .set_setting(&look_key(tenant), &json, now)
            .await?;
    }
    let instant = |l: &Look| l.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(DashboardLookView {
        previous_utc: l.previous.as_ref().map(instant),
        current_utc: l.current.as_ref().map(instant).unwrap_or_default(),
    })
}

async fn since_last_look(
    ctx: &AppContext,
    tenant: &str,
) -> Result<Option<SinceLastLookView>, ApiError> {
    let Some(previous) = looks(ctx, tenant).await?.previous else {
        return Ok(None);
    };
    let c = ctx
        .store()
        .changes_since(tenant, previous.audit_seq)
        .await?;
    Ok(Some(SinceLastLookView {
        since_utc: previous
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        new_invoices: count32(c.new_sales_invoices),
        new_bills: count32(c.new_bills),
        payments_received: count32(c.payments_received),
        records_changed: count32(c.records_changed),
    }))
}

/// Bills due from `as_at` to a week on, summed per currency.
async fn bills_due_soon(
    ctx: &AppContext,
    tenant: &str,
    as_at: NaiveDate,
) -> Result<BillsDueSoonView, ApiError> {
    let to = as_at + chrono::Duration::days(7);
    let bills = ctx
        .store()
        .bills_due_between(tenant, &ymd(as_at), &ymd(to))
        .await?;
    let mut totals: std::collections::BTreeMap<Option<String>, Decimal> = Default::default();
    for b in &bills {
        let due = match b.amount_due.as_deref() {
            Some(t) => Money::parse(t)
                .map_err(|_| {
                    ApiError::internal(format!(
                        "bill {}: its amount due is not a number",
                        b.xero_id
                    ))
                })?
                .as_decimal(),
            None => Decimal::ZERO,
        };
        let slot = totals.entry(b.currency_code.clone()).or_default();
        *slot = add(*slot, due)?;
    }
    Ok(BillsDueSoonView {
        from: ymd(as_at),
        to: ymd(to),
        count: count32(bills.len()),
        totals: totals
            .into_iter()
            .map(|(currency_code, amount)| CurrencyAmountView {
                currency_code,
                amount: Money::new(amount),
            })
            .collect(),
    })
}

/// The closes due by `as_at` for `tenant` ([`crate::ops::close::due_items`]
/// lists every organisation's).
async fn closes_due(
    ctx: &AppContext,
    tenant: &str,
    as_at: NaiveDate,
) -> Result<Vec<CloseDueView>, ApiError> {
    let runs: std::collections::BTreeSet<String> = ctx
        .store()
        .open_runs()
        .await?
        .into_iter()
        .filter(|r| r.tenant_id == tenant)
        .map(|r| format!("run:{}", r.id))
        .collect();
    let start = format!("start:{tenant}:");
    Ok(crate::ops::close::due_items(ctx.store(), as_at)
        .await?
        .into_iter()
        .filter(|i| i.due <= as_at && (runs.contains(&i.key) || i.key.starts_with(&start)))
        .map(|i| CloseDueView {
            title: i.title,
            due: ymd(i.due),
            overdue: i.due < as_at,
        })
        .collect())
}

/// The `limit` latest changed documents: each listing's newest `limit` by
/// `updatedUtc` (a keyset page), merged.
async fn recent(
    ctx: &AppContext,
    tenant: &str,
    limit: u32,
) -> Result<Vec<RecentDocumentView>, ApiError> {
    let mut all = Vec::new();
    for kind in [DocumentKindDto::Invoices, DocumentKindDto::BankTransactions] {
        let page = list_documents(
            ctx,
            ListDocumentsRequest {
                filter: DocumentFilterDto {
                    kind: Some(kind),
                    tenant_id: tenant.to_owned(),
                    ..DocumentFilterDto::default()
                },
                sort: SortFieldDto::Updated,
                descending: true,
                after: None,
                limit: Some(limit),
            },
        )
        .await?;
        all.extend(
            page.rows
                .into_iter()
                .map(|document| RecentDocumentView { kind, document }),
        );
    }
    // Newest first; a document without a change time last.
    all.sort_by(|a, b| b.document.updated_utc.cmp(&a.document.updated_utc));
    all.truncate(limit as usize);
    Ok(all)
}

/// Whether a connection in the keyring holds this organisation and Xero
/// refused its sign-in. A keyring that cannot be read raises no alert here
/// (Settings shows that error); it is logged.
async fn needs_reauthorisation(ctx: &AppContext, tenant: &str) -> bool {
    match crate::ops::xero_connection::list_organisations(ctx).await {
        Ok(orgs) => orgs
            .iter()
            .any(|o| o.tenant_id == tenant && o.status == OrganisationStatus::NeedsReauthorisation),
        Err(e) => {
            tracing::warn!(code = ?e.code, "could not read the connections for the dashboard");
            false
        }
    }
}

#[tracing::instrument(name = "op", skip_all, fields(op = "dashboard", request_id = %crate::request_id()))]
pub async fn dashboard(ctx: &AppContext, req: DashboardRequest) -> Result<DashboardView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let as_at = NaiveDate::parse_from_str(req.as_at.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("The date must be YYYY-MM-DD."))?;
    let limit = req.recent_limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid(
            "Recent activity shows 1 to 50 documents.",
        ));
    }
    let org = ctx.store().reporting_organisation(tenant).await?;
    let year_end = YearEnd {
        day: org
            .as_ref()
            .and_then(|o| o.financial_year_end_day)
            .unwrap_or(31),
        month: org
            .as_ref()
            .and_then(|o| o.financial_year_end_month)
            .unwrap_or(12),
    };
    let cash: Vec<AccountView> = if org.is_some() {
        list_accounts(
            ctx,
            ListAccountsRequest {
                tenant_id: tenant.to_owned(),
                as_at: ymd(as_at),
            },
        )
        .await?
        .into_iter()
        .filter(|a| a.account_type.as_deref().map(AccountType::from) == Some(AccountType::Bank))
        .collect()
    } else {
        Vec::new()
    };
    let last_synced_utc = ctx.store().last_successful_sync(tenant).await?;
    let banks = cash
        .iter()
        .map(|a| BankTileView {
            xero_id: a.xero_id.clone(),
            code: a.code.clone(),
            name: a.name.clone(),
            balance: a.balance,
            last_synced_utc: last_synced_utc.clone(),
        })
        .collect();
    let bank_keys = cash.iter().map(|a| a.xero_id.clone()).collect();
    let months = if org.is_some() {
        months(ctx, tenant, as_at, year_end, &bank_keys).await?
    } else {
        Vec::new()
    };
    let last_sync_failed = ctx
        .store()
        .last_sync_run(tenant)
        .await?
        .filter(|r| r.status == "failed")
        .map(|r| r.error.unwrap_or_else(|| "The sync stopped.".to_owned()));
    let anomalies = ctx
        .store()
        .anomaly_findings(Some(tenant), false)
        .await?
        .len();
    let [(receivables, rec_ageing), (payables, pay_ageing)] =
        crate::ops::aged::owed_and_aged(ctx, tenant, as_at).await?;
    let receivables_total = receivables.base_total;
    let payables_total = payables.base_total;
    Ok(DashboardView {
        as_at: ymd(as_at),
        base_currency: org.and_then(|o| o.base_currency),
        cash,
        receivables: due_views(receivables),
        payables: due_views(payables),
        receivables_total: Some(Money::new(receivables_total)),
        payables_total: Some(Money::new(payables_total)),
        recent: recent(ctx, tenant, limit).await?,
        alerts: DashboardAlertsView {
            reauthorisation_needed: needs_reauthorisation(ctx, tenant).await,
            last_sync_failed,
            anomalies: count32(anomalies),
            closes_due: closes_due(ctx, tenant, as_at).await?,
        },
        banks,
        months,
        receivables_ageing: ageing_view("ACCREC", &rec_ageing, as_at)?,
        payables_ageing: ageing_view("ACCPAY", &pay_ageing, as_at)?,
        since_last_look: since_last_look(ctx, tenant).await?,
        bills_due_soon: bills_due_soon(ctx, tenant, as_at).await?,
    })
}

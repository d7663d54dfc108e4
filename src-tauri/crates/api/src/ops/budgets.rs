//! Budget against actual: each profit-and-loss account's budget (Xero's
//! budgets, kept by the sync) beside what the general ledger moved on it,
//! month by month. The rules are `ledgerkeep_ledger::budget`'s; the store
//! gives the budget's lines, the chart and the accounts' movements per
//! month (the same movements the profit and loss reads).

use chrono::{Months, NaiveDate};
use ledgerkeep_domain::Money;
use ledgerkeep_ledger::budget::{
    budget_vs_actual as compare, BudgetAmount, ChartAccount, Direction, MonthFigures,
};
use ledgerkeep_ledger::Month;
use ledgerkeep_store::reports::LedgerPeriod;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppContext};

/// The most months one comparison shows.
pub const MAX_MONTHS: u32 = 24;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetVsActualRequest {
    pub tenant_id: String,
    /// The first month, `YYYY-MM`.
    pub from: String,
    /// The last month, `YYYY-MM` (at most 24 months after `from`'s start).
    pub to: String,
    /// The budget; the overall budget when absent.
    #[serde(default)]
    pub budget_id: Option<String>,
}

/// A budget the ledger keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetInfoView {
    pub budget_id: String,
    /// `OVERALL` or `TRACKING`.
    pub budget_type: String,
    pub description: Option<String>,
    /// When the sync last read it from Xero (RFC 3339).
    pub fetched_at: String,
}

/// How Xero's Budget Variance report reads a variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum VarianceDirection {
    Favourable,
    Unfavourable,
    Even,
}

/// One account's figures in one month (or over all of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetCellView {
    pub budget: Money,
    pub actual: Money,
    /// Actual less budget.
    pub variance: Money,
    /// The variance as a percentage of the budget, one decimal; absent for a zero budget.
    pub variance_percent: Option<String>,
    pub direction: VarianceDirection,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRowView {
    /// The account's key in the ledger (its Xero AccountID, or its code).
    pub account: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// `revenue` or `expense`.
    pub class: String,
    /// One per month of the view, in order.
    pub months: Vec<BudgetCellView>,
    pub total: BudgetCellView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetVsActualView {
    /// Every budget the ledger keeps for the organisation (overall first).
    pub budgets: Vec<BudgetInfoView>,
    /// The budget shown; absent when the ledger keeps none.
    pub budget_id: Option<String>,
    /// The base currency of every amount.
    pub currency: Option<String>,
    /// `YYYY-MM`, in order.
    pub months: Vec<String>,
    pub rows: Vec<BudgetRowView>,
}

fn parse_month(name: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(&format!("{}-01", v.trim()), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{name} must be a month like 2026-03.")))
}

fn ym(m: Month) -> String {
    format!("{:04}-{:02}", m.year, m.month)
}

fn cell(f: &MonthFigures) -> BudgetCellView {
    BudgetCellView {
        budget: Money::new(f.budget),
        actual: Money::new(f.actual),
        variance: Money::new(f.variance),
        variance_percent: f.variance_percent.map(|p| format!("{p:.1}")),
        direction: match f.direction {
            Direction::Favourable => VarianceDirection::Favourable,
            Direction::Unfavourable => VarianceDirection::Unfavourable,
            Direction::Even => VarianceDirection::Even,
        },
    }
}

/// The months of a request, checked.
fn months_of(req: &BudgetVsActualRequest) -> Result<Vec<NaiveDate>, ApiError> {
    let from = parse_month("The first month", &req.from)?;
    let to = parse_month("The last month", &req.to)?;
    if from > to {
        return Err(ApiError::invalid(
            "The first month is after the last month.",
        ));
    }
    let mut out = vec![from];
    while let Some(&last) = out.last() {
        let next = last
            .checked_add_months(Months::new(1))
            .ok_or_else(|| ApiError::invalid("The months are out of range."))?;
        if next > to {
            break;
        }
        if out.len() >= MAX_MONTHS as usize {
            return Err(ApiError::invalid(format!(
                "Choose at most {MAX_MONTHS} months."
            )));
        }
        out.push(next);
    }
    Ok(out)
}

#[tracing::instrument(name = "op", skip_all, fields(op = "budget_vs_actual", request_id = %crate::request_id()))]
pub async fn budget_vs_actual(
    ctx: &AppContext,
    req: BudgetVsActualRequest,
) -> Result<BudgetVsActualView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let starts = months_of(&req)?;
    let months: Vec<Month> = starts.iter().map(|d| Month::of(*d)).collect();
    let store = ctx.store();
    let kept = store.budgets(tenant).await?;
    let budgets: Vec<BudgetInfoView> = kept
        .iter()
        .map(|b| BudgetInfoView {
            budget_id: b.header.budget_id.clone(),
            budget_type: b.header.budget_type.clone(),
            description: b.header.description.clone(),
            fetched_at: b.fetched_at.clone(),
        })
        .collect();
    let chosen = match req
        .budget_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(
            budgets
                .iter()
                .find(|b| b.budget_id == id)
                .ok_or_else(|| ApiError::invalid("That budget is not in the ledger."))?
                .budget_id
                .clone(),
        ),
        None => budgets
            .iter()
            .find(|b| b.budget_type == "OVERALL")
            .or(budgets.first())
            .map(|b| b.budget_id.clone()),
    };
    let (first, last) = (ym(months[0]), ym(months[months.len() - 1]));
    let lines = match &chosen {
        Some(id) => store.budget_lines(tenant, id, &first, &last).await?,
        None => Vec::new(),
    };
    let amounts: Vec<BudgetAmount> = lines
        .into_iter()
        .filter_map(|l| {
            let d = NaiveDate::parse_from_str(&format!("{}-01", l.period), "%Y-%m-%d").ok()?;
            let blank = |s: String| (!s.is_empty()).then_some(s);
            Some(BudgetAmount {
                account_id: blank(l.account_id),
                account_code: blank(l.account_code),
                month: Month::of(d),
                amount: l.amount,
            })
        })
        .collect();
    let periods: Vec<LedgerPeriod> = starts
        .iter()
        .map(|s| {
            let end = s
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(*s);
            LedgerPeriod {
                from: Some(s.format("%Y-%m-%d").to_string()),
                to: end.format("%Y-%m-%d").to_string(),
            }
        })
        .collect();
    let moved = store.account_movements(tenant, &periods).await?;
    let chart: Vec<ChartAccount> = store
        .chart_of_accounts(tenant)
        .await?
        .into_iter()
        .map(|a| ChartAccount {
            key: a.key,
            code: a.code,
            name: a.name,
            class: a.class,
        })
        .collect();
    let compared = compare(&months, &moved, &amounts, &chart).map_err(|_| {
        ApiError::internal("A budget figure is too large to show: an amount is out of range.")
    })?;
    let currency = store
        .reporting_organisation(tenant)
        .await?
        .and_then(|o| o.base_currency);
    Ok(BudgetVsActualView {
        budgets,
        budget_id: chosen,
        currency,
        months: months.iter().map(|m| ym(*m)).collect(),
        rows: compared
            .rows
            .iter()
            .map(|r| BudgetRowView {
                account: r.key.clone(),
                code: r.code.clone(),
                name: r.name.clone(),
                class: match r.class {
                    Some(ledgerkeep_domain::reports::AccountClass::Revenue) => "revenue",
                    _ => "expense",
                }
                .to_owned(),
                months: r.months.iter().map(cell).collect(),
                total: cell(&r.total),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn req(from: &str, to: &str) -> BudgetVsActualRequest {
        BudgetVsActualRequest {
            tenant_id: "t".into(),
            from: from.into(),
            to: to.into(),
            budget_id: None,
        }
    }

    #[test]
    fn months_are_checked() {
        let m = months_of(&req("2025-11", "2026-02")).unwrap();
        assert_eq!(
            m.iter().map(|d| (d.year(), d.month())).collect::<Vec<_>>(),
            vec![(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
        );
        assert!(months_of(&req("2026-03", "2026-02")).is_err());
        assert!(months_of(&req("2026-13", "2026-02")).is_err());
        assert!(months_of(&req("2024-01", "2025-12")).is_ok());
        assert!(months_of(&req("2024-01", "2026-01")).is_err());
    }
}

//! Xero's published GST/BAS returns beside the tax summary of their period,
//! offline from the copies the sync keeps (`ledgerkeep_sync::tax_returns`).
//!
//! `list_tax_returns` names the stored returns; `compare_tax_return` sets
//! the tax summary of one return's period (the documents' lines, as the tax
//! summary screen shows it) against that return, rate by rate
//! (`ledgerkeep_ledger::tax_return` holds the rules): each rate's net and
//! tax on sales and on purchases, Xero's, the ledger's and their
//! difference, and whether everything matches to the cent.

use ledgerkeep_domain::Money;
use ledgerkeep_ledger::tax_return::{
    compare_return, outside_return, DifferenceAt, PublishedRate, TaxFigure,
};
use ledgerkeep_ledger::tax_summary::{tax_summary as summarise, NetTax};
use ledgerkeep_store::tax_returns::TaxReturnInfo;
use ledgerkeep_xero::tax_return::parse_tax_return;
use serde::{Deserialize, Serialize};

use crate::ops::tax_form::{comparison_view, fill, form_of, TaxFormComparisonView};
use crate::ops::tax_summary::NetTaxView;
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxReturnsRequest {
    pub tenant_id: String,
}

/// A return Xero published, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PublishedTaxReturnView {
    pub report_id: String,
    /// Xero's name for it ("GST Return", "Activity Statement").
    pub name: String,
    pub report_type: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    /// When the sync fetched it (RFC 3339, UTC).
    pub fetched_utc: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxReturnComparisonRequest {
    pub tenant_id: String,
    pub report_id: String,
}

/// One rate side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxReturnRateView {
    pub tax_type: String,
    /// The rate's name (the organisation's, else the return's).
    pub name: Option<String>,
    /// The ledger's figures (zero when it has no line at this rate).
    pub sales: NetTaxView,
    pub purchases: NetTaxView,
    /// Xero's figures; `None` when the return does not list this rate.
    pub published_sales: Option<NetTaxView>,
    pub published_purchases: Option<NetTaxView>,
    /// The ledger's less Xero's.
    pub sales_difference: NetTaxView,
    pub purchases_difference: NetTaxView,
    pub matches: bool,
}

/// Which figure differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TaxReturnFigure {
    SalesNet,
    SalesTax,
    PurchasesNet,
    PurchasesTax,
    NetTax,
}

/// A figure that differs, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxReturnDifferenceView {
    /// The rate's tax type; `None` for a total or the net tax.
    pub tax_type: Option<String>,
    pub figure: TaxReturnFigure,
    pub local: Money,
    pub published: Money,
    /// `local - published`.
    pub difference: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxReturnComparisonView {
    pub tax_return: PublishedTaxReturnView,
    /// The base currency every amount is in.
    pub currency: Option<String>,
    pub rates: Vec<TaxReturnRateView>,
    /// The ledger's rates a GST/BAS return does not report ("No GST").
    pub outside: Vec<String>,
    pub sales: NetTaxView,
    pub purchases: NetTaxView,
    pub published_sales: NetTaxView,
    pub published_purchases: NetTaxView,
    pub net_tax: Money,
    pub published_net_tax: Money,
    pub differences: Vec<TaxReturnDifferenceView>,
    /// Whether every figure agrees to the cent.
    pub matches: bool,
    /// Lines of the period the summary left out (see the tax summary).
    pub skipped_lines: u32,
    /// The organisation's return form filled from both, box by box, where
    /// its country has one this version lays out.
    pub form: Option<TaxFormComparisonView>,
}

fn info_view(i: TaxReturnInfo) -> PublishedTaxReturnView {
    PublishedTaxReturnView {
        report_id: i.report_id,
        name: i.name,
        report_type: i.report_type,
        from: i.from,
        to: i.to,
        fetched_utc: i.fetched_utc,
    }
}

fn view(n: NetTax) -> NetTaxView {
    NetTaxView {
        net: Money::new(n.net),
        tax: Money::new(n.tax),
    }
}

fn minus(a: NetTax, b: NetTax) -> Result<NetTax, ApiError> {
    let too_large = || ApiError::internal("A tax difference is too large to show.");
    Ok(NetTax {
        net: a.net.checked_sub(b.net).ok_or_else(too_large)?,
        tax: a.tax.checked_sub(b.tax).ok_or_else(too_large)?,
    })
}

fn tenant_of(tenant_id: &str) -> Result<&str, ApiError> {
    let tenant = tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    Ok(tenant)
}

/// The organisation's stored published returns, the latest period first.
#[tracing::instrument(name = "op", skip_all, fields(op = "list_tax_returns", request_id = %crate::request_id()))]
pub async fn list_tax_returns(
    ctx: &AppContext,
    req: TaxReturnsRequest,
) -> Result<Vec<PublishedTaxReturnView>, ApiError> {
    let tenant = tenant_of(&req.tenant_id)?;
    Ok(ctx
        .store()
        .tax_returns(tenant)
        .await?
        .into_iter()
        .map(info_view)
        .collect())
}

/// The tax summary of a stored return's period set against the return.
#[tracing::instrument(name = "op", skip_all, fields(op = "compare_tax_return", request_id = %crate::request_id()))]
pub async fn compare_tax_return(
    ctx: &AppContext,
    req: TaxReturnComparisonRequest,
) -> Result<TaxReturnComparisonView, ApiError> {
    let tenant = tenant_of(&req.tenant_id)?;
    let Some(stored) = ctx.store().tax_return(tenant, req.report_id.trim()).await? else {
        return Err(ApiError::invalid(
            "No published return of Xero's with that id is kept: sync to fetch Xero's returns.",
        ));
    };
    let json: serde_json::Value = serde_json::from_str(&stored.report_json)
        .map_err(|_| ApiError::internal("The stored copy of Xero's return could not be read."))?;
    let published = parse_tax_return(&json)
        .map_err(|e| ApiError::internal(format!("The stored copy of {e}.")))?;
    let info = stored.info;

    let lines = ctx.store().tax_lines(tenant, &info.from, &info.to).await?;
    let local = summarise(&lines).map_err(|_| {
        ApiError::internal(
            "A tax total is too large to show: an amount in the books is out of range.",
        )
    })?;
    let mut theirs: Vec<PublishedRate> = Vec::new();
    for (r, sales) in published
        .sales
        .iter()
        .map(|r| (r, true))
        .chain(published.purchases.iter().map(|r| (r, false)))
    {
        let amounts = NetTax {
            net: r.amounts.net.as_decimal(),
            tax: r.amounts.tax.as_decimal(),
        };
        theirs.push(PublishedRate {
            tax_type: r.tax_type.clone(),
            sales: if sales { amounts } else { NetTax::default() },
            purchases: if sales { NetTax::default() } else { amounts },
        });
    }
    let rates_info = ctx.store().tax_rate_names(tenant).await?;
    let is_outside = |tax_type: &str| {
        rates_info
            .iter()
            .find(|r| r.tax_type == tax_type)
            .is_some_and(|r| outside_return(r.report_tax_type.as_deref()))
    };
    let c = compare_return(&local, &theirs, is_outside)
        .map_err(|_| ApiError::internal("A tax figure is too large to compare."))?;
    let name_of = |tax_type: &str| {
        rates_info
            .iter()
            .find(|r| r.tax_type == tax_type)
            .and_then(|r| r.name.clone())
            .or_else(|| {
                published
                    .sales
                    .iter()
                    .chain(published.purchases.iter())
                    .find(|r| r.tax_type == tax_type && !r.name.is_empty())
                    .map(|r| r.name.clone())
            })
    };
    let mut rates = Vec::with_capacity(c.rates.len());
    for r in &c.rates {
        let (ls, lp) = r.local.unwrap_or_default();
        let (ps, pp) = r.published.unwrap_or_default();
        rates.push(TaxReturnRateView {
            tax_type: r.tax_type.clone(),
            name: name_of(&r.tax_type),
            sales: view(ls),
            purchases: view(lp),
            published_sales: r.published.map(|p| view(p.0)),
            published_purchases: r.published.map(|p| view(p.1)),
            sales_difference: view(minus(ls, ps)?),
            purchases_difference: view(minus(lp, pp)?),
            matches: r.matches,
        });
    }
    let figure = |f: TaxFigure| match f {
        TaxFigure::SalesNet => TaxReturnFigure::SalesNet,
        TaxFigure::SalesTax => TaxReturnFigure::SalesTax,
        TaxFigure::PurchasesNet => TaxReturnFigure::PurchasesNet,
        TaxFigure::PurchasesTax => TaxReturnFigure::PurchasesTax,
    };
    let differences = c
        .differences
        .iter()
        .map(|d| {
            let (tax_type, figure) = match &d.at {
                DifferenceAt::Rate(t, f) => (Some(t.clone()), figure(*f)),
                DifferenceAt::Total(f) => (None, figure(*f)),
                DifferenceAt::NetTax => (None, TaxReturnFigure::NetTax),
            };
            TaxReturnDifferenceView {
                tax_type,
                figure,
                local: Money::new(d.local),
                published: Money::new(d.published),
                difference: Money::new(d.difference),
            }
        })
        .collect();
    let org = ctx.store().reporting_organisation(tenant).await?;
    let currency = org.as_ref().and_then(|o| o.base_currency.clone());
    let form = form_of(org.as_ref())
        .map(|f| {
            let ours = local
                .rates
                .iter()
                .map(|r| (r.tax_type.as_str(), r.sales, r.purchases));
            let published = theirs
                .iter()
                .map(|r| (r.tax_type.as_str(), r.sales, r.purchases));
            comparison_view(
                &fill(f, ours, &rates_info)?,
                &fill(f, published, &rates_info)?,
            )
        })
        .transpose()?;
    Ok(TaxReturnComparisonView {
        form,
        matches: c.matches(),
        tax_return: info_view(info),
        currency,
        rates,
        outside: c.outside.clone(),
        sales: view(c.local_totals.0),
        purchases: view(c.local_totals.1),
        published_sales: view(c.published_totals.0),
        published_purchases: view(c.published_totals.1),
        net_tax: Money::new(c.local_net_tax),
        published_net_tax: Money::new(c.published_net_tax),
        differences,
        skipped_lines: u32::try_from(local.skipped.len()).unwrap_or(u32::MAX),
    })
}

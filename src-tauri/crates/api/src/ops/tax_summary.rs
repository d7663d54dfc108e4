//! The tax summary of a period: each tax rate's net and tax on sales and on
//! purchases, from the documents' lines (`ledgerkeep_ledger::tax_summary`
//! holds the rules; the store gives the lines).
//!
//! Where the organisation published a GST/BAS return in Xero for a period,
//! `tax_returns.rs` sets this summary beside it (`compare_tax_return`).

use chrono::NaiveDate;
use ledgerkeep_domain::{EntityKind, Money};
use ledgerkeep_ledger::tax_summary::{tax_summary as summarise, NetTax, TaxDocument, TaxSkip};
use serde::{Deserialize, Serialize};

use crate::ops::tax_form::{fill, form_of, form_view, TaxFormView};
use crate::{ApiError, AppContext};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxSummaryRequest {
    pub tenant_id: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive.
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NetTaxView {
    pub net: Money,
    pub tax: Money,
}

/// One tax rate's sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxRateSummaryView {
    /// Xero's `TaxType`; empty for lines with none.
    pub tax_type: String,
    /// The rate's name in the organisation, when the ledger holds it.
    pub name: Option<String>,
    /// Its effective rate, a percentage.
    pub rate: Option<String>,
    pub sales: NetTaxView,
    pub purchases: NetTaxView,
    pub lines: u32,
}

/// A line that would count but was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxSkippedView {
    pub entity: EntityKind,
    pub xero_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxSummaryView {
    pub from: String,
    pub to: String,
    /// The base currency every amount is in.
    pub currency: Option<String>,
    pub rates: Vec<TaxRateSummaryView>,
    pub sales: NetTaxView,
    pub purchases: NetTaxView,
    /// Tax on sales less tax on purchases: owed when positive.
    pub net_tax: Money,
    pub skipped: Vec<TaxSkippedView>,
    /// The same figures laid out as the organisation's return form, where
    /// its country has one this version lays out (New Zealand, Australia).
    pub form: Option<TaxFormView>,
}

fn parse_date(name: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("{name} must be a date like 2026-03-31.")))
}

fn view(n: NetTax) -> NetTaxView {
    NetTaxView {
        net: Money::new(n.net),
        tax: Money::new(n.tax),
    }
}

fn entity(d: TaxDocument) -> EntityKind {
    match d {
        TaxDocument::Invoice => EntityKind::Invoice,
        TaxDocument::CreditNote => EntityKind::CreditNote,
        TaxDocument::BankTransaction => EntityKind::BankTransaction,
        TaxDocument::Overpayment => EntityKind::Overpayment,
        TaxDocument::Prepayment => EntityKind::Prepayment,
    }
}

fn reason(r: &TaxSkip) -> String {
    match r {
        TaxSkip::TaxOnNoTaxLine => "A line marked as no tax carries a tax amount.".to_owned(),
        TaxSkip::UnknownAmountTypes(t) => {
            format!("Its line amounts are \"{t}\", which this version does not know.")
        }
        TaxSkip::NoCurrencyRate => {
            "It is in another currency and Xero sent no exchange rate.".to_owned()
        }
        TaxSkip::NoLineAmount => "A line has no amount.".to_owned(),
    }
}

#[tracing::instrument(name = "op", skip_all, fields(op = "tax_summary", request_id = %crate::request_id()))]
pub async fn tax_summary(
    ctx: &AppContext,
    req: TaxSummaryRequest,
) -> Result<TaxSummaryView, ApiError> {
    let tenant = req.tenant_id.trim();
    if tenant.is_empty() {
        return Err(ApiError::invalid("Choose an organisation."));
    }
    let from = parse_date("The start date", &req.from)?;
    let to = parse_date("The end date", &req.to)?;
    if from > to {
        return Err(ApiError::invalid("The start date is after the end date."));
    }
    let (from, to) = (
        from.format("%Y-%m-%d").to_string(),
        to.format("%Y-%m-%d").to_string(),
    );
    let org = ctx.store().reporting_organisation(tenant).await?;
    let currency = org.as_ref().and_then(|o| o.base_currency.clone());
    let lines = ctx.store().tax_lines(tenant, &from, &to).await?;
    let s = summarise(&lines).map_err(|_| {
        ApiError::internal(
            "A tax total is too large to show: an amount in the books is out of range.",
        )
    })?;
    let net_tax = s
        .net_tax()
        .map_err(|_| ApiError::internal("The net tax is too large to show."))?;
    let names = ctx.store().tax_rate_names(tenant).await?;
    let rates = || {
        s.rates
            .iter()
            .map(|r| (r.tax_type.as_str(), r.sales, r.purchases))
    };
    let form = form_of(org.as_ref())
        .map(|f| Ok::<_, ApiError>(form_view(&fill(f, rates(), &names)?, &names, org.as_ref())))
        .transpose()?;
    Ok(TaxSummaryView {
        form,
        from,
        to,
        currency,
        rates: s
            .rates
            .iter()
            .map(|r| {
                let info = names.iter().find(|n| n.tax_type == r.tax_type);
                TaxRateSummaryView {
                    tax_type: r.tax_type.clone(),
                    name: info.and_then(|n| n.name.clone()),
                    rate: info.and_then(|n| n.effective_rate.clone()),
                    sales: view(r.sales),
                    purchases: view(r.purchases),
                    lines: u32::try_from(r.lines).unwrap_or(u32::MAX),
                }
            })
            .collect(),
        sales: view(s.sales),
        purchases: view(s.purchases),
        net_tax: Money::new(net_tax),
        skipped: s
            .skipped
            .iter()
            .map(|k| TaxSkippedView {
                entity: entity(k.document),
                xero_id: k.document_id.clone(),
                reason: reason(&k.reason),
            })
            .collect(),
    })
}

//! The tax summary laid out as the tax office's return form, worded: each
//! box's title, and why a rate is in no box. Which figures go into which box
//! is `ledgerkeep_ledger::tax_form`'s.

use ledgerkeep_domain::Money;
use ledgerkeep_ledger::tax_form::{
    compare_forms, fill_form, FilledForm, FormBox, FormRate, ReturnForm, Unplaced,
};
use ledgerkeep_ledger::tax_summary::{NetTax, TaxSide};
use ledgerkeep_store::reports::ReportingOrganisation;
use ledgerkeep_store::tax::TaxRateInfo;
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// One box of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxFormBoxView {
    /// As the form prints it: "5", "G1", "1A".
    pub label: String,
    pub title: String,
    /// `None` for a box the owner fills in from their own working.
    pub amount: Option<Money>,
    /// The names of the rates whose figures went into it.
    pub rates: Vec<String>,
    /// For a box worked out by the form's fraction (GST101A 8 and 12), the
    /// GST the lines behind it carry, which may differ by rounding.
    pub on_lines: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TaxFormSide {
    Sales,
    Purchases,
}

/// A rate's figures that are in no box, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxFormUnplacedView {
    pub tax_type: String,
    pub name: Option<String>,
    pub side: TaxFormSide,
    pub net: Money,
    pub tax: Money,
    pub reason: String,
}

/// The summary laid out as the organisation's return form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxFormView {
    /// The form's name ("GST return (GST101A)").
    pub name: String,
    /// What to check before filing.
    pub notes: Vec<String>,
    pub boxes: Vec<TaxFormBoxView>,
    /// The tax the placed lines carry, on sales and on purchases.
    pub charged_sales: Money,
    pub charged_purchases: Money,
    pub unplaced: Vec<TaxFormUnplacedView>,
}

/// One box, the ledger's beside Xero's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxFormBoxComparisonView {
    pub label: String,
    pub title: String,
    /// `None` for a box the owner fills in.
    pub local: Option<Money>,
    pub published: Option<Money>,
    /// `local - published`; `None` when they agree.
    pub difference: Option<Money>,
}

/// The form filled from the ledger's lines and from Xero's return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TaxFormComparisonView {
    pub name: String,
    pub boxes: Vec<TaxFormBoxComparisonView>,
    /// Whether every box agrees to the cent.
    pub matches: bool,
}

fn form_name(form: ReturnForm) -> &'static str {
    match form {
        ReturnForm::NzGst101a => "GST return (GST101A)",
        ReturnForm::AuBas => "Business activity statement (GST)",
    }
}

fn title(b: FormBox) -> &'static str {
    use FormBox::*;
    match b {
        Nz5 => "Total sales and income, including GST and zero-rated supplies",
        Nz6 => "Zero-rated supplies included in box 5",
        Nz7 => "Box 5 less box 6",
        Nz8 => "Box 7 × 3 ÷ 23",
        Nz9 => "Adjustments from your calculation sheet",
        Nz10 => "Total GST collected on sales and income (box 8 + box 9)",
        Nz11 => {
            "Total purchases and expenses, including GST, with tax invoices, not imported goods"
        }
        Nz12 => "Box 11 × 3 ÷ 23",
        Nz13 => "Credit adjustments from your calculation sheet",
        Nz14 => "Total GST credit for purchases and expenses (box 12 + box 13)",
        Nz15 => "GST to pay: box 10 less box 14 (a refund when negative)",
        G1 => "Total sales, including GST",
        G2 => "Export sales",
        G3 => "Other GST-free sales",
        G10 => "Capital purchases, including GST",
        G11 => "Non-capital purchases, including GST",
        A1 => "GST on sales",
        B1 => "GST on purchases",
        AuNet => "GST to pay (a refund when negative)",
    }
}

fn notes(form: ReturnForm, org: Option<&ReportingOrganisation>) -> Vec<String> {
    let mut out = vec![match form {
        ReturnForm::NzGst101a => {
            "Boxes 9 and 13 are the adjustments of your calculation sheet, which the books do not \
             hold: add them before you file. Boxes 8 and 12 are the form's 3/23 of boxes 7 and \
             11; the GST on the lines is shown beside them."
        }
        ReturnForm::AuBas => {
            "The ATO's form takes whole dollars: leave out the cents when you copy these."
        }
    }
    .to_owned()];
    let basis = org
        .and_then(|o| o.sales_tax_basis.as_deref())
        .map(str::trim);
    if let Some(b) = basis.filter(|b| {
        !["INVOICE", "ACCRUALS", "ACCRUAL", "NONE", ""]
            .iter()
            .any(|k| b.eq_ignore_ascii_case(k))
    }) {
        out.push(format!(
            "Xero says this organisation accounts for GST on the {} basis. These figures are on \
             the invoice basis (documents dated in the period), so they are not your return.",
            b.to_ascii_lowercase()
        ));
    }
    out.push("Check the return in Xero before you file it.".to_owned());
    out
}

/// The organisation's form, when its country has one this version lays out.
pub(crate) fn form_of(org: Option<&ReportingOrganisation>) -> Option<ReturnForm> {
    ReturnForm::for_country(org?.country_code.as_deref()?)
}

fn info_of<'a>(tax_type: &str, info: &'a [TaxRateInfo]) -> Option<&'a TaxRateInfo> {
    info.iter().find(|i| i.tax_type == tax_type)
}

/// `form` filled from a summary's rates (tax type, sales, purchases), each
/// with what the organisation says of it in `info`.
pub(crate) fn fill<'a>(
    form: ReturnForm,
    rates: impl IntoIterator<Item = (&'a str, NetTax, NetTax)>,
    info: &[TaxRateInfo],
) -> Result<FilledForm, ApiError> {
    let rates: Vec<FormRate> = rates
        .into_iter()
        .map(|(tax_type, sales, purchases)| {
            let i = info_of(tax_type, info);
            FormRate {
                tax_type: tax_type.to_owned(),
                report_tax_type: i.and_then(|i| i.report_tax_type.clone()),
                rate: i
                    .and_then(|i| i.effective_rate.as_deref())
                    .and_then(|r| r.trim().parse().ok()),
                sales,
                purchases,
            }
        })
        .collect();
    fill_form(form, &rates)
        .map_err(|_| ApiError::internal("A box of the return is too large to show."))
}

fn name_of(tax_type: &str, info: &[TaxRateInfo]) -> String {
    info_of(tax_type, info)
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| tax_type.to_owned())
}

fn reason(u: &Unplaced) -> String {
    match u {
        Unplaced::NoReportTaxType => {
            "The books do not say which part of a return this rate reports to.".to_owned()
        }
        Unplaced::UnknownType(t) => format!(
            "Xero reports this rate as \"{t}\", which Ledgerkeep does not place in a box: \
             enter it as the form's guide says."
        ),
        Unplaced::WrongSide(t) => format!(
            "A rate Xero reports as \"{t}\" is used on the other side (an income rate on a bill, \
             or an expense rate on a sale): check how these lines are coded."
        ),
        Unplaced::NotFifteen(rate) => format!(
            "Its rate is {}, and the form's 3/23 is for GST at 15%.",
            rate.map_or_else(|| "not known".to_owned(), |r| format!("{}%", r.normalize()))
        ),
    }
}

pub(crate) fn form_view(
    f: &FilledForm,
    info: &[TaxRateInfo],
    org: Option<&ReportingOrganisation>,
) -> TaxFormView {
    TaxFormView {
        name: form_name(f.form).to_owned(),
        notes: notes(f.form, org),
        boxes: f
            .boxes
            .iter()
            .map(|b| TaxFormBoxView {
                label: b.form_box.label().to_owned(),
                title: title(b.form_box).to_owned(),
                amount: (!b.form_box.left_to_owner()).then(|| Money::new(b.amount)),
                rates: b.tax_types.iter().map(|t| name_of(t, info)).collect(),
                on_lines: match b.form_box {
                    FormBox::Nz8 => Some(Money::new(f.charged.0)),
                    FormBox::Nz12 => Some(Money::new(f.charged.1)),
                    _ => None,
                },
            })
            .collect(),
        charged_sales: Money::new(f.charged.0),
        charged_purchases: Money::new(f.charged.1),
        unplaced: f
            .unplaced
            .iter()
            .map(|u| TaxFormUnplacedView {
                tax_type: u.tax_type.clone(),
                name: info_of(&u.tax_type, info).and_then(|i| i.name.clone()),
                side: match u.side {
                    TaxSide::Sales => TaxFormSide::Sales,
                    TaxSide::Purchases => TaxFormSide::Purchases,
                },
                net: Money::new(u.figures.net),
                tax: Money::new(u.figures.tax),
                reason: reason(&u.why),
            })
            .collect(),
    }
}

pub(crate) fn comparison_view(
    local: &FilledForm,
    published: &FilledForm,
) -> Result<TaxFormComparisonView, ApiError> {
    let differences = compare_forms(local, published)
        .map_err(|_| ApiError::internal("A box's difference is too large to show."))?;
    let boxes = local
        .boxes
        .iter()
        .map(|b| {
            let owner = b.form_box.left_to_owner();
            TaxFormBoxComparisonView {
                label: b.form_box.label().to_owned(),
                title: title(b.form_box).to_owned(),
                local: (!owner).then(|| Money::new(b.amount)),
                published: (!owner).then(|| Money::new(published.amount(b.form_box))),
                difference: differences
                    .iter()
                    .find(|d| d.form_box == b.form_box)
                    .map(|d| Money::new(d.difference)),
            }
        })
        .collect();
    Ok(TaxFormComparisonView {
        name: form_name(local.form).to_owned(),
        boxes,
        matches: differences.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(country: &str, basis: Option<&str>) -> ReportingOrganisation {
        ReportingOrganisation {
            name: None,
            base_currency: None,
            financial_year_end_day: None,
            financial_year_end_month: None,
            country_code: Some(country.to_owned()),
            sales_tax_basis: basis.map(str::to_owned),
        }
    }

    #[test]
    fn an_organisation_on_another_basis_is_told_the_form_is_not_its_return() {
        let warned = |basis: Option<&str>| {
            notes(ReturnForm::NzGst101a, Some(&org("NZ", basis)))
                .iter()
                .any(|n| n.contains("not your return"))
        };
        assert!(warned(Some("PAYMENTS")));
        assert!(warned(Some("Cash")));
        assert!(!warned(Some("INVOICE")));
        assert!(!warned(Some("ACCRUALS")));
        assert!(!warned(None));
        let payments = notes(ReturnForm::NzGst101a, Some(&org("NZ", Some("PAYMENTS"))));
        assert!(payments.iter().any(|n| n.contains("on the payments basis")));
    }

    #[test]
    fn the_form_follows_the_country() {
        assert_eq!(form_of(Some(&org("NZ", None))), Some(ReturnForm::NzGst101a));
        assert_eq!(form_of(Some(&org("AU", None))), Some(ReturnForm::AuBas));
        assert_eq!(form_of(Some(&org("GB", None))), None);
        assert_eq!(form_of(None), None);
    }
}

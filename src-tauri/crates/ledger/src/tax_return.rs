//! The tax summary of a period set against the GST/BAS return Xero published
//! for it, rate by rate.
//!
//! # Rules
//!
//! - **Which rates.** Every tax type the published return lists, and every
//!   tax type of the local summary with a figure other than zero. A local
//!   rate the return leaves out is *outside the return* (not a difference)
//!   when its tax rate is one a GST/BAS return does not report (Xero's
//!   report tax type `NONE`, "No GST", or `BASEXCLUDED`: `outside_return`
//!   says which) and it carries no tax; otherwise it is a difference like
//!   any other.
//! - **What is compared.** For each rate: the net and the tax on sales and
//!   on purchases (four figures); then the totals of the rates compared
//!   (sales net and tax, purchases net and tax) and the net tax (tax on
//!   sales less tax on purchases). Exactly, to the cent: a difference is
//!   `local - published`, named by its rate and figure.
//! - A missing side counts as zero: a rate only one side has differs by its
//!   whole figures.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::statements::StatementOverflow;
use crate::tax_summary::{NetTax, TaxSummary};

/// One rate of a published return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRate {
    /// Xero's `TaxType`.
    pub tax_type: String,
    pub sales: NetTax,
    pub purchases: NetTax,
}

/// One of the four figures of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaxFigure {
    SalesNet,
    SalesTax,
    PurchasesNet,
    PurchasesTax,
}

impl TaxFigure {
    pub const ALL: [TaxFigure; 4] = [
        TaxFigure::SalesNet,
        TaxFigure::SalesTax,
        TaxFigure::PurchasesNet,
        TaxFigure::PurchasesTax,
    ];

    fn of(self, sales: NetTax, purchases: NetTax) -> Decimal {
        match self {
            TaxFigure::SalesNet => sales.net,
            TaxFigure::SalesTax => sales.tax,
            TaxFigure::PurchasesNet => purchases.net,
            TaxFigure::PurchasesTax => purchases.tax,
        }
    }
}

/// Where a difference is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DifferenceAt {
    /// A rate's figure.
    Rate(String, TaxFigure),
    /// The total of a figure over the rates compared.
    Total(TaxFigure),
    /// Tax on sales less tax on purchases.
    NetTax,
}

/// A figure that differs: the ledger's, Xero's, and `local - published`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDifference {
    pub at: DifferenceAt,
    pub local: Decimal,
    pub published: Decimal,
    pub difference: Decimal,
}

/// One rate side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateComparison {
    pub tax_type: String,
    /// The ledger's sums; `None` when the ledger has no line at this rate.
    pub local: Option<(NetTax, NetTax)>,
    /// Xero's figures; `None` when the return does not list this rate.
    pub published: Option<(NetTax, NetTax)>,
    /// Whether all four figures agree to the cent.
    pub matches: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnComparison {
    /// The rates compared, by tax type.
    pub rates: Vec<RateComparison>,
    /// Local rates a return does not report (see the module).
    pub outside: Vec<String>,
    /// The ledger's totals over the rates compared: (sales, purchases).
    pub local_totals: (NetTax, NetTax),
    /// Xero's totals: (sales, purchases).
    pub published_totals: (NetTax, NetTax),
    pub local_net_tax: Decimal,
    pub published_net_tax: Decimal,
    /// Every figure that differs, rates first (by tax type), then totals.
    pub differences: Vec<TaxDifference>,
}

impl ReturnComparison {
    /// Whether every figure agrees to the cent.
    pub fn matches(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Whether a tax rate with Xero's report tax type `report_tax_type` is left
/// out of a GST/BAS return ("No GST", "BAS Excluded").
pub fn outside_return(report_tax_type: Option<&str>) -> bool {
    report_tax_type.is_some_and(|t| {
        let t = t.trim();
        t.eq_ignore_ascii_case("NONE") || t.eq_ignore_ascii_case("BASEXCLUDED")
    })
}

fn nonzero(sales: NetTax, purchases: NetTax) -> bool {
    TaxFigure::ALL
        .iter()
        .any(|f| !f.of(sales, purchases).is_zero())
}

fn sum(
    total: &mut (NetTax, NetTax),
    sales: NetTax,
    purchases: NetTax,
) -> Result<(), StatementOverflow> {
    let add = |a: Decimal, b: Decimal| a.checked_add(b).ok_or(StatementOverflow);
    total.0.net = add(total.0.net, sales.net)?;
    total.0.tax = add(total.0.tax, sales.tax)?;
    total.1.net = add(total.1.net, purchases.net)?;
    total.1.tax = add(total.1.tax, purchases.tax)?;
    Ok(())
}

fn differ(
    out: &mut Vec<TaxDifference>,
    at: DifferenceAt,
    local: Decimal,
    published: Decimal,
) -> Result<(), StatementOverflow> {
    if local != published {
        out.push(TaxDifference {
            at,
            local,
            published,
            difference: local.checked_sub(published).ok_or(StatementOverflow)?,
        });
    }
    Ok(())
}

/// Sets the summary `local` (of the return's period) against the return's
/// `published` rates. `is_outside(tax_type)` says whether a rate is one a
/// return does not report (see [`outside_return`]).
pub fn compare_return(
    local: &TaxSummary,
    published: &[PublishedRate],
    is_outside: impl Fn(&str) -> bool,
) -> Result<ReturnComparison, StatementOverflow> {
    let mut theirs: BTreeMap<&str, (NetTax, NetTax)> = BTreeMap::new();
    for p in published {
        let slot = theirs.entry(p.tax_type.as_str()).or_default();
        sum(slot, p.sales, p.purchases)?;
    }
    let mut ours: BTreeMap<&str, (NetTax, NetTax)> = BTreeMap::new();
    let mut outside = Vec::new();
    for r in &local.rates {
        if !nonzero(r.sales, r.purchases) {
            continue;
        }
        let listed = theirs.contains_key(r.tax_type.as_str());
        let no_tax = r.sales.tax.is_zero() && r.purchases.tax.is_zero();
        if !listed && no_tax && is_outside(&r.tax_type) {
            outside.push(r.tax_type.clone());
            continue;
        }
        let slot = ours.entry(r.tax_type.as_str()).or_default();
        sum(slot, r.sales, r.purchases)?;
    }
    let mut types: Vec<&str> = theirs.keys().chain(ours.keys()).copied().collect();
    types.sort_unstable();
    types.dedup();

    let mut out = ReturnComparison {
        rates: Vec::new(),
        outside,
        local_totals: Default::default(),
        published_totals: Default::default(),
        local_net_tax: Decimal::ZERO,
        published_net_tax: Decimal::ZERO,
        differences: Vec::new(),
    };
    for t in types {
        let l = ours.get(t).copied();
        let p = theirs.get(t).copied();
        let (ls, lp) = l.unwrap_or_default();
        let (ps, pp) = p.unwrap_or_default();
        let before = out.differences.len();
        for f in TaxFigure::ALL {
            differ(
                &mut out.differences,
                DifferenceAt::Rate(t.to_owned(), f),
                f.of(ls, lp),
                f.of(ps, pp),
            )?;
        }
        sum(&mut out.local_totals, ls, lp)?;
        sum(&mut out.published_totals, ps, pp)?;
        out.rates.push(RateComparison {
            tax_type: t.to_owned(),
            local: l,
            published: p,
            matches: out.differences.len() == before,
        });
    }
    let (ls, lp) = out.local_totals;
    let (ps, pp) = out.published_totals;
    for f in TaxFigure::ALL {
        differ(
            &mut out.differences,
            DifferenceAt::Total(f),
            f.of(ls, lp),
            f.of(ps, pp),
        )?;
    }
    out.local_net_tax = ls.tax.checked_sub(lp.tax).ok_or(StatementOverflow)?;
    out.published_net_tax = ps.tax.checked_sub(pp.tax).ok_or(StatementOverflow)?;
    differ(
        &mut out.differences,
        DifferenceAt::NetTax,
        out.local_net_tax,
        out.published_net_tax,
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax_summary::{tax_summary, TaxDocument, TaxLine};

    fn line(doc_type: &str, tax_type: &str, amount: i64, tax: i64) -> TaxLine {
        TaxLine {
            document: TaxDocument::Invoice,
            document_id: format!("{doc_type}-{tax_type}-{amount}"),
            doc_type: Some(doc_type.to_owned()),
            status: Some("AUTHORISED".to_owned()),
            line_amount_types: Some("Exclusive".to_owned()),
            foreign: false,
            currency_rate: None,
            tax_type: Some(tax_type.to_owned()),
            line_amount: Some(Decimal::new(amount, 2)),
            tax_amount: Some(Decimal::new(tax, 2)),
        }
    }

    fn nt(net: i64, tax: i64) -> NetTax {
        NetTax {
            net: Decimal::new(net, 2),
            tax: Decimal::new(tax, 2),
        }
    }

    fn books() -> TaxSummary {
        tax_summary(&[
            line("ACCREC", "OUTPUT2", 100_000, 15_000),
            line("ACCREC", "OUTPUT2", 2_000, 300),
            line("ACCPAY", "INPUT2", 40_000, 6_000),
            // "No GST": outside the return.
            line("ACCPAY", "NONE", 5_000, 0),
        ])
        .unwrap()
    }

    fn published() -> Vec<PublishedRate> {
        vec![
            PublishedRate {
                tax_type: "OUTPUT2".to_owned(),
                sales: nt(102_000, 15_300),
                purchases: NetTax::default(),
            },
            PublishedRate {
                tax_type: "INPUT2".to_owned(),
                sales: NetTax::default(),
                purchases: nt(40_000, 6_000),
            },
        ]
    }

    #[test]
    fn the_same_figures_match_and_no_gst_is_outside_the_return() {
        let c = compare_return(&books(), &published(), |t| t == "NONE").unwrap();
        assert!(c.matches(), "{:?}", c.differences);
        assert_eq!(c.outside, vec!["NONE".to_owned()]);
        assert_eq!(c.rates.len(), 2);
        assert!(c.rates.iter().all(|r| r.matches));
        assert_eq!(c.local_net_tax, Decimal::new(9_300, 2));
        assert_eq!(c.published_net_tax, c.local_net_tax);
        assert_eq!(c.published_totals.0, nt(102_000, 15_300));
    }

    #[test]
    fn a_cent_of_difference_is_caught_and_named() {
        let mut p = published();
        p[0].sales.tax = Decimal::new(15_301, 2);
        let c = compare_return(&books(), &p, |t| t == "NONE").unwrap();
        assert!(!c.matches());
        let output = c.rates.iter().find(|r| r.tax_type == "OUTPUT2").unwrap();
        assert!(!output.matches);
        assert!(
            c.rates
                .iter()
                .find(|r| r.tax_type == "INPUT2")
                .unwrap()
                .matches
        );
        assert_eq!(
            c.differences[0],
            TaxDifference {
                at: DifferenceAt::Rate("OUTPUT2".to_owned(), TaxFigure::SalesTax),
                local: Decimal::new(15_300, 2),
                published: Decimal::new(15_301, 2),
                difference: Decimal::new(-1, 2),
            }
        );
        let at: Vec<&DifferenceAt> = c.differences.iter().map(|d| &d.at).collect();
        assert_eq!(
            at,
            vec![
                &DifferenceAt::Rate("OUTPUT2".to_owned(), TaxFigure::SalesTax),
                &DifferenceAt::Total(TaxFigure::SalesTax),
                &DifferenceAt::NetTax,
            ]
        );
    }

    #[test]
    fn a_rate_only_one_side_has_differs_by_its_whole_figures() {
        // The return misses the purchases; "No GST" counts when not outside.
        let c = compare_return(&books(), &published()[..1], |_| false).unwrap();
        let input = c.rates.iter().find(|r| r.tax_type == "INPUT2").unwrap();
        assert_eq!(input.published, None);
        assert!(!input.matches);
        assert!(c.outside.is_empty());
        assert!(c.differences.iter().any(|d| d.at
            == DifferenceAt::Rate("INPUT2".to_owned(), TaxFigure::PurchasesTax)
            && d.difference == Decimal::new(6_000, 2)));
        assert!(c
            .differences
            .iter()
            .any(|d| d.at == DifferenceAt::Rate("NONE".to_owned(), TaxFigure::PurchasesNet)));
        // A rate carrying tax is never put outside the return.
        let mut taxed = books();
        taxed
            .rates
            .iter_mut()
            .find(|r| r.tax_type == "NONE")
            .unwrap()
            .purchases
            .tax = Decimal::ONE;
        let c = compare_return(&taxed, &published(), |t| t == "NONE").unwrap();
        assert!(c.outside.is_empty());
        assert!(!c.matches());
    }

    #[test]
    fn report_tax_types_outside_a_return() {
        assert!(outside_return(Some("NONE")));
        assert!(outside_return(Some(" basexcluded ")));
        assert!(!outside_return(Some("OUTPUT")));
        assert!(!outside_return(None));
    }
}

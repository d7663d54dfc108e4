//! The tax summary laid out as the tax office's return form: New Zealand's
//! GST return (IR's GST101A, boxes 5 to 15) and Australia's activity
//! statement (the ATO's BAS, fields G1, G2, G3, G10, G11, 1A and 1B).
//!
//! # Rules
//!
//! Each rate of the summary goes into the boxes its Xero report tax type
//! (`ReportTaxType`) and its effective rate say, on the side it counts on.
//! "Gross" is net plus tax: both forms take amounts including GST. A credit
//! note already counts negative in the summary, so it lowers its boxes.
//!
//! **GST101A (NZ).** Xero's own rates: "15% GST on Income" is `OUTPUT` at
//! 15, "Zero Rated" is `OUTPUT` at 0, "15% GST on Expenses" is `INPUT` at
//! 15, "No GST" is `NONE`.
//! - Box 5, total sales and income: sales gross at `OUTPUT` rates, zero
//!   rated included. Box 6, zero-rated supplies: those at a rate of 0.
//! - Box 7 = 5 − 6. Box 8 = box 7 × 3 / 23, to the cent (half away from
//!   zero): the form's own rule, for GST at 15%.
//! - Box 11, purchases and expenses: purchases gross at `INPUT` rates above
//!   0. Box 12 = box 11 × 3 / 23.
//! - Boxes 9 and 13 are the adjustments of the owner's calculation sheet:
//!   left to the owner, counted as nothing. Box 10 = 8 + 9, box 14 = 12 +
//!   13, box 15 = 10 − 14 (to pay when positive, a refund when negative).
//! - Exempt sales ("No GST"), zero-rated purchases and purchases with no GST
//!   are not on the form.
//! - Since boxes 8 and 12 come from the form's fraction, [`FilledForm::charged`]
//!   also gives the GST the lines carry, so any rounding between the two
//!   shows.
//!
//! **BAS (AU).**
//! - Sales gross: `OUTPUT` into G1, and its tax into 1A; `EXEMPTEXPORT`
//!   ("GST Free Exports") into G1 and G2; `EXEMPTOUTPUT` ("GST Free
//!   Income") into G1 and G3; `INPUTTAXED` sales into G1.
//! - Purchases gross: `INPUT` into G11, and its tax into 1B;
//!   `EXEMPTEXPENSES` into G11; `CAPEXINPUT` (and Xero's other spellings of
//!   capital with GST) into G10, and its tax into 1B; `EXEMPTCAPITAL` into
//!   G10.
//! - 1A − 1B is the GST to pay (a refund when negative).
//!
//! **Either form.** `NONE` and `BASEXCLUDED` rates are not on a return. A
//! rate on a side its type does not fit (an income rate on a bill), a report
//! tax type this module does not place (such as GST on imports), a rate with
//! no report tax type, and on the GST101A a taxed rate other than 15%, go
//! into [`FilledForm::unplaced`] with their figures: never guessed into a
//! box.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::statements::StatementOverflow;
use crate::tax_summary::{NetTax, TaxSide};

/// A tax office's return form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnForm {
    /// New Zealand's GST return, IR's GST101A.
    NzGst101a,
    /// Australia's business activity statement, its GST fields.
    AuBas,
}

impl ReturnForm {
    /// The form of an organisation in the country `code` (ISO 3166 alpha-2,
    /// as Xero's `CountryCode`), where this module knows one.
    pub fn for_country(code: &str) -> Option<ReturnForm> {
        match code.trim().to_ascii_uppercase().as_str() {
            "NZ" => Some(ReturnForm::NzGst101a),
            "AU" => Some(ReturnForm::AuBas),
            _ => None,
        }
    }

    /// Its boxes, in the form's order.
    pub fn boxes(self) -> &'static [FormBox] {
        use FormBox::*;
        match self {
            ReturnForm::NzGst101a => &[Nz5, Nz6, Nz7, Nz8, Nz9, Nz10, Nz11, Nz12, Nz13, Nz14, Nz15],
            ReturnForm::AuBas => &[G1, G2, G3, G10, G11, A1, B1, AuNet],
        }
    }
}

/// One box of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormBox {
    Nz5,
    Nz6,
    Nz7,
    Nz8,
    Nz9,
    Nz10,
    Nz11,
    Nz12,
    Nz13,
    Nz14,
    Nz15,
    G1,
    G2,
    G3,
    G10,
    G11,
    /// 1A, GST on sales.
    A1,
    /// 1B, GST on purchases.
    B1,
    /// 1A less 1B.
    AuNet,
}

impl FormBox {
    /// The box's label as the form prints it.
    pub fn label(self) -> &'static str {
        use FormBox::*;
        match self {
            Nz5 => "5",
            Nz6 => "6",
            Nz7 => "7",
            Nz8 => "8",
            Nz9 => "9",
            Nz10 => "10",
            Nz11 => "11",
            Nz12 => "12",
            Nz13 => "13",
            Nz14 => "14",
            Nz15 => "15",
            G1 => "G1",
            G2 => "G2",
            G3 => "G3",
            G10 => "G10",
            G11 => "G11",
            A1 => "1A",
            B1 => "1B",
            AuNet => "1A − 1B",
        }
    }

    /// Whether the owner fills it in (the GST101A's adjustments).
    pub fn left_to_owner(self) -> bool {
        matches!(self, FormBox::Nz9 | FormBox::Nz13)
    }
}

/// One rate of a tax summary, with what the organisation says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRate {
    /// Xero's `TaxType`.
    pub tax_type: String,
    /// Xero's `ReportTaxType` of the rate.
    pub report_tax_type: Option<String>,
    /// Its effective rate, a percentage.
    pub rate: Option<Decimal>,
    pub sales: NetTax,
    pub purchases: NetTax,
}

/// Why a rate's figures on one side are in no box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unplaced {
    /// The ledger holds no report tax type for the rate.
    NoReportTaxType,
    /// A report tax type this module does not place on this form.
    UnknownType(String),
    /// A type that belongs on the other side (an income rate on a bill).
    WrongSide(String),
    /// GST101A: a taxed rate other than 15% (or an unknown rate), which the
    /// form's 3/23 does not fit.
    NotFifteen(Option<Decimal>),
}

/// A rate's side that is in no box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnplacedRate {
    pub tax_type: String,
    pub side: TaxSide,
    pub figures: NetTax,
    pub why: Unplaced,
}

/// A form's box and its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledBox {
    pub form_box: FormBox,
    /// Zero for a box left to the owner.
    pub amount: Decimal,
    /// The tax types whose figures went into it (none for a box worked out
    /// from other boxes), sorted.
    pub tax_types: Vec<String>,
}

/// A form, filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledForm {
    pub form: ReturnForm,
    /// Every box of the form, in its order.
    pub boxes: Vec<FilledBox>,
    /// The GST the placed lines carry: (on sales, on purchases). On the
    /// GST101A it may differ from boxes 8 and 12 by the fraction's rounding.
    pub charged: (Decimal, Decimal),
    pub unplaced: Vec<UnplacedRate>,
}

impl FilledForm {
    /// The amount of `b`; zero for a box this form does not have.
    pub fn amount(&self, b: FormBox) -> Decimal {
        self.boxes
            .iter()
            .find(|f| f.form_box == b)
            .map_or(Decimal::ZERO, |f| f.amount)
    }
}

/// Where one side of a rate goes.
enum Place {
    /// Into these boxes, gross; the tax into the last, when given.
    Boxes(&'static [FormBox], Option<FormBox>),
    /// Not on a return.
    Outside,
    Unplaced(Unplaced),
}

fn place(form: ReturnForm, r: &FormRate, side: TaxSide) -> Place {
    use FormBox::*;
    use TaxSide::{Purchases, Sales};
    let Some(t) = r.report_tax_type.as_deref().map(str::trim) else {
        return Place::Unplaced(Unplaced::NoReportTaxType);
    };
    let wrong = || Place::Unplaced(Unplaced::WrongSide(t.to_owned()));
    let unknown = || Place::Unplaced(Unplaced::UnknownType(t.to_owned()));
    let upper = t.to_ascii_uppercase();
    match (form, side, upper.as_str()) {
        (_, _, "NONE" | "BASEXCLUDED") => Place::Outside,
        (ReturnForm::NzGst101a, _, _) => {
            let zero = r.rate.is_some_and(|p| p.is_zero());
            let fifteen = r.rate == Some(Decimal::from(15));
            match (side, upper.as_str()) {
                (Sales, "OUTPUT") if zero => Place::Boxes(&[Nz5, Nz6], None),
                (Sales, "OUTPUT") if fifteen => Place::Boxes(&[Nz5], None),
                (Sales, "OUTPUT") => Place::Unplaced(Unplaced::NotFifteen(r.rate)),
                (Purchases, "INPUT") if zero => Place::Outside,
                (Purchases, "INPUT") if fifteen => Place::Boxes(&[Nz11], None),
                (Purchases, "INPUT") => Place::Unplaced(Unplaced::NotFifteen(r.rate)),
                // Zero rated on a bill: no GST to claim.
                (Purchases, "OUTPUT") if zero => Place::Outside,
                (Purchases, "OUTPUT") | (Sales, "INPUT") => wrong(),
                _ => unknown(),
            }
        }
        (ReturnForm::AuBas, Sales, "OUTPUT") => Place::Boxes(&[G1], Some(A1)),
        (ReturnForm::AuBas, Sales, "EXEMPTEXPORT") => Place::Boxes(&[G1, G2], None),
        (ReturnForm::AuBas, Sales, "EXEMPTOUTPUT") => Place::Boxes(&[G1, G3], None),
        (ReturnForm::AuBas, Sales, "INPUTTAXED") => Place::Boxes(&[G1], None),
        (ReturnForm::AuBas, Purchases, "INPUT") => Place::Boxes(&[G11], Some(B1)),
        (ReturnForm::AuBas, Purchases, "EXEMPTEXPENSES") => Place::Boxes(&[G11], None),
        (
            ReturnForm::AuBas,
            Purchases,
            "CAPEXINPUT" | "CAPITALEXINPUT" | "CAPITALEXPENSESINPUT",
        ) => Place::Boxes(&[G10], Some(B1)),
        (ReturnForm::AuBas, Purchases, "EXEMPTCAPITAL") => Place::Boxes(&[G10], None),
        (
            ReturnForm::AuBas,
            Sales,
            "INPUT"
            | "EXEMPTEXPENSES"
            | "EXEMPTCAPITAL"
            | "CAPEXINPUT"
            | "CAPITALEXINPUT"
            | "CAPITALEXPENSESINPUT",
        )
        | (ReturnForm::AuBas, Purchases, "OUTPUT" | "EXEMPTEXPORT" | "EXEMPTOUTPUT") => wrong(),
        (ReturnForm::AuBas, _, _) => unknown(),
    }
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, StatementOverflow> {
    a.checked_add(b).ok_or(StatementOverflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, StatementOverflow> {
    a.checked_sub(b).ok_or(StatementOverflow)
}

/// `gross × 3 / 23` to the cent, half away from zero.
fn gst_fraction(gross: Decimal) -> Result<Decimal, StatementOverflow> {
    let three = gross
        .checked_mul(Decimal::from(3))
        .ok_or(StatementOverflow)?;
    Ok(three
        .checked_div(Decimal::from(23))
        .ok_or(StatementOverflow)?
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// Fills `form` from the rates of a summary.
pub fn fill_form(form: ReturnForm, rates: &[FormRate]) -> Result<FilledForm, StatementOverflow> {
    use FormBox::*;
    let mut boxes: Vec<FilledBox> = form
        .boxes()
        .iter()
        .map(|&b| FilledBox {
            form_box: b,
            amount: Decimal::ZERO,
            tax_types: Vec::new(),
        })
        .collect();
    let mut charged = (Decimal::ZERO, Decimal::ZERO);
    let mut unplaced = Vec::new();
    for r in rates {
        for (side, figures) in [(TaxSide::Sales, r.sales), (TaxSide::Purchases, r.purchases)] {
            if figures.net.is_zero() && figures.tax.is_zero() {
                continue;
            }
            match place(form, r, side) {
                Place::Outside => {}
                Place::Unplaced(why) => unplaced.push(UnplacedRate {
                    tax_type: r.tax_type.clone(),
                    side,
                    figures,
                    why,
                }),
                Place::Boxes(into, tax_box) => {
                    let gross = add(figures.net, figures.tax)?;
                    let targets = into.iter().map(|&b| (b, gross));
                    let tax = tax_box.map(|b| (b, figures.tax));
                    for (b, amount) in targets.chain(tax) {
                        // `place` names only this form's boxes.
                        let Some(slot) = boxes.iter_mut().find(|f| f.form_box == b) else {
                            continue;
                        };
                        slot.amount = add(slot.amount, amount)?;
                        if !slot.tax_types.contains(&r.tax_type) {
                            slot.tax_types.push(r.tax_type.clone());
                            slot.tax_types.sort_unstable();
                        }
                    }
                    match side {
                        TaxSide::Sales => charged.0 = add(charged.0, figures.tax)?,
                        TaxSide::Purchases => charged.1 = add(charged.1, figures.tax)?,
                    }
                }
            }
        }
    }
    let mut out = FilledForm {
        form,
        boxes,
        charged,
        unplaced,
    };
    let set = |out: &mut FilledForm, b: FormBox, v: Decimal| {
        if let Some(slot) = out.boxes.iter_mut().find(|f| f.form_box == b) {
            slot.amount = v;
        }
    };
    match form {
        ReturnForm::NzGst101a => {
            let seven = sub(out.amount(Nz5), out.amount(Nz6))?;
            set(&mut out, Nz7, seven);
            let eight = gst_fraction(seven)?;
            set(&mut out, Nz8, eight);
            let ten = add(eight, out.amount(Nz9))?;
            set(&mut out, Nz10, ten);
            let twelve = gst_fraction(out.amount(Nz11))?;
            set(&mut out, Nz12, twelve);
            let fourteen = add(twelve, out.amount(Nz13))?;
            set(&mut out, Nz14, fourteen);
            set(&mut out, Nz15, sub(ten, fourteen)?);
        }
        ReturnForm::AuBas => {
            let net = sub(out.amount(A1), out.amount(B1))?;
            set(&mut out, AuNet, net);
        }
    }
    Ok(out)
}

/// A box whose amount differs between two fillings of one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxDifference {
    pub form_box: FormBox,
    pub local: Decimal,
    pub published: Decimal,
    pub difference: Decimal,
}

/// Box by box, `local - published`, for every box that differs, in the
/// form's order. Both must be the same form.
pub fn compare_forms(
    local: &FilledForm,
    published: &FilledForm,
) -> Result<Vec<BoxDifference>, StatementOverflow> {
    let mut out = Vec::new();
    for b in local.form.boxes() {
        let (l, p) = (local.amount(*b), published.amount(*b));
        if l != p {
            out.push(BoxDifference {
                form_box: *b,
                local: l,
                published: p,
                difference: sub(l, p)?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn rate(
        t: &str,
        report: &str,
        pct: Decimal,
        sales: (Decimal, Decimal),
        purchases: (Decimal, Decimal),
    ) -> FormRate {
        FormRate {
            tax_type: t.to_owned(),
            report_tax_type: Some(report.to_owned()),
            rate: Some(pct),
            sales: NetTax {
                net: sales.0,
                tax: sales.1,
            },
            purchases: NetTax {
                net: purchases.0,
                tax: purchases.1,
            },
        }
    }

    const NIL: (Decimal, Decimal) = (Decimal::ZERO, Decimal::ZERO);

    #[test]
    fn a_new_zealand_return_follows_the_gst101a() {
        let rates = [
            rate(
                "OUTPUT2",
                "OUTPUT",
                d("15"),
                (d("10000.00"), d("1500.00")),
                NIL,
            ),
            rate(
                "ZERORATED",
                "OUTPUT",
                d("0"),
                (d("2000.00"), d("0")),
                (d("300"), d("0")),
            ),
            rate("INPUT2", "INPUT", d("15"), NIL, (d("4000.00"), d("600.00"))),
            rate(
                "NONE",
                "NONE",
                d("0"),
                (d("700"), d("0")),
                (d("50"), d("0")),
            ),
        ];
        let f = fill_form(ReturnForm::NzGst101a, &rates).unwrap();
        use FormBox::*;
        assert_eq!(f.amount(Nz5), d("13500.00"));
        assert_eq!(f.amount(Nz6), d("2000.00"));
        assert_eq!(f.amount(Nz7), d("11500.00"));
        assert_eq!(f.amount(Nz8), d("1500.00"));
        assert_eq!(f.amount(Nz9), d("0"));
        assert_eq!(f.amount(Nz10), d("1500.00"));
        assert_eq!(f.amount(Nz11), d("4600.00"));
        assert_eq!(f.amount(Nz12), d("600.00"));
        assert_eq!(f.amount(Nz14), d("600.00"));
        assert_eq!(f.amount(Nz15), d("900.00"));
        assert_eq!(f.charged, (d("1500.00"), d("600.00")));
        assert!(f.unplaced.is_empty(), "{:?}", f.unplaced);
        let five = f.boxes.iter().find(|b| b.form_box == Nz5).unwrap();
        assert_eq!(
            five.tax_types,
            vec!["OUTPUT2".to_owned(), "ZERORATED".to_owned()]
        );
        assert_eq!(
            f.boxes
                .iter()
                .map(|b| b.form_box.label())
                .collect::<Vec<_>>(),
            ["5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"]
        );
    }

    #[test]
    fn the_fraction_rounds_to_the_cent_and_a_refund_is_negative() {
        // 100.01 × 3 / 23 = 13.0447…; 1,000.05 × 3 / 23 = 130.4413…
        let rates = [
            rate("OUTPUT2", "OUTPUT", d("15"), (d("86.97"), d("13.04")), NIL),
            rate("INPUT2", "INPUT", d("15"), NIL, (d("869.61"), d("130.44"))),
        ];
        let f = fill_form(ReturnForm::NzGst101a, &rates).unwrap();
        assert_eq!(f.amount(FormBox::Nz8), d("13.04"));
        assert_eq!(f.amount(FormBox::Nz12), d("130.44"));
        assert_eq!(f.amount(FormBox::Nz15), d("-117.40"));
        // 23.00 × 3 / 23 is exactly 3; 0.345 × 3 / 23 is exactly 0.045,
        // which rounds away from zero (to even it would be 0.04).
        assert_eq!(gst_fraction(d("23.00")).unwrap(), d("3.00"));
        assert_eq!(gst_fraction(d("0.345")).unwrap(), d("0.05"));
        assert_eq!(gst_fraction(d("-0.345")).unwrap(), d("-0.05"));
    }

    #[test]
    fn a_credit_note_lowers_its_boxes() {
        let rates = [rate(
            "OUTPUT2",
            "OUTPUT",
            d("15"),
            (d("-200.00"), d("-30.00")),
            NIL,
        )];
        let f = fill_form(ReturnForm::NzGst101a, &rates).unwrap();
        assert_eq!(f.amount(FormBox::Nz5), d("-230.00"));
        assert_eq!(f.amount(FormBox::Nz8), d("-30.00"));
    }

    #[test]
    fn what_the_form_cannot_place_is_named_never_guessed() {
        let mut no_type = rate("MYSTERY", "OUTPUT", d("15"), (d("10"), d("1.5")), NIL);
        no_type.report_tax_type = None;
        let rates = [
            rate(
                "GSTONIMPORTS",
                "GSTONIMPORTS",
                d("0"),
                NIL,
                (d("90"), d("0")),
            ),
            rate("OLDRATE", "OUTPUT", d("12.5"), (d("100"), d("12.50")), NIL),
            rate("INPUT2", "INPUT", d("15"), (d("40"), d("6")), NIL),
            no_type,
        ];
        let f = fill_form(ReturnForm::NzGst101a, &rates).unwrap();
        assert!(f.boxes.iter().all(|b| b.amount.is_zero()), "{:?}", f.boxes);
        let why: Vec<_> = f
            .unplaced
            .iter()
            .map(|u| (u.tax_type.as_str(), u.side, &u.why))
            .collect();
        assert_eq!(
            why,
            [
                (
                    "GSTONIMPORTS",
                    TaxSide::Purchases,
                    &Unplaced::UnknownType("GSTONIMPORTS".into())
                ),
                (
                    "OLDRATE",
                    TaxSide::Sales,
                    &Unplaced::NotFifteen(Some(d("12.5")))
                ),
                (
                    "INPUT2",
                    TaxSide::Sales,
                    &Unplaced::WrongSide("INPUT".into())
                ),
                ("MYSTERY", TaxSide::Sales, &Unplaced::NoReportTaxType),
            ]
        );
        assert_eq!(f.unplaced[0].figures.net, d("90"));
    }

    #[test]
    fn an_australian_return_fills_the_bas_fields() {
        let rates = [
            rate("OUTPUT", "OUTPUT", d("10"), (d("5000"), d("500")), NIL),
            rate(
                "EXEMPTEXPORT",
                "EXEMPTEXPORT",
                d("0"),
                (d("800"), d("0")),
                NIL,
            ),
            rate(
                "EXEMPTOUTPUT",
                "EXEMPTOUTPUT",
                d("0"),
                (d("300"), d("0")),
                NIL,
            ),
            rate("INPUT", "INPUT", d("10"), NIL, (d("2000"), d("200"))),
            rate(
                "EXEMPTEXPENSES",
                "EXEMPTEXPENSES",
                d("0"),
                NIL,
                (d("150"), d("0")),
            ),
            rate(
                "CAPEXINPUT",
                "CAPEXINPUT",
                d("10"),
                NIL,
                (d("3000"), d("300")),
            ),
            rate(
                "BASEXCLUDED",
                "BASEXCLUDED",
                d("0"),
                NIL,
                (d("999"), d("0")),
            ),
        ];
        let f = fill_form(ReturnForm::AuBas, &rates).unwrap();
        use FormBox::*;
        assert_eq!(f.amount(G1), d("6600"));
        assert_eq!(f.amount(G2), d("800"));
        assert_eq!(f.amount(G3), d("300"));
        assert_eq!(f.amount(G10), d("3300"));
        assert_eq!(f.amount(G11), d("2350"));
        assert_eq!(f.amount(A1), d("500"));
        assert_eq!(f.amount(B1), d("500"));
        assert_eq!(f.amount(AuNet), d("0"));
        assert!(f.unplaced.is_empty());
        assert_eq!(ReturnForm::for_country(" au"), Some(ReturnForm::AuBas));
        assert_eq!(ReturnForm::for_country("GB"), None);
    }

    #[test]
    fn forms_compare_box_by_box() {
        let ours = [rate(
            "OUTPUT2",
            "OUTPUT",
            d("15"),
            (d("1000"), d("150")),
            NIL,
        )];
        let theirs = [rate(
            "OUTPUT2",
            "OUTPUT",
            d("15"),
            (d("1000"), d("149.99")),
            NIL,
        )];
        let a = fill_form(ReturnForm::NzGst101a, &ours).unwrap();
        let b = fill_form(ReturnForm::NzGst101a, &theirs).unwrap();
        let diffs = compare_forms(&a, &b).unwrap();
        let labels: Vec<_> = diffs.iter().map(|x| x.form_box.label()).collect();
        assert_eq!(labels, ["5", "7"]);
        assert_eq!(diffs[0].difference, d("0.01"));
        // 1,150.00 and 1,149.99 give the same box 8 at the cent.
        assert_eq!(a.amount(FormBox::Nz8), b.amount(FormBox::Nz8));
        assert!(compare_forms(&a, &a).unwrap().is_empty());
    }

    #[test]
    fn an_overflow_is_an_error() {
        let rates = [
            rate("A", "OUTPUT", d("15"), (Decimal::MAX, d("0")), NIL),
            rate("B", "OUTPUT", d("15"), (Decimal::MAX, d("0")), NIL),
        ];
        assert_eq!(
            fill_form(ReturnForm::NzGst101a, &rates),
            Err(StatementOverflow)
        );
    }
}

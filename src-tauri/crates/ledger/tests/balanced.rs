//! Properties over random valid documents: every posting balances in the base
//! currency, and a document settled in full leaves its control account at
//! zero for it (after the currency gain or loss line).

mod common;

use common::{ctx, on, read};
use ledgerkeep_domain::xero::{BankTransaction, CreditNote, Invoice, Payment, Prepayment};
use ledgerkeep_ledger::{
    linked, post, settled_before, trial_balance, AccountKey, Document, JournalLine, LinkedDocument,
    Posting, PostingContext, Settlement, Side,
};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

const ACCOUNTS: [&str; 5] = ["200", "260", "310", "400", "429"];

/// Tax rates as the demo organisations use them: none, 15 %, 12.5 %.
fn tax_rate(i: usize) -> Decimal {
    [Decimal::ZERO, Decimal::new(15, 2), Decimal::new(125, 3)][i % 3]
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn to_cents(d: Decimal) -> i64 {
    i64::try_from((d * Decimal::from(100)).round()).unwrap_or_default()
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

#[derive(Debug, Clone)]
struct Doc {
    /// 0 Exclusive, 1 Inclusive, 2 NoTax.
    types: usize,
    /// (amount in cents, tax rate index, account index)
    lines: Vec<(i64, usize, usize)>,
    /// A rate in millionths (foreign units per base unit), or base currency.
    rate: Option<i64>,
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        0usize..3,
        prop::collection::vec((1i64..10_000_000, 0usize..3, 0usize..5), 1..6),
        prop::option::of(300_000i64..3_000_000),
    )
        .prop_map(|(types, lines, rate)| Doc { types, lines, rate })
}

impl Doc {
    fn types_name(&self) -> &'static str {
        ["Exclusive", "Inclusive", "NoTax"][self.types]
    }

    /// The lines as Xero writes them (tax rounded per line), and the total.
    fn line_items(&self) -> (Vec<Value>, Decimal) {
        let mut total = Decimal::ZERO;
        let mut out = Vec::new();
        for (k, (c, t, a)) in self.lines.iter().enumerate() {
            let amount = cents(*c);
            let r = tax_rate(*t);
            let tax = match self.types {
                0 => round2(amount * r),
                1 => round2(amount * r / (Decimal::ONE + r)),
                _ => Decimal::ZERO,
            };
            total += if self.types == 0 {
                amount + tax
            } else {
                amount
            };
            out.push(json!({
                "LineItemID": format!("line-{k}"),
                "AccountCode": ACCOUNTS[*a],
                "TaxType": if tax.is_zero() { "NONE" } else { "OUTPUT2" },
                "LineAmount": amount.to_string(),
                "TaxAmount": tax.to_string(),
            }));
        }
        (out, total)
    }

    fn rate(&self) -> Option<Decimal> {
        self.rate.map(|r| Decimal::new(r, 6))
    }

    fn currency(&self) -> &'static str {
        if self.rate.is_some() {
            "USD"
        } else {
            "NZD"
        }
    }

    fn json(&self, id_key: &str, id: &str, ty: &str) -> (Value, Decimal) {
        let (lines, total) = self.line_items();
        let mut v = json!({
            "Type": ty, "Date": "2025-03-01", "Status": "AUTHORISED",
            "LineAmountTypes": self.types_name(), "LineItems": lines,
            "Total": total.to_string(), "CurrencyCode": self.currency(),
        });
        v[id_key] = json!(id);
        if let Some(r) = self.rate() {
            v["CurrencyRate"] = json!(r.to_string());
        }
        (v, total)
    }
}

/// The invoice as payments and allocations see it, read by `linked`.
fn linked_invoice(inv: &Invoice, side: Side) -> Result<LinkedDocument, TestCaseError> {
    let l = linked(Document::Invoice(inv), &ctx())
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .ok_or_else(|| TestCaseError::fail("an invoice is a linked document"))?;
    prop_assert_eq!(l.side, side);
    prop_assert!(l.parts.is_empty());
    prop_assert_eq!(
        l.rate,
        inv.currency_rate
            .map(|r| r.as_decimal())
            .filter(|_| l.currency.is_some())
    );
    Ok(l)
}

fn balanced(p: &Posting) -> Result<(), TestCaseError> {
    prop_assert_eq!(p.net(), Some(Decimal::ZERO), "net of {:?}", p);
    prop_assert_eq!(p.debits(), p.credits());
    for l in &p.lines {
        prop_assert!(l.amount.scale() <= 2, "base amounts are in cents: {:?}", l);
        prop_assert!(!l.amount.is_zero() || l.foreign.is_some());
    }
    Ok(())
}

fn control_sum(lines: &[&Posting], control: &str) -> Decimal {
    let all: Vec<JournalLine> = lines.iter().flat_map(|p| p.lines.clone()).collect();
    on(&all, control)
}

/// `total` in `parts` payments of whole cents, the last taking what is left.
fn split(total: Decimal, parts: i64) -> Vec<Decimal> {
    let total_cents = to_cents(total);
    let each = total_cents / parts;
    (0..parts)
        .map(|k| {
            cents(if k + 1 == parts {
                total_cents - each * (parts - 1)
            } else {
                each
            })
        })
        .collect()
}

fn payment(
    id: &str,
    date: &str,
    ty: &str,
    amount: Decimal,
    invoice: &str,
    currency: &str,
    rate: Option<Decimal>,
) -> Payment {
    let mut v = json!({
        "PaymentID": id, "Date": date, "Status": "AUTHORISED", "PaymentType": ty,
        "Amount": amount.to_string(), "Account": {"Code": "090"},
        "Invoice": {"InvoiceID": invoice, "CurrencyCode": currency},
    });
    if let Some(r) = rate {
        v["CurrencyRate"] = json!(r.to_string());
    }
    read(v)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// An invoice or a bill and the one to three payments that pay it in
    /// full: each posting balances, and its control account ends at zero. In
    /// a foreign currency each payment has a rate of its own, the difference
    /// going to currency gains.
    #[test]
    fn invoices_paid_in_full_balance_and_clear_their_control_account(
        d in doc(),
        sales in any::<bool>(),
        parts in 1i64..4,
        pay_rate in 300_000i64..3_000_000,
    ) {
        let (ty, pay_ty, control, side) = if sales {
            ("ACCREC", "ACCRECPAYMENT", "610", Side::Receivable)
        } else {
            ("ACCPAY", "ACCPAYPAYMENT", "800", Side::Payable)
        };
        let (v, total) = d.json("InvoiceID", "inv", ty);
        let inv: Invoice = read(v);
        let ctx = ctx().with_linked("inv", linked_invoice(&inv, side)?);
        let booked = post(Document::Invoice(&inv), &ctx).unwrap();
        balanced(&booked)?;
        // The control account holds the total, converted once.
        let expected = match d.rate() {
            Some(r) => round2(total / r),
            None => total,
        };
        let sign = if sales { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        prop_assert_eq!(on(&booked.lines, control), sign * expected);

        let amounts = split(total, parts);
        prop_assert_eq!(amounts.iter().copied().sum::<Decimal>(), total);
        let payments: Vec<Payment> = amounts
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let rate = d.rate.map(|_| Decimal::new(pay_rate + k as i64 * 1_000, 6));
                payment(&format!("pay-{k}"), &format!("2025-04-0{}", k + 1), pay_ty, *a, "inv", d.currency(), rate)
            })
            .collect();
        let order = settled_before(payments.iter().map(|p| Settlement {
            document_id: "inv".into(),
            settlement_id: p.payment_id.clone(),
            date: p.date.unwrap(),
            amount: p.amount.unwrap().as_decimal(),
        }))
        .unwrap();
        let ctx = ctx.with_settled_before(order);
        let mut postings = vec![booked];
        for p in &payments {
            let posted = post(Document::Payment(p), &ctx).unwrap();
            balanced(&posted)?;
            postings.push(posted);
        }
        let refs: Vec<&Posting> = postings.iter().collect();
        prop_assert_eq!(control_sum(&refs, control), Decimal::ZERO);
        // The whole ledger balances too.
        let lines: Vec<JournalLine> = postings.iter().flat_map(|p| p.lines.clone()).collect();
        let tb = trial_balance(&lines).unwrap();
        prop_assert_eq!(tb.values().map(|s| s.net).sum::<Decimal>(), Decimal::ZERO);
        prop_assert_eq!(tb.get(&AccountKey::code(control)).map(|s| s.net), Some(Decimal::ZERO));
    }

    /// A credit note for an invoice's whole total, allocated to it: the pair
    /// leaves the control account at zero, whatever the two rates.
    #[test]
    fn a_credit_note_allocated_in_full_clears_the_invoice(
        d in doc(),
        sales in any::<bool>(),
        credit_rate in 300_000i64..3_000_000,
    ) {
        let (ty, cn_ty, control, side) = if sales {
            ("ACCREC", "ACCRECCREDIT", "610", Side::Receivable)
        } else {
            ("ACCPAY", "ACCPAYCREDIT", "800", Side::Payable)
        };
        let (v, total) = d.json("InvoiceID", "inv", ty);
        let inv: Invoice = read(v);
        let mut credit = d.clone();
        if credit.rate.is_some() {
            credit.rate = Some(credit_rate);
        }
        let (mut v, credit_total) = credit.json("CreditNoteID", "cn", cn_ty);
        prop_assert_eq!(credit_total, total);
        v["Allocations"] = json!([{"AllocationID": "alloc", "Amount": total.to_string(), "Date": "2025-03-05", "Invoice": {"InvoiceID": "inv"}}]);
        let cn: CreditNote = read(v);
        let ctx = ctx().with_linked("inv", linked_invoice(&inv, side)?);
        let a = post(Document::Invoice(&inv), &ctx).unwrap();
        let b = post(Document::CreditNote(&cn), &ctx).unwrap();
        balanced(&a)?;
        balanced(&b)?;
        prop_assert_eq!(control_sum(&[&a, &b], control), Decimal::ZERO);
        // Its lines net off the invoice's: revenue or expense and tax are back at zero.
        let all: Vec<JournalLine> = a.lines.iter().chain(b.lines.iter()).cloned().collect();
        for code in ACCOUNTS.iter().chain(["820"].iter()) {
            if d.rate.is_none() {
                prop_assert_eq!(on(&all, code), Decimal::ZERO, "{}", code);
            }
        }
    }

    /// A prepayment used up in one to three parts, on one invoice and, when
    /// `refund`, the last part refunded: its lines' accounts, tax and
    /// rounding come back to zero, and the invoice's control account is
    /// settled.
    #[test]
    fn a_prepayment_used_up_clears_its_lines_and_the_invoice(
        d in doc(),
        sales in any::<bool>(),
        parts in 1i64..4,
        refund in any::<bool>(),
    ) {
        let mut d = d;
        d.rate = None;
        let (ty, pp_ty, refund_ty, control, side) = if sales {
            ("ACCREC", "RECEIVE-PREPAYMENT", "ARPREPAYMENTPAYMENT", "610", Side::Receivable)
        } else {
            ("ACCPAY", "SPEND-PREPAYMENT", "APPREPAYMENTPAYMENT", "800", Side::Payable)
        };
        let (v, total) = d.json("PrepaymentID", "pp", pp_ty);
        let mut v = v;
        let mut amounts = split(total, parts);
        let refunded = if refund && parts > 1 { amounts.pop() } else { None };
        let allocated: Decimal = amounts.iter().copied().sum();
        let allocations: Vec<Value> = amounts
            .iter()
            .enumerate()
            .map(|(k, a)| json!({"AllocationID": format!("a{k}"), "Date": format!("2025-03-0{}", k + 2), "Amount": a.to_string(), "Invoice": {"InvoiceID": "inv"}}))
            .collect();
        v["Allocations"] = json!(allocations);
        let pp: Prepayment = read(v);
        let refund_payment = refunded.map(|a| {
            let mut p = payment("refund", "2025-03-09", refund_ty, a, "inv", "NZD", None);
            p.invoice = None;
            p.prepayment = Some(ledgerkeep_domain::xero::PrepaymentRef { prepayment_id: Some("pp".into()), currency_code: Some("NZD".into()) });
            p
        });
        let mut settlements: Vec<Settlement> = pp.allocations.iter().flat_map(|a| {
            ["pp", "inv"].map(|doc| Settlement {
                document_id: doc.into(),
                settlement_id: a.allocation_id.clone().unwrap(),
                date: a.date.unwrap(),
                amount: a.amount.unwrap().as_decimal(),
            })
        }).collect();
        if let Some(r) = &refund_payment {
            settlements.push(Settlement { document_id: "pp".into(), settlement_id: r.payment_id.clone(), date: r.date.unwrap(), amount: r.amount.unwrap().as_decimal() });
        }
        let order = settled_before(settlements).unwrap();
        let invoice_doc = Doc { types: 2, lines: vec![(to_cents(allocated), 0, 0)], rate: None };
        let (v, invoice_total) = invoice_doc.json("InvoiceID", "inv", ty);
        prop_assert_eq!(invoice_total, allocated);
        let inv: Invoice = read(v);
        let ctx: PostingContext = ctx()
            .with_bank_account("pp", AccountKey::code("090"))
            .with_linked("inv", linked_invoice(&inv, side)?)
            .with_settled_before(order);
        let as_linked = linked(Document::Prepayment(&pp), &ctx).unwrap().unwrap();
        prop_assert_eq!(as_linked.side, side);
        let ctx = ctx.with_linked("pp", as_linked);
        let mut postings = vec![
            post(Document::Prepayment(&pp), &ctx).unwrap(),
            post(Document::Invoice(&inv), &ctx).unwrap(),
        ];
        if let Some(r) = &refund_payment {
            postings.push(post(Document::Payment(r), &ctx).unwrap());
        }
        for p in &postings {
            balanced(p)?;
        }
        let refs: Vec<&Posting> = postings.iter().collect();
        prop_assert_eq!(control_sum(&refs, control), Decimal::ZERO);
        let not_invoice: Vec<&Posting> = refs.iter().enumerate().filter(|(k, _)| *k != 1).map(|(_, p)| *p).collect();
        for code in ACCOUNTS.iter().chain(["820", "860"].iter()) {
            prop_assert_eq!(control_sum(&not_invoice, code), Decimal::ZERO, "{}", code);
        }
        // The bank holds what was not refunded.
        let bank = control_sum(&refs, "090");
        let sign = if sales { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        prop_assert_eq!(bank, sign * allocated);
    }

    /// Spend and receive money, in any currency: balanced.
    #[test]
    fn bank_transactions_balance(d in doc(), receive in any::<bool>()) {
        let (mut v, _) = d.json("BankTransactionID", "bt", if receive { "RECEIVE" } else { "SPEND" });
        v["BankAccount"] = json!({"Code": "090"});
        let t: BankTransaction = read(v);
        let p = post(Document::BankTransaction(&t), &ctx()).unwrap();
        balanced(&p)?;
        prop_assert!(!p.is_empty());
    }
}

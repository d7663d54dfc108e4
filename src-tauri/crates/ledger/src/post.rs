//! The posting rules: one Xero document in, its balanced journal lines out.

use ledgerkeep_domain::xero::{
    AccountRef, Allocation, BankTransaction, BankTransactionType, BankTransfer, BatchPayment,
    CreditNote, CreditNoteType, DocumentStatus, Invoice, InvoiceType, LineAmountTypes, LineItem,
    ManualJournal, ManualJournalStatus, Overpayment, OverpaymentType, Payment, PaymentType,
    Prepayment, PrepaymentType, XeroCode,
};
use ledgerkeep_domain::{Money, XeroDate};
use rust_decimal::Decimal;

use crate::context::{LinkedDocument, LinkedPart, PostingContext, Side};
use crate::error::PostingError;
use crate::model::{AccountKey, ForeignAmount, JournalLine, LineRole, Posting, Source, SourceKind};

/// A document that may post to the general ledger.
#[derive(Debug, Clone, Copy)]
pub enum Document<'a> {
    Invoice(&'a Invoice),
    CreditNote(&'a CreditNote),
    Payment(&'a Payment),
    Overpayment(&'a Overpayment),
    Prepayment(&'a Prepayment),
    BankTransaction(&'a BankTransaction),
    BankTransfer(&'a BankTransfer),
    ManualJournal(&'a ManualJournal),
    /// Bills paid or receipts banked together. Each of its payments is a
    /// [`Document::Payment`] of its own and posts there; the batch, which
    /// only groups them, posts nothing (posting it too would count every
    /// payment twice).
    BatchPayment(&'a BatchPayment),
}

/// Posts one document: its journal lines, balanced in the base currency, or
/// why it cannot be posted. A document in a state that does not post (a
/// draft, a voided or deleted one) gives an empty posting.
pub fn post(document: Document<'_>, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let posting = match document {
        Document::Invoice(d) => post_invoice(d, ctx)?,
        Document::CreditNote(d) => post_credit_note(d, ctx)?,
        Document::Payment(d) => post_payment(d, ctx)?,
        Document::Overpayment(d) => post_overpayment(d, ctx)?,
        Document::Prepayment(d) => post_prepayment(d, ctx)?,
        Document::BankTransaction(d) => post_bank_transaction(d, ctx)?,
        Document::BankTransfer(d) => post_bank_transfer(d, ctx)?,
        Document::ManualJournal(d) => post_manual_journal(d, ctx)?,
        Document::BatchPayment(_) => Posting { lines: Vec::new() },
    };
    Ok(posting)
}

// ---------------------------------------------------------------------------
// Checked arithmetic, with the document named in the error.

#[derive(Debug, Clone)]
struct Calc {
    label: String,
}

impl Calc {
    fn new(kind: &str, number: Option<&str>, id: &str) -> Calc {
        let name = number
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(id);
        Calc {
            label: format!("{kind} {name}"),
        }
    }

    fn overflow(&self) -> PostingError {
        PostingError::Overflow {
            document: self.label.clone(),
        }
    }

    fn add(&self, a: Decimal, b: Decimal) -> Result<Decimal, PostingError> {
        a.checked_add(b).ok_or_else(|| self.overflow())
    }

    fn sub(&self, a: Decimal, b: Decimal) -> Result<Decimal, PostingError> {
        a.checked_sub(b).ok_or_else(|| self.overflow())
    }

    fn mul(&self, a: Decimal, b: Decimal) -> Result<Decimal, PostingError> {
        a.checked_mul(b).ok_or_else(|| self.overflow())
    }

    fn div(&self, a: Decimal, b: Decimal) -> Result<Decimal, PostingError> {
        a.checked_div(b).ok_or_else(|| self.overflow())
    }

    fn sum<'a>(
        &self,
        values: impl IntoIterator<Item = &'a Decimal>,
    ) -> Result<Decimal, PostingError> {
        values
            .into_iter()
            .try_fold(Decimal::ZERO, |acc, v| self.add(acc, *v))
    }

    fn missing(&self, field: &'static str) -> PostingError {
        PostingError::Missing {
            document: self.label.clone(),
            field,
        }
    }

    fn unknown(&self, field: &'static str, value: &str) -> PostingError {
        PostingError::Unknown {
            document: self.label.clone(),
            field,
            value: value.to_owned(),
        }
    }
}

fn dec(m: Option<Money>) -> Option<Decimal> {
    m.map(|m| m.as_decimal())
}

fn round2(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    if r.scale() < 2 {
        r.rescale(2);
    }
    r
}

/// Whether `status` (any case) is one of `posts`; `Ok(false)` for one of
/// `silent`; an error for a status Ledgerkeep does not know (a code Xero
/// added, or one this kind of document does not have), naming it as sent.
fn posts<S: XeroCode + PartialEq>(
    calc: &Calc,
    status: Option<&S>,
    posts: &[S],
    silent: &[S],
) -> Result<bool, PostingError> {
    let status = required(calc, "Status", status)?;
    if posts.contains(&status) {
        Ok(true)
    } else if silent.contains(&status) {
        Ok(false)
    } else {
        Err(calc.unknown("Status", status.code().trim()))
    }
}

/// A code's value in any case ([`DocumentStatus::folded`]), or the error for
/// a missing one (`None`, or empty text).
fn required<C: XeroCode>(
    calc: &Calc,
    field: &'static str,
    code: Option<&C>,
) -> Result<C, PostingError> {
    code.filter(|c| !c.code().trim().is_empty())
        .map(XeroCode::fold)
        .ok_or_else(|| calc.missing(field))
}

// ---------------------------------------------------------------------------
// Currency.

/// How a document's amounts become base-currency amounts.
#[derive(Debug, Clone)]
struct Fx {
    /// `None` for the base currency.
    currency: Option<String>,
    rate: Decimal,
}

impl Fx {
    const BASE: Fx = Fx {
        currency: None,
        rate: Decimal::ONE,
    };

    fn of(
        calc: &Calc,
        ctx: &PostingContext,
        currency: Option<&str>,
        rate: Option<Decimal>,
    ) -> Result<Fx, PostingError> {
        if ctx.is_base(currency) {
            return Ok(Fx::BASE);
        }
        let currency = currency.unwrap_or_default().trim().to_owned();
        match rate {
            Some(r) if r > Decimal::ZERO => Ok(Fx {
                currency: Some(currency),
                rate: r,
            }),
            other => Err(PostingError::BadRate {
                document: calc.label.clone(),
                currency,
                rate: other.map_or_else(|| "none".to_owned(), |r| r.to_string()),
            }),
        }
    }

    fn is_foreign(&self) -> bool {
        self.currency.is_some()
    }

    /// Xero's rule: the foreign amount divided by the rate (foreign units
    /// per base unit), rounded to 2 places half away from zero; the same
    /// function the listings use for their base amounts.
    fn base(&self, calc: &Calc, amount: Decimal) -> Result<Decimal, PostingError> {
        if !self.is_foreign() {
            return Ok(amount);
        }
        Money::new(amount)
            .in_base_currency(&Money::new(self.rate))
            .map(|m| m.as_decimal())
            .ok_or_else(|| calc.overflow())
    }

    /// The base amount that settling `amount` clears of a document of which
    /// `before` was settled already: the difference of the converted running
    /// totals, so that the parts add up to the converted whole.
    fn settled(
        &self,
        calc: &Calc,
        amount: Decimal,
        before: Decimal,
    ) -> Result<Decimal, PostingError> {
        if !self.is_foreign() {
            return Ok(amount);
        }
        let after = calc.add(before, amount)?;
        calc.sub(self.base(calc, after)?, self.base(calc, before)?)
    }

    fn foreign(&self, amount: Decimal) -> Option<ForeignAmount> {
        self.currency.as_ref().map(|c| ForeignAmount {
            currency: c.clone(),
            amount,
        })
    }
}

// ---------------------------------------------------------------------------
// Building lines.

struct Lines<'c> {
    calc: Calc,
    source: Source,
    lines: Vec<JournalLine>,
    ctx: &'c PostingContext,
}

impl<'c> Lines<'c> {
    fn new(calc: Calc, kind: SourceKind, id: &str, ctx: &'c PostingContext) -> Self {
        Lines {
            calc,
            source: Source {
                kind,
                document_id: id.to_owned(),
                line_id: None,
            },
            lines: Vec::new(),
            ctx,
        }
    }

    /// Adds a line of `foreign_amount` (in the document's currency, debit
    /// positive) converted with `fx`; zero lines are left out.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        date: XeroDate,
        account: &AccountKey,
        role: LineRole,
        fx: &Fx,
        foreign_amount: Decimal,
        line_id: Option<&str>,
        item: Option<&LineItem>,
    ) -> Result<(), PostingError> {
        let amount = fx.base(&self.calc, foreign_amount)?;
        self.push_base(
            date,
            account,
            role,
            amount,
            fx.foreign(foreign_amount),
            line_id,
            item,
        );
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn push_base(
        &mut self,
        date: XeroDate,
        account: &AccountKey,
        role: LineRole,
        amount: Decimal,
        foreign: Option<ForeignAmount>,
        line_id: Option<&str>,
        item: Option<&LineItem>,
    ) {
        if amount.is_zero() && foreign.as_ref().is_none_or(|f| f.amount.is_zero()) {
            return;
        }
        let mut source = self.source.clone();
        source.line_id = line_id.map(str::to_owned);
        self.lines.push(JournalLine {
            date,
            account: account.clone(),
            amount,
            foreign,
            tax_type: item.and_then(|i| i.tax_type.clone()),
            tracking: item
                .map(|i| i.tracking.iter().map(Into::into).collect())
                .unwrap_or_default(),
            source,
            role,
            description: item.and_then(|i| i.description.clone()),
        });
    }

    /// The sum of the base amounts of the lines from `from` on.
    fn net_since(&self, from: usize) -> Result<Decimal, PostingError> {
        self.calc.sum(
            self.lines
                .get(from..)
                .unwrap_or_default()
                .iter()
                .map(|l| &l.amount),
        )
    }

    /// Makes the lines from `from` on balance in the base currency: what
    /// converting them one by one left over goes to `account`.
    fn balance_since(
        &mut self,
        from: usize,
        date: XeroDate,
        role: LineRole,
        line_id: Option<&str>,
    ) -> Result<(), PostingError> {
        let net = self.net_since(from)?;
        if !net.is_zero() {
            let account = match role {
                LineRole::CurrencyGain => self.ctx.accounts.currency_gains.clone(),
                _ => self.ctx.accounts.rounding.clone(),
            };
            self.push_base(date, &account, role, -net, None, line_id, None);
        }
        Ok(())
    }

    fn finish(self) -> Result<Posting, PostingError> {
        let net = self.net_since(0)?;
        if !net.is_zero() {
            return Err(PostingError::Unbalanced {
                document: self.calc.label,
                difference: net,
            });
        }
        Ok(Posting { lines: self.lines })
    }
}

// ---------------------------------------------------------------------------
// Documents with lines: invoices, credit notes, overpayments, prepayments and
// bank transactions share one posting.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AmountTypes {
    Exclusive,
    Inclusive,
    NoTax,
}

impl AmountTypes {
    /// `LineAmountTypes` in any case; `default` when it is absent or empty.
    fn read(
        calc: &Calc,
        code: Option<&LineAmountTypes>,
        default: AmountTypes,
    ) -> Result<Self, PostingError> {
        match code
            .filter(|c| !c.as_str().trim().is_empty())
            .map(LineAmountTypes::folded)
        {
            None => Ok(default),
            Some(LineAmountTypes::Exclusive) => Ok(AmountTypes::Exclusive),
            Some(LineAmountTypes::Inclusive) => Ok(AmountTypes::Inclusive),
            Some(LineAmountTypes::NoTax) => Ok(AmountTypes::NoTax),
            Some(LineAmountTypes::Other(t)) => Err(calc.unknown("LineAmountTypes", t.trim())),
        }
    }
}

/// Where a document's lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinesTo {
    /// Each line's own account, and its tax to the tax account.
    Accounts,
    /// The control account, whatever the lines say (an overpayment: the
    /// money sits in receivables or payables as the contact's credit).
    Control,
}

/// How a document's allocations post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allocates {
    /// A credit note or an overpayment: control against control, which posts
    /// only when the two documents' rates make a currency gain or loss.
    Credit,
    /// A prepayment: its lines are reversed in the allocated share, against
    /// the control account the invoice sits in.
    Lines,
}

/// The shared shape of a document with lines, a contact, a rate and
/// allocations.
struct LinesDoc<'a> {
    calc: Calc,
    id: &'a str,
    kind: SourceKind,
    date: Option<XeroDate>,
    amount_types: Option<&'a LineAmountTypes>,
    lines: &'a [LineItem],
    total: Option<Decimal>,
    currency: Option<&'a str>,
    rate: Option<Decimal>,
    /// +1 when the counter account (the control account for invoices and
    /// credit notes, the bank for the others) is debited.
    sign: Decimal,
    /// `None` for an overpayment or prepayment whose bank account the
    /// context does not name.
    counter: Option<AccountKey>,
    counter_role: LineRole,
    side: Side,
    lines_to: LinesTo,
    allocations: &'a [Allocation],
    allocates: Allocates,
}

/// A document line, split into net and tax in the document's currency.
struct NetLine<'a> {
    item: &'a LineItem,
    account: Option<AccountKey>,
    net: Decimal,
    tax: Decimal,
}

fn net_lines<'a>(d: &LinesDoc<'a>) -> Result<Vec<NetLine<'a>>, PostingError> {
    let calc = &d.calc;
    let types = AmountTypes::read(calc, d.amount_types, AmountTypes::Exclusive)?;
    let mut out = Vec::new();
    for (i, item) in d.lines.iter().enumerate() {
        let line = i + 1;
        let amount = match dec(item.line_amount) {
            Some(a) => a,
            None if dec(item.unit_amount).unwrap_or_default().is_zero() => Decimal::ZERO,
            None => return Err(calc.missing("LineAmount on a line with a unit amount")),
        };
        let tax = dec(item.tax_amount).unwrap_or_default();
        let (net, tax) = match types {
            AmountTypes::Exclusive => (amount, tax),
            AmountTypes::Inclusive => (calc.sub(amount, tax)?, tax),
            AmountTypes::NoTax if !tax.is_zero() => {
                return Err(PostingError::TaxOnNoTaxLine {
                    document: calc.label.clone(),
                    line,
                    tax,
                })
            }
            AmountTypes::NoTax => (amount, Decimal::ZERO),
        };
        if net.is_zero() && tax.is_zero() {
            continue;
        }
        let account = AccountKey::named(item.account_code.as_deref(), item.account_id.as_deref());
        if account.is_none() && d.lines_to == LinesTo::Accounts {
            return Err(PostingError::LineWithoutAccount {
                document: calc.label.clone(),
                line,
            });
        }
        out.push(NetLine {
            item,
            account,
            net,
            tax,
        });
    }
    Ok(out)
}

fn post_lines_doc(d: &LinesDoc<'_>, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = &d.calc;
    let date = d.date.ok_or_else(|| calc.missing("Date"))?;
    let fx = Fx::of(calc, ctx, d.currency, d.rate)?;
    let lines = net_lines(d)?;
    let mut computed = Decimal::ZERO;
    for l in &lines {
        computed = calc.add(computed, calc.add(l.net, l.tax)?)?;
    }
    // Xero lists some overpayments with no lines, only their total: the total
    // is then what sits in the control account.
    let total = match d.total {
        Some(stated) if lines.is_empty() && d.lines_to == LinesTo::Control => stated,
        Some(stated) if stated != computed => {
            return Err(PostingError::TotalMismatch {
                document: calc.label.clone(),
                stated,
                computed,
            })
        }
        _ => computed,
    };
    let counter = d
        .counter
        .clone()
        .ok_or_else(|| PostingError::MissingBankAccount {
            document: calc.label.clone(),
        })?;
    let mut out = Lines::new(calc.clone(), d.kind, d.id, ctx);
    let control = ctx.control(d.side).clone();
    out.push(
        date,
        &counter,
        d.counter_role,
        &fx,
        calc.mul(d.sign, total)?,
        None,
        None,
    )?;
    let credit = -d.sign;
    if lines.is_empty() && d.lines_to == LinesTo::Control {
        out.push(
            date,
            &control,
            LineRole::Control,
            &fx,
            calc.mul(credit, total)?,
            None,
            None,
        )?;
    }
    for l in &lines {
        let line_id = l.item.line_item_id.as_deref();
        let (account, role) = match (&d.lines_to, &l.account) {
            (LinesTo::Accounts, Some(a)) => (a, LineRole::Item),
            _ => (&control, LineRole::Control),
        };
        out.push(
            date,
            account,
            role,
            &fx,
            calc.mul(credit, l.net)?,
            line_id,
            Some(l.item),
        )?;
        let tax_account = ctx.tax_account(l.item.tax_type.as_deref());
        out.push(
            date,
            tax_account,
            LineRole::Tax,
            &fx,
            calc.mul(credit, l.tax)?,
            line_id,
            Some(l.item),
        )?;
    }
    out.balance_since(0, date, LineRole::Rounding, None)?;
    for a in d.allocations {
        post_allocation(d, &lines, a, date, &fx, &mut out)?;
    }
    out.finish()
}

/// An allocation of a credit note, overpayment or prepayment to an invoice.
fn post_allocation(
    d: &LinesDoc<'_>,
    lines: &[NetLine<'_>],
    a: &Allocation,
    doc_date: XeroDate,
    fx: &Fx,
    out: &mut Lines<'_>,
) -> Result<(), PostingError> {
    let calc = &d.calc;
    let ctx = out.ctx;
    if a.is_deleted == Some(true) {
        return Ok(());
    }
    let amount = dec(a.amount).unwrap_or_default();
    if amount.is_zero() {
        return Ok(());
    }
    let date = a.date.unwrap_or(doc_date);
    let alloc_id = a.allocation_id.as_deref();
    let invoice_id = a
        .invoice
        .as_ref()
        .and_then(|i| i.invoice_id.as_deref())
        .ok_or_else(|| calc.missing("invoice on an allocation"))?;
    // Both documents are in the same currency; the invoice's rate is what
    // it was booked at.
    let invoice_fx = if fx.is_foreign() {
        let linked = ctx
            .linked
            .get(invoice_id)
            .ok_or_else(|| PostingError::MissingLinked {
                document: calc.label.clone(),
                linked: invoice_id.to_owned(),
            })?;
        Fx::of(calc, ctx, linked.currency.as_deref(), linked.rate)?
    } else {
        Fx::BASE
    };
    // +1 when the document's credit sits as a credit in the control account.
    let s = match d.side {
        Side::Receivable => Decimal::ONE,
        Side::Payable => Decimal::NEGATIVE_ONE,
    };
    let control = ctx.control(d.side).clone();
    let from = out.lines.len();
    // What this allocation settles of each document, in the base currency:
    // converted on the running totals, so a document's allocations and
    // payments together clear exactly what it was booked at.
    let doc_before = ctx.before(d.id, alloc_id);
    let at_invoice = invoice_fx.settled(calc, amount, ctx.before(invoice_id, alloc_id))?;
    match d.allocates {
        Allocates::Credit => {
            let at_doc = fx.settled(calc, amount, doc_before)?;
            if at_doc == at_invoice {
                // The same control account on both sides, the same amount:
                // nothing moves.
                return Ok(());
            }
            out.push_base(
                date,
                &control,
                LineRole::Control,
                calc.mul(s, at_doc)?,
                fx.foreign(calc.mul(s, amount)?),
                alloc_id,
                None,
            );
            out.push_base(
                date,
                &control,
                LineRole::Control,
                calc.mul(-s, at_invoice)?,
                invoice_fx.foreign(calc.mul(-s, amount)?),
                alloc_id,
                None,
            );
        }
        Allocates::Lines => {
            let share = Share::new(calc, lines, doc_before, amount)?;
            // The prepayment's receipt credited its lines for money in
            // (sign +1): using it up debits them back.
            let back = -d.sign;
            for l in lines {
                let line_id = alloc_id.or(l.item.line_item_id.as_deref());
                let account = l.account.as_ref().unwrap_or(&control);
                let tax_account = ctx.tax_account(l.item.tax_type.as_deref());
                for (part, account, role) in [
                    (l.net, account, LineRole::Item),
                    (l.tax, tax_account, LineRole::Tax),
                ] {
                    // Shares of what the receipt posted, in both currencies.
                    let base = share.of(calc, fx.base(calc, part)?)?;
                    let foreign = share.of(calc, part)?;
                    out.push_base(
                        date,
                        account,
                        role,
                        calc.mul(-back, base)?,
                        fx.foreign(calc.mul(-back, foreign)?),
                        line_id,
                        Some(l.item),
                    );
                }
            }
            out.push_base(
                date,
                &control,
                LineRole::Control,
                calc.mul(back, at_invoice)?,
                invoice_fx.foreign(calc.mul(back, amount)?),
                alloc_id,
                None,
            );
        }
    }
    let role = if fx.is_foreign() || invoice_fx.is_foreign() {
        LineRole::CurrencyGain
    } else {
        LineRole::Rounding
    };
    out.balance_since(from, date, role, alloc_id)
}

/// The part of each of a document's amounts that one allocation uses up:
/// `round(x * after / total) - round(x * before / total)`, where `before` and
/// `after` are what had been allocated before and after it. The parts of all
/// the allocations of a fully used document add up to `x` exactly; the cents
/// one allocation's rounding leaves over go to the rounding line, and those
/// of all its allocations together net to zero.
struct Share {
    before: Decimal,
    after: Decimal,
    total: Decimal,
}

impl Share {
    fn new(
        calc: &Calc,
        lines: &[NetLine<'_>],
        before: Decimal,
        amount: Decimal,
    ) -> Result<Share, PostingError> {
        let mut total = Decimal::ZERO;
        for l in lines {
            total = calc.add(total, calc.add(l.net, l.tax)?)?;
        }
        Share::of_total(calc, total, before, amount)
    }

    fn of_total(
        calc: &Calc,
        total: Decimal,
        before: Decimal,
        amount: Decimal,
    ) -> Result<Share, PostingError> {
        if total.is_zero() {
            return Err(calc.missing("amount to allocate from"));
        }
        Ok(Share {
            before,
            after: calc.add(before, amount)?,
            total,
        })
    }

    fn of(&self, calc: &Calc, x: Decimal) -> Result<Decimal, PostingError> {
        let upto = |n: Decimal| -> Result<Decimal, PostingError> {
            Ok(round2(calc.div(calc.mul(x, n)?, self.total)?))
        };
        calc.sub(upto(self.after)?, upto(self.before)?)
    }
}

// ---------------------------------------------------------------------------
// Invoices and credit notes.

const APPROVED: [DocumentStatus; 2] = [DocumentStatus::Authorised, DocumentStatus::Paid];
const NOT_APPROVED: [DocumentStatus; 4] = [
    DocumentStatus::Draft,
    DocumentStatus::Submitted,
    DocumentStatus::Deleted,
    DocumentStatus::Voided,
];
/// The statuses of an overpayment or a prepayment that post nothing.
const CREDIT_NOT_APPROVED: [DocumentStatus; 3] = [
    DocumentStatus::Voided,
    DocumentStatus::Deleted,
    DocumentStatus::Draft,
];

fn post_invoice(inv: &Invoice, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = Calc::new("invoice", inv.invoice_number.as_deref(), &inv.invoice_id);
    if !posts(&calc, inv.status.as_ref(), &APPROVED, &NOT_APPROVED)? {
        return Ok(Posting::default());
    }
    post_lines_doc(&invoice_view(inv, ctx)?, ctx)
}

fn invoice_view<'a>(inv: &'a Invoice, ctx: &PostingContext) -> Result<LinesDoc<'a>, PostingError> {
    let calc = Calc::new("invoice", inv.invoice_number.as_deref(), &inv.invoice_id);
    let (kind, side, sign) = match required(&calc, "Type", inv.invoice_type.as_ref())? {
        InvoiceType::AccRec => (SourceKind::AccRec, Side::Receivable, Decimal::ONE),
        InvoiceType::AccPay => (SourceKind::AccPay, Side::Payable, Decimal::NEGATIVE_ONE),
        InvoiceType::Other(text) => return Err(calc.unknown("Type", text.trim())),
    };
    Ok(LinesDoc {
        id: &inv.invoice_id,
        kind,
        date: inv.date,
        amount_types: inv.line_amount_types.as_ref(),
        lines: &inv.line_items,
        total: dec(inv.total),
        currency: inv.currency_code.as_deref(),
        rate: dec(inv.currency_rate),
        sign,
        counter: Some(ctx.control(side).clone()),
        counter_role: LineRole::Control,
        side,
        lines_to: LinesTo::Accounts,
        allocations: &[],
        allocates: Allocates::Credit,
        calc,
    })
}

fn post_credit_note(cn: &CreditNote, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = Calc::new(
        "credit note",
        cn.credit_note_number.as_deref(),
        &cn.credit_note_id,
    );
    if !posts(&calc, cn.status.as_ref(), &APPROVED, &NOT_APPROVED)? {
        return Ok(Posting::default());
    }
    post_lines_doc(&credit_note_view(cn, ctx)?, ctx)
}

fn credit_note_view<'a>(
    cn: &'a CreditNote,
    ctx: &PostingContext,
) -> Result<LinesDoc<'a>, PostingError> {
    let calc = Calc::new(
        "credit note",
        cn.credit_note_number.as_deref(),
        &cn.credit_note_id,
    );
    let (kind, side, sign) = match required(&calc, "Type", cn.credit_note_type.as_ref())? {
        CreditNoteType::AccRecCredit => (
            SourceKind::AccRecCredit,
            Side::Receivable,
            Decimal::NEGATIVE_ONE,
        ),
        CreditNoteType::AccPayCredit => (SourceKind::AccPayCredit, Side::Payable, Decimal::ONE),
        CreditNoteType::Other(text) => return Err(calc.unknown("Type", text.trim())),
    };
    Ok(LinesDoc {
        id: &cn.credit_note_id,
        kind,
        date: cn.date,
        amount_types: cn.line_amount_types.as_ref(),
        lines: &cn.line_items,
        total: dec(cn.total),
        currency: cn.currency_code.as_deref(),
        rate: dec(cn.currency_rate),
        sign,
        counter: Some(ctx.control(side).clone()),
        counter_role: LineRole::Control,
        side,
        lines_to: LinesTo::Accounts,
        allocations: &cn.allocations,
        allocates: Allocates::Credit,
        calc,
    })
}

// ---------------------------------------------------------------------------
// Overpayments and prepayments: one posting for both.

/// What an overpayment's or a prepayment's `Type` says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CreditType {
    ArOverpayment,
    ApOverpayment,
    ArPrepayment,
    ApPrepayment,
}

/// The fields an overpayment and a prepayment share. `ty` is `Err(text)` for
/// a type Ledgerkeep does not know, as Xero sent it.
struct CreditDoc<'a> {
    id: &'a str,
    ty: Option<Result<CreditType, String>>,
    date: Option<XeroDate>,
    status: Option<&'a DocumentStatus>,
    amount_types: Option<&'a LineAmountTypes>,
    lines: &'a [LineItem],
    total: Option<Money>,
    currency: Option<&'a str>,
    rate: Option<Money>,
    allocations: &'a [Allocation],
}

fn post_overpayment(o: &Overpayment, ctx: &PostingContext) -> Result<Posting, PostingError> {
    post_credit_doc("overpayment", &overpayment_fields(o), ctx)
}

fn overpayment_fields(o: &Overpayment) -> CreditDoc<'_> {
    CreditDoc {
        id: &o.overpayment_id,
        ty: o
            .overpayment_type
            .as_ref()
            .filter(|t| !t.as_str().trim().is_empty())
            .map(|t| match t.folded() {
                OverpaymentType::ReceiveOverpayment | OverpaymentType::ArOverpayment => {
                    Ok(CreditType::ArOverpayment)
                }
                OverpaymentType::SpendOverpayment | OverpaymentType::ApOverpayment => {
                    Ok(CreditType::ApOverpayment)
                }
                OverpaymentType::Other(text) => Err(text.trim().to_owned()),
            }),
        date: o.date,
        status: o.status.as_ref(),
        amount_types: o.line_amount_types.as_ref(),
        lines: &o.line_items,
        total: o.total,
        currency: o.currency_code.as_deref(),
        rate: o.currency_rate,
        allocations: &o.allocations,
    }
}

fn post_prepayment(p: &Prepayment, ctx: &PostingContext) -> Result<Posting, PostingError> {
    post_credit_doc("prepayment", &prepayment_fields(p), ctx)
}

fn prepayment_fields(p: &Prepayment) -> CreditDoc<'_> {
    CreditDoc {
        id: &p.prepayment_id,
        ty: p
            .prepayment_type
            .as_ref()
            .filter(|t| !t.as_str().trim().is_empty())
            .map(|t| match t.folded() {
                PrepaymentType::ReceivePrepayment | PrepaymentType::ArPrepayment => {
                    Ok(CreditType::ArPrepayment)
                }
                PrepaymentType::SpendPrepayment | PrepaymentType::ApPrepayment => {
                    Ok(CreditType::ApPrepayment)
                }
                PrepaymentType::Other(text) => Err(text.trim().to_owned()),
            }),
        date: p.date,
        status: p.status.as_ref(),
        amount_types: p.line_amount_types.as_ref(),
        lines: &p.line_items,
        total: p.total,
        currency: p.currency_code.as_deref(),
        rate: p.currency_rate,
        allocations: &p.allocations,
    }
}

fn post_credit_doc(
    what: &str,
    d: &CreditDoc<'_>,
    ctx: &PostingContext,
) -> Result<Posting, PostingError> {
    let calc = Calc::new(what, None, d.id);
    if !posts(&calc, d.status, &APPROVED, &CREDIT_NOT_APPROVED)? {
        return Ok(Posting::default());
    }
    post_lines_doc(&credit_view(what, d, ctx)?, ctx)
}

fn credit_view<'a>(
    what: &str,
    d: &CreditDoc<'a>,
    ctx: &PostingContext,
) -> Result<LinesDoc<'a>, PostingError> {
    let calc = Calc::new(what, None, d.id);
    let ty = d.ty.as_ref().ok_or_else(|| calc.missing("Type"))?;
    let (kind, side, sign, lines_to, allocates) = match ty {
        Ok(CreditType::ArOverpayment) => (
            SourceKind::ArOverpayment,
            Side::Receivable,
            Decimal::ONE,
            LinesTo::Control,
            Allocates::Credit,
        ),
        Ok(CreditType::ApOverpayment) => (
            SourceKind::ApOverpayment,
            Side::Payable,
            Decimal::NEGATIVE_ONE,
            LinesTo::Control,
            Allocates::Credit,
        ),
        Ok(CreditType::ArPrepayment) => (
            SourceKind::ArPrepayment,
            Side::Receivable,
            Decimal::ONE,
            LinesTo::Accounts,
            Allocates::Lines,
        ),
        Ok(CreditType::ApPrepayment) => (
            SourceKind::ApPrepayment,
            Side::Payable,
            Decimal::NEGATIVE_ONE,
            LinesTo::Accounts,
            Allocates::Lines,
        ),
        Err(text) => return Err(calc.unknown("Type", text)),
    };
    Ok(LinesDoc {
        id: d.id,
        kind,
        date: d.date,
        amount_types: d.amount_types,
        lines: d.lines,
        total: dec(d.total),
        currency: d.currency,
        rate: dec(d.rate),
        sign,
        counter: ctx.bank_accounts.get(d.id).cloned(),
        counter_role: LineRole::Bank,
        side,
        lines_to,
        allocations: d.allocations,
        allocates,
        calc,
    })
}

/// What payments and allocations need to know of a document they settle
/// (its side, currency and rate; a prepayment's lines too), for
/// [`PostingContext::linked`]. `None` for a document nothing settles.
pub fn linked(
    document: Document<'_>,
    ctx: &PostingContext,
) -> Result<Option<LinkedDocument>, PostingError> {
    let view = match document {
        Document::Invoice(d) => invoice_view(d, ctx)?,
        Document::CreditNote(d) => credit_note_view(d, ctx)?,
        Document::Overpayment(d) => credit_view("overpayment", &overpayment_fields(d), ctx)?,
        Document::Prepayment(d) => credit_view("prepayment", &prepayment_fields(d), ctx)?,
        _ => return Ok(None),
    };
    let fx = Fx::of(&view.calc, ctx, view.currency, view.rate)?;
    let mut parts = Vec::new();
    if view.allocates == Allocates::Lines {
        for l in net_lines(&view)? {
            let tax_type = l.item.tax_type.clone();
            if let (Some(account), false) = (&l.account, l.net.is_zero()) {
                parts.push(LinkedPart {
                    account: account.clone(),
                    role: LineRole::Item,
                    tax_type: tax_type.clone(),
                    amount: l.net,
                });
            }
            if !l.tax.is_zero() {
                parts.push(LinkedPart {
                    account: ctx.tax_account(tax_type.as_deref()).clone(),
                    role: LineRole::Tax,
                    tax_type,
                    amount: l.tax,
                });
            }
        }
    }
    Ok(Some(LinkedDocument {
        side: view.side,
        rate: fx.is_foreign().then_some(fx.rate),
        currency: fx.currency,
        parts,
    }))
}

// ---------------------------------------------------------------------------
// Bank transactions and transfers.

fn bank_key(a: Option<&AccountRef>) -> Option<AccountKey> {
    a.and_then(|a| AccountKey::named(a.code.as_deref(), a.account_id.as_deref()))
}

fn post_bank_transaction(
    t: &BankTransaction,
    ctx: &PostingContext,
) -> Result<Posting, PostingError> {
    let calc = Calc::new("bank transaction", None, &t.bank_transaction_id);
    if !posts(
        &calc,
        t.status.as_ref(),
        &[DocumentStatus::Authorised],
        &[
            DocumentStatus::Deleted,
            DocumentStatus::Voided,
            DocumentStatus::Draft,
        ],
    )? {
        return Ok(Posting::default());
    }
    let (kind, sign) = match required(&calc, "Type", t.bank_transaction_type.as_ref())? {
        BankTransactionType::Receive => (SourceKind::CashRec, Decimal::ONE),
        BankTransactionType::Spend => (SourceKind::CashPaid, Decimal::NEGATIVE_ONE),
        // The bank side of an overpayment or a prepayment, and the two legs
        // of a bank transfer: each is posted once, by its own document.
        BankTransactionType::ReceiveOverpayment
        | BankTransactionType::SpendOverpayment
        | BankTransactionType::ReceivePrepayment
        | BankTransactionType::SpendPrepayment
        | BankTransactionType::ReceiveTransfer
        | BankTransactionType::SpendTransfer => return Ok(Posting::default()),
        BankTransactionType::Other(text) => return Err(calc.unknown("Type", text.trim())),
    };
    let bank = bank_key(t.bank_account.as_ref()).ok_or_else(|| calc.missing("BankAccount"))?;
    post_lines_doc(
        &LinesDoc {
            id: &t.bank_transaction_id,
            kind,
            date: t.date,
            amount_types: t.line_amount_types.as_ref(),
            lines: &t.line_items,
            total: dec(t.total),
            currency: t.currency_code.as_deref(),
            rate: dec(t.currency_rate),
            sign,
            counter: Some(bank),
            counter_role: LineRole::Bank,
            side: if sign > Decimal::ZERO {
                Side::Receivable
            } else {
                Side::Payable
            },
            lines_to: LinesTo::Accounts,
            allocations: &[],
            allocates: Allocates::Credit,
            calc,
        },
        ctx,
    )
}

fn post_bank_transfer(t: &BankTransfer, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = Calc::new("bank transfer", None, &t.bank_transfer_id);
    if t.status.is_some()
        && !posts(
            &calc,
            t.status.as_ref(),
            &[DocumentStatus::Authorised],
            &[DocumentStatus::Deleted, DocumentStatus::Voided],
        )?
    {
        return Ok(Posting::default());
    }
    let date = t.date.ok_or_else(|| calc.missing("Date"))?;
    let amount = dec(t.amount).ok_or_else(|| calc.missing("Amount"))?;
    let from_ref = t.from_bank_account.as_ref();
    let from = bank_key(from_ref).ok_or_else(|| calc.missing("FromBankAccount"))?;
    let to = bank_key(t.to_bank_account.as_ref()).ok_or_else(|| calc.missing("ToBankAccount"))?;
    // Amount is in the from account's currency.
    let from_currency = from_ref.and_then(|a| a.currency_code.as_deref());
    let fx = Fx::of(&calc, ctx, from_currency, dec(t.currency_rate))?;
    let base = fx.base(&calc, amount)?;
    let to_currency = t
        .to_bank_account
        .as_ref()
        .and_then(|a| a.currency_code.as_deref());
    let to_foreign = if fx.is_foreign() && to_currency == fx.currency.as_deref() {
        fx.foreign(amount)
    } else {
        None
    };
    let mut out = Lines::new(calc.clone(), SourceKind::Transfer, &t.bank_transfer_id, ctx);
    out.push_base(date, &to, LineRole::Bank, base, to_foreign, None, None);
    out.push_base(
        date,
        &from,
        LineRole::Bank,
        -base,
        fx.foreign(-amount),
        None,
        None,
    );
    out.finish()
}

// ---------------------------------------------------------------------------
// Manual journals.

fn post_manual_journal(j: &ManualJournal, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = Calc::new("manual journal", None, &j.manual_journal_id);
    if !posts(
        &calc,
        j.status.as_ref(),
        &[ManualJournalStatus::Posted],
        &[
            ManualJournalStatus::Draft,
            ManualJournalStatus::Deleted,
            ManualJournalStatus::Voided,
            ManualJournalStatus::Archived,
        ],
    )? {
        return Ok(Posting::default());
    }
    let date = j.date.ok_or_else(|| calc.missing("Date"))?;
    // A manual journal's amounts are tax-free unless it says otherwise.
    let types = AmountTypes::read(&calc, j.line_amount_types.as_ref(), AmountTypes::NoTax)?;
    let mut out = Lines::new(
        calc.clone(),
        SourceKind::ManJournal,
        &j.manual_journal_id,
        ctx,
    );
    for (i, l) in j.journal_lines.iter().enumerate() {
        let line = i + 1;
        let amount = dec(l.line_amount).unwrap_or_default();
        let tax = dec(l.tax_amount).unwrap_or_default();
        let (net, tax) = match types {
            AmountTypes::Exclusive => (amount, tax),
            AmountTypes::Inclusive => (calc.sub(amount, tax)?, tax),
            AmountTypes::NoTax if !tax.is_zero() => {
                return Err(PostingError::TaxOnNoTaxLine {
                    document: calc.label.clone(),
                    line,
                    tax,
                })
            }
            AmountTypes::NoTax => (amount, Decimal::ZERO),
        };
        if net.is_zero() && tax.is_zero() {
            continue;
        }
        let account = AccountKey::named(l.account_code.as_deref(), l.account_id.as_deref())
            .ok_or_else(|| PostingError::LineWithoutAccount {
                document: calc.label.clone(),
                line,
            })?;
        let item = LineItem {
            description: l.description.clone(),
            tax_type: l.tax_type.clone(),
            tracking: l.tracking.clone(),
            ..LineItem::default()
        };
        out.push_base(date, &account, LineRole::Item, net, None, None, Some(&item));
        let tax_account = ctx.tax_account(l.tax_type.as_deref()).clone();
        out.push_base(
            date,
            &tax_account,
            LineRole::Tax,
            tax,
            None,
            None,
            Some(&item),
        );
    }
    out.finish()
}

// ---------------------------------------------------------------------------
// Payments.

/// The id of the document a payment settles: the invoice, credit note,
/// prepayment or overpayment it names.
pub(crate) fn settled_id(p: &Payment) -> Option<&str> {
    p.invoice
        .as_ref()
        .and_then(|d| d.invoice_id.as_deref())
        .or_else(|| {
            p.credit_note
                .as_ref()
                .and_then(|d| d.credit_note_id.as_deref())
        })
        .or_else(|| {
            p.prepayment
                .as_ref()
                .and_then(|d| d.prepayment_id.as_deref())
        })
        .or_else(|| {
            p.overpayment
                .as_ref()
                .and_then(|d| d.overpayment_id.as_deref())
        })
}

fn post_payment(p: &Payment, ctx: &PostingContext) -> Result<Posting, PostingError> {
    let calc = Calc::new("payment", None, &p.payment_id);
    if !posts(
        &calc,
        p.status.as_ref(),
        &[DocumentStatus::Authorised],
        &[DocumentStatus::Deleted, DocumentStatus::Voided],
    )? {
        return Ok(Posting::default());
    }
    // (kind, the control account it settles, whether money comes in)
    let (kind, side, money_in) = match required(&calc, "PaymentType", p.payment_type.as_ref())? {
        PaymentType::AccRecPayment => (SourceKind::AccRecPayment, Side::Receivable, true),
        PaymentType::AccPayPayment => (SourceKind::AccPayPayment, Side::Payable, false),
        PaymentType::ArCreditPayment => (SourceKind::ArCreditPayment, Side::Receivable, false),
        PaymentType::ApCreditPayment => (SourceKind::ApCreditPayment, Side::Payable, true),
        PaymentType::ArOverpaymentPayment => {
            (SourceKind::ArOverpaymentPayment, Side::Receivable, false)
        }
        PaymentType::ArPrepaymentPayment => {
            (SourceKind::ArPrepaymentPayment, Side::Receivable, false)
        }
        PaymentType::ApOverpaymentPayment => {
            (SourceKind::ApOverpaymentPayment, Side::Payable, true)
        }
        PaymentType::ApPrepaymentPayment => (SourceKind::ApPrepaymentPayment, Side::Payable, true),
        PaymentType::Other(text) => return Err(calc.unknown("PaymentType", text.trim())),
    };
    let date = p.date.ok_or_else(|| calc.missing("Date"))?;
    let amount = dec(p.amount).ok_or_else(|| calc.missing("Amount"))?;
    let bank = bank_key(p.account.as_ref()).ok_or_else(|| calc.missing("Account"))?;
    let settled = settled_id(p);
    // The control side at the rate the settled document was booked at.
    let doc_fx = match settled.and_then(|id| ctx.linked.get(id)) {
        Some(l) => Fx::of(&calc, ctx, l.currency.as_deref(), l.rate)?,
        None if ctx.is_base(p.currency_code()) => Fx::BASE,
        None => {
            return Err(PostingError::MissingLinked {
                document: calc.label.clone(),
                linked: settled.unwrap_or("(none named)").to_owned(),
            })
        }
    };
    // The bank side at the payment's own rate; a base-currency bank account
    // says what it received in BankAmount.
    let bank_base = if !doc_fx.is_foreign() {
        amount
    } else {
        let bank_currency = p.account.as_ref().and_then(|a| a.currency_code.as_deref());
        match dec(p.bank_amount) {
            Some(b) if bank_currency.is_some() && ctx.is_base(bank_currency) => b,
            _ => Fx::of(&calc, ctx, doc_fx.currency.as_deref(), dec(p.currency_rate))?
                .base(&calc, amount)?,
        }
    };
    let before = settled.map_or(Decimal::ZERO, |id| ctx.before(id, Some(&p.payment_id)));
    let sign = if money_in {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    let mut out = Lines::new(calc.clone(), kind, &p.payment_id, ctx);
    if matches!(
        kind,
        SourceKind::ArPrepaymentPayment | SourceKind::ApPrepaymentPayment
    ) {
        // A prepayment's money sits in its lines' accounts, not in the
        // control account: refunding it takes its share of them back.
        let parts = settled
            .and_then(|id| ctx.linked.get(id))
            .map(|l| l.parts.as_slice())
            .filter(|parts| !parts.is_empty())
            .ok_or_else(|| PostingError::MissingLinked {
                document: calc.label.clone(),
                linked: settled.unwrap_or("(none named)").to_owned(),
            })?;
        let total = calc.sum(parts.iter().map(|part| &part.amount))?;
        let share = Share::of_total(&calc, total, before, amount)?;
        out.push_base(
            date,
            &bank,
            LineRole::Bank,
            calc.mul(sign, bank_base)?,
            doc_fx.foreign(calc.mul(sign, amount)?),
            None,
            None,
        );
        for part in parts {
            let base = share.of(&calc, doc_fx.base(&calc, part.amount)?)?;
            let foreign = share.of(&calc, part.amount)?;
            let item = LineItem {
                tax_type: part.tax_type.clone(),
                ..LineItem::default()
            };
            out.push_base(
                date,
                &part.account,
                part.role,
                calc.mul(-sign, base)?,
                doc_fx.foreign(calc.mul(-sign, foreign)?),
                None,
                Some(&item),
            );
        }
        let role = if doc_fx.is_foreign() {
            LineRole::CurrencyGain
        } else {
            LineRole::Rounding
        };
        out.balance_since(0, date, role, None)?;
        return out.finish();
    }
    let control_base = doc_fx.settled(&calc, amount, before)?;
    let control = ctx.control(side).clone();
    out.push_base(
        date,
        &bank,
        LineRole::Bank,
        calc.mul(sign, bank_base)?,
        doc_fx.foreign(calc.mul(sign, amount)?),
        None,
        None,
    );
    out.push_base(
        date,
        &control,
        LineRole::Control,
        calc.mul(-sign, control_base)?,
        doc_fx.foreign(calc.mul(-sign, amount)?),
        None,
        None,
    );
    out.balance_since(0, date, LineRole::CurrencyGain, None)?;
    out.finish()
}

// ---------------------------------------------------------------------------
// What a receivable or payable document books, for the aged reports.

/// What an invoice, credit note, overpayment or prepayment books when it
/// posts, before any payment or allocation: computed exactly as
/// [`post`] computes its own lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Booked {
    pub side: Side,
    pub kind: SourceKind,
    /// `None` for the base currency.
    pub currency: Option<String>,
    /// `None` for the base currency.
    pub rate: Option<Decimal>,
    /// In the document's currency, as it states it (positive for a usual document).
    pub total: Decimal,
    /// `total` in the base currency.
    pub total_base: Decimal,
    /// Whether the document sits in its control account (a prepayment does
    /// not: its money sits in its lines' accounts until it is used).
    pub in_control: bool,
    /// The base amount its own posting puts in the control account, as a
    /// positive amount: the total converted whole for invoices and credit
    /// notes, each line converted for an overpayment with lines; zero for
    /// a prepayment.
    pub control: Decimal,
}

/// What `document` books, or `None` when it is not a receivable or payable
/// document, or is in a state that does not post.
pub(crate) fn booked(
    document: Document<'_>,
    ctx: &PostingContext,
) -> Result<Option<Booked>, PostingError> {
    let view = match document {
        Document::Invoice(d) => {
            let calc = Calc::new("invoice", d.invoice_number.as_deref(), &d.invoice_id);
            if !posts(&calc, d.status.as_ref(), &APPROVED, &NOT_APPROVED)? {
                return Ok(None);
            }
            invoice_view(d, ctx)?
        }
        Document::CreditNote(d) => {
            let calc = Calc::new(
                "credit note",
                d.credit_note_number.as_deref(),
                &d.credit_note_id,
            );
            if !posts(&calc, d.status.as_ref(), &APPROVED, &NOT_APPROVED)? {
                return Ok(None);
            }
            credit_note_view(d, ctx)?
        }
        Document::Overpayment(_) | Document::Prepayment(_) => {
            let (what, fields) = match document {
                Document::Overpayment(o) => ("overpayment", overpayment_fields(o)),
                Document::Prepayment(p) => ("prepayment", prepayment_fields(p)),
                _ => return Ok(None),
            };
            let calc = Calc::new(what, None, fields.id);
            if !posts(&calc, fields.status, &APPROVED, &CREDIT_NOT_APPROVED)? {
                return Ok(None);
            }
            credit_view(what, &fields, ctx)?
        }
        _ => return Ok(None),
    };
    let calc = &view.calc;
    let fx = Fx::of(calc, ctx, view.currency, view.rate)?;
    let lines = net_lines(&view)?;
    let mut computed = Decimal::ZERO;
    for l in &lines {
        computed = calc.add(computed, calc.add(l.net, l.tax)?)?;
    }
    // As `post_lines_doc` reads the total.
    let total = match view.total {
        Some(stated) if lines.is_empty() && view.lines_to == LinesTo::Control => stated,
        Some(stated) if stated != computed => {
            return Err(PostingError::TotalMismatch {
                document: calc.label.clone(),
                stated,
                computed,
            })
        }
        _ => computed,
    };
    let total_base = fx.base(calc, total)?;
    let (in_control, control) = match (view.lines_to, view.allocates) {
        (LinesTo::Control, _) if lines.is_empty() => (true, total_base),
        (LinesTo::Control, _) => {
            let mut sum = Decimal::ZERO;
            for l in &lines {
                sum = calc.add(sum, fx.base(calc, l.net)?)?;
            }
            (true, sum)
        }
        (LinesTo::Accounts, Allocates::Lines) => (false, Decimal::ZERO),
        (LinesTo::Accounts, Allocates::Credit) => (true, total_base),
    };
    Ok(Some(Booked {
        side: view.side,
        kind: view.kind,
        rate: fx.is_foreign().then_some(fx.rate),
        currency: fx.currency,
        total,
        total_base,
        in_control,
        control,
    }))
}

/// `amount` of a document in `currency` at `rate` in the base currency, as
/// posting converts it (`None` currency: the amount itself).
pub(crate) fn to_base(
    label: &str,
    currency: Option<&str>,
    rate: Option<Decimal>,
    amount: Decimal,
) -> Result<Decimal, PostingError> {
    let calc = Calc {
        label: label.to_owned(),
    };
    match (currency, rate) {
        (Some(c), Some(rate)) => Fx {
            currency: Some(c.to_owned()),
            rate,
        }
        .base(&calc, amount),
        _ => Ok(amount),
    }
}

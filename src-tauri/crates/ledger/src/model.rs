//! What a posting is made of: journal lines, their accounts and their sources.

use ledgerkeep_domain::xero::LineTracking;
use ledgerkeep_domain::XeroDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// An account as a document names it: documents name line accounts by
/// `AccountCode` (sometimes also `AccountID`), bank accounts by `AccountID`
/// (sometimes also `Code`). Both are carried as given; the store resolves them
/// to one account of the chart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountKey {
    pub code: Option<String>,
    pub account_id: Option<String>,
}

impl AccountKey {
    /// An account named by its code only.
    pub fn code(code: impl Into<String>) -> Self {
        AccountKey {
            code: Some(code.into()),
            account_id: None,
        }
    }

    /// An account named by its Xero AccountID only.
    pub fn id(account_id: impl Into<String>) -> Self {
        AccountKey {
            code: None,
            account_id: Some(account_id.into()),
        }
    }

    /// The account a document names, or `None` when it names none (blank
    /// strings count as absent).
    pub fn named(code: Option<&str>, account_id: Option<&str>) -> Option<Self> {
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let key = AccountKey {
            code: clean(code),
            account_id: clean(account_id),
        };
        (key.code.is_some() || key.account_id.is_some()).then_some(key)
    }
}

impl std::fmt::Display for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.code, &self.account_id) {
            (Some(code), _) => write!(f, "account {code}"),
            (None, Some(id)) => write!(f, "account {id}"),
            (None, None) => f.write_str("an unnamed account"),
        }
    }
}

/// What made a journal: Xero's Journals `SourceType` where Xero has one, so a
/// rebuilt line can be matched with Xero's own journal for the same source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SourceKind {
    #[serde(rename = "ACCREC")]
    AccRec,
    #[serde(rename = "ACCPAY")]
    AccPay,
    #[serde(rename = "ACCRECCREDIT")]
    AccRecCredit,
    #[serde(rename = "ACCPAYCREDIT")]
    AccPayCredit,
    #[serde(rename = "ACCRECPAYMENT")]
    AccRecPayment,
    #[serde(rename = "ACCPAYPAYMENT")]
    AccPayPayment,
    #[serde(rename = "ARCREDITPAYMENT")]
    ArCreditPayment,
    #[serde(rename = "APCREDITPAYMENT")]
    ApCreditPayment,
    #[serde(rename = "AROVERPAYMENTPAYMENT")]
    ArOverpaymentPayment,
    #[serde(rename = "ARPREPAYMENTPAYMENT")]
    ArPrepaymentPayment,
    #[serde(rename = "APOVERPAYMENTPAYMENT")]
    ApOverpaymentPayment,
    #[serde(rename = "APPREPAYMENTPAYMENT")]
    ApPrepaymentPayment,
    #[serde(rename = "CASHREC")]
    CashRec,
    #[serde(rename = "CASHPAID")]
    CashPaid,
    #[serde(rename = "AROVERPAYMENT")]
    ArOverpayment,
    #[serde(rename = "APOVERPAYMENT")]
    ApOverpayment,
    #[serde(rename = "ARPREPAYMENT")]
    ArPrepayment,
    #[serde(rename = "APPREPAYMENT")]
    ApPrepayment,
    #[serde(rename = "TRANSFER")]
    Transfer,
    #[serde(rename = "MANJOURNAL")]
    ManJournal,
}

impl SourceKind {
    /// The name as Xero writes it (`ACCREC`, `CASHREC`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::AccRec => "ACCREC",
            SourceKind::AccPay => "ACCPAY",
            SourceKind::AccRecCredit => "ACCRECCREDIT",
            SourceKind::AccPayCredit => "ACCPAYCREDIT",
            SourceKind::AccRecPayment => "ACCRECPAYMENT",
            SourceKind::AccPayPayment => "ACCPAYPAYMENT",
            SourceKind::ArCreditPayment => "ARCREDITPAYMENT",
            SourceKind::ApCreditPayment => "APCREDITPAYMENT",
            SourceKind::ArOverpaymentPayment => "AROVERPAYMENTPAYMENT",
            SourceKind::ArPrepaymentPayment => "ARPREPAYMENTPAYMENT",
            SourceKind::ApOverpaymentPayment => "APOVERPAYMENTPAYMENT",
            SourceKind::ApPrepaymentPayment => "APPREPAYMENTPAYMENT",
            SourceKind::CashRec => "CASHREC",
            SourceKind::CashPaid => "CASHPAID",
            SourceKind::ArOverpayment => "AROVERPAYMENT",
            SourceKind::ApOverpayment => "APOVERPAYMENT",
            SourceKind::ArPrepayment => "ARPREPAYMENT",
            SourceKind::ApPrepayment => "APPREPAYMENT",
            SourceKind::Transfer => "TRANSFER",
            SourceKind::ManJournal => "MANJOURNAL",
        }
    }

    /// The record the source is: the document whose id the source carries.
    pub fn entity(self) -> ledgerkeep_domain::EntityKind {
        use ledgerkeep_domain::EntityKind as E;
        match self {
            SourceKind::AccRec | SourceKind::AccPay => E::Invoice,
            SourceKind::AccRecCredit | SourceKind::AccPayCredit => E::CreditNote,
            SourceKind::AccRecPayment
            | SourceKind::AccPayPayment
            | SourceKind::ArCreditPayment
            | SourceKind::ApCreditPayment
            | SourceKind::ArOverpaymentPayment
            | SourceKind::ArPrepaymentPayment
            | SourceKind::ApOverpaymentPayment
            | SourceKind::ApPrepaymentPayment => E::Payment,
            SourceKind::CashRec | SourceKind::CashPaid => E::BankTransaction,
            SourceKind::ArOverpayment | SourceKind::ApOverpayment => E::Overpayment,
            SourceKind::ArPrepayment | SourceKind::ApPrepayment => E::Prepayment,
            SourceKind::Transfer => E::BankTransfer,
            SourceKind::ManJournal => E::ManualJournal,
        }
    }

    /// The kind Xero names `s` (as [`SourceKind::as_str`] writes it).
    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    const ALL: [SourceKind; 20] = [
        SourceKind::AccRec,
        SourceKind::AccPay,
        SourceKind::AccRecCredit,
        SourceKind::AccPayCredit,
        SourceKind::AccRecPayment,
        SourceKind::AccPayPayment,
        SourceKind::ArCreditPayment,
        SourceKind::ApCreditPayment,
        SourceKind::ArOverpaymentPayment,
        SourceKind::ArPrepaymentPayment,
        SourceKind::ApOverpaymentPayment,
        SourceKind::ApPrepaymentPayment,
        SourceKind::CashRec,
        SourceKind::CashPaid,
        SourceKind::ArOverpayment,
        SourceKind::ApOverpayment,
        SourceKind::ArPrepayment,
        SourceKind::ApPrepayment,
        SourceKind::Transfer,
        SourceKind::ManJournal,
    ];
}

/// Where a journal line comes from: the document, and its line or allocation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub kind: SourceKind,
    pub document_id: String,
    /// The document's `LineItemID`, or the `AllocationID` for a line an
    /// allocation posts; `None` for the document's own control, bank,
    /// gain and rounding lines.
    pub line_id: Option<String>,
}

/// Why a line is there: lets reports and comparisons pick lines out
/// (receivables ageing reads `Control` lines) without matching account codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LineRole {
    /// The receivable or payable control account.
    Control,
    /// A bank account.
    Bank,
    /// The account a document line names.
    Item,
    /// The tax account, for a line's tax.
    Tax,
    /// Realised currency gains (a loss is a debit).
    CurrencyGain,
    /// The cents that make a converted document balance in the base currency.
    Rounding,
}

impl LineRole {
    /// The role as the ledger stores it (`control`, `currencyGain`...).
    pub fn as_str(self) -> &'static str {
        match self {
            LineRole::Control => "control",
            LineRole::Bank => "bank",
            LineRole::Item => "item",
            LineRole::Tax => "tax",
            LineRole::CurrencyGain => "currencyGain",
            LineRole::Rounding => "rounding",
        }
    }

    /// The role stored as `s`.
    pub fn parse(s: &str) -> Option<LineRole> {
        [
            LineRole::Control,
            LineRole::Bank,
            LineRole::Item,
            LineRole::Tax,
            LineRole::CurrencyGain,
            LineRole::Rounding,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

/// The document's own amount, when it is in a foreign currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignAmount {
    pub currency: String,
    /// Debit positive, in `currency`.
    pub amount: Decimal,
}

/// One tracking option on a line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracking {
    pub category_id: Option<String>,
    pub option_id: Option<String>,
    pub category: Option<String>,
    pub option: Option<String>,
}

impl From<&LineTracking> for Tracking {
    fn from(t: &LineTracking) -> Self {
        Tracking {
            category_id: t.tracking_category_id.clone(),
            option_id: t.tracking_option_id.clone(),
            category: t.name.clone(),
            option: t.option.clone(),
        }
    }
}

/// One line of the rebuilt general ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalLine {
    pub date: XeroDate,
    pub account: AccountKey,
    /// In the organisation's base currency, debit positive, credit negative.
    pub amount: Decimal,
    /// The amount in the document's currency, when that is not the base one.
    pub foreign: Option<ForeignAmount>,
    pub tax_type: Option<String>,
    pub tracking: Vec<Tracking>,
    pub source: Source,
    pub role: LineRole,
    pub description: Option<String>,
}

/// The journal lines one document posts. Balanced: its amounts sum to zero.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Posting {
    pub lines: Vec<JournalLine>,
}

impl Posting {
    /// No lines: the document posts nothing (a draft, a voided document...).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The sum of the amounts (zero for every posting this crate makes), or
    /// `None` on overflow.
    pub fn net(&self) -> Option<Decimal> {
        self.lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.amount))
    }

    /// The sum of the debits, or `None` on overflow.
    pub fn debits(&self) -> Option<Decimal> {
        self.lines
            .iter()
            .filter(|l| l.amount > Decimal::ZERO)
            .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.amount))
    }

    /// The sum of the credits (a positive number), or `None` on overflow.
    pub fn credits(&self) -> Option<Decimal> {
        self.lines
            .iter()
            .filter(|l| l.amount < Decimal::ZERO)
            .try_fold(Decimal::ZERO, |acc, l| acc.checked_sub(l.amount))
    }
}

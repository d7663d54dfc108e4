//! Xero's codes (statuses, types, classes) as enums.
//!
//! Each enum reads Xero's exact text (`"AUTHORISED"`, `"ACCREC"`,
//! `"RECEIVE-OVERPAYMENT"`) and writes it back unchanged. A code Xero adds
//! later, or one sent in another case, is kept whole as `Other(text)`: a new
//! code never breaks a sync, and [`as_str`](DocumentStatus::as_str) gives back
//! the very text Xero sent, so the ledger's columns hold what they always held.
//! Whether an unknown code is an error is for the code that reads it to say
//! (posting refuses a document whose status it does not know).
//!
//! The code lists follow Xero's schema (xero_accounting.yaml).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every code enum has, for rules written once for any of them.
pub trait XeroCode: Sized {
    /// Xero's text for the code (for `Other`, the text as it came).
    fn code(&self) -> &str;
    /// The known code this names in any case (see each enum's `folded`).
    fn fold(&self) -> Self;
}

macro_rules! xero_code {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A code this version of Ledgerkeep does not know, as Xero sent it.
            Other(String),
        }

        impl $name {
            /// Every code this enum knows, as Xero writes it.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The code for Xero's text: exact match, else `Other(text)`.
            pub fn from_code(code: &str) -> Self {
                match code {
                    $( $code => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }

            /// Xero's text for the code (for `Other`, the text as it came).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $code, )+
                    $name::Other(text) => text,
                }
            }

            /// Whether the code is one this enum knows (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }

            /// The known code this names once trimmed, in any case
            /// (`" voided"` is `VOIDED`), for rules that forgive the case of
            /// a hand-entered code; itself when it names none. The stored
            /// text is never folded: that is [`as_str`](Self::as_str).
            pub fn folded(&self) -> Self {
                match self {
                    $name::Other(text) => {
                        let text = text.trim();
                        match $name::CODES.iter().find(|c| c.eq_ignore_ascii_case(text)) {
                            Some(code) => $name::from_code(code),
                            None => self.clone(),
                        }
                    }
                    known => known.clone(),
                }
            }
        }

        impl XeroCode for $name {
            fn code(&self) -> &str {
                self.as_str()
            }
            fn fold(&self) -> Self {
                self.folded()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl From<&str> for $name {
            fn from(code: &str) -> Self {
                $name::from_code(code)
            }
        }

        impl From<String> for $name {
            fn from(code: String) -> Self {
                match $name::from_code(&code) {
                    $name::Other(_) => $name::Other(code),
                    known => known,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }
    };
}

xero_code! {
    /// The status of a document: invoices, credit notes, bank transactions,
    /// payments, overpayments, prepayments, bank transfers, repeating
    /// invoices and purchase orders (each uses a subset).
    DocumentStatus {
        Draft = "DRAFT",
        Submitted = "SUBMITTED",
        Authorised = "AUTHORISED",
        Paid = "PAID",
        Voided = "VOIDED",
        Deleted = "DELETED",
        /// A purchase order that has been billed.
        Billed = "BILLED",
    }
}

impl DocumentStatus {
    /// Voided or deleted: the document no longer counts.
    pub fn is_void(&self) -> bool {
        matches!(self, DocumentStatus::Voided | DocumentStatus::Deleted)
    }
}

xero_code! {
    /// The status of a manual journal.
    ManualJournalStatus {
        Draft = "DRAFT",
        Posted = "POSTED",
        Deleted = "DELETED",
        Voided = "VOIDED",
        Archived = "ARCHIVED",
    }
}

xero_code! {
    /// The status of a quote.
    QuoteStatus {
        Draft = "DRAFT",
        Sent = "SENT",
        Declined = "DECLINED",
        Accepted = "ACCEPTED",
        Invoiced = "INVOICED",
        Deleted = "DELETED",
    }
}

xero_code! {
    /// An invoice's `Type`: a sales invoice or a bill.
    InvoiceType {
        /// A sales invoice (accounts receivable).
        AccRec = "ACCREC",
        /// A bill (accounts payable).
        AccPay = "ACCPAY",
    }
}

xero_code! {
    /// A credit note's `Type`.
    CreditNoteType {
        /// A credit note given to a customer.
        AccRecCredit = "ACCRECCREDIT",
        /// A credit note received from a supplier.
        AccPayCredit = "ACCPAYCREDIT",
    }
}

xero_code! {
    /// A bank transaction's `Type`.
    BankTransactionType {
        Receive = "RECEIVE",
        Spend = "SPEND",
        ReceiveOverpayment = "RECEIVE-OVERPAYMENT",
        SpendOverpayment = "SPEND-OVERPAYMENT",
        ReceivePrepayment = "RECEIVE-PREPAYMENT",
        SpendPrepayment = "SPEND-PREPAYMENT",
        ReceiveTransfer = "RECEIVE-TRANSFER",
        SpendTransfer = "SPEND-TRANSFER",
    }
}

impl BankTransactionType {
    /// Money in (`RECEIVE…`): `Some(true)`; money out: `Some(false)`.
    pub fn money_in(&self) -> Option<bool> {
        use BankTransactionType::*;
        match self {
            Receive | ReceiveOverpayment | ReceivePrepayment | ReceiveTransfer => Some(true),
            Spend | SpendOverpayment | SpendPrepayment | SpendTransfer => Some(false),
            Other(_) => None,
        }
    }
}

xero_code! {
    /// An overpayment's `Type` (the bank transaction type that made it, or
    /// the document type Xero also uses).
    OverpaymentType {
        ReceiveOverpayment = "RECEIVE-OVERPAYMENT",
        SpendOverpayment = "SPEND-OVERPAYMENT",
        ArOverpayment = "AROVERPAYMENT",
        ApOverpayment = "APOVERPAYMENT",
    }
}

xero_code! {
    /// A prepayment's `Type`.
    PrepaymentType {
        ReceivePrepayment = "RECEIVE-PREPAYMENT",
        SpendPrepayment = "SPEND-PREPAYMENT",
        ArPrepayment = "ARPREPAYMENT",
        ApPrepayment = "APPREPAYMENT",
    }
}

xero_code! {
    /// A payment's `PaymentType`: what kind of document it settles.
    PaymentType {
        AccRecPayment = "ACCRECPAYMENT",
        AccPayPayment = "ACCPAYPAYMENT",
        ArCreditPayment = "ARCREDITPAYMENT",
        ApCreditPayment = "APCREDITPAYMENT",
        ArOverpaymentPayment = "AROVERPAYMENTPAYMENT",
        ArPrepaymentPayment = "ARPREPAYMENTPAYMENT",
        ApPrepaymentPayment = "APPREPAYMENTPAYMENT",
        ApOverpaymentPayment = "APOVERPAYMENTPAYMENT",
    }
}

xero_code! {
    /// A batch payment's `Type`: bills paid together, or receipts banked together.
    BatchPaymentType {
        PayBatch = "PAYBATCH",
        RecBatch = "RECBATCH",
    }
}

xero_code! {
    /// A contact's `ContactStatus`.
    ContactStatus {
        Active = "ACTIVE",
        Archived = "ARCHIVED",
        GdprRequest = "GDPRREQUEST",
    }
}

xero_code! {
    /// The status of an account, tax rate, tracking category or option, or
    /// contact group (each uses a subset).
    RecordStatus {
        Active = "ACTIVE",
        Archived = "ARCHIVED",
        Deleted = "DELETED",
        /// A tax rate not yet in use.
        Pending = "PENDING",
    }
}

xero_code! {
    /// Whether a document's line amounts include tax (`LineAmountTypes`).
    LineAmountTypes {
        Exclusive = "Exclusive",
        Inclusive = "Inclusive",
        NoTax = "NoTax",
    }
}

xero_code! {
    /// An account's `Type`. The last four are older payroll types some
    /// organisations still have.
    AccountType {
        Bank = "BANK",
        Current = "CURRENT",
        CurrLiab = "CURRLIAB",
        Depreciatn = "DEPRECIATN",
        DirectCosts = "DIRECTCOSTS",
        Equity = "EQUITY",
        Expense = "EXPENSE",
        Fixed = "FIXED",
        Inventory = "INVENTORY",
        Liability = "LIABILITY",
        NonCurrent = "NONCURRENT",
        OtherIncome = "OTHERINCOME",
        Overheads = "OVERHEADS",
        Prepayment = "PREPAYMENT",
        Revenue = "REVENUE",
        Sales = "SALES",
        TermLiab = "TERMLIAB",
        Payg = "PAYG",
        PaygLiability = "PAYGLIABILITY",
        SuperannuationLiability = "SUPERANNUATIONLIABILITY",
        WagesExpense = "WAGESEXPENSE",
        SuperannuationExpense = "SUPERANNUATIONEXPENSE",
    }
}

xero_code! {
    /// An account's `Class`.
    AccountClassCode {
        Asset = "ASSET",
        Equity = "EQUITY",
        Expense = "EXPENSE",
        Liability = "LIABILITY",
        Revenue = "REVENUE",
    }
}

xero_code! {
    /// A system journal's `SourceType`: the kind of document it came from.
    JournalSourceType {
        AccRec = "ACCREC",
        AccPay = "ACCPAY",
        AccRecCredit = "ACCRECCREDIT",
        AccPayCredit = "ACCPAYCREDIT",
        AccRecPayment = "ACCRECPAYMENT",
        AccPayPayment = "ACCPAYPAYMENT",
        ArCreditPayment = "ARCREDITPAYMENT",
        ApCreditPayment = "APCREDITPAYMENT",
        CashRec = "CASHREC",
        CashPaid = "CASHPAID",
        Transfer = "TRANSFER",
        ArPrepayment = "ARPREPAYMENT",
        ApPrepayment = "APPREPAYMENT",
        ArOverpayment = "AROVERPAYMENT",
        ApOverpayment = "APOVERPAYMENT",
        ExpClaim = "EXPCLAIM",
        ExpPayment = "EXPPAYMENT",
        ManJournal = "MANJOURNAL",
        Payslip = "PAYSLIP",
        WagePayable = "WAGEPAYABLE",
        IntegratedPayrollPe = "INTEGRATEDPAYROLLPE",
        IntegratedPayrollPt = "INTEGRATEDPAYROLLPT",
        ExternalSpendMoney = "EXTERNALSPENDMONEY",
        IntegratedPayrollPtPayment = "INTEGRATEDPAYROLLPTPAYMENT",
        IntegratedPayrollCn = "INTEGRATEDPAYROLLCN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every known code reads as a known variant, writes back as the same
    /// text (as_str, Display, serde) and reads again as the same value.
    fn round_trips<T>(codes: &[&str])
    where
        T: fmt::Display + fmt::Debug + PartialEq + Serialize + for<'de> Deserialize<'de>,
    {
        for &code in codes {
            let json = serde_json::to_string(code).unwrap();
            let value: T = serde_json::from_str(&json).unwrap();
            assert_eq!(value.to_string(), code);
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
            let again: T = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
            assert_eq!(again, value);
        }
    }

    #[test]
    fn every_known_code_round_trips() {
        type Check = fn(&[&str]);
        let all: &[(&[&str], Check)] = &[
            (DocumentStatus::CODES, round_trips::<DocumentStatus>),
            (
                ManualJournalStatus::CODES,
                round_trips::<ManualJournalStatus>,
            ),
            (QuoteStatus::CODES, round_trips::<QuoteStatus>),
            (InvoiceType::CODES, round_trips::<InvoiceType>),
            (CreditNoteType::CODES, round_trips::<CreditNoteType>),
            (
                BankTransactionType::CODES,
                round_trips::<BankTransactionType>,
            ),
            (OverpaymentType::CODES, round_trips::<OverpaymentType>),
            (PrepaymentType::CODES, round_trips::<PrepaymentType>),
            (PaymentType::CODES, round_trips::<PaymentType>),
            (BatchPaymentType::CODES, round_trips::<BatchPaymentType>),
            (LineAmountTypes::CODES, round_trips::<LineAmountTypes>),
            (ContactStatus::CODES, round_trips::<ContactStatus>),
            (RecordStatus::CODES, round_trips::<RecordStatus>),
            (AccountType::CODES, round_trips::<AccountType>),
            (AccountClassCode::CODES, round_trips::<AccountClassCode>),
            (JournalSourceType::CODES, round_trips::<JournalSourceType>),
        ];
        for (codes, check) in all {
            check(codes);
        }
    }

    #[test]
    fn known_codes_are_their_variants_and_are_distinct() {
        assert_eq!(
            DocumentStatus::from_code("AUTHORISED"),
            DocumentStatus::Authorised
        );
        assert_eq!(InvoiceType::from_code("ACCPAY"), InvoiceType::AccPay);
        assert_eq!(
            BankTransactionType::from_code("SPEND-OVERPAYMENT"),
            BankTransactionType::SpendOverpayment
        );
        assert_eq!(
            PaymentType::from_code("APOVERPAYMENTPAYMENT"),
            PaymentType::ApOverpaymentPayment
        );
        // No two codes of one enum read as the same variant, and none as Other.
        for codes in [
            DocumentStatus::CODES,
            PaymentType::CODES,
            AccountType::CODES,
            JournalSourceType::CODES,
        ] {
            let mut seen = std::collections::HashSet::new();
            for code in codes {
                assert!(seen.insert(*code), "{code} listed twice");
            }
        }
        for code in AccountType::CODES {
            assert!(AccountType::from_code(code).is_known(), "{code}");
        }
    }

    #[test]
    fn an_unknown_code_is_kept_whole() {
        let s: DocumentStatus = serde_json::from_str(r#""ON-HOLD""#).unwrap();
        assert_eq!(s, DocumentStatus::Other("ON-HOLD".to_owned()));
        assert!(!s.is_known());
        assert_eq!(s.as_str(), "ON-HOLD");
        assert_eq!(s.to_string(), "ON-HOLD");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""ON-HOLD""#);
        // Another case is another code: kept as sent, not folded.
        let lower = InvoiceType::from("accrec");
        assert_eq!(lower, InvoiceType::Other("accrec".to_owned()));
        assert_eq!(lower.as_str(), "accrec");
        // Padding is kept too.
        assert_eq!(AccountType::from(String::from(" BANK")).as_str(), " BANK");
        assert_eq!(
            PaymentType::from(String::from("ACCRECREFUND")),
            PaymentType::Other("ACCRECREFUND".to_owned())
        );
    }

    #[test]
    fn folding_finds_the_known_code_in_another_case_and_keeps_the_rest() {
        assert_eq!(
            DocumentStatus::from(" voided ").folded(),
            DocumentStatus::Voided
        );
        assert_eq!(
            BankTransactionType::from("receive-overpayment").folded(),
            BankTransactionType::ReceiveOverpayment
        );
        assert_eq!(InvoiceType::AccPay.folded(), InvoiceType::AccPay);
        assert_eq!(
            LineAmountTypes::from("notax").folded(),
            LineAmountTypes::NoTax
        );
        assert_eq!(
            DocumentStatus::from("on-hold").folded(),
            DocumentStatus::Other("on-hold".to_owned())
        );
    }

    #[test]
    fn an_optional_code_reads_null_and_absent_as_none() {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(rename = "Status")]
            status: Option<DocumentStatus>,
        }
        let d: Doc = serde_json::from_str(r#"{"Status": null}"#).unwrap();
        assert_eq!(d.status, None);
        let d: Doc = serde_json::from_str("{}").unwrap();
        assert_eq!(d.status, None);
        let d: Doc = serde_json::from_str(r#"{"Status": "PAID"}"#).unwrap();
        assert_eq!(d.status, Some(DocumentStatus::Paid));
        // A code that is not text is still an error, as it was for a string field.
        assert!(serde_json::from_str::<Doc>(r#"{"Status": 3}"#).is_err());
    }

    #[test]
    fn bank_transaction_types_say_which_way_money_moves() {
        for code in BankTransactionType::CODES {
            let t = BankTransactionType::from_code(code);
            assert_eq!(t.money_in(), Some(code.starts_with("RECEIVE")), "{code}");
        }
        assert_eq!(BankTransactionType::from_code("X").money_in(), None);
    }
}

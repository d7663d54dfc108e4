//! One struct per Xero entity, with the nested types they share.
//!
//! Names follow Xero's schema (xero_accounting.yaml). Money and other exact
//! decimals (quantities, rates) are [`Money`]; dates are [`XeroDate`]
//! (calendar) or [`XeroDateTime`] (instant).

use serde::Deserialize;

use super::codes::*;
use super::{EntityKind, XeroEntity};
use crate::dates::{XeroDate, XeroDateTime};
use crate::money::Money;

macro_rules! entity {
    ($ty:ident, $kind:ident, $id:ident) => {
        impl XeroEntity for $ty {
            const KIND: EntityKind = EntityKind::$kind;
            fn xero_id(&self) -> &str {
                &self.$id
            }
        }
    };
    ($ty:ident, $kind:ident, $id:ident, $updated:ident) => {
        impl XeroEntity for $ty {
            const KIND: EntityKind = EntityKind::$kind;
            fn xero_id(&self) -> &str {
                &self.$id
            }
            fn updated_utc(&self) -> Option<XeroDateTime> {
                self.$updated
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Shared nested types.

/// A contact as a document names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactRef {
    #[serde(rename = "ContactID")]
    pub contact_id: Option<String>,
    pub name: Option<String>,
}

/// An account as a document names it (a bank account on a bank transaction).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRef {
    #[serde(rename = "AccountID")]
    pub account_id: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub currency_code: Option<String>,
}

/// An invoice as a payment or an allocation names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvoiceRef {
    #[serde(rename = "InvoiceID")]
    pub invoice_id: Option<String>,
    pub invoice_number: Option<String>,
    pub currency_code: Option<String>,
    /// Its contact, as Xero names it on a payment or a batch's payment.
    #[serde(default)]
    pub contact: Option<ContactRef>,
}

/// A credit note as a payment names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreditNoteRef {
    #[serde(rename = "CreditNoteID")]
    pub credit_note_id: Option<String>,
    pub credit_note_number: Option<String>,
    pub currency_code: Option<String>,
    /// Its contact, as Xero names it on a payment or a batch's payment.
    #[serde(default)]
    pub contact: Option<ContactRef>,
}

/// A prepayment as a payment names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrepaymentRef {
    #[serde(rename = "PrepaymentID")]
    pub prepayment_id: Option<String>,
    pub currency_code: Option<String>,
}

/// An overpayment as a payment names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OverpaymentRef {
    #[serde(rename = "OverpaymentID")]
    pub overpayment_id: Option<String>,
    pub currency_code: Option<String>,
}

/// A batch payment as one of its payments names it (`Payment.BatchPayment`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchPaymentRef {
    #[serde(rename = "BatchPaymentID")]
    pub batch_payment_id: Option<String>,
}

/// A line's tracking: one option of one category.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LineTracking {
    #[serde(rename = "TrackingCategoryID")]
    pub tracking_category_id: Option<String>,
    #[serde(rename = "TrackingOptionID")]
    pub tracking_option_id: Option<String>,
    pub name: Option<String>,
    pub option: Option<String>,
}

/// A line of an invoice, credit note, bank transaction, overpayment or prepayment.
/// `UnitAmount` keeps up to 4 decimal places; `LineAmount` and `TaxAmount` 2.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LineItem {
    #[serde(rename = "LineItemID")]
    pub line_item_id: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<Money>,
    pub unit_amount: Option<Money>,
    pub item_code: Option<String>,
    pub account_code: Option<String>,
    #[serde(rename = "AccountID")]
    pub account_id: Option<String>,
    pub tax_type: Option<String>,
    pub tax_amount: Option<Money>,
    pub line_amount: Option<Money>,
    pub discount_rate: Option<Money>,
    #[serde(default)]
    pub tracking: Vec<LineTracking>,
}

/// Part of a credit note, overpayment or prepayment applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Allocation {
    #[serde(rename = "AllocationID")]
    pub allocation_id: Option<String>,
    pub invoice: Option<InvoiceRef>,
    pub amount: Option<Money>,
    pub date: Option<XeroDate>,
    pub is_deleted: Option<bool>,
}

// ---------------------------------------------------------------------------
// Settings-like entities.

/// An organisation (a Xero tenant): base currency, time zone, year end, lock dates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organisation {
    #[serde(rename = "OrganisationID")]
    pub organisation_id: String,
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub short_code: Option<String>,
    pub base_currency: Option<String>,
    pub country_code: Option<String>,
    pub timezone: Option<String>,
    pub financial_year_end_day: Option<u32>,
    pub financial_year_end_month: Option<u32>,
    pub period_lock_date: Option<XeroDate>,
    pub end_of_year_lock_date: Option<XeroDate>,
    pub organisation_status: Option<String>,
    #[serde(rename = "CreatedDateUTC")]
    pub created_date_utc: Option<XeroDateTime>,
}
entity!(Organisation, Organisation, organisation_id);

/// An account of the chart; `Type` [`AccountType::Bank`] makes it a bank account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    #[serde(rename = "AccountID")]
    pub account_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub account_type: Option<AccountType>,
    pub status: Option<RecordStatus>,
    pub class: Option<AccountClassCode>,
    pub tax_type: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_account_type: Option<String>,
    pub currency_code: Option<String>,
    pub enable_payments_to_account: Option<bool>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Account, Account, account_id, updated_date_utc);

/// A customer or supplier.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    #[serde(rename = "ContactID")]
    pub contact_id: String,
    pub contact_number: Option<String>,
    pub account_number: Option<String>,
    pub contact_status: Option<ContactStatus>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_address: Option<String>,
    pub is_supplier: Option<bool>,
    pub is_customer: Option<bool>,
    pub default_currency: Option<String>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Contact, Contact, contact_id, updated_date_utc);

/// A named group of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactGroup {
    #[serde(rename = "ContactGroupID")]
    pub contact_group_id: String,
    pub name: Option<String>,
    pub status: Option<RecordStatus>,
    #[serde(default)]
    pub contacts: Vec<ContactRef>,
}
entity!(ContactGroup, ContactGroup, contact_group_id);

/// A tax rate; Xero identifies it by its `TaxType` code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaxRate {
    pub tax_type: String,
    pub name: Option<String>,
    pub status: Option<RecordStatus>,
    pub report_tax_type: Option<String>,
    pub effective_rate: Option<Money>,
    pub display_tax_rate: Option<Money>,
}
entity!(TaxRate, TaxRate, tax_type);

/// One option of a tracking category.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingOption {
    #[serde(rename = "TrackingOptionID")]
    pub tracking_option_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<RecordStatus>,
}

/// A tracking category (e.g. Region) and its options.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingCategory {
    #[serde(rename = "TrackingCategoryID")]
    pub tracking_category_id: String,
    pub name: Option<String>,
    pub status: Option<RecordStatus>,
    #[serde(default)]
    pub options: Vec<TrackingOption>,
}
entity!(TrackingCategory, TrackingCategory, tracking_category_id);

/// A currency the organisation uses; identified by its ISO code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Currency {
    pub code: String,
    pub description: Option<String>,
}
entity!(Currency, Currency, code);

/// Sale or purchase price of an item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemPrice {
    pub unit_price: Option<Money>,
    pub account_code: Option<String>,
    pub tax_type: Option<String>,
}

/// A product or service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Item {
    #[serde(rename = "ItemID")]
    pub item_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_sold: Option<bool>,
    pub is_purchased: Option<bool>,
    pub quantity_on_hand: Option<Money>,
    pub total_cost_pool: Option<Money>,
    pub sales_details: Option<ItemPrice>,
    pub purchase_details: Option<ItemPrice>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Item, Item, item_id, updated_date_utc);

// ---------------------------------------------------------------------------
// Documents.

/// An invoice (`ACCREC`) or a bill (`ACCPAY`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    #[serde(rename = "InvoiceID")]
    pub invoice_id: String,
    #[serde(rename = "Type")]
    pub invoice_type: Option<InvoiceType>,
    pub invoice_number: Option<String>,
    pub reference: Option<String>,
    pub contact: Option<ContactRef>,
    pub date: Option<XeroDate>,
    pub due_date: Option<XeroDate>,
    pub status: Option<DocumentStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    pub total_discount: Option<Money>,
    pub currency_code: Option<String>,
    pub currency_rate: Option<Money>,
    pub amount_due: Option<Money>,
    pub amount_paid: Option<Money>,
    pub amount_credited: Option<Money>,
    pub fully_paid_on_date: Option<XeroDate>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Invoice, Invoice, invoice_id, updated_date_utc);

/// A credit note (`ACCRECCREDIT` or `ACCPAYCREDIT`) and its allocations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreditNote {
    #[serde(rename = "CreditNoteID")]
    pub credit_note_id: String,
    #[serde(rename = "Type")]
    pub credit_note_type: Option<CreditNoteType>,
    pub credit_note_number: Option<String>,
    pub reference: Option<String>,
    pub contact: Option<ContactRef>,
    pub date: Option<XeroDate>,
    pub status: Option<DocumentStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    pub currency_code: Option<String>,
    pub currency_rate: Option<Money>,
    pub remaining_credit: Option<Money>,
    #[serde(default)]
    pub allocations: Vec<Allocation>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(CreditNote, CreditNote, credit_note_id, updated_date_utc);

/// A payment against an invoice, credit note, prepayment or overpayment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    #[serde(rename = "PaymentID")]
    pub payment_id: String,
    pub date: Option<XeroDate>,
    pub amount: Option<Money>,
    pub bank_amount: Option<Money>,
    pub currency_rate: Option<Money>,
    pub reference: Option<String>,
    pub is_reconciled: Option<bool>,
    pub status: Option<DocumentStatus>,
    pub payment_type: Option<PaymentType>,
    pub account: Option<AccountRef>,
    pub invoice: Option<InvoiceRef>,
    pub credit_note: Option<CreditNoteRef>,
    pub prepayment: Option<PrepaymentRef>,
    pub overpayment: Option<OverpaymentRef>,
    /// Set when the payment was made as part of a batch (Xero sends the id,
    /// the batch, or both).
    #[serde(rename = "BatchPaymentID")]
    pub batch_payment_id: Option<String>,
    pub batch_payment: Option<BatchPaymentRef>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Payment, Payment, payment_id, updated_date_utc);

impl Payment {
    /// The batch payment this payment was made in, if any.
    pub fn batch_id(&self) -> Option<&str> {
        self.batch_payment_id
            .as_deref()
            .or_else(|| {
                self.batch_payment
                    .as_ref()
                    .and_then(|b| b.batch_payment_id.as_deref())
            })
            .filter(|id| !id.is_empty())
    }

    /// The currency of the document paid.
    pub fn currency_code(&self) -> Option<&str> {
        self.invoice
            .as_ref()
            .and_then(|i| i.currency_code.as_deref())
            .or_else(|| {
                self.credit_note
                    .as_ref()
                    .and_then(|c| c.currency_code.as_deref())
            })
            .or_else(|| {
                self.prepayment
                    .as_ref()
                    .and_then(|p| p.currency_code.as_deref())
            })
            .or_else(|| {
                self.overpayment
                    .as_ref()
                    .and_then(|o| o.currency_code.as_deref())
            })
            .or_else(|| {
                self.account
                    .as_ref()
                    .and_then(|a| a.currency_code.as_deref())
            })
    }
}

/// An overpayment or a prepayment: money paid ahead of (or beyond) an
/// invoice, with its lines and its allocations. The two share every field
/// but their id and type, so one declaration makes both.
macro_rules! advance {
    ($(#[$doc:meta])* $name:ident, $id:ident, $id_json:literal, $ty:ident, $ty_enum:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            #[serde(rename = $id_json)]
            pub $id: String,
            #[serde(rename = "Type")]
            pub $ty: Option<$ty_enum>,
            pub reference: Option<String>,
            pub contact: Option<ContactRef>,
            pub date: Option<XeroDate>,
            pub status: Option<DocumentStatus>,
            pub line_amount_types: Option<LineAmountTypes>,
            #[serde(default)]
            pub line_items: Vec<LineItem>,
            pub sub_total: Option<Money>,
            pub total_tax: Option<Money>,
            pub total: Option<Money>,
            pub currency_code: Option<String>,
            pub currency_rate: Option<Money>,
            pub remaining_credit: Option<Money>,
            #[serde(default)]
            pub allocations: Vec<Allocation>,
            #[serde(rename = "UpdatedDateUTC")]
            pub updated_date_utc: Option<XeroDateTime>,
        }
        entity!($name, $name, $id, updated_date_utc);
    };
}

advance!(
    /// An overpayment and its allocations.
    Overpayment,
    overpayment_id,
    "OverpaymentID",
    overpayment_type,
    OverpaymentType
);
advance!(
    /// A prepayment and its allocations.
    Prepayment,
    prepayment_id,
    "PrepaymentID",
    prepayment_type,
    PrepaymentType
);

/// A spend or receive money transaction on a bank account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransaction {
    #[serde(rename = "BankTransactionID")]
    pub bank_transaction_id: String,
    #[serde(rename = "Type")]
    pub bank_transaction_type: Option<BankTransactionType>,
    pub contact: Option<ContactRef>,
    pub bank_account: Option<AccountRef>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub is_reconciled: Option<bool>,
    pub date: Option<XeroDate>,
    pub reference: Option<String>,
    pub currency_code: Option<String>,
    pub currency_rate: Option<Money>,
    pub status: Option<DocumentStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(
    BankTransaction,
    BankTransaction,
    bank_transaction_id,
    updated_date_utc
);

/// Money moved between two bank accounts of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransfer {
    #[serde(rename = "BankTransferID")]
    pub bank_transfer_id: String,
    pub from_bank_account: Option<AccountRef>,
    pub to_bank_account: Option<AccountRef>,
    pub amount: Option<Money>,
    pub date: Option<XeroDate>,
    pub currency_rate: Option<Money>,
    #[serde(rename = "FromBankTransactionID")]
    pub from_bank_transaction_id: Option<String>,
    #[serde(rename = "ToBankTransactionID")]
    pub to_bank_transaction_id: Option<String>,
    pub reference: Option<String>,
    pub status: Option<DocumentStatus>,
    #[serde(rename = "CreatedDateUTC")]
    pub created_date_utc: Option<XeroDateTime>,
}
entity!(
    BankTransfer,
    BankTransfer,
    bank_transfer_id,
    created_date_utc
);

/// One payment of a batch, as the batch lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchPaymentLine {
    #[serde(rename = "PaymentID")]
    pub payment_id: Option<String>,
    pub invoice: Option<InvoiceRef>,
    pub credit_note: Option<CreditNoteRef>,
    pub amount: Option<Money>,
    pub bank_amount: Option<Money>,
    pub reference: Option<String>,
}

/// Bills paid (`PAYBATCH`) or invoices' receipts banked (`RECBATCH`) together
/// from one bank account as one bank statement line. The batch posts nothing
/// of its own: each of its payments is also in `/Payments` and posts there.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchPayment {
    #[serde(rename = "BatchPaymentID")]
    pub batch_payment_id: String,
    pub account: Option<AccountRef>,
    pub reference: Option<String>,
    pub particulars: Option<String>,
    pub code: Option<String>,
    pub details: Option<String>,
    pub narrative: Option<String>,
    pub date: Option<XeroDate>,
    pub amount: Option<Money>,
    #[serde(default)]
    pub payments: Vec<BatchPaymentLine>,
    #[serde(rename = "Type")]
    pub batch_payment_type: Option<BatchPaymentType>,
    pub status: Option<DocumentStatus>,
    pub total_amount: Option<Money>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(
    BatchPayment,
    BatchPayment,
    batch_payment_id,
    updated_date_utc
);

impl BatchPayment {
    /// The batch's total: `TotalAmount`, else `Amount`.
    pub fn total(&self) -> Option<Money> {
        self.total_amount.or(self.amount)
    }
}

/// A line of a manual journal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManualJournalLine {
    pub line_amount: Option<Money>,
    pub account_code: Option<String>,
    #[serde(rename = "AccountID")]
    pub account_id: Option<String>,
    pub description: Option<String>,
    pub tax_type: Option<String>,
    pub tax_amount: Option<Money>,
    #[serde(default)]
    pub tracking: Vec<LineTracking>,
}

/// A journal the owner or their adviser entered by hand.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManualJournal {
    #[serde(rename = "ManualJournalID")]
    pub manual_journal_id: String,
    pub narration: Option<String>,
    pub date: Option<XeroDate>,
    pub status: Option<ManualJournalStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub journal_lines: Vec<ManualJournalLine>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(
    ManualJournal,
    ManualJournal,
    manual_journal_id,
    updated_date_utc
);

/// A purchase order sent to a supplier (no money moves until it is billed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PurchaseOrder {
    #[serde(rename = "PurchaseOrderID")]
    pub purchase_order_id: String,
    pub purchase_order_number: Option<String>,
    pub reference: Option<String>,
    pub contact: Option<ContactRef>,
    pub date: Option<XeroDate>,
    pub delivery_date: Option<XeroDate>,
    pub status: Option<DocumentStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    pub currency_code: Option<String>,
    pub currency_rate: Option<Money>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(
    PurchaseOrder,
    PurchaseOrder,
    purchase_order_id,
    updated_date_utc
);

/// A quote offered to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Quote {
    #[serde(rename = "QuoteID")]
    pub quote_id: String,
    pub quote_number: Option<String>,
    pub reference: Option<String>,
    pub title: Option<String>,
    pub contact: Option<ContactRef>,
    pub date: Option<XeroDate>,
    pub expiry_date: Option<XeroDate>,
    pub status: Option<QuoteStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    pub currency_code: Option<String>,
    pub currency_rate: Option<Money>,
    #[serde(rename = "UpdatedDateUTC")]
    pub updated_date_utc: Option<XeroDateTime>,
}
entity!(Quote, Quote, quote_id, updated_date_utc);

/// When a repeating invoice is raised.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Schedule {
    pub period: Option<i64>,
    pub unit: Option<String>,
    pub due_date: Option<i64>,
    pub due_date_type: Option<String>,
    pub start_date: Option<XeroDate>,
    pub next_scheduled_date: Option<XeroDate>,
    pub end_date: Option<XeroDate>,
}

/// A template that raises an invoice or a bill on a schedule. Xero gives it no
/// `UpdatedDateUTC`, so its stream is read whole each time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RepeatingInvoice {
    #[serde(rename = "RepeatingInvoiceID")]
    pub repeating_invoice_id: String,
    #[serde(rename = "Type")]
    pub invoice_type: Option<InvoiceType>,
    pub reference: Option<String>,
    pub contact: Option<ContactRef>,
    pub schedule: Option<Schedule>,
    pub status: Option<DocumentStatus>,
    pub line_amount_types: Option<LineAmountTypes>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    pub sub_total: Option<Money>,
    pub total_tax: Option<Money>,
    pub total: Option<Money>,
    pub currency_code: Option<String>,
}
entity!(RepeatingInvoice, RepeatingInvoice, repeating_invoice_id);

/// A line of a system journal; tracking is `TrackingCategories` here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalLine {
    #[serde(rename = "JournalLineID")]
    pub journal_line_id: Option<String>,
    #[serde(rename = "AccountID")]
    pub account_id: Option<String>,
    pub account_code: Option<String>,
    pub account_type: Option<AccountType>,
    pub account_name: Option<String>,
    pub description: Option<String>,
    pub net_amount: Option<Money>,
    pub gross_amount: Option<Money>,
    pub tax_amount: Option<Money>,
    pub tax_type: Option<String>,
    #[serde(default)]
    pub tracking_categories: Vec<LineTracking>,
}

/// A system journal: immutable, numbered; an edit posts a reversal and a new one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Journal {
    #[serde(rename = "JournalID")]
    pub journal_id: String,
    pub journal_number: Option<i64>,
    pub journal_date: Option<XeroDate>,
    #[serde(rename = "CreatedDateUTC")]
    pub created_date_utc: Option<XeroDateTime>,
    pub reference: Option<String>,
    #[serde(rename = "SourceID")]
    pub source_id: Option<String>,
    pub source_type: Option<JournalSourceType>,
    #[serde(default)]
    pub journal_lines: Vec<JournalLine>,
}
entity!(Journal, Journal, journal_id, created_date_utc);

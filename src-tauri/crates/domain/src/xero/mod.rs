//! The Xero entity model: typed views of the records the sync brings.
//!
//! Each entity reads Xero's JSON (PascalCase keys, `/Date(...)/` dates, money
//! as JSON numbers read from their digits). Only the fields Ledgerkeep files,
//! filters or shows are typed; every field Xero sends is kept, because a
//! record is always held as an [`XeroRecord`]: the typed view *and* the raw
//! JSON it came from. Nothing Xero sends is ever lost. Xero's codes
//! (statuses, types, classes) are the enums of [`codes`], each with an
//! `Other(String)` that keeps a code Xero adds later.
//!
//! Fields are optional unless Xero always sends them: a voided document may
//! have no date, a deleted one no total.

pub mod codes;
mod entities;
mod page;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use codes::*;
pub use entities::*;
pub use page::{Page, TypedRecords};

use crate::dates::XeroDateTime;

/// The kinds of record the sync brings, one stream each.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum EntityKind {
    Organisation,
    Account,
    Contact,
    ContactGroup,
    Invoice,
    CreditNote,
    Payment,
    Overpayment,
    Prepayment,
    BankTransaction,
    BankTransfer,
    ManualJournal,
    Journal,
    TaxRate,
    TrackingCategory,
    Currency,
    Item,
    RepeatingInvoice,
    PurchaseOrder,
    Quote,
    BatchPayment,
}

impl EntityKind {
    pub const ALL: [EntityKind; 21] = [
        EntityKind::Organisation,
        EntityKind::Account,
        EntityKind::Contact,
        EntityKind::ContactGroup,
        EntityKind::Invoice,
        EntityKind::CreditNote,
        EntityKind::Payment,
        EntityKind::Overpayment,
        EntityKind::Prepayment,
        EntityKind::BankTransaction,
        EntityKind::BankTransfer,
        EntityKind::ManualJournal,
        EntityKind::Journal,
        EntityKind::TaxRate,
        EntityKind::TrackingCategory,
        EntityKind::Currency,
        EntityKind::Item,
        EntityKind::RepeatingInvoice,
        EntityKind::PurchaseOrder,
        EntityKind::Quote,
        EntityKind::BatchPayment,
    ];

    /// The stream's name, as Xero names the endpoint (`BankTransactions`).
    pub fn stream(self) -> &'static str {
        match self {
            EntityKind::Organisation => "Organisations",
            EntityKind::Account => "Accounts",
            EntityKind::Contact => "Contacts",
            EntityKind::ContactGroup => "ContactGroups",
            EntityKind::Invoice => "Invoices",
            EntityKind::CreditNote => "CreditNotes",
            EntityKind::Payment => "Payments",
            EntityKind::Overpayment => "Overpayments",
            EntityKind::Prepayment => "Prepayments",
            EntityKind::BankTransaction => "BankTransactions",
            EntityKind::BankTransfer => "BankTransfers",
            EntityKind::ManualJournal => "ManualJournals",
            EntityKind::Journal => "Journals",
            EntityKind::TaxRate => "TaxRates",
            EntityKind::TrackingCategory => "TrackingCategories",
            EntityKind::Currency => "Currencies",
            EntityKind::Item => "Items",
            EntityKind::RepeatingInvoice => "RepeatingInvoices",
            EntityKind::PurchaseOrder => "PurchaseOrders",
            EntityKind::Quote => "Quotes",
            EntityKind::BatchPayment => "BatchPayments",
        }
    }

    pub fn from_stream(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.stream() == name)
    }
}

/// A typed Xero entity.
pub trait XeroEntity: DeserializeOwned {
    const KIND: EntityKind;

    /// Xero's id for the record (a GUID, or a code for tax rates and currencies).
    fn xero_id(&self) -> &str;

    /// When Xero last changed it, for the entities that say.
    fn updated_utc(&self) -> Option<XeroDateTime> {
        None
    }
}

/// Why a JSON record could not be read as an entity.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    /// `field` is the path to the field at fault (`LineItems[0].UnitAmount`),
    /// empty when the record as a whole is not JSON of the right shape.
    #[error("a {kind:?} record could not be read{}: {source}", if field.is_empty() || field == "." { String::new() } else { format!(" at {field}") })]
    Shape {
        kind: EntityKind,
        field: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("a {0:?} record has an empty id")]
    MissingId(EntityKind),
}

/// Keys that hold credentials: removed from the raw JSON before it is kept,
/// because secrets never reach the ledger file.
pub const SECRET_KEYS: [&str; 1] = ["APIKey"];

/// A record as the ledger keeps it: the typed view and the raw JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct XeroRecord<T> {
    pub entity: T,
    /// Every field Xero sent (less [`SECRET_KEYS`]), numbers as their digits.
    pub raw: Value,
}

impl<T: XeroEntity> XeroRecord<T> {
    /// Reads one record from Xero's JSON, keeping the raw value.
    pub fn from_value(mut raw: Value) -> Result<Self, EntityError> {
        if let Value::Object(map) = &mut raw {
            for key in SECRET_KEYS {
                map.remove(key);
            }
        }
        // The typed view is read from the JSON text, not from the `Value`:
        // a `Value` hands a number whose digits survive an f64 round trip
        // (`0.15`) to serde as an f64, which `Money` refuses. Text always
        // reaches `Money` as its digits.
        let text = raw.to_string();
        let mut de = serde_json::Deserializer::from_str(&text);
        let entity: T =
            serde_path_to_error::deserialize(&mut de).map_err(|e| EntityError::Shape {
                kind: T::KIND,
                field: e.path().to_string(),
                source: e.into_inner(),
            })?;
        if entity.xero_id().trim().is_empty() {
            return Err(EntityError::MissingId(T::KIND));
        }
        Ok(XeroRecord { entity, raw })
    }

    /// Reads one record from JSON text.
    pub fn from_json(text: &str) -> Result<Self, EntityError> {
        let raw: Value = serde_json::from_str(text).map_err(|source| EntityError::Shape {
            kind: T::KIND,
            field: String::new(),
            source,
        })?;
        Self::from_value(raw)
    }

    /// Reads every record of a page (`{"Invoices": [...]}` or a bare array).
    pub fn page_from_value(page: Value) -> Result<Vec<Self>, EntityError> {
        let items = match page {
            Value::Array(items) => items,
            Value::Object(mut map) => match map.remove(T::KIND.stream()) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        items.into_iter().map(Self::from_value).collect()
    }
}

#[cfg(test)]
mod tests;

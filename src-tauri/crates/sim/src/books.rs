//! The simulator's record set: each tenant's books, per collection, as Xero's JSON.
//!
//! Records are kept as compact JSON text (so a million bank transactions fit in
//! memory) with the few fields the server indexes on beside it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::wire;

/// An Accounting API collection the sync pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collection {
    Organisation,
    Accounts,
    TaxRates,
    TrackingCategories,
    Currencies,
    Contacts,
    ContactGroups,
    Items,
    Invoices,
    CreditNotes,
    Payments,
    Overpayments,
    Prepayments,
    BankTransactions,
    BankTransfers,
    ManualJournals,
    Journals,
    RepeatingInvoices,
    PurchaseOrders,
    Quotes,
    BatchPayments,
}

/// How a collection is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Everything in one response.
    None,
    /// `page`, 100 a page.
    Page,
    /// `page` and `pageSize` up to 1000.
    PageSize,
    /// Journals: `offset` = last JournalNumber seen, 100 a call.
    Offset,
}

impl Collection {
    /// Every collection, in the order the sync pulls them.
    pub const ALL: [Collection; 21] = [
        Collection::Organisation,
        Collection::Accounts,
        Collection::TaxRates,
        Collection::TrackingCategories,
        Collection::Currencies,
        Collection::Contacts,
        Collection::ContactGroups,
        Collection::Items,
        Collection::Invoices,
        Collection::CreditNotes,
        Collection::Payments,
        Collection::Overpayments,
        Collection::Prepayments,
        Collection::BankTransactions,
        Collection::BankTransfers,
        Collection::ManualJournals,
        Collection::Journals,
        Collection::RepeatingInvoices,
        Collection::PurchaseOrders,
        Collection::Quotes,
        Collection::BatchPayments,
    ];

    /// The path segment under `/api.xro/2.0/`.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Organisation => "Organisation",
            Collection::Accounts => "Accounts",
            Collection::TaxRates => "TaxRates",
            Collection::TrackingCategories => "TrackingCategories",
            Collection::Currencies => "Currencies",
            Collection::Contacts => "Contacts",
            Collection::ContactGroups => "ContactGroups",
            Collection::Items => "Items",
            Collection::Invoices => "Invoices",
            Collection::CreditNotes => "CreditNotes",
            Collection::Payments => "Payments",
            Collection::Overpayments => "Overpayments",
            Collection::Prepayments => "Prepayments",
            Collection::BankTransactions => "BankTransactions",
            Collection::BankTransfers => "BankTransfers",
            Collection::ManualJournals => "ManualJournals",
            Collection::Journals => "Journals",
            Collection::RepeatingInvoices => "RepeatingInvoices",
            Collection::PurchaseOrders => "PurchaseOrders",
            Collection::Quotes => "Quotes",
            Collection::BatchPayments => "BatchPayments",
        }
    }

    /// The response's array key, which is also the spec's wrapper schema name.
    pub fn key(self) -> &'static str {
        match self {
            Collection::Organisation => "Organisations",
            other => other.path(),
        }
    }

    /// The field that identifies one record.
    pub fn id_field(self) -> &'static str {
        match self {
            Collection::Organisation => "OrganisationID",
            Collection::Accounts => "AccountID",
            Collection::TaxRates => "TaxType",
            Collection::TrackingCategories => "TrackingCategoryID",
            Collection::Currencies => "Code",
            Collection::Contacts => "ContactID",
            Collection::ContactGroups => "ContactGroupID",
            Collection::Items => "ItemID",
            Collection::Invoices => "InvoiceID",
            Collection::CreditNotes => "CreditNoteID",
            Collection::Payments => "PaymentID",
            Collection::Overpayments => "OverpaymentID",
            Collection::Prepayments => "PrepaymentID",
            Collection::BankTransactions => "BankTransactionID",
            Collection::BankTransfers => "BankTransferID",
            Collection::ManualJournals => "ManualJournalID",
            Collection::Journals => "JournalID",
            Collection::RepeatingInvoices => "RepeatingInvoiceID",
            Collection::PurchaseOrders => "PurchaseOrderID",
            Collection::Quotes => "QuoteID",
            Collection::BatchPayments => "BatchPaymentID",
        }
    }

    /// How the collection is paged (xero-facts.md).
    pub fn paging(self) -> Paging {
        match self {
            Collection::BankTransactions
            | Collection::Contacts
            | Collection::CreditNotes
            | Collection::Invoices
            | Collection::ManualJournals
            | Collection::Overpayments
            | Collection::Payments
            | Collection::Prepayments
            | Collection::PurchaseOrders => Paging::PageSize,
            Collection::Quotes => Paging::Page,
            Collection::Journals => Paging::Offset,
            _ => Paging::None,
        }
    }

    /// The status that hides a record unless `includeArchived=true`.
    pub fn archived_hidden(self) -> bool {
        matches!(self, Collection::Contacts | Collection::Invoices)
    }

    /// The collection whose path segment is `segment`, in any letter case.
    /// `Organisations` is `Organisation` too, as Xero answers clients (such as
    /// singer-io's tap-xero) that build the name from the response's key.
    pub fn from_path(segment: &str) -> Option<Collection> {
        if segment.eq_ignore_ascii_case("Organisations") {
            return Some(Collection::Organisation);
        }
        Collection::ALL
            .into_iter()
            .find(|c| c.path().eq_ignore_ascii_case(segment))
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// One record: its id, its `UpdatedDateUTC` (ms) and its JSON text.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub updated_ms: Option<i64>,
    /// JournalNumber, for Journals.
    pub number: Option<i64>,
    pub json: Arc<str>,
}

impl Record {
    /// Indexes a JSON record of `collection`.
    pub fn new(collection: Collection, value: &Value) -> Record {
        let id = match value.get(collection.id_field()) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        Record {
            id,
            updated_ms: wire::updated_ms(value),
            number: value.get("JournalNumber").and_then(Value::as_i64),
            json: Arc::from(value.to_string()),
        }
    }

    /// The record as JSON.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// One collection: records in creation order, with an index by id.
#[derive(Debug, Clone, Default)]
pub struct Table {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
}

impl Table {
    /// Adds or replaces (by id) a record.
    pub fn upsert(&mut self, record: Record) {
        match self.by_id.get(&record.id) {
            Some(&i) => self.records[i] = record,
            None => {
                self.by_id.insert(record.id.clone(), self.records.len());
                self.records.push(record);
            }
        }
    }

    /// Every record, in creation order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The record with this id (case-insensitive for GUIDs).
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.by_id
            .get(id)
            .or_else(|| self.by_id.get(&id.to_ascii_lowercase()))
            .map(|&i| &self.records[i])
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// One organisation's books.
#[derive(Debug, Clone)]
pub struct TenantBooks {
    pub tenant_id: String,
    pub name: String,
    pub base_currency: String,
    pub timezone: String,
    pub tables: BTreeMap<Collection, Table>,
}

impl TenantBooks {
    /// An empty set of books.
    pub fn new(tenant_id: &str, name: &str, base_currency: &str, timezone: &str) -> TenantBooks {
        TenantBooks {
            tenant_id: tenant_id.to_owned(),
            name: name.to_owned(),
            base_currency: base_currency.to_owned(),
            timezone: timezone.to_owned(),
            tables: Collection::ALL
                .into_iter()
                .map(|c| (c, Table::default()))
                .collect(),
        }
    }

    /// The table of a collection.
    pub fn table(&self, collection: Collection) -> &Table {
        // Every collection's table is created in `new`.
        static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        self.tables
            .get(&collection)
            .unwrap_or_else(|| EMPTY.get_or_init(Table::default))
    }

    /// Adds or replaces a JSON record.
    pub fn put(&mut self, collection: Collection, value: &Value) {
        self.tables
            .entry(collection)
            .or_default()
            .upsert(Record::new(collection, value));
    }

    /// Adds or replaces an already indexed record.
    pub fn put_record(&mut self, collection: Collection, record: Record) {
        self.tables.entry(collection).or_default().upsert(record);
    }

    /// The next JournalNumber.
    pub fn next_journal_number(&self) -> i64 {
        self.table(Collection::Journals)
            .records()
            .iter()
            .filter_map(|r| r.number)
            .max()
            .unwrap_or(0)
            + 1
    }
}

/// The full record set of every tenant: what the simulator serves, and what a
/// ledger that synced everything must equal.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub tenants: Vec<TenantBooks>,
}

impl Truth {
    /// The books of one tenant.
    pub fn tenant(&self, tenant_id: &str) -> Option<&TenantBooks> {
        self.tenants.iter().find(|t| t.tenant_id == tenant_id)
    }

    /// The books of the tenant a request names (Xero's ids are GUIDs, so the
    /// case of the letters does not matter).
    pub fn tenant_named(&self, tenant_id: &str) -> Option<&TenantBooks> {
        self.tenants
            .iter()
            .find(|t| t.tenant_id.eq_ignore_ascii_case(tenant_id))
    }

    /// [`Truth::tenant_named`], to change.
    pub fn tenant_named_mut(&mut self, tenant_id: &str) -> Option<&mut TenantBooks> {
        self.tenants
            .iter_mut()
            .find(|t| t.tenant_id.eq_ignore_ascii_case(tenant_id))
    }

    /// Every record of one collection of one tenant, as JSON.
    pub fn records(&self, tenant_id: &str, collection: Collection) -> Vec<Value> {
        self.tenant(tenant_id)
            .map(|t| {
                t.table(collection)
                    .records()
                    .iter()
                    .map(Record::value)
                    .collect()
            })
            .unwrap_or_default()
    }
}

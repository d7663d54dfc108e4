//! The streams a tenant sync pulls, and how each endpoint is read.

use ledgerkeep_domain::xero::EntityKind;

/// How an endpoint is paged (xero-facts.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Everything in one answer.
    None,
    /// `page` with `pageSize` up to 1000.
    PageSize,
    /// `page` alone: 100 a page, fixed by Xero (Quotes).
    Page,
    /// Journals: `offset` = the last JournalNumber seen, 100 a call.
    Offset,
}

impl Paging {
    /// How many records a full page holds; a shorter page is the last.
    pub fn per_page(self) -> usize {
        match self {
            Paging::PageSize => MAX_PAGE_SIZE,
            Paging::Page => PAGE_OF_100,
            Paging::Offset => JOURNALS_PER_CALL,
            Paging::None => usize::MAX,
        }
    }
}

/// One stream: an entity, its endpoint, its paging, and whether the endpoint
/// honours `If-Modified-Since` (the entity carries `UpdatedDateUTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    pub kind: EntityKind,
    /// The path segment under `/api.xro/2.0/`.
    pub path: &'static str,
    pub paging: Paging,
    pub incremental: bool,
}

/// The largest page Xero serves to third-party apps.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Journals per call (fixed by Xero).
pub const JOURNALS_PER_CALL: usize = 100;
/// Records per page where Xero offers no `pageSize` (Quotes).
pub const PAGE_OF_100: usize = 100;

const fn s(kind: EntityKind, path: &'static str, paging: Paging, incremental: bool) -> Stream {
    Stream {
        kind,
        path,
        paging,
        incremental,
    }
}

/// Every stream, in the order a sync pulls them: settings and contacts before
/// the documents that refer to them.
pub const STREAMS: [Stream; 21] = [
    s(
        EntityKind::Organisation,
        "Organisation",
        Paging::None,
        false,
    ),
    s(EntityKind::Account, "Accounts", Paging::None, true),
    s(EntityKind::TaxRate, "TaxRates", Paging::None, false),
    s(
        EntityKind::TrackingCategory,
        "TrackingCategories",
        Paging::None,
        false,
    ),
    s(EntityKind::Currency, "Currencies", Paging::None, false),
    s(EntityKind::Contact, "Contacts", Paging::PageSize, true),
    s(
        EntityKind::ContactGroup,
        "ContactGroups",
        Paging::None,
        false,
    ),
    s(EntityKind::Item, "Items", Paging::None, true),
    s(EntityKind::Invoice, "Invoices", Paging::PageSize, true),
    s(
        EntityKind::CreditNote,
        "CreditNotes",
        Paging::PageSize,
        true,
    ),
    s(EntityKind::Payment, "Payments", Paging::PageSize, true),
    // Not paged by Xero; If-Modified-Since makes it one short call when
    // nothing changed. Each batch's payments also come in Payments.
    s(
        EntityKind::BatchPayment,
        "BatchPayments",
        Paging::None,
        true,
    ),
    s(
        EntityKind::Overpayment,
        "Overpayments",
        Paging::PageSize,
        true,
    ),
    s(
        EntityKind::Prepayment,
        "Prepayments",
        Paging::PageSize,
        true,
    ),
    s(
        EntityKind::BankTransaction,
        "BankTransactions",
        Paging::PageSize,
        true,
    ),
    s(
        EntityKind::BankTransfer,
        "BankTransfers",
        Paging::None,
        true,
    ),
    s(
        EntityKind::ManualJournal,
        "ManualJournals",
        Paging::PageSize,
        true,
    ),
    s(
        EntityKind::PurchaseOrder,
        "PurchaseOrders",
        Paging::PageSize,
        true,
    ),
    s(EntityKind::Quote, "Quotes", Paging::Page, true),
    // No UpdatedDateUTC on repeating invoices: read whole each time (they are few).
    s(
        EntityKind::RepeatingInvoice,
        "RepeatingInvoices",
        Paging::None,
        false,
    ),
    s(EntityKind::Journal, "Journals", Paging::Offset, false),
];

/// The stream of `kind`.
pub fn stream_of(kind: EntityKind) -> Stream {
    STREAMS
        .iter()
        .copied()
        .find(|s| s.kind == kind)
        .unwrap_or(STREAMS[0])
}

/// The stream named like its endpoint or its entity (`Invoices`, `invoices`, `Organisation`).
pub fn stream_named(name: &str) -> Option<Stream> {
    STREAMS
        .iter()
        .copied()
        .find(|s| s.path.eq_ignore_ascii_case(name) || s.kind.stream().eq_ignore_ascii_case(name))
}

//! A page of one stream, typed once at the edge.
//!
//! The sync reads Xero's answer (`{"Invoices": [...], "pagination": {...}}`)
//! into a [`Page`] as soon as it arrives: every record as an [`XeroRecord`]
//! (the typed view and the raw JSON beside it), and the paging facts Xero
//! gives. Everything after that (what the engine learns of the page, what the
//! store writes) reads the typed records; nobody looks into the JSON again.

use serde_json::Value;

use super::entities::*;
use super::{EntityError, EntityKind, XeroEntity, XeroRecord};
use crate::dates::XeroDateTime;

/// One page of one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: TypedRecords,
    /// `pagination.itemCount`: how many records the query matches in all,
    /// when Xero says (paged endpoints, and only with `pageSize`).
    pub item_count: Option<u64>,
}

impl Page {
    /// Reads Xero's answer for `kind`: the records under the stream's key
    /// (`Invoices`) or a bare array; an answer without them is an empty page.
    /// A record that cannot be read fails the whole page, with an error that
    /// names the kind and the field ([`EntityError`]).
    pub fn from_value(kind: EntityKind, body: Value) -> Result<Page, EntityError> {
        let item_count = body
            .get("pagination")
            .and_then(|p| p.get("itemCount"))
            .and_then(Value::as_u64);
        Ok(Page {
            records: TypedRecords::from_value(kind, body)?,
            item_count,
        })
    }

    pub fn kind(&self) -> EntityKind {
        self.records.kind()
    }

    /// How many records the page holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The newest `UpdatedDateUTC` (for journals and bank transfers, which
    /// have none, `CreatedDateUTC`) among the records.
    pub fn newest(&self) -> Option<XeroDateTime> {
        self.records.updated().into_iter().max()
    }

    /// The oldest, as [`Page::newest`].
    pub fn oldest(&self) -> Option<XeroDateTime> {
        self.records.updated().into_iter().min()
    }

    /// The highest `JournalNumber` of a page of journals (`None` for any
    /// other kind, or journals without numbers).
    pub fn max_journal_number(&self) -> Option<i64> {
        match &self.records {
            TypedRecords::Journal(journals) => journals
                .iter()
                .filter_map(|j| j.entity.journal_number)
                .max(),
            _ => None,
        }
    }
}

macro_rules! typed_records {
    ($($kind:ident),+ $(,)?) => {
        /// The records of a page, typed by the stream's kind. The variants
        /// are named as [`EntityKind`]'s, and hold the entity of that name.
        #[derive(Debug, Clone, PartialEq)]
        pub enum TypedRecords {
            $( $kind(Vec<XeroRecord<$kind>>), )+
        }

        impl TypedRecords {
            /// Reads the records of `kind` from Xero's answer (see [`Page::from_value`]).
            pub fn from_value(kind: EntityKind, body: Value) -> Result<Self, EntityError> {
                Ok(match kind {
                    $( EntityKind::$kind => {
                        TypedRecords::$kind(XeroRecord::<$kind>::page_from_value(body)?)
                    } )+
                })
            }

            pub fn kind(&self) -> EntityKind {
                match self {
                    $( TypedRecords::$kind(_) => EntityKind::$kind, )+
                }
            }

            pub fn len(&self) -> usize {
                match self {
                    $( TypedRecords::$kind(r) => r.len(), )+
                }
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Each record's [`XeroEntity::updated_utc`], where it has one.
            pub fn updated(&self) -> Vec<XeroDateTime> {
                match self {
                    $( TypedRecords::$kind(r) => {
                        r.iter().filter_map(|r| r.entity.updated_utc()).collect()
                    } )+
                }
            }
        }
    };
}

typed_records!(
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
);

/// Runs `$body` with `$recs` bound to the typed records of a
/// [`TypedRecords`], whatever its kind: one expression, instantiated for each
/// entity type (`with_records!(page.records, recs => store.apply_page(t, &recs, ..))`).
#[macro_export]
macro_rules! with_records {
    ($records:expr, $recs:ident => $body:expr) => {{
        use $crate::xero::TypedRecords as __R;
        match $records {
            __R::Organisation($recs) => $body,
            __R::Account($recs) => $body,
            __R::Contact($recs) => $body,
            __R::ContactGroup($recs) => $body,
            __R::Invoice($recs) => $body,
            __R::CreditNote($recs) => $body,
            __R::Payment($recs) => $body,
            __R::Overpayment($recs) => $body,
            __R::Prepayment($recs) => $body,
            __R::BankTransaction($recs) => $body,
            __R::BankTransfer($recs) => $body,
            __R::ManualJournal($recs) => $body,
            __R::Journal($recs) => $body,
            __R::TaxRate($recs) => $body,
            __R::TrackingCategory($recs) => $body,
            __R::Currency($recs) => $body,
            __R::Item($recs) => $body,
            __R::RepeatingInvoice($recs) => $body,
            __R::PurchaseOrder($recs) => $body,
            __R::Quote($recs) => $body,
            __R::BatchPayment($recs) => $body,
        }
    }};
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_page_of_every_kind_reads_its_records_and_says_its_kind() {
        for kind in EntityKind::ALL {
            let page = Page::from_value(kind, json!({ kind.stream(): [] })).unwrap();
            assert_eq!(page.kind(), kind);
            assert!(page.is_empty());
        }
        let page = Page::from_value(
            EntityKind::Invoice,
            json!({"Invoices": [
                {"InvoiceID": "a", "UpdatedDateUTC": "/Date(2000+0000)/"},
                {"InvoiceID": "b", "UpdatedDateUTC": "/Date(1000+0000)/"},
                {"InvoiceID": "c"}
            ], "pagination": {"page": 1, "pageSize": 3, "pageCount": 4, "itemCount": 11}}),
        )
        .unwrap();
        assert_eq!(page.len(), 3);
        assert_eq!(page.item_count, Some(11));
        assert_eq!(page.newest().unwrap().to_iso(), "1970-01-01T00:00:02.000Z");
        assert_eq!(page.oldest().unwrap().to_iso(), "1970-01-01T00:00:01.000Z");
        assert_eq!(page.max_journal_number(), None);
        let TypedRecords::Invoice(invoices) = &page.records else {
            panic!("{page:?}")
        };
        assert_eq!(invoices[2].entity.invoice_id, "c");
        // The raw JSON is kept beside the typed view.
        assert_eq!(invoices[0].raw["UpdatedDateUTC"], "/Date(2000+0000)/");
    }

    #[test]
    fn an_answer_without_the_streams_key_is_an_empty_page_and_a_bare_array_is_read() {
        let page = Page::from_value(
            EntityKind::Contact,
            json!({"Invoices": [{"InvoiceID": "a"}]}),
        )
        .unwrap();
        assert!(page.is_empty());
        assert_eq!(page.item_count, None);
        let page = Page::from_value(EntityKind::Contact, json!([{"ContactID": "c"}])).unwrap();
        assert_eq!(page.len(), 1);
    }

    #[test]
    fn journals_give_their_highest_number_and_their_created_instants() {
        let page = Page::from_value(
            EntityKind::Journal,
            json!({"Journals": [
                {"JournalID": "j1", "JournalNumber": 7, "CreatedDateUTC": "/Date(5000+0000)/"},
                {"JournalID": "j2", "JournalNumber": 12, "CreatedDateUTC": "/Date(3000+0000)/"},
                {"JournalID": "j3"}
            ]}),
        )
        .unwrap();
        assert_eq!(page.max_journal_number(), Some(12));
        assert_eq!(page.newest().unwrap().to_iso(), "1970-01-01T00:00:05.000Z");
        assert_eq!(page.oldest().unwrap().to_iso(), "1970-01-01T00:00:03.000Z");
    }

    #[test]
    fn one_bad_record_fails_the_page_naming_the_kind_and_the_field() {
        let err = Page::from_value(
            EntityKind::BankTransaction,
            json!({"BankTransactions": [
                {"BankTransactionID": "a"},
                {"BankTransactionID": "b", "Date": "not a date"}
            ]}),
        )
        .unwrap_err();
        let EntityError::Shape { kind, field, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (*kind, field.as_str()),
            (EntityKind::BankTransaction, "Date")
        );
        assert!(
            err.to_string()
                .contains("BankTransaction record could not be read at Date"),
            "{err}"
        );
        let err = Page::from_value(EntityKind::Payment, json!({"Payments": [{"Amount": 1}]}))
            .unwrap_err();
        assert!(err.to_string().contains("Payment record"), "{err}");
    }

    #[test]
    fn with_records_runs_one_expression_for_any_kind() {
        for kind in EntityKind::ALL {
            let page = Page::from_value(kind, json!({ kind.stream(): [] })).unwrap();
            let n = crate::with_records!(&page.records, recs => recs.len());
            assert_eq!(n, 0);
        }
        let page = Page::from_value(
            EntityKind::Currency,
            json!({"Currencies": [{"Code": "NZD"}]}),
        )
        .unwrap();
        let ids: Vec<String> = crate::with_records!(&page.records, recs => recs
            .iter()
            .map(|r| r.entity.xero_id().to_owned())
            .collect());
        assert_eq!(ids, ["NZD"]);
    }
}

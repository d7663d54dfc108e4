//! What each audit row is about, read from the ledger: a record's type, its
//! number or reference, its name and its contact, as the ledger holds the
//! record now (a payment's number and contact are its invoice's). Facts only:
//! the Audit log's words are made in the api.
//!
//! One query per table on a page (`tenant_id, xero_id`, the tables' unique
//! key), so a page of 500 rows costs a handful of indexed reads.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// A record an audit row names: its table, organisation and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuditKey {
    pub table: String,
    pub tenant_id: String,
    pub record_id: String,
}

/// What the ledger holds of an audited record now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSubject {
    /// Xero's type code (`ACCREC`, `ACCPAY`, `SPEND`...), for the kinds that have one.
    pub doc_type: Option<String>,
    /// The document's number (`INV-0042`), an account's or item's code.
    pub number: Option<String>,
    pub reference: Option<String>,
    /// A contact's, account's, item's or tax rate's name; a manual journal's narration.
    pub name: Option<String>,
    /// The contact the record is for (a contact's own id for a contact).
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
}

/// Where each fact sits in one table (`None`: the table has no such column).
struct Columns {
    table: &'static str,
    doc_type: Option<&'static str>,
    number: Option<&'static str>,
    reference: Option<&'static str>,
    name: Option<&'static str>,
    contact_id: Option<&'static str>,
    contact_name: Option<&'static str>,
}

const fn document(table: &'static str, doc_type: bool, number: bool) -> Columns {
    Columns {
        table,
        doc_type: if doc_type { Some("type") } else { None },
        number: if number { Some("number") } else { None },
        reference: Some("reference"),
        name: None,
        contact_id: Some("contact_xero_id"),
        contact_name: Some("contact_name"),
    }
}

const fn named(table: &'static str, number: Option<&'static str>) -> Columns {
    Columns {
        table,
        doc_type: None,
        number,
        reference: None,
        name: Some("name"),
        contact_id: None,
        contact_name: None,
    }
}

/// The tables whose records an audit row can name, with their facts' columns.
/// Payments are read apart ([`PAYMENTS`]), through their invoice.
const TABLES: &[Columns] = &[
    document("invoices", true, true),
    document("credit_notes", true, true),
    document("overpayments", true, false),
    document("prepayments", true, false),
    document("bank_transactions", true, false),
    document("purchase_orders", false, true),
    document("quotes", false, true),
    document("repeating_invoices", true, false),
    Columns {
        table: "contacts",
        doc_type: None,
        number: None,
        reference: None,
        name: Some("name"),
        contact_id: Some("xero_id"),
        contact_name: Some("name"),
    },
    Columns {
        table: "bank_transfers",
        doc_type: None,
        number: None,
        reference: Some("reference"),
        name: None,
        contact_id: None,
        contact_name: None,
    },
    Columns {
        table: "manual_journals",
        doc_type: None,
        number: None,
        reference: None,
        name: Some("narration"),
        contact_id: None,
        contact_name: None,
    },
    Columns {
        table: "journals",
        doc_type: Some("source_type"),
        number: Some("number"),
        reference: Some("reference"),
        name: None,
        contact_id: None,
        contact_name: None,
    },
    named("accounts", Some("code")),
    named("items", Some("code")),
    named("tax_rates", None),
    named("tracking_categories", None),
    named("contact_groups", None),
    named("organisations", None),
];

/// A payment: its own reference, its invoice's number, type and contact.
const PAYMENTS: &str = "SELECT p.xero_id AS xero_id, i.type AS doc_type, i.number AS number, \
     p.reference AS reference, NULL AS name, i.contact_xero_id AS contact_id, i.contact_name AS contact_name \
     FROM payments p LEFT JOIN invoices i ON i.tenant_id = p.tenant_id AND i.xero_id = p.invoice_xero_id \
     WHERE p.tenant_id = ? AND p.xero_id IN ";

fn select_of(c: &Columns) -> String {
    // As text whatever the column holds (a journal's number is an integer).
    let col = |v: Option<&str>, alias: &str| match v {
        Some(v) => format!("CAST({v} AS TEXT) AS {alias}"),
        None => format!("NULL AS {alias}"),
    };
    format!(
        "SELECT xero_id, {}, {}, {}, {}, {}, {} FROM {} WHERE tenant_id = ? AND xero_id IN ",
        col(c.doc_type, "doc_type"),
        col(c.number, "number"),
        col(c.reference, "reference"),
        col(c.name, "name"),
        col(c.contact_id, "contact_id"),
        col(c.contact_name, "contact_name"),
        c.table,
    )
}

/// The records of the contact `contact_id` of `tenant_id` (the contact
/// itself, its documents, and the payments of its invoices) as a subquery of
/// `(t, tn, rid)`: the audit rows' `table_name`, `tenant_id` and `record_id`,
/// with its arguments. Each part is read by its table's contact index.
pub(crate) fn records_of_contact(tenant_id: &str, contact_id: &str) -> (String, Vec<String>) {
    let mut sql = String::from("(SELECT 'contacts' AS t, ? AS tn, ? AS rid");
    let mut args = vec![tenant_id.to_owned(), contact_id.to_owned()];
    for c in TABLES {
        if c.contact_id == Some("contact_xero_id") {
            sql.push_str(&format!(
                " UNION ALL SELECT '{0}', tenant_id, xero_id FROM {0} WHERE tenant_id = ? AND contact_xero_id = ?",
                c.table
            ));
            args.push(tenant_id.to_owned());
            args.push(contact_id.to_owned());
        }
    }
    sql.push_str(
        " UNION ALL SELECT 'payments', p.tenant_id, p.xero_id FROM invoices i \
         CROSS JOIN payments p ON p.tenant_id = i.tenant_id AND p.invoice_xero_id = i.xero_id \
         WHERE i.tenant_id = ? AND i.contact_xero_id = ?)",
    );
    args.push(tenant_id.to_owned());
    args.push(contact_id.to_owned());
    (sql, args)
}

impl LedgerStore {
    /// What the ledger holds now of each record `keys` name. A record the
    /// ledger no longer holds (deleted), or of a table that names no record
    /// (the ledger's own settings), is left out.
    pub async fn audit_subjects(
        &self,
        keys: &[AuditKey],
    ) -> Result<HashMap<AuditKey, AuditSubject>, StoreError> {
        let _timer = self.timed("audit_subjects");
        // By table and organisation, each id once.
        let mut wanted: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for k in keys {
            let ids = wanted
                .entry((k.table.as_str(), k.tenant_id.as_str()))
                .or_default();
            if !ids.contains(&k.record_id.as_str()) {
                ids.push(k.record_id.as_str());
            }
        }
        let mut conn = self.pool.acquire().await?;
        let mut out = HashMap::new();
        for ((table, tenant), ids) in wanted {
            let select = if table == "payments" {
                PAYMENTS.to_owned()
            } else {
                match TABLES.iter().find(|c| c.table == table) {
                    Some(c) => select_of(c),
                    None => continue,
                }
            };
            // SQLite allows 32,766 arguments; a page holds at most 500 rows.
            for chunk in ids.chunks(500) {
                let sql = format!("{select}({})", vec!["?"; chunk.len()].join(","));
                let mut q = sqlx::query(&sql).bind(tenant);
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(&mut *conn).await? {
                    let record_id: String = row.try_get("xero_id")?;
                    out.insert(
                        AuditKey {
                            table: table.to_owned(),
                            tenant_id: tenant.to_owned(),
                            record_id,
                        },
                        AuditSubject {
                            doc_type: row.try_get("doc_type")?,
                            number: row.try_get("number")?,
                            reference: row.try_get("reference")?,
                            name: row.try_get("name")?,
                            contact_id: row.try_get("contact_id")?,
                            contact_name: row.try_get("contact_name")?,
                        },
                    );
                }
            }
        }
        Ok(out)
    }
}

//! The quick find's reads (the Ctrl-K palette): contacts, accounts and
//! attachments whose names hold every word typed, a few of each. Documents
//! are found by [`LedgerStore::search_all_documents`].
//!
//! Each word is a substring in any case and script, with `%` and `_` taken
//! as letters (a trailing `*` is dropped). Contacts and accounts are an
//! organisation's hundreds or thousands, read on each search; its files may
//! be hundreds of thousands, matched in a copy of their names held in memory.

use std::collections::HashMap;
use std::sync::Arc;

use ledgerkeep_domain::EntityKind;
use serde::Serialize;
use sqlx::Row;

use crate::{LedgerStore, StoreError};

/// A contact whose name, number or email matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactMatch {
    pub xero_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// An account whose code or name matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountMatch {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    /// Xero's type (`BANK`, `REVENUE`...).
    pub account_type: Option<String>,
}

/// A file whose name matched, and the record it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentMatch {
    pub attachment_id: String,
    pub file_name: String,
    pub entity: EntityKind,
    pub record_id: String,
}

/// The words of a search, folded to lower case (any script).
fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_end_matches('*').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether every word is in one of `fields`, in any case. SQLite's `LIKE`
/// folds only ASCII letters ("SÖHNE" would miss "Söhne"), so the names are
/// read and matched here: an organisation's contacts, accounts and files are
/// thousands at most.
fn holds_all(words: &[String], fields: &[Option<&str>]) -> bool {
    let fields: Vec<String> = fields.iter().flatten().map(|f| f.to_lowercase()).collect();
    words
        .iter()
        .all(|w| fields.iter().any(|f| f.contains(w.as_str())))
}

impl LedgerStore {
    /// Up to `limit` contacts whose name, number or email holds every word of
    /// `text`, by name.
    pub async fn find_contacts(
        &self,
        tenant_id: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<ContactMatch>, StoreError> {
        let words = words_of(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT xero_id, name, email, contact_number FROM contacts WHERE tenant_id = ? \
             ORDER BY name COLLATE NOCASE, id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let name: Option<String> = r.try_get("name")?;
            let email: Option<String> = r.try_get("email")?;
            let number: Option<String> = r.try_get("contact_number")?;
            if holds_all(
                &words,
                &[name.as_deref(), email.as_deref(), number.as_deref()],
            ) {
                out.push(ContactMatch {
                    xero_id: r.try_get("xero_id")?,
                    name,
                    email,
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Up to `limit` accounts whose code or name holds every word of `text`,
    /// by code.
    pub async fn find_accounts(
        &self,
        tenant_id: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<AccountMatch>, StoreError> {
        let words = words_of(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT xero_id, code, name, type FROM accounts WHERE tenant_id = ? ORDER BY code, name, id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let code: Option<String> = r.try_get("code")?;
            let name: Option<String> = r.try_get("name")?;
            if holds_all(&words, &[code.as_deref(), name.as_deref()]) {
                out.push(AccountMatch {
                    xero_id: r.try_get("xero_id")?,
                    code,
                    name,
                    account_type: r.try_get("type")?,
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Up to `limit` attachments whose file name holds every word of `text`,
    /// by file name (as SQLite's `NOCASE` orders them, then by id).
    ///
    /// An organisation may keep hundreds of thousands of files (a receipt on
    /// every spend), and reading every name from SQLite on each key typed
    /// took tens of milliseconds: the names are matched in a copy held in
    /// memory (each name folded to lower case once, in the order they are
    /// listed), made again when `attachment_names_version` has moved (every
    /// change to the files moves it, from any process; migration 0030). Only
    /// the files found are read from SQLite.
    pub async fn find_attachments(
        &self,
        tenant_id: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<AttachmentMatch>, StoreError> {
        let words = words_of(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let names = self.attachment_names(tenant_id).await?;
        let found: Vec<i64> = names
            .rows
            .iter()
            .filter(|(_, name)| words.iter().all(|w| name.contains(w.as_str())))
            .take(limit as usize)
            .map(|(rowid, _)| *rowid)
            .collect();
        if found.is_empty() {
            return Ok(Vec::new());
        }
        // The files found, in one read, then put back in the copy's order.
        let sql = format!(
            "SELECT rowid, attachment_id, file_name, entity, record_id FROM attachments \
             WHERE tenant_id = ? AND rowid IN ({})",
            vec!["?"; found.len()].join(", ")
        );
        let mut q = sqlx::query(&sql).bind(tenant_id);
        for rowid in &found {
            q = q.bind(rowid);
        }
        let mut read: HashMap<i64, AttachmentMatch> = HashMap::new();
        for r in q.fetch_all(self.pool()).await? {
            read.insert(
                r.try_get("rowid")?,
                AttachmentMatch {
                    attachment_id: r.try_get("attachment_id")?,
                    file_name: r.try_get("file_name")?,
                    entity: crate::attachments::entity_of(&r.try_get::<String, _>("entity")?)?,
                    record_id: r.try_get("record_id")?,
                },
            );
        }
        // A file gone since the copy was made is left out: the next search
        // makes the copy again.
        let out = found
            .iter()
            .filter_map(|rowid| read.remove(rowid))
            .collect();
        Ok(out)
    }

    /// The organisation's file names, folded to lower case, in the order they
    /// are listed: the copy held, or a new one when the files have changed.
    async fn attachment_names(&self, tenant_id: &str) -> Result<Arc<AttachmentNames>, StoreError> {
        let version: i64 =
            sqlx::query_scalar("SELECT version FROM attachment_names_version WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        if let Some(held) = self.attachment_names.lock().get(tenant_id) {
            if held.version == version {
                return Ok(Arc::clone(held));
            }
        }
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT rowid, file_name FROM attachments WHERE tenant_id = ? \
             ORDER BY file_name COLLATE NOCASE, attachment_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let names = Arc::new(AttachmentNames {
            version,
            rows: rows
                .into_iter()
                .map(|(rowid, name)| (rowid, name.to_lowercase()))
                .collect(),
        });
        self.attachment_names
            .lock()
            .insert(tenant_id.to_owned(), Arc::clone(&names));
        Ok(names)
    }
}

/// An organisation's file names as the palette matches them: each file's
/// `rowid` and its name in lower case, by name, and the
/// `attachment_names_version` they were read at.
#[derive(Debug)]
pub(crate) struct AttachmentNames {
    version: i64,
    rows: Vec<(i64, String)>,
}

/// The copies of each organisation's file names (see
/// [`LedgerStore::find_attachments`]).
pub(crate) type AttachmentNameCopies = parking_lot::Mutex<HashMap<String, Arc<AttachmentNames>>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as SQLite's `NOCASE` compares it: ASCII letters folded, byte by byte.
    fn nocase_key(text: &str) -> impl Iterator<Item = u8> + '_ {
        text.bytes().map(|b| b.to_ascii_lowercase())
    }

    #[test]
    fn words_match_in_any_case_and_script_and_wildcards_are_letters() {
        let w = words_of("SÖHNE  gmbh*");
        assert_eq!(w, ["söhne", "gmbh"]);
        assert!(holds_all(&w, &[Some("Müller & Söhne GmbH"), None]));
        assert!(holds_all(&w, &[Some("Söhne"), Some("info@gmbh.example")]));
        assert!(!holds_all(&w, &[Some("Müller & Sohne GmbH")]));
        assert!(!holds_all(&words_of("50%"), &[Some("500 widgets")]));
        assert!(holds_all(&words_of("50%"), &[Some("50% off")]));
    }

    /// The files found in the copy of the names are exactly, and in the same
    /// order, those found by reading every name and matching it here; and a
    /// file added, renamed or removed, by this store or another process, is
    /// found (or not) at once.
    #[tokio::test]
    async fn files_found_in_sqlite_are_those_every_name_read_would_find() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let names = [
            "Receipt-1.PDF",
            "receipt-2.pdf",
            "RECEIPT-10.png",
            "Müller-Rechnung.pdf",
            "SÖHNE invoice.pdf",
            "söhne Invoice.PDF",
            "50% off.png",
            "500 widgets.png",
            "a_b.txt",
            "ab.txt",
            "back\\slash.txt",
            "\u{212A}elvin.pdf",
            "tab\there.pdf",
            "Zebra.pdf",
            "zebra.pdf",
        ];
        for (i, name) in names.iter().enumerate() {
            for tenant in ["t1", "t2"] {
                sqlx::query(
                    "INSERT INTO attachments (tenant_id, attachment_id, entity, record_id, \
                     file_name, mime_type, content_length, sha256, stored_at) \
                     VALUES (?, ?, 'Invoices', ?, ?, NULL, 1, ?, '2026-01-01T00:00:00Z')",
                )
                .bind(tenant)
                .bind(format!("a{:02}", names.len() - i))
                .bind(format!("r{i}"))
                .bind(*name)
                .bind("0".repeat(64))
                .execute(store.pool())
                .await
                .unwrap();
            }
        }
        let all = store.find_attachments("t1", "", 20).await.unwrap();
        assert!(all.is_empty());
        for text in [
            "receipt",
            "RECEIPT pdf",
            "söhne",
            "SÖHNE",
            "k",
            "K",
            "50%",
            "_",
            "\\",
            "pdf",
            "e",
            "tab",
            "zebra",
            "nothing",
            "ü",
        ] {
            let words = words_of(text);
            let mut want: Vec<(String, String)> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| holds_all(&words, &[Some(n)]))
                .map(|(i, n)| (format!("a{:02}", names.len() - i), (*n).to_owned()))
                .collect();
            want.sort_by(|a, b| {
                nocase_key(&a.1)
                    .cmp(nocase_key(&b.1))
                    .then_with(|| a.0.cmp(&b.0))
            });
            for limit in [1, 2, 3, 20] {
                let got: Vec<(String, String)> = store
                    .find_attachments("t1", text, limit)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|a| (a.attachment_id, a.file_name))
                    .collect();
                let mut expected = want.clone();
                expected.truncate(limit as usize);
                assert_eq!(got, expected, "{text:?}, {limit}");
            }
        }
        // The Kelvin sign folds to a "k" here, which SQLite's LIKE would miss.
        let kelvin = store.find_attachments("t1", "kelvin", 20).await.unwrap();
        assert_eq!(kelvin.len(), 1);
        // "Zebra" and "zebra" are equal to NOCASE: the id orders them.
        let zebras = store.find_attachments("t1", "zebra", 20).await.unwrap();
        assert_eq!(zebras.len(), 2);
        assert!(zebras[0].attachment_id < zebras[1].attachment_id);

        // Another process adds, renames and removes files: each search after
        // sees the files as they are.
        let other = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let ids = |found: Vec<AttachmentMatch>| -> Vec<String> {
            found.into_iter().map(|a| a.attachment_id).collect()
        };
        sqlx::query(
            "INSERT INTO attachments (tenant_id, attachment_id, entity, record_id, \
             file_name, mime_type, content_length, sha256, stored_at) \
             VALUES ('t1', 'new', 'Invoices', 'r-new', 'Quokka receipt.pdf', NULL, 1, ?, \
             '2026-01-02T00:00:00Z')",
        )
        .bind("0".repeat(64))
        .execute(other.pool())
        .await
        .unwrap();
        assert_eq!(
            ids(store.find_attachments("t1", "quokka", 20).await.unwrap()),
            ["new"]
        );
        assert!(store
            .find_attachments("t2", "quokka", 20)
            .await
            .unwrap()
            .is_empty());
        sqlx::query("UPDATE attachments SET file_name = 'Wombat.pdf' WHERE attachment_id = 'new'")
            .execute(other.pool())
            .await
            .unwrap();
        assert!(store
            .find_attachments("t1", "quokka", 20)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            ids(store.find_attachments("t1", "wombat", 20).await.unwrap()),
            ["new"]
        );
        sqlx::query("DELETE FROM attachments WHERE tenant_id = 't1' AND file_name LIKE 'zebra%'")
            .execute(other.pool())
            .await
            .unwrap();
        assert!(store
            .find_attachments("t1", "zebra", 20)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .find_attachments("t2", "zebra", 20)
                .await
                .unwrap()
                .len(),
            2
        );
        other.close().await;
    }
}

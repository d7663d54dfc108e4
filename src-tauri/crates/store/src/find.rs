//! The quick find's reads (the Ctrl-K palette): contacts, accounts and
//! attachments whose names hold every word typed, a few of each. Documents
//! are found by [`LedgerStore::search_all_documents`].
//!
//! Each word is a substring in any case and script, with `%` and `_` taken
//! as letters (a trailing `*` is dropped). Contacts and accounts are an organisation's hundreds or
//! thousands, attachments its files: scanning their names is fast at any
//! ledger size, and the documents' own search is the one indexed for 1M rows.

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
    /// by file name.
    ///
    /// An organisation may keep hundreds of thousands of files (a receipt on
    /// every spend), so SQLite matches the names and keeps the first `limit`:
    /// for a name of ASCII alone (as many characters as bytes), `LIKE` (which
    /// folds ASCII letters) matches exactly as [`holds_all`] does. Names with
    /// any other character are read and matched here, and the two lists
    /// merged in the same order. Both still read every name: 204,571 files
    /// take tens of milliseconds (docs/BENCHMARKS.md).
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
        let likes = vec!["file_name LIKE ? ESCAPE '\\'"; words.len()].join(" AND ");
        let sql = format!(
            "SELECT attachment_id, file_name, entity, record_id FROM attachments \
             WHERE tenant_id = ? AND length(file_name) = length(CAST(file_name AS BLOB)) AND {likes} \
             ORDER BY file_name COLLATE NOCASE, attachment_id LIMIT ?"
        );
        let mut ascii = sqlx::query(&sql).bind(tenant_id);
        for w in &words {
            ascii = ascii.bind(like_pattern(w));
        }
        let ascii = ascii.bind(i64::from(limit)).fetch_all(self.pool()).await?;
        let other = sqlx::query(
            "SELECT attachment_id, file_name, entity, record_id FROM attachments \
             WHERE tenant_id = ? AND length(file_name) <> length(CAST(file_name AS BLOB)) \
             ORDER BY file_name COLLATE NOCASE, attachment_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in ascii.iter().chain(&other) {
            let file_name: String = r.try_get("file_name")?;
            if holds_all(&words, &[Some(file_name.as_str())]) {
                out.push(AttachmentMatch {
                    attachment_id: r.try_get("attachment_id")?,
                    file_name,
                    entity: crate::attachments::entity_of(&r.try_get::<String, _>("entity")?)?,
                    record_id: r.try_get("record_id")?,
                });
            }
        }
        // As SQLite orders them: NOCASE folds ASCII letters only, then the id.
        out.sort_by(|a, b| {
            nocase_key(&a.file_name)
                .cmp(nocase_key(&b.file_name))
                .then_with(|| a.attachment_id.cmp(&b.attachment_id))
        });
        out.truncate(limit as usize);
        Ok(out)
    }
}

/// A `LIKE` pattern holding `word` anywhere, its `%`, `_` and `\\` literal.
fn like_pattern(word: &str) -> String {
    let mut p = String::from("%");
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `text` as SQLite's `NOCASE` compares it: ASCII letters folded, byte by byte.
fn nocase_key(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.bytes().map(|b| b.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The files found by SQLite's matching are exactly, and in the same
    /// order, those found by reading every name and matching it here.
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
        // The Kelvin sign folds to a "k" here, which SQLite alone would miss.
        let kelvin = store.find_attachments("t1", "kelvin", 20).await.unwrap();
        assert_eq!(kelvin.len(), 1);
        // "Zebra" and "zebra" are equal to NOCASE: the id orders them.
        let zebras = store.find_attachments("t1", "zebra", 20).await.unwrap();
        assert_eq!(zebras.len(), 2);
        assert!(zebras[0].attachment_id < zebras[1].attachment_id);
    }
}

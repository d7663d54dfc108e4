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
        let rows = sqlx::query(
            "SELECT attachment_id, file_name, entity, record_id FROM attachments \
             WHERE tenant_id = ? ORDER BY file_name COLLATE NOCASE, attachment_id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let file_name: String = r.try_get("file_name")?;
            if holds_all(&words, &[Some(file_name.as_str())]) {
                out.push(AttachmentMatch {
                    attachment_id: r.try_get("attachment_id")?,
                    file_name,
                    entity: crate::attachments::entity_of(&r.try_get::<String, _>("entity")?)?,
                    record_id: r.try_get("record_id")?,
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
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
}

//! The quick find behind the Ctrl-K palette: one search over documents
//! (numbers, references, contacts' names, line descriptions), contacts,
//! accounts and attachments' file names, a few of each.

use ledgerkeep_domain::EntityKind;
use serde::{Deserialize, Serialize};

use crate::ops::ledger::{search_documents, DocumentHitView, SearchDocumentsRequest};
use crate::{ApiError, AppContext};

/// What to find, and how many of each kind at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickFindRequest {
    pub tenant_id: String,
    /// Words, each found anywhere in a name, number, reference or description.
    pub text: String,
    /// 1 to 20 of each kind; 6 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A contact found by its name, number or email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactHitView {
    pub xero_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// An account found by its code or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountHitView {
    pub xero_id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub account_type: Option<String>,
}

/// A file found by its name, and the record it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentHitView {
    pub attachment_id: String,
    pub file_name: String,
    pub entity: EntityKind,
    pub record_id: String,
}

/// Everything found, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickFindView {
    pub documents: Vec<DocumentHitView>,
    pub contacts: Vec<ContactHitView>,
    pub accounts: Vec<AccountHitView>,
    pub attachments: Vec<AttachmentHitView>,
}

/// Finds documents, contacts, accounts and files that hold every word of
/// `text`: the newest documents first, the rest by name.
#[tracing::instrument(name = "op", skip_all, fields(op = "quick_find", request_id = %crate::request_id()))]
pub async fn quick_find(
    ctx: &AppContext,
    req: QuickFindRequest,
) -> Result<QuickFindView, ApiError> {
    let limit = req.limit.unwrap_or(6);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::invalid(
            "A quick find shows 1 to 20 of each kind.",
        ));
    }
    let tenant = req.tenant_id.trim().to_owned();
    let store = ctx.store();
    let text = req.text.trim();
    // The four reads at once, each on its own connection: the palette
    // answers in the time of the slowest, not of all four.
    let (documents, contacts, accounts, attachments) = tokio::try_join!(
        search_documents(
            ctx,
            SearchDocumentsRequest {
                tenant_id: tenant.clone(),
                text: req.text.clone(),
                limit: Some(limit),
            },
        ),
        async { Ok::<_, ApiError>(store.find_contacts(&tenant, text, limit).await?) },
        async { Ok::<_, ApiError>(store.find_accounts(&tenant, text, limit).await?) },
        async { Ok::<_, ApiError>(store.find_attachments(&tenant, text, limit).await?) },
    )?;
    let contacts = contacts
        .into_iter()
        .map(|c| ContactHitView {
            xero_id: c.xero_id,
            name: c.name,
            email: c.email,
        })
        .collect();
    let accounts = accounts
        .into_iter()
        .map(|a| AccountHitView {
            xero_id: a.xero_id,
            code: a.code,
            name: a.name,
            account_type: a.account_type,
        })
        .collect();
    let attachments = attachments
        .into_iter()
        .map(|a| AttachmentHitView {
            attachment_id: a.attachment_id,
            file_name: a.file_name,
            entity: a.entity,
            record_id: a.record_id,
        })
        .collect();
    Ok(QuickFindView {
        documents,
        contacts,
        accounts,
        attachments,
    })
}

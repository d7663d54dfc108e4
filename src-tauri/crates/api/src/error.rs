//! The error every operation returns, and the only error shape the UI sees.
//!
//! It crosses to TypeScript as `{ code, message }`. `code` is a stable enum the
//! UI may branch on; add a code only when some front branches on it. `message`
//! is for the owner to read: it never holds a stack trace, a secret or a SQL text.

use serde::{Deserialize, Serialize};

/// What kind of failure, for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was refused; `message` says which field and why.
    Invalid,
    /// The local ledger could not be read or written (disk full, an I/O failure).
    Storage,
    /// Another program holds the ledger's lock. The UI offers "try again" and
    /// names the likely cause (a second copy of Ledgerkeep, a backup tool),
    /// instead of the generic storage message; nothing was written.
    Locked,
    /// The ledger was written by a newer Ledgerkeep. The UI offers the update
    /// instead of a restore: the file is fine and was not touched.
    NewerSchema,
    /// The file is damaged or is not a ledger (or a backup offered for restore
    /// is). The UI offers a restore from a backup; nothing was changed.
    Corrupt,
    /// Anything else: a bug, or a failure with nothing the owner can do about it.
    Internal,
    /// Xero refused a connection's sign-in (`invalid_grant`): the UI offers
    /// "Connect again" and notifications name the organisation.
    NeedsReauthorisation,
    /// No usable OS keyring: the UI shows how to start or unlock one, since
    /// nothing can connect to Xero without it.
    KeyringUnavailable,
    /// Xero could not be reached or kept failing: the UI says the books are
    /// all here and offers to retry, rather than showing an error.
    XeroUnavailable,
}

/// One refused input of a request: which field (as the UI names it, in
/// camelCase, with `[i]` for a list's item, e.g. `steps[2].body`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// `{ code, message, fields? }`: an operation's failure as the UI receives it.
/// `fields` is present only on an `invalid` error from a form's request, one
/// entry per refused field, so that the form can show each beside its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub fields: Option<Vec<FieldError>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: None,
        }
    }

    /// An `invalid` error naming each refused field. `errors` must not be empty.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let message = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => format!(
                "{} fields need attention: {}.",
                errors.len(),
                names.join(", ")
            ),
        };
        ApiError {
            code: ErrorCode::Invalid,
            message,
            fields: Some(errors),
        }
    }

    /// The refused fields, if this is a form's error.
    pub fn field_errors(&self) -> &[FieldError] {
        self.fields.as_deref().unwrap_or_default()
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<ledgerkeep_xero::XeroError> for ApiError {
    fn from(err: ledgerkeep_xero::XeroError) -> Self {
        use ledgerkeep_xero::XeroError as E;
        tracing::warn!(error = %err, "Xero error");
        let code = match &err {
            E::NeedsReauthorisation { .. } => ErrorCode::NeedsReauthorisation,
            E::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            E::Network(_) | E::Deadline(_) | E::DailyLimit(_) => ErrorCode::XeroUnavailable,
            E::Keyring(_) => ErrorCode::Storage,
            E::NotConfigured
            | E::UnknownState
            | E::ExpiredState
            | E::BadCallback(_)
            | E::Denied(_)
            | E::CallbackTimeout(_)
            | E::SignInReplaced
            | E::NotConnected(_)
            | E::TenantNotConnected(_)
            | E::NotPermitted { .. } => ErrorCode::Invalid,
            E::Listen { .. }
            | E::TokenEndpoint(_)
            | E::Status { .. }
            | E::TooLarge(_)
            | E::Decode(_) => ErrorCode::Internal,
        };
        ApiError::new(code, err.to_string())
    }
}

impl From<ledgerkeep_store::StoreError> for ApiError {
    fn from(err: ledgerkeep_store::StoreError) -> Self {
        use ledgerkeep_store::StoreError as E;
        // The full chain goes to the log; the owner gets a sentence.
        tracing::error!(error = %err, "ledger error");
        let (code, message) = match &err {
            E::Open { path, .. } => (
                ErrorCode::Storage,
                format!(
                    "The ledger at {} could not be opened. Check that the disk is present and has free space.",
                    path.display()
                ),
            ),
            E::NotALedger { path } => (
                ErrorCode::Corrupt,
                format!(
                    "{} is not a Ledgerkeep ledger. It was not changed; choose another file or restore a backup.",
                    path.display()
                ),
            ),
            E::Corrupt { .. } => (
                ErrorCode::Corrupt,
                "The ledger file is damaged. It was not changed; restore it from a backup.".to_owned(),
            ),
            E::Locked => (
                ErrorCode::Locked,
                "The ledger is in use by another program (perhaps another Ledgerkeep window). Close it and try again; nothing was written.".to_owned(),
            ),
            E::InUse { by } => (
                ErrorCode::Locked,
                format!("{by} has the ledger open; close it and try again. Nothing was changed."),
            ),
            E::DiskFull => (
                ErrorCode::Storage,
                "The disk is full. Nothing was written; free some space and try again.".to_owned(),
            ),
            E::NewerSchema { found, supported } => (
                ErrorCode::NewerSchema,
                format!(
                    "This ledger was written by a newer Ledgerkeep (schema {found}; this version knows up to {supported}). Update Ledgerkeep to open it; the file was not changed."
                ),
            ),
            E::Migrate(_) => (
                ErrorCode::Storage,
                "The ledger's schema could not be brought up to date. A backup was taken first; your data was not changed.".to_owned(),
            ),
            E::Backup(_) => (
                ErrorCode::Storage,
                "The backup could not be made or failed its check; no backup file was left behind.".to_owned(),
            ),
            E::BackupDamaged { path, .. } => (
                ErrorCode::Corrupt,
                format!(
                    "The backup {} is damaged or is not a ledger. Nothing was restored; your ledger was not changed.",
                    path.display()
                ),
            ),
            E::Io { path, source } => (
                ErrorCode::Storage,
                format!("Could not use the file {}: {source}.", path.display()),
            ),
            E::Entity(_) => (
                ErrorCode::Internal,
                "A record from Xero could not be read; nothing from that page was saved.".to_owned(),
            ),
            E::Data(_) | E::Value { .. } => (
                ErrorCode::Corrupt,
                "The ledger holds a value it cannot read. Run the health check.".to_owned(),
            ),
            E::Invalid(why) => (ErrorCode::Invalid, format!("{why}.")),
            E::Query(_) => (
                ErrorCode::Storage,
                "The ledger could not be read. Try again; if it keeps failing, run the health check.".to_owned(),
            ),
        };
        ApiError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_as_code_and_message() {
        let json = serde_json::to_value(ApiError::invalid("Amount must be above 0")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid", "message": "Amount must be above 0"})
        );
    }

    #[test]
    fn field_errors_cross_field_by_field() {
        let err = ApiError::fields(vec![
            FieldError {
                field: "title".into(),
                message: "Title is required.".into(),
            },
            FieldError {
                field: "steps[1].body".into(),
                message: "Too long.".into(),
            },
        ]);
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["fields"][1]["field"], "steps[1].body");
        assert!(json["message"].as_str().unwrap().contains("title"));
        let back: ApiError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
        // A plain error has no `fields` key at all.
        let plain = serde_json::to_value(ApiError::invalid("x")).unwrap();
        assert!(plain.get("fields").is_none());
    }

    #[test]
    fn storage_errors_say_what_happened_without_internals() {
        let err = ledgerkeep_store::StoreError::Query(sqlx_like_error());
        let api: ApiError = err.into();
        assert_eq!(api.code, ErrorCode::Storage);
        assert!(!api.message.contains("SELECT"), "{}", api.message);
        assert!(!api.message.is_empty());
    }

    #[test]
    fn each_file_problem_has_its_own_code() {
        use ledgerkeep_store::StoreError as E;
        let cases = [
            (E::Locked, ErrorCode::Locked),
            (
                E::NewerSchema {
                    found: 9,
                    supported: 2,
                },
                ErrorCode::NewerSchema,
            ),
            (E::Corrupt { detail: "x".into() }, ErrorCode::Corrupt),
            (
                E::NotALedger {
                    path: "/tmp/x".into(),
                },
                ErrorCode::Corrupt,
            ),
            (
                E::BackupDamaged {
                    path: "/tmp/b".into(),
                    detail: "x".into(),
                },
                ErrorCode::Corrupt,
            ),
            (E::DiskFull, ErrorCode::Storage),
        ];
        for (err, code) in cases {
            let api: ApiError = err.into();
            assert_eq!(api.code, code, "{}", api.message);
        }
        let json = serde_json::to_value(ErrorCode::NewerSchema).unwrap();
        assert_eq!(json, "newer_schema");
    }

    #[test]
    fn xero_errors_keep_the_codes_a_front_branches_on() {
        use ledgerkeep_xero::XeroError;
        let e: ApiError = XeroError::NeedsReauthorisation {
            connection_id: "c".into(),
        }
        .into();
        assert_eq!(e.code, ErrorCode::NeedsReauthorisation);
        let e: ApiError = XeroError::KeyringUnavailable("no store".into()).into();
        assert_eq!(e.code, ErrorCode::KeyringUnavailable);
        assert!(e.message.contains("keyring"), "{}", e.message);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "keyring_unavailable");
    }

    fn sqlx_like_error() -> ledgerkeep_store::SqlxError {
        ledgerkeep_store::SqlxError::Protocol("SELECT secret FROM t failed".into())
    }
}

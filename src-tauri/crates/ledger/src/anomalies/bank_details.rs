//! Bank details changed: a contact's bank account replaced by another.
//!
//! The rule reads the audit trail's old and new `BankAccountDetails`: a
//! first entry (nothing before) or a removal (nothing after) is no change,
//! nor is the same account written another way (`12-3456-0001` and
//! `12 3456 0001`: letters and digits compared, ignoring case).

/// An account replaced: the old and new details as written, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetailsChange {
    pub old: String,
    pub new: String,
}

/// Letters and digits only, upper case.
fn normalise_account(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `old` replaced by `new` is another account.
pub fn bank_details_changed(old: Option<&str>, new: Option<&str>) -> Option<BankDetailsChange> {
    let (old, new) = (old?.trim(), new?.trim());
    if old.is_empty() || new.is_empty() || normalise_account(old) == normalise_account(new) {
        return None;
    }
    Some(BankDetailsChange {
        old: old.to_owned(),
        new: new.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_account_is_a_change_with_both_as_written() {
        let c = bank_details_changed(Some(" 12-3456-7654321-00 "), Some("99-8888-7777777-66"));
        assert_eq!(
            c,
            Some(BankDetailsChange {
                old: "12-3456-7654321-00".to_owned(),
                new: "99-8888-7777777-66".to_owned(),
            })
        );
        // One digit differs.
        assert!(bank_details_changed(Some("12-3456-0001"), Some("12-3456-0002")).is_some());
    }

    #[test]
    fn the_same_account_reformatted_a_first_entry_or_a_removal_is_not() {
        assert_eq!(
            bank_details_changed(Some("12-3456-0001"), Some("12 3456 0001")),
            None
        );
        assert_eq!(
            bank_details_changed(Some("gb29 nwbk 6016"), Some("GB29-NWBK-6016")),
            None
        );
        assert_eq!(bank_details_changed(None, Some("12-3456-0001")), None);
        assert_eq!(bank_details_changed(Some("  "), Some("12-3456-0001")), None);
        assert_eq!(bank_details_changed(Some("12-3456-0001"), None), None);
        assert_eq!(bank_details_changed(Some("12-3456-0001"), Some("")), None);
    }
}

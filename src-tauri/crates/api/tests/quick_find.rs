//! The quick find (the Ctrl-K palette): one search over documents, contacts,
//! accounts and attachments' file names, on the simulator's books synced over
//! loopback by the app's own sync engine, its attachments job included.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is the test failing

mod common;

use ledgerkeep_api::*;
use ledgerkeep_sim::{Collection, Truth};
use serde_json::Value;

async fn synced(seed: u64) -> (common::SignedIn, Truth) {
    let signed = common::signed_in(seed).await;
    let truth = common::sync_all(&signed, true).await;
    (signed, truth)
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// The simulator's `records` whose `key` holds `word` (any case).
fn holding(records: &[Value], key: &str, word: &str) -> Vec<Value> {
    let word = word.to_lowercase();
    records
        .iter()
        .filter(|r| text(r, key).to_lowercase().contains(&word))
        .cloned()
        .collect()
}

async fn find(signed: &common::SignedIn, tenant: &str, text: &str, limit: u32) -> QuickFindView {
    quick_find(
        &signed.ctx,
        QuickFindRequest {
            tenant_id: tenant.to_owned(),
            text: text.to_owned(),
            limit: Some(limit),
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn one_search_finds_contacts_accounts_documents_and_files() {
    let (signed, truth) = synced(41).await;
    let tenant = signed.sim.tenants()[0].tenant_id.clone();

    // A contact, by a word of its name typed in another case: every contact
    // holding it (up to the limit, by name), and the documents naming it.
    let contacts = truth.records(&tenant, Collection::Contacts);
    let invoices = truth.records(&tenant, Collection::Invoices);
    let name = invoices[0]["Contact"]["Name"].as_str().unwrap().to_owned();
    let word = name
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_uppercase();
    let found = find(&signed, &tenant, &word, 20).await;
    let mut want: Vec<String> = holding(&contacts, "Name", &word)
        .iter()
        .map(|c| text(c, "ContactID"))
        .collect();
    want.sort();
    let mut got: Vec<String> = found.contacts.iter().map(|c| c.xero_id.clone()).collect();
    got.sort();
    if want.len() <= 20 {
        assert_eq!(got, want, "contacts holding {word}");
    } else {
        assert_eq!(got.len(), 20);
    }
    // The contact's documents are among those found (a document may also
    // match by a line's description, which its row does not show).
    let lower = word.to_lowercase();
    assert!(
        found.documents.iter().any(|d| {
            [&d.row.number, &d.row.reference, &d.row.contact_name]
                .iter()
                .any(|f| {
                    f.as_deref()
                        .is_some_and(|s| s.to_lowercase().contains(&lower))
                })
        }),
        "documents of a contact named {name}: {:?}",
        found.documents
    );

    // An account by its code, and by two words of its name in any order.
    let accounts = truth.records(&tenant, Collection::Accounts);
    let account = accounts
        .iter()
        .find(|a| text(a, "Name").split_whitespace().count() >= 2 && !text(a, "Code").is_empty())
        .unwrap();
    let found = find(&signed, &tenant, &text(account, "Code"), 20).await;
    assert!(found
        .accounts
        .iter()
        .any(|a| a.xero_id == text(account, "AccountID")));
    assert!(found.accounts.iter().all(|a| a
        .code
        .as_deref()
        .unwrap_or_default()
        .contains(&text(account, "Code"))
        || a.name
            .as_deref()
            .unwrap_or_default()
            .contains(&text(account, "Code"))));
    let words: Vec<String> = text(account, "Name")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let found = find(&signed, &tenant, &format!("{} {}", words[1], words[0]), 20).await;
    assert!(found
        .accounts
        .iter()
        .any(|a| a.xero_id == text(account, "AccountID")));

    // A file by a part of its name: the file, and the record it belongs to.
    let kept = signed
        .ctx
        .store()
        .find_attachments(&tenant, ".", 1)
        .await
        .unwrap();
    let file = kept.first().expect("the sync kept some files");
    let part: String = file.file_name.chars().take(5).collect();
    let found = find(&signed, &tenant, &part, 20).await;
    assert!(found
        .attachments
        .iter()
        .any(|a| a.attachment_id == file.attachment_id && a.record_id == file.record_id));
    assert!(found
        .attachments
        .iter()
        .all(|a| a.file_name.to_lowercase().contains(&part.to_lowercase())));

    // Words that are in nothing find nothing; a wildcard is a literal.
    let none = find(&signed, &tenant, "zzqx%_", 20).await;
    assert!(none.documents.is_empty() && none.contacts.is_empty());
    assert!(none.accounts.is_empty() && none.attachments.is_empty());

    // Bad requests are refused with a reason.
    for (text, limit) in [("  ", 6), ("acme", 0), ("acme", 21)] {
        let e = quick_find(
            &signed.ctx,
            QuickFindRequest {
                tenant_id: tenant.clone(),
                text: text.to_owned(),
                limit: Some(limit),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid, "{text:?} {limit}: {e:?}");
    }
}

//! The Attachments endpoints over real HTTP: a document that says it has
//! attachments lists them, each file's content comes by its AttachmentID and
//! by its file name, byte for byte the same, as a real PDF or PNG within
//! Xero's size limit; and a new app's token without the attachments scope is
//! refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ledgerkeep_sim::attachments::{attachments_of, MAX_FILE_BYTES};
use ledgerkeep_sim::Collection;
use serde_json::Value;

const WITH_FILES: &str = "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.banktransactions.read accounting.attachments.read";
const WITHOUT_FILES: &str = "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.banktransactions.read";

async fn bytes(h: &Harness, access: &str, tenant: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = h.get(access, tenant, path).await;
    let status = r.status().as_u16();
    let mime = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, mime, r.bytes().await.unwrap().to_vec())
}

/// A PDF whose cross-reference table points at each of its objects.
fn assert_real_pdf(b: &[u8]) {
    let text = String::from_utf8_lossy(b);
    assert!(text.starts_with("%PDF-1."), "a PDF header");
    assert!(text.trim_end().ends_with("%%EOF"));
    let start: usize = text
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        text[start..].starts_with("xref"),
        "startxref points at the table"
    );
    let entries: Vec<usize> = text[start..]
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .map(|l| l[..10].parse().unwrap())
        .collect();
    assert!(entries.len() >= 4);
    for (i, off) in entries.iter().enumerate() {
        assert!(
            text[*off..].starts_with(&format!("{} 0 obj", i + 1)),
            "object {} at {off}",
            i + 1
        );
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG with its signature, an IHDR first, IEND last, and every chunk's CRC right.
fn assert_real_png(b: &[u8]) {
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut kinds = Vec::new();
    while at < b.len() {
        let len = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let body = &b[at + 4..at + 8 + len];
        let crc = u32::from_be_bytes(b[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(
            crc32(body),
            crc,
            "chunk {}",
            String::from_utf8_lossy(&body[..4])
        );
        kinds.push(String::from_utf8_lossy(&body[..4]).into_owned());
        at += 12 + len;
    }
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    assert!(kinds.iter().any(|k| k == "IDAT"));
}

#[tokio::test]
async fn documents_with_files_list_them_and_serve_each_by_id_and_by_name() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITH_FILES).await;
    let tenant = h.tenant(0);
    let truth = h.sim.truth();
    let mut pdfs = 0;
    let mut pngs = 0;
    let mut listed = 0;
    for (c, path, id_field) in [
        (Collection::Invoices, "Invoices", "InvoiceID"),
        (
            Collection::BankTransactions,
            "BankTransactions",
            "BankTransactionID",
        ),
        (Collection::CreditNotes, "CreditNotes", "CreditNoteID"),
    ] {
        let records = truth.records(&tenant, c);
        // One document with files, and one with a photo as well (picked by
        // what the simulator says it attaches; the bytes are checked here).
        let mut with: Vec<&Value> = records
            .iter()
            .filter(|r| r["HasAttachments"] == true)
            .take(1)
            .collect();
        with.extend(records.iter().find(|r| {
            attachments_of(c, r)
                .iter()
                .any(|a| a.mime_type == "image/png")
        }));
        let without = records.iter().find(|r| r["HasAttachments"] != true);
        if c != Collection::CreditNotes {
            assert!(!with.is_empty(), "some {path} have files");
        }
        for r in with {
            let id = r[id_field].as_str().unwrap();
            let list = h
                .get_json(&tokens.access, &tenant, &format!("{path}/{id}/Attachments"))
                .await;
            let files = list["Attachments"].as_array().unwrap();
            assert!(!files.is_empty(), "{path} {id} says it has files");
            for f in files {
                listed += 1;
                let file_id = f["AttachmentID"].as_str().unwrap();
                let name = f["FileName"].as_str().unwrap();
                let by_id = bytes(
                    &h,
                    &tokens.access,
                    &tenant,
                    &format!("{path}/{id}/Attachments/{file_id}"),
                )
                .await;
                let by_name = bytes(
                    &h,
                    &tokens.access,
                    &tenant,
                    &format!("{path}/{id}/Attachments/{name}"),
                )
                .await;
                assert_eq!(by_id.0, 200);
                assert_eq!(by_id, by_name, "one file by either address");
                assert_eq!(by_id.1, f["MimeType"].as_str().unwrap());
                assert_eq!(by_id.2.len() as u64, f["ContentLength"].as_u64().unwrap());
                assert!(by_id.2.len() <= MAX_FILE_BYTES);
                match by_id.1.as_str() {
                    "application/pdf" => {
                        assert!(name.ends_with(".pdf"));
                        assert_real_pdf(&by_id.2);
                        pdfs += 1;
                    }
                    "image/png" => {
                        assert!(name.ends_with(".png"));
                        assert_real_png(&by_id.2);
                        pngs += 1;
                    }
                    other => panic!("unexpected type {other}"),
                }
            }
            // The same books serve the same bytes again.
            let again = h
                .get_json(&tokens.access, &tenant, &format!("{path}/{id}/Attachments"))
                .await;
            assert_eq!(again["Attachments"], list["Attachments"]);
        }
        if let Some(r) = without {
            let id = r[id_field].as_str().unwrap();
            let list = h
                .get_json(&tokens.access, &tenant, &format!("{path}/{id}/Attachments"))
                .await;
            assert_eq!(list["Attachments"], serde_json::json!([]));
            let missing = h
                .get(
                    &tokens.access,
                    &tenant,
                    &format!("{path}/{id}/Attachments/nothing.pdf"),
                )
                .await;
            assert_eq!(missing.status(), 404);
        }
    }
    assert!(
        listed > 0 && pdfs > 0 && pngs > 0,
        "{pdfs} PDFs, {pngs} PNGs"
    );
    // A record that does not exist has no attachments to list.
    let r = h
        .get(
            &tokens.access,
            &tenant,
            "Invoices/00000000-0000-0000-0000-000000000001/Attachments",
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_new_apps_token_without_the_attachments_scope_is_refused() {
    let h = start_with(|b| b.new_starter_app()).await;
    let (tokens, _) = h.login_with(WITHOUT_FILES).await;
    let tenant = h.tenant(0);
    let bill = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|r| r["HasAttachments"] == true)
        .unwrap();
    let id = bill["InvoiceID"].as_str().unwrap().to_owned();
    let path = format!("Invoices/{id}/Attachments");
    let refused = h.get(&tokens.access, &tenant, &path).await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["Detail"], "AuthorizationUnsuccessful");
    // The invoice itself is within the granted scopes.
    let invoice = h
        .get(&tokens.access, &tenant, &format!("Invoices/{id}"))
        .await;
    assert_eq!(invoice.status(), 200);
    // Granting the scope opens it.
    let (tokens, _) = h.login_with(WITH_FILES).await;
    assert_eq!(h.get(&tokens.access, &tenant, &path).await.status(), 200);
}

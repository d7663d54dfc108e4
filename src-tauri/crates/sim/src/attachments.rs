//! The files attached to the simulated books' documents, as Xero's
//! Attachments endpoints serve them: `GET {Collection}/{id}/Attachments`
//! (the list), and a file's content by its `AttachmentID` or its file name.
//!
//! Attachments hold no state of their own: a record whose JSON says
//! `"HasAttachments": true` has them, and each file is made from the record
//! (its id, number, contact and total), so the same books always serve the
//! same bytes. They are real files: a one-page PDF naming the document, and
//! for some a small PNG photo of the receipt, well within Xero's limit of
//! 10 MB per file.

use crate::books::Collection;
use serde_json::{json, Value};

/// Xero's largest attachment: 10 MB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// One attached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub mime_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// The file as the list describes it.
    pub fn describe(&self, collection: Collection, record_id: &str) -> Value {
        json!({
            "AttachmentID": self.id,
            "FileName": self.file_name,
            "Url": format!(
                "https://api.xero.com/api.xro/2.0/{}/{record_id}/Attachments/{}",
                collection.path(),
                self.file_name
            ),
            "MimeType": self.mime_type,
            "ContentLength": self.bytes.len(),
            "IncludeOnline": false,
        })
    }
}

/// The collections whose documents may carry files in the simulated books.
pub fn carries_files(collection: Collection) -> bool {
    matches!(
        collection,
        Collection::Invoices
            | Collection::CreditNotes
            | Collection::BankTransactions
            | Collection::ManualJournals
            | Collection::Contacts
            | Collection::Accounts
            | Collection::BankTransfers
            | Collection::PurchaseOrders
            | Collection::Quotes
            | Collection::RepeatingInvoices
    )
}

/// FNV-1a: a stable hash of a record id (no randomness, so attaching files
/// does not change anything else the generator makes).
fn fnv(text: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Whether the generator attaches files to a document: most bills (the
/// supplier's invoice), some spend money (a receipt), a few sales invoices
/// and credit notes.
pub fn has_files(collection: Collection, doc_type: &str, id: &str) -> bool {
    let roll = fnv(id, 7) % 12;
    match (collection, doc_type) {
        (Collection::Invoices, "ACCPAY") => roll < 8,
        (Collection::Invoices, _) => roll < 1,
        (Collection::BankTransactions, "SPEND") => roll < 3,
        (Collection::CreditNotes, _) => roll < 2,
        // The other kinds Xero keeps files on, flagged after the books are
        // made ([`attach_to_other_kinds`]): a contract on a contact, a
        // statement on an account, a schedule behind a journal, a signed
        // order or quote.
        (Collection::BankTransfers, _) => roll < 2,
        (Collection::ManualJournals, _) => roll < 3,
        (Collection::PurchaseOrders, _) => roll < 3,
        (Collection::Quotes, _) => roll < 2,
        (Collection::RepeatingInvoices, _) => roll < 2,
        (Collection::Contacts, _) => roll < 1,
        (Collection::Accounts, _) => roll < 1,
        _ => false,
    }
}

/// The kinds whose files the generator decides after the books are made.
const FLAGGED_AFTER: [Collection; 7] = [
    Collection::BankTransfers,
    Collection::ManualJournals,
    Collection::PurchaseOrders,
    Collection::Quotes,
    Collection::RepeatingInvoices,
    Collection::Contacts,
    Collection::Accounts,
];

/// Says `HasAttachments` on the records of the other kinds that Xero keeps
/// files on, by [`has_files`] (a stable hash of the id: nothing else in the
/// books changes, and their dates and `UpdatedDateUTC` stay as they were).
pub fn attach_to_other_kinds(books: &mut crate::books::TenantBooks) {
    for collection in FLAGGED_AFTER {
        let Some(table) = books.tables.get_mut(&collection) else {
            continue;
        };
        let flagged: Vec<crate::books::Record> = table
            .records()
            .iter()
            .filter(|r| has_files(collection, "", &r.id))
            .map(|r| {
                let mut v = r.value();
                v["HasAttachments"] = Value::Bool(true);
                crate::books::Record::new(collection, &v)
            })
            .collect();
        for r in flagged {
            table.upsert(r);
        }
    }
}

fn uuid_of(text: &str) -> String {
    let (a, b) = (fnv(text, 1), fnv(text, 2));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn text_of(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The files of a record (none unless its JSON says it has attachments).
pub fn attachments_of(collection: Collection, record: &Value) -> Vec<Attachment> {
    if !carries_files(collection) || record.get("HasAttachments") != Some(&Value::Bool(true)) {
        return Vec::new();
    }
    let id = text_of(record, collection.id_field());
    let number = [
        "InvoiceNumber",
        "CreditNoteNumber",
        "Reference",
        "Narration",
    ]
    .iter()
    .map(|k| text_of(record, k))
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| id.chars().take(8).collect());
    let contact = record
        .get("Contact")
        .map(|c| text_of(c, "Name"))
        .unwrap_or_default();
    let total = text_of(record, "Total");
    let currency = text_of(record, "CurrencyCode");
    let date = text_of(record, "DateString");
    let safe: String = number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut files = vec![Attachment {
        id: uuid_of(&format!("{id}/pdf")),
        file_name: format!("{safe}.pdf"),
        mime_type: "application/pdf",
        bytes: pdf(&[
            format!("{} {number}", collection.path()),
            format!("From: {contact}"),
            format!("Date: {}", date.get(..10).unwrap_or(&date)),
            format!("Total: {currency} {total}"),
        ]),
    }];
    if fnv(&id, 3).is_multiple_of(3) {
        files.push(Attachment {
            id: uuid_of(&format!("{id}/png")),
            file_name: format!("receipt-{safe}.png"),
            mime_type: "image/png",
            bytes: png(fnv(&id, 4)),
        });
    }
    files
}

/// The file of a record named by its `AttachmentID` or its file name
/// (Xero's two content endpoints share one path shape).
pub fn find(collection: Collection, record: &Value, id_or_name: &str) -> Option<Attachment> {
    attachments_of(collection, record)
        .into_iter()
        .find(|a| a.id.eq_ignore_ascii_case(id_or_name) || a.file_name == id_or_name)
}

/// Escapes text for a PDF string.
fn pdf_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// A one-page PDF (A4) with `lines` of text in Helvetica.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 14 Tf 72 770 Td 18 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", pdf_text(l)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
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

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A small RGB PNG (a receipt's "photo": paper with printed rows), tinted
/// by `seed`. Its pixels are stored uncompressed in zlib's stored blocks.
pub fn png(seed: u64) -> Vec<u8> {
    const W: u32 = 48;
    const H: u32 = 64;
    let tint = seed.to_le_bytes();
    let mut raw = Vec::with_capacity(((W * 3 + 1) * H) as usize);
    for y in 0..H {
        raw.push(0); // filter: none
        for x in 0..W {
            let printed = y % 8 == 4 && (6..W - 6).contains(&x) && (x + y) % 11 != 0;
            let px = if printed {
                [40, 40, 48]
            } else {
                [235 + tint[0] % 20, 232 + tint[1] % 20, 220 + tint[2] % 30]
            };
            raw.extend_from_slice(&px);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&H.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

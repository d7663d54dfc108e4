-- Search across every kind of document through full-text indexes, as invoices
-- and bank transactions already were: the other ten kinds were searched with
-- LIKE over every row (a payment's number and contact looked up in its
-- invoice, row by row), which took a second at a million documents.
--
-- Each index has the same four columns. `number`: the document's number (a
-- payment's, that of the invoice or credit note it pays; a batch's, those of
-- the invoices its payments pay). `reference`: its reference and its other
-- words (a quote's title, a journal's narration, a batch's bank details).
-- `contact_name`: its contact's (a payment's, the document's it pays).
-- `descriptions`: its lines'. The sync writes them with each document
-- (`store/src/rows.rs`); here they are made for the documents already held.

CREATE VIRTUAL TABLE credit_note_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE payment_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE overpayment_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE prepayment_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE bank_transfer_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE manual_journal_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE purchase_order_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE quote_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE repeating_invoice_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE batch_payment_fts USING fts5 (number, reference, contact_name, descriptions);

INSERT INTO credit_note_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, COALESCE(d.number, ''), COALESCE(d.reference, ''), COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM credit_note_lines l WHERE l.parent_id = d.id), '')
FROM credit_notes d;

INSERT INTO overpayment_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, '', COALESCE(d.reference, ''), COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM overpayment_lines l WHERE l.parent_id = d.id), '')
FROM overpayments d;

INSERT INTO prepayment_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, '', COALESCE(d.reference, ''), COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM prepayment_lines l WHERE l.parent_id = d.id), '')
FROM prepayments d;

INSERT INTO purchase_order_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, COALESCE(d.number, ''), COALESCE(d.reference, ''), COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM purchase_order_lines l WHERE l.parent_id = d.id), '')
FROM purchase_orders d;

INSERT INTO quote_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, COALESCE(d.number, ''), trim(COALESCE(d.reference, '') || char(10) || COALESCE(d.title, ''), char(10)),
       COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM quote_lines l WHERE l.parent_id = d.id), '')
FROM quotes d;

INSERT INTO repeating_invoice_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, '', COALESCE(d.reference, ''), COALESCE(d.contact_name, ''),
       COALESCE((SELECT group_concat(l.description, char(10)) FROM repeating_invoice_lines l WHERE l.parent_id = d.id), '')
FROM repeating_invoices d;

INSERT INTO manual_journal_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, '', COALESCE(d.narration, ''), '',
       COALESCE((SELECT group_concat(l.description, char(10)) FROM manual_journal_lines l WHERE l.parent_id = d.id), '')
FROM manual_journals d;

INSERT INTO bank_transfer_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id, '', COALESCE(d.reference, ''), '', '' FROM bank_transfers d;

INSERT INTO payment_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id,
       COALESCE(json_extract(d.raw_json, '$.Invoice.InvoiceNumber'), json_extract(d.raw_json, '$.CreditNote.CreditNoteNumber'), ''),
       COALESCE(d.reference, ''),
       COALESCE(json_extract(d.raw_json, '$.Invoice.Contact.Name'), json_extract(d.raw_json, '$.CreditNote.Contact.Name'), ''),
       ''
FROM payments d;

INSERT INTO batch_payment_fts (rowid, number, reference, contact_name, descriptions)
SELECT d.id,
       COALESCE((SELECT group_concat(COALESCE(json_extract(p.value, '$.Invoice.InvoiceNumber'), json_extract(p.value, '$.CreditNote.CreditNoteNumber')), char(10))
                 FROM json_each(d.raw_json, '$.Payments') p), ''),
       trim(COALESCE(d.reference, '') || char(10) || COALESCE(d.particulars, '') || char(10) || COALESCE(d.code, '')
            || char(10) || COALESCE(d.details, '') || char(10) || COALESCE(d.narrative, ''), char(10)),
       COALESCE((SELECT group_concat(COALESCE(json_extract(p.value, '$.Invoice.Contact.Name'), json_extract(p.value, '$.CreditNote.Contact.Name')), char(10))
                 FROM json_each(d.raw_json, '$.Payments') p), ''),
       ''
FROM batch_payments d;

-- A record's page: the payments of a credit note, prepayment or overpayment
-- (only an invoice's were indexed), and the invoices a repeating invoice made
-- (found by reading every invoice's JSON).
CREATE INDEX payments_credit_note ON payments (tenant_id, credit_note_xero_id);
CREATE INDEX payments_prepayment ON payments (tenant_id, prepayment_xero_id);
CREATE INDEX payments_overpayment ON payments (tenant_id, overpayment_xero_id);
CREATE INDEX invoices_repeating ON invoices (tenant_id, json_extract(raw_json, '$.RepeatingInvoiceID'))
    WHERE json_extract(raw_json, '$.RepeatingInvoiceID') IS NOT NULL;

-- The palette's file names. An organisation may keep hundreds of thousands of
-- files; the app matches their names in a copy held in memory, which this
-- counter tells stale: every change to the files moves it, whichever process
-- made it.
CREATE TABLE attachment_names_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO attachment_names_version (id, version) VALUES (1, 0);
CREATE TRIGGER attachment_names_insert AFTER INSERT ON attachments BEGIN
    UPDATE attachment_names_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER attachment_names_delete AFTER DELETE ON attachments BEGIN
    UPDATE attachment_names_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER attachment_names_update AFTER UPDATE ON attachments BEGIN
    UPDATE attachment_names_version SET version = version + 1 WHERE id = 1;
END;

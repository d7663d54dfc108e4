-- When each document's attachments were last listed, and the document's own
-- `UpdatedDateUTC` then (the attachments job, crates/sync/src/attachments.rs).
-- A document is listed again when Xero changes it after that (a file added or
-- removed changes the document), and a document that lists no file is not
-- asked again until it changes. Derived from the calls, like the files' table.
CREATE TABLE attachment_listings (
    tenant_id   TEXT NOT NULL,
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    -- The document's `updated_utc` when it was listed (may be NULL).
    updated_utc TEXT,
    listed_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity, record_id)
) STRICT;

-- The documents already kept were listed at their current version.
INSERT OR IGNORE INTO attachment_listings (tenant_id, entity, record_id, updated_utc, listed_at)
SELECT DISTINCT a.tenant_id, a.entity, a.record_id, d.updated_utc, a.stored_at
FROM attachments a JOIN invoices d ON d.tenant_id = a.tenant_id AND d.xero_id = a.record_id
WHERE a.entity = 'Invoices';
INSERT OR IGNORE INTO attachment_listings (tenant_id, entity, record_id, updated_utc, listed_at)
SELECT DISTINCT a.tenant_id, a.entity, a.record_id, d.updated_utc, a.stored_at
FROM attachments a JOIN credit_notes d ON d.tenant_id = a.tenant_id AND d.xero_id = a.record_id
WHERE a.entity = 'CreditNotes';
INSERT OR IGNORE INTO attachment_listings (tenant_id, entity, record_id, updated_utc, listed_at)
SELECT DISTINCT a.tenant_id, a.entity, a.record_id, d.updated_utc, a.stored_at
FROM attachments a JOIN bank_transactions d ON d.tenant_id = a.tenant_id AND d.xero_id = a.record_id
WHERE a.entity = 'BankTransactions';

-- The documents that say they have files, found without reading every
-- document's JSON (a million bank transactions).
CREATE INDEX invoices_with_attachments ON invoices (tenant_id, id)
    WHERE json_extract(raw_json, '$.HasAttachments') = 1;
CREATE INDEX credit_notes_with_attachments ON credit_notes (tenant_id, id)
    WHERE json_extract(raw_json, '$.HasAttachments') = 1;
CREATE INDEX bank_transactions_with_attachments ON bank_transactions (tenant_id, id)
    WHERE json_extract(raw_json, '$.HasAttachments') = 1;

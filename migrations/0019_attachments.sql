-- Attachments kept offline. Each file's bytes sit once in a content-addressed
-- folder beside the ledger (attachments/<first two hex digits>/<sha256>); this
-- table says which document each file belongs to, as Xero names it, and its
-- hash, which the audit trail also records. A file shared by two documents is
-- stored once and listed twice.
CREATE TABLE attachments (
    tenant_id      TEXT NOT NULL,
    attachment_id  TEXT NOT NULL,
    entity         TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    mime_type      TEXT,
    content_length INTEGER NOT NULL CHECK (content_length >= 0),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    stored_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, attachment_id)
) STRICT;
CREATE INDEX attachments_record ON attachments (tenant_id, entity, record_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

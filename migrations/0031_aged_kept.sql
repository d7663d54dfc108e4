-- What the aged reports and the Dashboard read, kept by each rebuild of the
-- general ledger: every receivable and payable document that posted, as the
-- ageing rule reads it, and every payment and allocation that settles one.
-- Before, each call read and parsed every invoice that might be open (17,431
-- of them at a million documents, 27 MB of JSON): 1.5 s for the Dashboard.
--
-- `settled_from` is the day from which the document has nothing outstanding
-- for good (NULL while something stays owed): a reader as at a day skips
-- those settled by then. Amounts are decimal strings, as everywhere.
CREATE TABLE gl_aged_documents (
    tenant_id    TEXT NOT NULL,
    xero_id      TEXT NOT NULL,
    -- invoice, credit_note, overpayment or prepayment
    kind         TEXT NOT NULL,
    -- receivable or payable
    side         TEXT NOT NULL,
    number       TEXT,
    contact_id   TEXT,
    contact_name TEXT,
    date         TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    currency     TEXT,
    rate         TEXT,
    total        TEXT NOT NULL,
    booked       TEXT NOT NULL,
    in_control   INTEGER NOT NULL,
    settled_from TEXT
) STRICT;
CREATE INDEX gl_aged_documents_open ON gl_aged_documents (tenant_id, settled_from);

CREATE TABLE gl_aged_settlements (
    tenant_id     TEXT NOT NULL,
    document_id   TEXT NOT NULL,
    settlement_id TEXT NOT NULL,
    date          TEXT NOT NULL,
    amount        TEXT NOT NULL
) STRICT;
CREATE INDEX gl_aged_settlements_document ON gl_aged_settlements (tenant_id, document_id, date);

-- 1 once a rebuild has kept the copy above; a ledger rebuilt before this
-- migration is rebuilt again before its aged figures are read.
ALTER TABLE gl_state ADD COLUMN aged_kept INTEGER NOT NULL DEFAULT 0;

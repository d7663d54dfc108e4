-- The general ledger rebuilt from the documents (ledgerkeep-ledger posts
-- them; ledgerkeep-sync rebuilds an organisation's after a sync). Every report
-- reads these tables, not Xero's Journals, which a Starter app cannot read.
--
-- One entry per document and date (a credit note's allocations post on their
-- own dates), with the same columns the reports read from `journals`, so that a
-- figure's lines read alike from either. Derived data: rebuilt whole from the
-- audited documents, so it has no audit rows of its own.
CREATE TABLE gl_entries (
    id             INTEGER PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    -- `<source id>@<date>`: one entry per document and date.
    xero_id        TEXT NOT NULL,
    date           TEXT NOT NULL,
    reference      TEXT,
    source_xero_id TEXT NOT NULL,
    -- Xero's Journals `SourceType` (ACCREC, CASHPAID...).
    source_type    TEXT NOT NULL,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX gl_entries_date ON gl_entries (tenant_id, date);
CREATE INDEX gl_entries_source ON gl_entries (tenant_id, source_xero_id);

CREATE TABLE gl_lines (
    parent_id       INTEGER NOT NULL REFERENCES gl_entries (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    -- The document line or allocation the line comes from, if any.
    line_xero_id    TEXT,
    -- control, bank, item, tax, currencyGain, rounding
    role            TEXT NOT NULL,
    account_xero_id TEXT,
    account_code    TEXT,
    account_type    TEXT,
    account_name    TEXT,
    description     TEXT,
    -- In the base currency, debit positive; `_e4` its exact integer form.
    net_amount      TEXT NOT NULL,
    net_amount_e4   INTEGER,
    tax_type        TEXT,
    -- The document's own currency and amount, when not the base currency.
    currency_code   TEXT,
    foreign_amount  TEXT,
    tracking_json   TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;
CREATE INDEX gl_lines_account ON gl_lines (account_xero_id);

-- When each organisation's ledger was last rebuilt, and what would not post.
CREATE TABLE gl_state (
    tenant_id     TEXT PRIMARY KEY,
    rebuilt_utc   TEXT NOT NULL,
    documents     INTEGER NOT NULL,
    lines         INTEGER NOT NULL,
    -- JSON: [{"table", "xeroId", "reason"}] for documents that could not post.
    unposted_json TEXT NOT NULL
) STRICT;

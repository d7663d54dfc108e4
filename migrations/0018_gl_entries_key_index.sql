-- The general ledger's entries keep their key, (tenant_id, xero_id), in a
-- unique index of its own rather than in a UNIQUE constraint of the table.
--
-- A rebuild (ledgerkeep-store's GlWriter) makes the ledger's tables afresh,
-- from their definitions here, and makes their indexes at its end, in the
-- same transaction, from the rows it wrote: SQLite sorts them once. A UNIQUE
-- constraint's index cannot be left out that way, and it was written in the
-- order of the entries' random ids, one page here and one there.
--
-- The tables are made again (SQLite cannot drop a constraint) and their rows
-- copied back, each with its row id: the lines first out of the way, so that dropping the entries
-- deletes none of them by the foreign key.
CREATE TABLE gl_entries_0018 AS SELECT * FROM gl_entries;
CREATE TABLE gl_lines_0018 AS SELECT rowid AS line_rowid, * FROM gl_lines;
DROP TABLE gl_lines;
DROP TABLE gl_entries;

CREATE TABLE gl_entries (
    id             INTEGER PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    -- `<source id>@<date>`: one entry per document and date.
    xero_id        TEXT NOT NULL,
    date           TEXT NOT NULL,
    reference      TEXT,
    source_xero_id TEXT NOT NULL,
    -- Xero's Journals `SourceType` (ACCREC, CASHPAID...).
    source_type    TEXT NOT NULL
) STRICT;

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

INSERT INTO gl_entries (id, tenant_id, xero_id, date, reference, source_xero_id, source_type)
SELECT id, tenant_id, xero_id, date, reference, source_xero_id, source_type
FROM gl_entries_0018 ORDER BY id;
INSERT INTO gl_lines (rowid, parent_id, position, line_xero_id, role, account_xero_id, account_code,
    account_type, account_name, description, net_amount, net_amount_e4, tax_type,
    currency_code, foreign_amount, tracking_json)
SELECT line_rowid, parent_id, position, line_xero_id, role, account_xero_id, account_code,
    account_type, account_name, description, net_amount, net_amount_e4, tax_type,
    currency_code, foreign_amount, tracking_json
FROM gl_lines_0018 ORDER BY line_rowid;
DROP TABLE gl_lines_0018;
DROP TABLE gl_entries_0018;

CREATE UNIQUE INDEX gl_entries_key ON gl_entries (tenant_id, xero_id);
CREATE INDEX gl_entries_date ON gl_entries (tenant_id, date);
CREATE INDEX gl_entries_source ON gl_entries (tenant_id, source_xero_id);
CREATE INDEX gl_entries_source_type ON gl_entries (tenant_id, source_type, date);
CREATE INDEX gl_lines_account ON gl_lines (account_xero_id);

-- The planner's statistics of the tables made again (the old ones went with them).
ANALYZE gl_entries;
ANALYZE gl_lines;

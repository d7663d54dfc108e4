-- Each account's movement per month in the rebuilt general ledger, kept by the
-- rebuild in the same transaction as the lines (ledgerkeep-sync): a report
-- sums whole months here and reads lines only for the part-months at its
-- period's edges. Derived data, like gl_lines: no audit rows.
--
-- `account` is the key the reports group by (the line's account id, else its
-- code, else ''). Amounts are exact integers, in ten-thousandths of the base
-- currency, as gl_lines.net_amount_e4: `debit_e4` sums the month's positive
-- lines, `credit_e4` the negative ones as a positive number. `lines_e4` counts
-- the lines that have that integer form; when it is below `lines`, or a sum
-- does not fit (NULL), a report sums the lines' text instead.
CREATE TABLE gl_month_totals (
    tenant_id    TEXT NOT NULL,
    -- `YYYY-MM`
    month        TEXT NOT NULL,
    account      TEXT NOT NULL,
    -- The least code, name and type the month's lines name (as MIN() reads them).
    account_code TEXT,
    account_name TEXT,
    account_type TEXT,
    lines        INTEGER NOT NULL,
    lines_e4     INTEGER NOT NULL,
    debit_e4     INTEGER,
    credit_e4    INTEGER,
    PRIMARY KEY (tenant_id, month, account)
) STRICT;

-- The entries of one source type over a period (the lines kept for what
-- Xero's API cannot show, read with each report) without visiting every
-- entry of the period.
CREATE INDEX gl_entries_source_type ON gl_entries (tenant_id, source_type, date);

-- 1 when the last rebuild kept gl_month_totals for every line (every line
-- dated `YYYY-MM-DD`). A ledger rebuilt before this migration reads its lines
-- until its next rebuild.
ALTER TABLE gl_state ADD COLUMN month_totals INTEGER NOT NULL DEFAULT 0;

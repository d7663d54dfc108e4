-- One account's lines of the general ledger, a page at a time, by date then
-- entry then line (the general ledger screen), without reading every line of
-- the account or every entry of the period: each line keeps its entry's date,
-- and an index orders an account's lines that way. The account is keyed as
-- the reports key it (its Xero id, else its code, else '').
--
-- A rebuild (ledgerkeep-store's GlWriter) makes the table again from this
-- definition and the index from its SQL, so both carry over.
ALTER TABLE gl_lines ADD COLUMN date TEXT;

UPDATE gl_lines SET date = (SELECT e.date FROM gl_entries e WHERE e.id = gl_lines.parent_id);

CREATE INDEX gl_lines_account_date
    ON gl_lines (COALESCE(account_xero_id, account_code, ''), date, parent_id, position);

ANALYZE gl_lines;

-- The Audit log screen filters by record type (the audit row's table) and
-- reads newest first, a page at a time by `seq`: this index walks one table's
-- rows in that order and stops at the page's end, where the record index
-- (table, tenant, record, seq) would sort every row of the table first.
CREATE INDEX audit_log_table_seq ON audit_log (table_name, seq);

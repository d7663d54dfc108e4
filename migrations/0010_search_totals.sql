-- The totals of a text search (issue #7): a common word matches 100,000s of
-- documents, and each match's currency and amount were read from its wide row
-- (raw JSON and all). This narrow index, keyed by the row id, holds just what
-- the totals need, so the matches' ids are looked up in it instead
-- (store::query::document_totals_by_scan names it). Rows are appended in id
-- order, so keeping it costs a sync little.
CREATE INDEX bank_transactions_id_totals ON bank_transactions (id, tenant_id, currency_code, total_e4, total);
CREATE INDEX invoices_id_totals ON invoices (id, tenant_id, currency_code, total_e4, total);

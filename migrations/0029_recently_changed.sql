-- The documents most recently changed, newest first, without reading them
-- all: the Dashboard's recent activity and the explorer's "last changed"
-- order (ORDER BY updated_utc DESC, id DESC within an organisation). At a
-- million bank transactions, sorting them took seconds.
CREATE INDEX invoices_updated ON invoices (tenant_id, updated_utc, id);
CREATE INDEX bank_transactions_updated ON bank_transactions (tenant_id, updated_utc, id);

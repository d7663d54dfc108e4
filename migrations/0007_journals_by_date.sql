-- The reports read one period of the general ledger: the journals of one
-- organisation dated within it, and their lines (store::reports). Without
-- this index SQLite reads every journal of the organisation, each row with its
-- raw JSON, to find those of the period; with it, only the period's entries
-- of this narrow index, then each journal's lines by their primary key.
CREATE INDEX journals_date ON journals (tenant_id, date);

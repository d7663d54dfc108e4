-- Xero's own reports, fetched by the sync from the Reports endpoints, to set
-- beside the reports Ledgerkeep computes from the ledger (issue #7).
--
-- One row per organisation, report and period: a later fetch of the same
-- period replaces it. `kind` is Xero's report type (ProfitAndLoss,
-- BalanceSheet, TrialBalance); `period_from` is '' for reports as at a date;
-- dates are YYYY-MM-DD. `report_json` is Xero's report (the one element of
-- `Reports`) in canonical JSON; its amounts are Xero's strings, never floats.
-- These are Xero's figures, not records of the books: they are kept as
-- fetched and are not audited.
CREATE TABLE xero_reports (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    period_from TEXT NOT NULL DEFAULT '',
    period_to   TEXT NOT NULL,
    fetched_utc TEXT NOT NULL,
    report_json TEXT NOT NULL,
    UNIQUE (tenant_id, kind, period_from, period_to)
) STRICT;

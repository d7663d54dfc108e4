-- The GST/BAS returns an organisation published in Xero (GET Reports lists
-- them, GET Reports/{ReportID} gives one), kept so that the tax summary of
-- a return's period can be set against it offline (issue #22).
--
-- One row per organisation and return. A published return does not change,
-- so each is fetched once and kept. `report_json` is Xero's report (the one
-- element of `Reports`) in canonical JSON; its amounts are Xero's strings,
-- never floats. `period_from` and `period_to` are the return's period
-- (YYYY-MM-DD, inclusive). These are Xero's figures, not records of the
-- books: they are kept as fetched and are not audited.
CREATE TABLE xero_tax_returns (
    tenant_id   TEXT NOT NULL,
    report_id   TEXT NOT NULL,
    report_type TEXT NOT NULL,
    name        TEXT NOT NULL,
    period_from TEXT NOT NULL CHECK (length(period_from) = 10),
    period_to   TEXT NOT NULL CHECK (length(period_to) = 10),
    fetched_utc TEXT NOT NULL,
    report_json TEXT NOT NULL,
    PRIMARY KEY (tenant_id, report_id)
) STRICT;

CREATE INDEX xero_tax_returns_period ON xero_tax_returns (tenant_id, period_to, period_from);

-- Anomalies found on the local ledger after each sync (issue #8): duplicate
-- bills, changed bank details, backdated entries, edits after the lock date,
-- documents paid twice, outlier and round amounts.
--
-- One row per finding, keyed by a stable `finding_key` (the rule and the ids
-- of the records behind it), so that detecting again updates the row instead
-- of adding one, and a dismissed finding stays dismissed. A finding no longer
-- detected (the duplicate was voided) gets `resolved_at`; it comes back, with
-- its dismissal, if it is detected again. Dismissals are audited in the audit
-- trail (table `anomaly_findings`, record id = the key).
CREATE TABLE anomaly_findings (
    id               INTEGER PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    finding_key      TEXT NOT NULL,
    rule             TEXT NOT NULL,
    title            TEXT NOT NULL,
    explanation      TEXT NOT NULL,
    -- [{"entity": "invoice", "xeroId": "...", "label": "BILL-00012"}, ...]
    records_json     TEXT NOT NULL,
    amount           TEXT,
    currency_code    TEXT,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    resolved_at      TEXT,
    dismissed_at     TEXT,
    dismissed_by     TEXT,
    dismissed_reason TEXT,
    UNIQUE (tenant_id, finding_key)
) STRICT;
CREATE INDEX anomaly_findings_open ON anomaly_findings (tenant_id, dismissed_at, resolved_at, id);

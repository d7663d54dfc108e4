-- The demo company's organisations, with the demo day each belongs to. Each
-- day's demo is another organisation (new ids), and its books stay in the
-- ledger: the switcher lists only today's demo (and none once the owner's own
-- Xero app is set up), so an earlier day's demo neither shows nor syncs.
CREATE TABLE demo_organisations (
    tenant_id TEXT PRIMARY KEY,
    demo_day  TEXT NOT NULL
) STRICT;

-- Xero's own history and notes of a record (GET {Endpoint}/{id}/History),
-- fetched only when the owner asks (every call counts against the day's
-- limit), and kept so that the record's page shows them offline. One fetch
-- per record (organisation, entity, id): a later fetch replaces its
-- entries. They are Xero's account of the record, not a change to the
-- books, so they are not audited. `at_utc` is fixed-width ISO text (UTC),
-- or NULL when Xero sent no readable date; `seq` keeps Xero's order.
CREATE TABLE xero_history_fetches (
    tenant_id   TEXT NOT NULL,
    entity      TEXT NOT NULL,
    xero_id     TEXT NOT NULL,
    fetched_utc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity, xero_id)
) STRICT;

CREATE TABLE xero_history_entries (
    tenant_id TEXT NOT NULL,
    entity    TEXT NOT NULL,
    xero_id   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    at_utc    TEXT,
    user_name TEXT,
    changes   TEXT,
    details   TEXT,
    PRIMARY KEY (tenant_id, entity, xero_id, seq),
    FOREIGN KEY (tenant_id, entity, xero_id)
        REFERENCES xero_history_fetches (tenant_id, entity, xero_id) ON DELETE CASCADE
) STRICT;

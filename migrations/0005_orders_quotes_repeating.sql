-- Purchase orders, quotes and repeating invoices: the sync's last three streams.
-- Same conventions as 0002: typed columns beside the raw JSON, money as exact
-- decimal text with an integer copy in 1/10,000ths (`_e4`) for ranges and sorts,
-- line items in a child table with the shared line columns.

CREATE TABLE purchase_orders (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    number            TEXT,
    reference         TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    delivery_date     TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX purchase_orders_status_date ON purchase_orders (tenant_id, status, date, id);
CREATE INDEX purchase_orders_contact ON purchase_orders (tenant_id, contact_xero_id);
CREATE TABLE purchase_order_lines (
    parent_id         INTEGER NOT NULL REFERENCES purchase_orders (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    line_item_xero_id TEXT,
    description       TEXT,
    quantity          TEXT,
    unit_amount       TEXT,
    item_code         TEXT,
    account_code      TEXT,
    account_xero_id   TEXT,
    tax_type          TEXT,
    tax_amount        TEXT,
    line_amount       TEXT,
    line_amount_e4    INTEGER,
    currency_code     TEXT,
    tracking_json     TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

CREATE TABLE quotes (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    number            TEXT,
    reference         TEXT,
    title             TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    expiry_date       TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX quotes_status_date ON quotes (tenant_id, status, date, id);
CREATE INDEX quotes_contact ON quotes (tenant_id, contact_xero_id);
CREATE TABLE quote_lines (
    parent_id         INTEGER NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    line_item_xero_id TEXT,
    description       TEXT,
    quantity          TEXT,
    unit_amount       TEXT,
    item_code         TEXT,
    account_code      TEXT,
    account_xero_id   TEXT,
    tax_type          TEXT,
    tax_amount        TEXT,
    line_amount       TEXT,
    line_amount_e4    INTEGER,
    currency_code     TEXT,
    tracking_json     TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

CREATE TABLE repeating_invoices (
    id                  INTEGER PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    xero_id             TEXT NOT NULL,
    updated_utc         TEXT,
    raw_json            TEXT NOT NULL,
    type                TEXT,
    reference           TEXT,
    contact_xero_id     TEXT,
    contact_name        TEXT,
    schedule_period     INTEGER,
    schedule_unit       TEXT,
    start_date          TEXT,
    next_scheduled_date TEXT,
    end_date            TEXT,
    status              TEXT,
    line_amount_types   TEXT,
    currency_code       TEXT,
    sub_total           TEXT,
    total_tax           TEXT,
    total               TEXT,
    total_e4            INTEGER,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX repeating_invoices_next ON repeating_invoices (tenant_id, next_scheduled_date);
CREATE TABLE repeating_invoice_lines (
    parent_id         INTEGER NOT NULL REFERENCES repeating_invoices (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    line_item_xero_id TEXT,
    description       TEXT,
    quantity          TEXT,
    unit_amount       TEXT,
    item_code         TEXT,
    account_code      TEXT,
    account_xero_id   TEXT,
    tax_type          TEXT,
    tax_amount        TEXT,
    line_amount       TEXT,
    line_amount_e4    INTEGER,
    currency_code     TEXT,
    tracking_json     TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

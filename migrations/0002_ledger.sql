-- The ledger: what the sync brings from Xero, and the product's own tables.
--
-- Every Xero record keeps its raw JSON (`raw_json`, canonical: sorted keys, numbers
-- as Xero's digits) beside the typed columns, so no field Xero sends is lost.
-- Money is exact: canonical decimal TEXT as Xero sent it (scale kept), plus, for
-- the amounts that are filtered, sorted or summed, `*_e4`: the amount in
-- ten-thousandths as an INTEGER (NULL if it does not fit exactly). SQLite sums
-- integers exactly; it never sees a float. Every amount's row carries its
-- currency code.
-- Dates (`date`, `due_date`...) are calendar dates `YYYY-MM-DD`; instants
-- (`updated_utc`) are fixed-width UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`.

-- Organisations (tenants).
CREATE TABLE organisations (
    id                      INTEGER PRIMARY KEY,
    tenant_id               TEXT NOT NULL,
    xero_id                 TEXT NOT NULL,
    updated_utc             TEXT,
    raw_json                TEXT NOT NULL,
    name                    TEXT,
    legal_name              TEXT,
    short_code              TEXT,
    base_currency           TEXT,
    country_code            TEXT,
    timezone                TEXT,
    financial_year_end_day   INTEGER,
    financial_year_end_month INTEGER,
    period_lock_date        TEXT,
    end_of_year_lock_date   TEXT,
    status                  TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;

-- The chart of accounts; bank accounts are the rows with type 'BANK'.
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    xero_id             TEXT NOT NULL,
    updated_utc         TEXT,
    raw_json            TEXT NOT NULL,
    code                TEXT,
    name                TEXT,
    type                TEXT,
    status              TEXT,
    class               TEXT,
    tax_type            TEXT,
    bank_account_number TEXT,
    currency_code       TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX accounts_code ON accounts (tenant_id, code);
CREATE VIEW bank_accounts AS SELECT * FROM accounts WHERE type = 'BANK';

CREATE TABLE contacts (
    id               INTEGER PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    xero_id          TEXT NOT NULL,
    updated_utc      TEXT,
    raw_json         TEXT NOT NULL,
    name             TEXT,
    contact_number   TEXT,
    account_number   TEXT,
    status           TEXT,
    email            TEXT,
    is_customer      INTEGER,
    is_supplier      INTEGER,
    default_currency TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX contacts_name ON contacts (tenant_id, name);

CREATE TABLE contact_groups (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    xero_id     TEXT NOT NULL,
    updated_utc TEXT,
    raw_json    TEXT NOT NULL,
    name        TEXT,
    status      TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE TABLE contact_group_members (
    parent_id       INTEGER NOT NULL REFERENCES contact_groups (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    contact_xero_id TEXT,
    name            TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

-- Invoices (ACCREC) and bills (ACCPAY).
CREATE TABLE invoices (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    type              TEXT,
    number            TEXT,
    reference         TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    due_date          TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    amount_due        TEXT,
    amount_due_e4     INTEGER,
    amount_paid       TEXT,
    amount_credited   TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX invoices_status_type_date ON invoices (tenant_id, status, type, date, id);
CREATE INDEX invoices_contact_type ON invoices (tenant_id, contact_xero_id, type);
CREATE INDEX invoices_date ON invoices (tenant_id, date, id, total_e4);
CREATE INDEX invoices_due_date ON invoices (tenant_id, due_date, id);
CREATE INDEX invoices_total ON invoices (tenant_id, total_e4, id);

-- The line items of invoices, credit notes, overpayments, prepayments and bank
-- transactions: one table each, the same columns. Unit amounts keep 4 dp.
CREATE TABLE invoice_lines (
    parent_id         INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
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

CREATE TABLE credit_notes (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    type              TEXT,
    number            TEXT,
    reference         TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    remaining_credit  TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX credit_notes_status_type_date ON credit_notes (tenant_id, status, type, date, id);
CREATE INDEX credit_notes_contact_type ON credit_notes (tenant_id, contact_xero_id, type);
CREATE TABLE credit_note_lines (
    parent_id         INTEGER NOT NULL REFERENCES credit_notes (id) ON DELETE CASCADE,
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

CREATE TABLE overpayments (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    type              TEXT,
    reference         TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    remaining_credit  TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX overpayments_contact_type ON overpayments (tenant_id, contact_xero_id, type);
CREATE TABLE overpayment_lines (
    parent_id         INTEGER NOT NULL REFERENCES overpayments (id) ON DELETE CASCADE,
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

CREATE TABLE prepayments (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    type              TEXT,
    reference         TEXT,
    contact_xero_id   TEXT,
    contact_name      TEXT,
    date              TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    currency_rate     TEXT,
    sub_total         TEXT,
    total_tax         TEXT,
    total             TEXT,
    total_e4          INTEGER,
    remaining_credit  TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX prepayments_contact_type ON prepayments (tenant_id, contact_xero_id, type);
CREATE TABLE prepayment_lines (
    parent_id         INTEGER NOT NULL REFERENCES prepayments (id) ON DELETE CASCADE,
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

-- Allocations of credit notes, overpayments and prepayments to invoices.
CREATE TABLE allocations (
    source_table       TEXT NOT NULL,
    source_id          INTEGER NOT NULL,
    position           INTEGER NOT NULL,
    tenant_id          TEXT NOT NULL,
    allocation_xero_id TEXT,
    invoice_xero_id    TEXT,
    amount             TEXT,
    amount_e4          INTEGER,
    currency_code      TEXT,
    date               TEXT,
    is_deleted         INTEGER,
    PRIMARY KEY (source_table, source_id, position)
) STRICT;
CREATE INDEX allocations_invoice ON allocations (tenant_id, invoice_xero_id);

CREATE TABLE payments (
    id                  INTEGER PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    xero_id             TEXT NOT NULL,
    updated_utc         TEXT,
    raw_json            TEXT NOT NULL,
    date                TEXT,
    amount              TEXT,
    amount_e4           INTEGER,
    bank_amount         TEXT,
    currency_code       TEXT,
    currency_rate       TEXT,
    reference           TEXT,
    status              TEXT,
    payment_type        TEXT,
    is_reconciled       INTEGER,
    account_xero_id     TEXT,
    invoice_xero_id     TEXT,
    credit_note_xero_id TEXT,
    prepayment_xero_id  TEXT,
    overpayment_xero_id TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX payments_invoice ON payments (tenant_id, invoice_xero_id);
CREATE INDEX payments_account_date ON payments (tenant_id, account_xero_id, date, id);

-- Spend and receive money on bank accounts.
CREATE TABLE bank_transactions (
    id                   INTEGER PRIMARY KEY,
    tenant_id            TEXT NOT NULL,
    xero_id              TEXT NOT NULL,
    updated_utc          TEXT,
    raw_json             TEXT NOT NULL,
    type                 TEXT,
    contact_xero_id      TEXT,
    contact_name         TEXT,
    bank_account_xero_id TEXT,
    bank_account_code    TEXT,
    date                 TEXT,
    reference            TEXT,
    status               TEXT,
    is_reconciled        INTEGER,
    line_amount_types    TEXT,
    currency_code        TEXT,
    currency_rate        TEXT,
    sub_total            TEXT,
    total_tax            TEXT,
    total                TEXT,
    total_e4             INTEGER,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX bank_transactions_account_date ON bank_transactions (tenant_id, bank_account_xero_id, date, id);
CREATE INDEX bank_transactions_status_type_date ON bank_transactions (tenant_id, status, type, date, id);
CREATE INDEX bank_transactions_contact_type ON bank_transactions (tenant_id, contact_xero_id, type);
CREATE INDEX bank_transactions_date ON bank_transactions (tenant_id, date, id, total_e4);
CREATE INDEX bank_transactions_total ON bank_transactions (tenant_id, total_e4, id);
CREATE TABLE bank_transaction_lines (
    parent_id         INTEGER NOT NULL REFERENCES bank_transactions (id) ON DELETE CASCADE,
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

CREATE TABLE bank_transfers (
    id                            INTEGER PRIMARY KEY,
    tenant_id                     TEXT NOT NULL,
    xero_id                       TEXT NOT NULL,
    updated_utc                   TEXT,
    raw_json                      TEXT NOT NULL,
    from_account_xero_id          TEXT,
    to_account_xero_id            TEXT,
    amount                        TEXT,
    amount_e4                     INTEGER,
    currency_code                 TEXT,
    currency_rate                 TEXT,
    date                          TEXT,
    reference                     TEXT,
    status                        TEXT,
    from_bank_transaction_xero_id TEXT,
    to_bank_transaction_xero_id   TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX bank_transfers_date ON bank_transfers (tenant_id, date, id);

-- Manual journals are in the organisation's base currency.
CREATE TABLE manual_journals (
    id                INTEGER PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    xero_id           TEXT NOT NULL,
    updated_utc       TEXT,
    raw_json          TEXT NOT NULL,
    narration         TEXT,
    date              TEXT,
    status            TEXT,
    line_amount_types TEXT,
    currency_code     TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE TABLE manual_journal_lines (
    parent_id       INTEGER NOT NULL REFERENCES manual_journals (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    description     TEXT,
    account_code    TEXT,
    account_xero_id TEXT,
    tax_type        TEXT,
    tax_amount      TEXT,
    line_amount     TEXT,
    line_amount_e4  INTEGER,
    currency_code   TEXT,
    tracking_json   TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

-- System journals (immutable; `updated_utc` holds CreatedDateUTC).
CREATE TABLE journals (
    id             INTEGER PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    xero_id        TEXT NOT NULL,
    updated_utc    TEXT,
    raw_json       TEXT NOT NULL,
    number         INTEGER,
    date           TEXT,
    reference      TEXT,
    source_xero_id TEXT,
    source_type    TEXT,
    currency_code  TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX journals_number ON journals (tenant_id, number);
CREATE TABLE journal_lines (
    parent_id            INTEGER NOT NULL REFERENCES journals (id) ON DELETE CASCADE,
    position             INTEGER NOT NULL,
    journal_line_xero_id TEXT,
    account_xero_id      TEXT,
    account_code         TEXT,
    account_type         TEXT,
    account_name         TEXT,
    description          TEXT,
    net_amount           TEXT,
    net_amount_e4        INTEGER,
    gross_amount         TEXT,
    tax_amount           TEXT,
    tax_type             TEXT,
    currency_code        TEXT,
    tracking_json        TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;
CREATE INDEX journal_lines_account ON journal_lines (account_code);

CREATE TABLE tax_rates (
    id               INTEGER PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    xero_id          TEXT NOT NULL,
    updated_utc      TEXT,
    raw_json         TEXT NOT NULL,
    name             TEXT,
    status           TEXT,
    report_tax_type  TEXT,
    effective_rate   TEXT,
    display_tax_rate TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;

CREATE TABLE tracking_categories (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    xero_id     TEXT NOT NULL,
    updated_utc TEXT,
    raw_json    TEXT NOT NULL,
    name        TEXT,
    status      TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE TABLE tracking_options (
    parent_id      INTEGER NOT NULL REFERENCES tracking_categories (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    option_xero_id TEXT,
    name           TEXT,
    status         TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

CREATE TABLE currencies (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    xero_id     TEXT NOT NULL,
    updated_utc TEXT,
    raw_json    TEXT NOT NULL,
    description TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;

CREATE TABLE items (
    id                  INTEGER PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    xero_id             TEXT NOT NULL,
    updated_utc         TEXT,
    raw_json            TEXT NOT NULL,
    code                TEXT,
    name                TEXT,
    description         TEXT,
    is_sold             INTEGER,
    is_purchased        INTEGER,
    quantity_on_hand    TEXT,
    sales_unit_price    TEXT,
    purchase_unit_price TEXT,
    UNIQUE (tenant_id, xero_id)
) STRICT;

-- Full-text search. rowid = the document's id; kept in step by the store, in
-- the same transaction as the document.
CREATE VIRTUAL TABLE invoice_fts USING fts5 (number, reference, contact_name, descriptions);
CREATE VIRTUAL TABLE bank_transaction_fts USING fts5 (reference, contact_name, descriptions);

-- ---------------------------------------------------------------------------
-- The product's own tables.

-- Per tenant and stream: the watermark (max UpdatedDateUTC committed), the last
-- full sweep and the status.
CREATE TABLE sync_streams (
    tenant_id           TEXT NOT NULL,
    stream              TEXT NOT NULL,
    watermark_utc       TEXT,
    last_full_sweep_utc TEXT,
    status              TEXT NOT NULL DEFAULT 'idle',
    last_error          TEXT,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, stream)
) STRICT;

-- The sync-run log (pruned after the retention setting's days).
CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    stream          TEXT,
    kind            TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL,
    pages           INTEGER NOT NULL DEFAULT 0,
    records_seen    INTEGER NOT NULL DEFAULT 0,
    records_changed INTEGER NOT NULL DEFAULT 0,
    error           TEXT
) STRICT;
CREATE INDEX sync_runs_started ON sync_runs (started_at);

-- Writes waiting to go to Xero.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    entity          TEXT NOT NULL,
    xero_id         TEXT,
    operation       TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_pending ON outbox (status, created_at);

-- Standard operating procedures and the checklists made from them.
CREATE TABLE sops (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE checklists (
    id           INTEGER PRIMARY KEY,
    tenant_id    TEXT,
    sop_id       INTEGER REFERENCES sops (id) ON DELETE SET NULL,
    title        TEXT NOT NULL,
    period       TEXT,
    created_at   TEXT NOT NULL,
    completed_at TEXT
) STRICT;
CREATE TABLE checklist_items (
    id           INTEGER PRIMARY KEY,
    checklist_id INTEGER NOT NULL REFERENCES checklists (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    done_at      TEXT,
    done_by      TEXT
) STRICT;

-- The audit trail: one row per insert, update or delete of ledger data, written
-- in the same transaction. hash = SHA-256(prev_hash || canonical bytes of the
-- row). Never pruned.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    table_name   TEXT NOT NULL,
    tenant_id    TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    changes_json TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_record ON audit_log (table_name, tenant_id, record_id, seq);

-- The chain's head, moved in the same transaction as each audit row: a row
-- deleted from the end of the chain no longer matches it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;

-- Batch payments: bills paid (PAYBATCH) or receipts banked (RECBATCH) together
-- from one bank account. The batch posts nothing of its own: each of its
-- payments is also in `payments`, which now names its batch.
CREATE TABLE batch_payments (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    xero_id         TEXT NOT NULL,
    updated_utc     TEXT,
    raw_json        TEXT NOT NULL,
    type            TEXT,
    account_xero_id TEXT,
    account_code    TEXT,
    date            TEXT,
    reference       TEXT,
    particulars     TEXT,
    code            TEXT,
    details         TEXT,
    narrative       TEXT,
    status          TEXT,
    currency_code   TEXT,
    total           TEXT,
    total_e4        INTEGER,
    UNIQUE (tenant_id, xero_id)
) STRICT;
CREATE INDEX batch_payments_date ON batch_payments (tenant_id, date, id);
CREATE INDEX batch_payments_account_date ON batch_payments (tenant_id, account_xero_id, date, id);

-- The payments a batch lists, in its order.
CREATE TABLE batch_payment_members (
    parent_id           INTEGER NOT NULL REFERENCES batch_payments (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    payment_xero_id     TEXT,
    invoice_xero_id     TEXT,
    credit_note_xero_id TEXT,
    amount              TEXT,
    amount_e4           INTEGER,
    currency_code       TEXT,
    PRIMARY KEY (parent_id, position)
) STRICT;

ALTER TABLE payments ADD COLUMN batch_payment_xero_id TEXT;
-- Payments synced before this column: their batch, from the JSON Xero sent.
UPDATE payments SET batch_payment_xero_id = NULLIF(COALESCE(
    json_extract(raw_json, '$.BatchPaymentID'),
    json_extract(raw_json, '$.BatchPayment.BatchPaymentID')), '');
CREATE INDEX payments_batch ON payments (tenant_id, batch_payment_xero_id);

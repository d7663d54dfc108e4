-- Payments recorded in Ledgerkeep and sent to Xero through the outbox (issue #9).
--
-- 0002's `outbox` keeps one row per payment: `payload_json` is the payment as
-- Xero takes it, `idempotency_key` the key generated with it, `status` one of
-- queued, sending, recorded, failed, cancelled, `xero_id` the PaymentID once
-- recorded. A batch (up to 50 payments of one organisation in one request) is
-- the rows sharing `batch_key`, which is the Idempotency-Key of that request:
-- a retry resends exactly those rows with exactly that key.
ALTER TABLE outbox ADD COLUMN batch_key TEXT;
-- The invoice or bill the payment is for, so that its payments can be listed.
ALTER TABLE outbox ADD COLUMN document_xero_id TEXT;
-- Xero's refusal, field by field: `[{"field": ..., "message": ...}]`.
ALTER TABLE outbox ADD COLUMN errors_json TEXT;
CREATE INDEX outbox_batch ON outbox (tenant_id, batch_key);
CREATE INDEX outbox_document ON outbox (tenant_id, document_xero_id);

-- The explorer's totals without reading every matching row (issue #7: at 1M
-- rows, summing the wide rows took 0.7 s). Every bank transaction and invoice
-- adds to one row here, per organisation, day, type, status, currency and
-- (for bank transactions) bank account: its count and its total in integer
-- ten-thousandths. A filter on those fields alone is answered from this table
-- (store::query::document_totals); any other filter still sums the rows.
--
-- Kept by triggers, in the same transaction as the change, whatever writes it
-- (a sync page, a deletion, a payment's result, a restore's migration).
-- A total outside +-10^9 (in ten-thousandths: 10^13) is counted in n_total but
-- not in n_e4 or sum_e4, like one with more than four decimal places: the
-- reader then sums that currency's exact decimals instead. This keeps the
-- integer sums far from overflow; if one still overflowed, SQLite would turn
-- it into a float, which the reader detects and does not trust.
-- A filter on the amount is not in the rollups: its totals walk the amount
-- index, which now also holds the currency, so no row is read.
DROP INDEX bank_transactions_total;
CREATE INDEX bank_transactions_total ON bank_transactions (tenant_id, total_e4, id, currency_code);
DROP INDEX invoices_total;
CREATE INDEX invoices_total ON invoices (tenant_id, total_e4, id, currency_code);

CREATE TABLE document_rollups (
    tenant_id     TEXT NOT NULL,
    table_name    TEXT NOT NULL,
    day           TEXT,
    type          TEXT,
    status        TEXT,
    currency_code TEXT,
    account       TEXT,
    n             INTEGER NOT NULL,
    n_total       INTEGER NOT NULL,
    n_e4          INTEGER NOT NULL,
    sum_e4        ANY NOT NULL
) STRICT;
CREATE INDEX document_rollups_key ON document_rollups
    (tenant_id, table_name, day, type, status, currency_code, account);

CREATE TRIGGER bank_transactions_rollup_insert AFTER INSERT ON bank_transactions BEGIN
    INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
    SELECT NEW.tenant_id, 'bank_transactions', NEW.date, NEW.type, NEW.status, NEW.currency_code, NEW.bank_account_xero_id, 0, 0, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM document_rollups WHERE tenant_id = NEW.tenant_id AND table_name = 'bank_transactions' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NEW.bank_account_xero_id);
    UPDATE document_rollups SET n = n + 1, n_total = n_total + (NEW.total IS NOT NULL),
        n_e4 = n_e4 + ((CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 + IFNULL(CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END, 0)
    WHERE tenant_id = NEW.tenant_id AND table_name = 'bank_transactions' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NEW.bank_account_xero_id;
END;
CREATE TRIGGER bank_transactions_rollup_delete AFTER DELETE ON bank_transactions BEGIN
    UPDATE document_rollups SET n = n - 1, n_total = n_total - (OLD.total IS NOT NULL),
        n_e4 = n_e4 - ((CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 - IFNULL(CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END, 0)
    WHERE tenant_id = OLD.tenant_id AND table_name = 'bank_transactions' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS OLD.bank_account_xero_id;
    DELETE FROM document_rollups WHERE tenant_id = OLD.tenant_id AND table_name = 'bank_transactions' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS OLD.bank_account_xero_id AND n = 0;
END;
CREATE TRIGGER bank_transactions_rollup_update AFTER UPDATE OF tenant_id, type, status, currency_code, date, total, total_e4, bank_account_xero_id ON bank_transactions
WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.type IS NOT NEW.type OR OLD.status IS NOT NEW.status OR OLD.currency_code IS NOT NEW.currency_code OR OLD.date IS NOT NEW.date OR OLD.total IS NOT NEW.total OR OLD.total_e4 IS NOT NEW.total_e4 OR OLD.bank_account_xero_id IS NOT NEW.bank_account_xero_id
BEGIN
    UPDATE document_rollups SET n = n - 1, n_total = n_total - (OLD.total IS NOT NULL),
        n_e4 = n_e4 - ((CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 - IFNULL(CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END, 0)
    WHERE tenant_id = OLD.tenant_id AND table_name = 'bank_transactions' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS OLD.bank_account_xero_id;
    DELETE FROM document_rollups WHERE tenant_id = OLD.tenant_id AND table_name = 'bank_transactions' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS OLD.bank_account_xero_id AND n = 0;
    INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
    SELECT NEW.tenant_id, 'bank_transactions', NEW.date, NEW.type, NEW.status, NEW.currency_code, NEW.bank_account_xero_id, 0, 0, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM document_rollups WHERE tenant_id = NEW.tenant_id AND table_name = 'bank_transactions' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NEW.bank_account_xero_id);
    UPDATE document_rollups SET n = n + 1, n_total = n_total + (NEW.total IS NOT NULL),
        n_e4 = n_e4 + ((CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 + IFNULL(CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END, 0)
    WHERE tenant_id = NEW.tenant_id AND table_name = 'bank_transactions' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NEW.bank_account_xero_id;
END;

CREATE TRIGGER invoices_rollup_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
    SELECT NEW.tenant_id, 'invoices', NEW.date, NEW.type, NEW.status, NEW.currency_code, NULL, 0, 0, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM document_rollups WHERE tenant_id = NEW.tenant_id AND table_name = 'invoices' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NULL);
    UPDATE document_rollups SET n = n + 1, n_total = n_total + (NEW.total IS NOT NULL),
        n_e4 = n_e4 + ((CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 + IFNULL(CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END, 0)
    WHERE tenant_id = NEW.tenant_id AND table_name = 'invoices' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NULL;
END;
CREATE TRIGGER invoices_rollup_delete AFTER DELETE ON invoices BEGIN
    UPDATE document_rollups SET n = n - 1, n_total = n_total - (OLD.total IS NOT NULL),
        n_e4 = n_e4 - ((CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 - IFNULL(CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END, 0)
    WHERE tenant_id = OLD.tenant_id AND table_name = 'invoices' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS NULL;
    DELETE FROM document_rollups WHERE tenant_id = OLD.tenant_id AND table_name = 'invoices' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS NULL AND n = 0;
END;
CREATE TRIGGER invoices_rollup_update AFTER UPDATE OF tenant_id, type, status, currency_code, date, total, total_e4 ON invoices
WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.type IS NOT NEW.type OR OLD.status IS NOT NEW.status OR OLD.currency_code IS NOT NEW.currency_code OR OLD.date IS NOT NEW.date OR OLD.total IS NOT NEW.total OR OLD.total_e4 IS NOT NEW.total_e4
BEGIN
    UPDATE document_rollups SET n = n - 1, n_total = n_total - (OLD.total IS NOT NULL),
        n_e4 = n_e4 - ((CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 - IFNULL(CASE WHEN OLD.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN OLD.total_e4 END, 0)
    WHERE tenant_id = OLD.tenant_id AND table_name = 'invoices' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS NULL;
    DELETE FROM document_rollups WHERE tenant_id = OLD.tenant_id AND table_name = 'invoices' AND day IS OLD.date AND type IS OLD.type AND status IS OLD.status AND currency_code IS OLD.currency_code AND account IS NULL AND n = 0;
    INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
    SELECT NEW.tenant_id, 'invoices', NEW.date, NEW.type, NEW.status, NEW.currency_code, NULL, 0, 0, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM document_rollups WHERE tenant_id = NEW.tenant_id AND table_name = 'invoices' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NULL);
    UPDATE document_rollups SET n = n + 1, n_total = n_total + (NEW.total IS NOT NULL),
        n_e4 = n_e4 + ((CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END) IS NOT NULL), sum_e4 = sum_e4 + IFNULL(CASE WHEN NEW.total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN NEW.total_e4 END, 0)
    WHERE tenant_id = NEW.tenant_id AND table_name = 'invoices' AND day IS NEW.date AND type IS NEW.type AND status IS NEW.status AND currency_code IS NEW.currency_code AND account IS NULL;
END;

INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
SELECT tenant_id, 'bank_transactions', date, type, status, currency_code, bank_account_xero_id, COUNT(*), COUNT(total), COUNT(CASE WHEN total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN total_e4 END), IFNULL(SUM(CASE WHEN total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN total_e4 END), 0)
FROM bank_transactions GROUP BY tenant_id, date, type, status, currency_code, bank_account_xero_id;

INSERT INTO document_rollups (tenant_id, table_name, day, type, status, currency_code, account, n, n_total, n_e4, sum_e4)
SELECT tenant_id, 'invoices', date, type, status, currency_code, NULL, COUNT(*), COUNT(total), COUNT(CASE WHEN total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN total_e4 END), IFNULL(SUM(CASE WHEN total_e4 BETWEEN -9999999999999 AND 9999999999999 THEN total_e4 END), 0)
FROM invoices GROUP BY tenant_id, date, type, status, currency_code, NULL;

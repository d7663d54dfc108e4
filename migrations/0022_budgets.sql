-- Xero's budgets (GET Budgets, Budgets/{BudgetID}), kept so that the profit
-- and loss can be set against them offline. A budget is an OVERALL budget or
-- a TRACKING one (for one tracking option, kept as Xero's JSON); its lines
-- are an amount per account (AccountID and/or code, as Xero names it) per
-- month (`YYYY-MM`). Amounts are canonical decimal text, with the amount in
-- ten-thousandths beside it when it has that exact form (never summed as
-- text). Every change to either table has its audit row, written in the
-- same transaction.
CREATE TABLE budgets (
    tenant_id     TEXT NOT NULL,
    budget_id     TEXT NOT NULL,
    budget_type   TEXT NOT NULL,
    status        TEXT,
    description   TEXT,
    tracking_json TEXT NOT NULL DEFAULT '[]',
    updated_utc   TEXT,
    fetched_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, budget_id)
) STRICT;

CREATE TABLE budget_lines (
    tenant_id    TEXT NOT NULL,
    budget_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL DEFAULT '',
    account_code TEXT NOT NULL DEFAULT '',
    period       TEXT NOT NULL CHECK (length(period) = 7),
    amount       TEXT NOT NULL,
    amount_e4    INTEGER,
    notes        TEXT,
    PRIMARY KEY (tenant_id, budget_id, account_id, account_code, period),
    FOREIGN KEY (tenant_id, budget_id) REFERENCES budgets (tenant_id, budget_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX budget_lines_period ON budget_lines (tenant_id, budget_id, period);

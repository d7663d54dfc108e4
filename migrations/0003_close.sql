-- Bookkeeping procedures (SOPs) and the period-close checklist runs made from them.
--
-- 0002's placeholder tables (sops, checklists, checklist_items) were never
-- written by any release; they are replaced by the tables below.
DROP TABLE checklist_items;
DROP TABLE checklists;
DROP TABLE sops;

-- A procedure: its current version. Every saved version is kept in sop_versions.
CREATE TABLE sops (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    frequency   TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly', 'quarterly', 'yearly')),
    due_rule    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    archived_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- The current version's ordered steps. `body` is Markdown; `check_kind` names an
-- automated check evaluated on the ledger (NULL: a manual step).
CREATE TABLE sop_steps (
    sop_id      INTEGER NOT NULL REFERENCES sops (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    check_kind  TEXT,
    check_param INTEGER,
    PRIMARY KEY (sop_id, position)
) STRICT;

-- Every version of every procedure, as canonical JSON (title, owner, frequency,
-- due rule, steps), never changed once written.
CREATE TABLE sop_versions (
    sop_id     INTEGER NOT NULL REFERENCES sops (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    snapshot   TEXT NOT NULL,
    saved_at   TEXT NOT NULL,
    saved_by   TEXT NOT NULL,
    PRIMARY KEY (sop_id, version)
) STRICT;

-- One checklist run per organisation and period (`YYYY-MM`). Sign-off locks it
-- and records the SHA-256 of the period's ledger and the audit sequence then.
CREATE TABLE close_runs (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    period          TEXT NOT NULL,
    title           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    signed_off_at   TEXT,
    signed_off_by   TEXT,
    ledger_hash     TEXT,
    audit_seq       INTEGER,
    UNIQUE (tenant_id, period)
) STRICT;

-- A run's steps, copied from the procedures' versions when the run started.
CREATE TABLE close_run_steps (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES close_runs (id) ON DELETE CASCADE,
    sop_id         INTEGER NOT NULL,
    sop_version    INTEGER NOT NULL,
    sop_title      TEXT NOT NULL,
    position       INTEGER NOT NULL,
    body           TEXT NOT NULL,
    check_kind     TEXT,
    check_param    INTEGER,
    due_date       TEXT NOT NULL,
    done_at        TEXT,
    done_by        TEXT,
    note           TEXT,
    check_status   TEXT,
    check_summary  TEXT,
    evidence_json  TEXT,
    checked_at     TEXT,
    UNIQUE (run_id, sop_id, position)
) STRICT;
CREATE INDEX close_run_steps_run ON close_run_steps (run_id, id);

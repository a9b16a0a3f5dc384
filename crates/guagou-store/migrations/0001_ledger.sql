-- The quota ledger (SPEC §8) and the audit log.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. The application assigns every id
-- (no AUTOINCREMENT/SERIAL), amounts are BIGINT m², dates TEXT 'YYYY-MM-DD', JSON TEXT.
-- ledger_entries, ledger_legs and audit_log are append-only; ledger_lots only ever gets
-- consumed_by set once; the other tables are state derived from the journal, which
-- `verify` rebuilds and compares.

CREATE TABLE ledger_entries (
    seq BIGINT PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    effective TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    money_fen BIGINT,
    -- The whole Entry as JSON: the form that is hashed and verified; the columns above
    -- and the legs/lots rows are copies for queries, checked against it by verify.
    entry_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE ledger_legs (
    seq BIGINT NOT NULL REFERENCES ledger_entries (seq),
    idx BIGINT NOT NULL,
    account TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    PRIMARY KEY (seq, idx)
);

CREATE INDEX ledger_legs_by_account ON ledger_legs (account, seq);

CREATE TABLE ledger_lots (
    id BIGINT PRIMARY KEY,
    project TEXT NOT NULL,
    first_serial BIGINT NOT NULL,
    last_serial BIGINT NOT NULL,
    holder TEXT NOT NULL,
    parent BIGINT REFERENCES ledger_lots (id),
    created_by BIGINT NOT NULL REFERENCES ledger_entries (seq),
    consumed_by BIGINT REFERENCES ledger_entries (seq),
    CHECK (first_serial >= 1 AND first_serial <= last_serial)
);

-- Open lots of an account, oldest first: what every debit reads.
CREATE INDEX ledger_lots_open ON ledger_lots (holder, id) WHERE consumed_by IS NULL;
CREATE INDEX ledger_lots_by_serial ON ledger_lots (project, first_serial);
CREATE INDEX ledger_lots_by_creator ON ledger_lots (created_by);
CREATE INDEX ledger_lots_by_consumer ON ledger_lots (consumed_by);

CREATE TABLE ledger_balances (
    account TEXT PRIMARY KEY,
    balance_m2 BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL
);

CREATE TABLE ledger_projects (
    code TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    city TEXT NOT NULL,
    city_share_percent BIGINT NOT NULL,
    planned_surplus_m2 BIGINT NOT NULL,
    advanced_m2 BIGINT NOT NULL,
    issued_m2 BIGINT,
    next_serial BIGINT NOT NULL
);

CREATE TABLE ledger_listings (
    listing TEXT PRIMARY KEY,
    seller TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES ledger_entries (seq)
);

-- Counties whose advance right is suspended (二(四)); lifting is a recorded city decision,
-- audited by the caller in the same transaction.
CREATE TABLE ledger_suspended_counties (
    county TEXT PRIMARY KEY
);

-- Which entries were reversed and by which entry: the primary key makes a second reversal
-- of the same entry impossible even if the engine were bypassed.
CREATE TABLE ledger_reversals (
    target_seq BIGINT PRIMARY KEY REFERENCES ledger_entries (seq),
    reversal_seq BIGINT NOT NULL UNIQUE REFERENCES ledger_entries (seq)
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- Canonical JSON (object keys sorted), hashed exactly as stored.
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);

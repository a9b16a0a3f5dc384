-- The funds ledger (资金台账, guagou-domain funds.rs, guagou-registry funds.rs): transfer
-- proceeds, city investment received, spending and household compensation, in integer 分.
-- Portable SQL (SQLite and PostgreSQL): the application assigns every seq, amounts are BIGINT
-- 分, dates TEXT 'YYYY-MM-DD', JSON TEXT. funds_entries and funds_legs are append-only (a
-- correction is a reversing entry); funds_balances and funds_reversals are state derived from
-- the journal, which `verify_funds` rebuilds and compares.

CREATE TABLE funds_entries (
    seq BIGINT PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    -- The county (or the city) the entry is for: what jurisdiction checks read.
    county TEXT NOT NULL,
    project TEXT,
    effective TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- The whole entry as JSON: the form that is hashed and verified; the columns above and
    -- the legs rows are copies for queries, checked against it by verify.
    entry_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX funds_entries_by_county ON funds_entries (county, seq);

CREATE TABLE funds_legs (
    seq BIGINT NOT NULL REFERENCES funds_entries (seq),
    idx BIGINT NOT NULL,
    account TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (seq, idx)
);

CREATE INDEX funds_legs_by_account ON funds_legs (account, seq);

-- Holding accounts never below zero, sources never above: checked by the engine before the
-- write and again here, so a bug cannot store a hole.
CREATE TABLE funds_balances (
    account TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    nature TEXT NOT NULL,
    balance_fen BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL,
    CHECK (nature IN ('holding', 'source')),
    CHECK ((nature = 'holding' AND balance_fen >= 0) OR (nature = 'source' AND balance_fen <= 0))
);

CREATE INDEX funds_balances_by_county ON funds_balances (county, account);

CREATE TABLE funds_reversals (
    target_seq BIGINT PRIMARY KEY REFERENCES funds_entries (seq),
    reversal_seq BIGINT NOT NULL REFERENCES funds_entries (seq)
);

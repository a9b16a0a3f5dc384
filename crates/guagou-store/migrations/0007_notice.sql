-- Public notices (公示) of projects and villagers' objections (guagou-registry notice.rs,
-- guagou-web notice pages; SPEC §7 household lifecycle, seed 二(七)).
-- Portable SQL (SQLite and PostgreSQL): dates are TEXT `YYYY-MM-DD`, times TEXT RFC 3339 UTC
-- (they compare as strings), areas BIGINT m², money BIGINT 分. Rows are never deleted: a new
-- notice of the same project gets the next `seq`.

-- A published notice: a snapshot of the project as the villagers were told it.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,                -- `<project code>/<seq>`
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    county TEXT NOT NULL,
    version BIGINT NOT NULL,            -- the project version whose households were taken
    project_name TEXT NOT NULL,
    township TEXT NOT NULL,             -- JSON {"code","name"} or null
    villages TEXT NOT NULL,             -- JSON [{"code","name"}]
    demolition_m2 BIGINT NOT NULL,
    resettlement_m2 BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    standards TEXT NOT NULL,            -- JSON [{"item","basis","amount_fen"}]
    standards_text TEXT NOT NULL,
    contact TEXT NOT NULL,
    households_source TEXT NOT NULL,    -- `package` (stored package of the version) | `upload`
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (code, seq)
);

-- The affected households as published: names already MASKED (full names and household ids
-- stay in the project package, never here).
CREATE TABLE notice_households (
    notice_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    masked_name TEXT NOT NULL,
    village TEXT,
    persons BIGINT,
    consent TEXT NOT NULL,              -- consented | refused | pending
    method TEXT,                        -- concentrated | monetary | self_arranged | dispersed
    PRIMARY KEY (notice_id, idx)
);

-- An objection filed on the public page, and the staff's answer. `client_hash` is the SHA-256
-- of the client address (for the hourly limit only; never shown).
CREATE TABLE notice_objections (
    receipt TEXT PRIMARY KEY,
    notice_id TEXT NOT NULL,
    code TEXT NOT NULL,
    objector TEXT NOT NULL,             -- as given; empty when anonymous
    contact TEXT NOT NULL,
    text TEXT NOT NULL,
    client_hash TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    answer TEXT,
    answered_on TEXT,
    answered_by TEXT,
    answered_at TEXT
);

CREATE INDEX notice_objections_notice ON notice_objections (notice_id, filed_at);
CREATE INDEX notice_objections_client ON notice_objections (notice_id, client_hash, filed_at);

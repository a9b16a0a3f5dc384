-- Departments' reviews of a project (三(一): 规划 on the site, 住建 on quality and safety, 农业
-- on reclaimed soil, 林业 on forest land, each with the departments taking part) and the audit
-- bureau's findings (资金的审计和监督). Both are decisions on record: every row has its audit
-- record (`project.review`, `audit.finding`), which `guagou verify` checks. Portable SQL.
CREATE TABLE project_reviews (
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    topic TEXT NOT NULL,
    department TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    text TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (code, seq)
);

CREATE TABLE audit_findings (
    id TEXT PRIMARY KEY,
    -- The county (or city) the finding concerns: it owns the record.
    county TEXT NOT NULL,
    -- The project it concerns, if any.
    project TEXT,
    text TEXT NOT NULL,
    found_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX audit_findings_county ON audit_findings (county);

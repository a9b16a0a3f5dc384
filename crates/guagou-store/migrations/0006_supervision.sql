-- Supervision (SPEC §9, policy 三(二)): inspections with findings and rectification, public
-- criticism and commendation, and the city's decided yearly allocation of its linkage plan.
-- Portable SQL (SQLite and PostgreSQL). Dates are TEXT 'YYYY-MM-DD'; amounts BIGINT m².
-- History of every change is in audit_log; these tables hold the current state.

CREATE TABLE inspections (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    project TEXT,
    kind TEXT NOT NULL,
    inspected_on TEXT NOT NULL,
    inspector TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    closed_on TEXT
);

CREATE INDEX inspections_county ON inspections (county);

CREATE TABLE inspection_findings (
    inspection_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    rectification TEXT,
    rectified_on TEXT,
    rectified_by TEXT,
    closure_note TEXT,
    closed_on TEXT,
    closed_by TEXT,
    PRIMARY KEY (inspection_id, seq)
);

CREATE TABLE supervision_notices (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    clause TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    lifted_on TEXT,
    lifted_by TEXT,
    lift_reason TEXT
);

CREATE TABLE linkage_allocations (
    year BIGINT PRIMARY KEY,
    total_m2 BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    calculation_json TEXT NOT NULL
);

CREATE TABLE linkage_allocation_shares (
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    allocated_m2 BIGINT NOT NULL,
    PRIMARY KEY (year, county)
);

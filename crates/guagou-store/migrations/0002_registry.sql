-- The registry: divisions with poverty data, special plans, projects with versions,
-- acceptance, sanctions and obligations, land supplies, planning adjustments.
-- Portable SQL (SQLite and PostgreSQL). Dates are TEXT 'YYYY-MM-DD'; amounts BIGINT m².
-- History of every change is in audit_log; these tables hold the current state.

CREATE TABLE divisions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT,
    poverty_level TEXT,
    designated_on TEXT,
    exited_on TEXT,
    poor_village BIGINT NOT NULL DEFAULT 0,
    relocation_village BIGINT NOT NULL DEFAULT 0,
    poor_households BIGINT NOT NULL DEFAULT 0,
    relocation_households BIGINT NOT NULL DEFAULT 0,
    boundary_geojson TEXT
);

CREATE TABLE special_plans (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    title TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_on TEXT NOT NULL,
    approved_on TEXT,
    filed_on TEXT
);

CREATE TABLE plan_scope (
    plan_id TEXT NOT NULL,
    village TEXT NOT NULL,
    PRIMARY KEY (plan_id, village)
);

CREATE TABLE plan_opinions (
    plan_id TEXT NOT NULL,
    department TEXT NOT NULL,
    opinion TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    PRIMARY KEY (plan_id, department)
);

CREATE TABLE projects (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    county TEXT NOT NULL,
    township TEXT,
    state TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    planned_surplus_m2 BIGINT NOT NULL,
    submitted_on TEXT,
    approved_on TEXT,
    accepted_on TEXT,
    city_invested BIGINT NOT NULL DEFAULT 0,
    funding_source TEXT,
    city_share_percent BIGINT NOT NULL DEFAULT 0,
    construction_zone_plan TEXT
);

CREATE TABLE project_versions (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_on TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    check_json TEXT NOT NULL,
    blocking BIGINT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE project_parcels (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    township TEXT,
    planar_m2 DOUBLE PRECISION NOT NULL,
    ellipsoidal_m2 DOUBLE PRECISION NOT NULL,
    geometry_geojson TEXT NOT NULL,
    PRIMARY KEY (code, version, role, name)
);

CREATE TABLE acceptances (
    code TEXT PRIMARY KEY,
    applied_on TEXT NOT NULL,
    change_version BIGINT,
    reclaimed_m2 BIGINT NOT NULL,
    resettlement_m2 BIGINT NOT NULL,
    reclaimed_farmland_m2 BIGINT NOT NULL,
    resettlement_farmland_m2 BIGINT NOT NULL,
    decided_on TEXT,
    decision TEXT
);

CREATE TABLE sanctions (
    key TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    county TEXT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    overdue_since TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    clause TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE TABLE obligations (
    key TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    opened_on TEXT NOT NULL,
    closed_on TEXT
);

CREATE TABLE land_supplies (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    zone TEXT NOT NULL,
    land_use TEXT NOT NULL,
    area_m2 BIGINT NOT NULL,
    backing TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    ledger_seq BIGINT
);

CREATE TABLE adjustments (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    year BIGINT NOT NULL,
    applied_on TEXT NOT NULL,
    reason TEXT NOT NULL
);

CREATE INDEX projects_by_county ON projects (county, state);
CREATE INDEX parcels_by_role ON project_parcels (role, code);
CREATE INDEX adjustments_by_county_year ON adjustments (county, year);

-- Stored base layers (底图, guagou-base): each row is one imported GeoPackage in the data
-- directory's base/ folder, named by `file` relative to it. The file is never edited: a new
-- survey is a new vintage, a corrected one replaces the row (replaced_by), and checks name
-- the layer id and sha256 they read. Portable SQL (SQLite and PostgreSQL).

CREATE TABLE base_layers (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    county TEXT NOT NULL,
    vintage BIGINT NOT NULL,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    features BIGINT NOT NULL,
    class_field TEXT NOT NULL,
    source TEXT NOT NULL,
    source_crs TEXT NOT NULL,
    -- Per class code: features, area (m²) and whether the class table knows it, as JSON.
    classes_json TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    replaced_by BIGINT
);

CREATE INDEX base_layers_by_county ON base_layers (kind, county, vintage);

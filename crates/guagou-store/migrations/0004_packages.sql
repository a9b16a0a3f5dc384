-- Uploaded project packages (guagou-registry packages.rs, guagou-web upload pages).
-- Portable SQL (SQLite and PostgreSQL). Zip bytes are BYTEA: PostgreSQL's binary type; SQLite
-- accepts any type name and keeps a bound blob as a blob (BYTEA has no text affinity), and
-- sqlx's Any driver decodes by the stored value's type, so `Vec<u8>` round-trips on both.
-- Times are TEXT RFC 3339 UTC, so they compare as strings.

-- The package (zip) of every saved version of a project, exactly as uploaded or as built from
-- the uploaded files, with its SHA-256 (hex): nothing a county submitted is lost.
CREATE TABLE project_packages (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    zip BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

-- An upload checked but not yet saved (the pre-check page's "save" button carries the token).
-- `project` is the project a new version is for (NULL for a new project). Expired rows are
-- deleted whenever an upload is kept.
CREATE TABLE pending_uploads (
    token TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    project TEXT,
    file_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    zip BYTEA NOT NULL
);

CREATE INDEX pending_uploads_expires ON pending_uploads (expires_at);

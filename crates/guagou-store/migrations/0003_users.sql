-- Web users, their sessions and failed login attempts (guagou-web).
-- Portable SQL (SQLite and PostgreSQL). Times are TEXT RFC 3339 UTC ('YYYY-MM-DDTHH:MM:SSZ'),
-- so they compare as strings. A session row keeps the SHA-256 of its token, never the token.

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    division TEXT NOT NULL,
    department TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_user_name ON sessions (user_name);

CREATE TABLE login_attempts (
    name TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX login_attempts_name_at ON login_attempts (name, at);

-- User administration (the web's 用户管理): administrators, and accounts that are disabled rather
-- than deleted (their audit records keep naming them). Portable SQL (SQLite and PostgreSQL).
ALTER TABLE users ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
-- The first administrator created by `guagou serve` on an empty registry.
UPDATE users SET is_admin = 1 WHERE name = 'admin';

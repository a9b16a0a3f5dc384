-- Sign-in decided before any password is checked (guagou-registry accounts.rs): every attempt
-- is reserved as 'pending' in the write transaction that counts the earlier ones, then marked
-- 'failed' (or deleted with the name's other attempts on success). Rows written before this
-- migration were failures. Portable SQL.
ALTER TABLE login_attempts ADD COLUMN attempt TEXT;
ALTER TABLE login_attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT 'failed';
CREATE INDEX login_attempts_attempt ON login_attempts (attempt);

-- Keys the server keeps in its database so that every process of a deployment agrees on them:
-- the HMAC key that binds a sign-in form's token to its pre-login cookie. Hex text.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- The audit log's structured subject: the kind of the subject and the divisions that own it
-- (space-separated division codes with a space before and after each, ' 511722 510100 '), so
-- that the audit view filters by owning division and never by the text of an id. Records
-- written before keep empty values (and their hashes: empty fields are not hashed).
ALTER TABLE audit_log ADD COLUMN subject_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN owners TEXT NOT NULL DEFAULT '';

-- Failed logins also remember the client address (when the server knows it), so that guessing
-- passwords across many names from one address is throttled too. Portable SQL.
ALTER TABLE login_attempts ADD COLUMN address TEXT;
CREATE INDEX login_attempts_address_at ON login_attempts (address, at);

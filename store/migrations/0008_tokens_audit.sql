-- Tokens with names and roles. Only a token's SHA-256 is kept; the token
-- itself is shown once, when it is made. A token scoped to a publisher sees
-- only that publisher's advisories and their cases. Revoking deletes the
-- row, and with it every session opened with the token.
CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer', 'metrics')),
	publisher  TEXT NOT NULL DEFAULT '',
	hash       BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	created_by TEXT NOT NULL
);

-- The admin token made by an earlier Heed (its hash was a setting) becomes
-- the token named admin.
INSERT INTO tokens (name, role, hash, created_at, created_by)
SELECT 'admin', 'admin', unhex(value), CAST(unixepoch('subsec') * 1000 AS INTEGER), 'generated'
FROM settings WHERE key = 'admin_token_sha256' AND length(value) = 64 AND unhex(value) IS NOT NULL;
DELETE FROM settings WHERE key = 'admin_token_sha256';

-- Operator sessions (the pages' sign-in) live here, not only in a cookie:
-- signing out or revoking deletes the row, and the cookie opens nothing.
-- The cookie holds a random secret; only its SHA-256 is kept.
CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	hash       BLOB NOT NULL UNIQUE,
	token_id   INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	ip         TEXT NOT NULL,
	agent      TEXT NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_id);

-- Every change made through the API, the pages or the CLI: when, by which
-- token (its name, copied: the record outlives the token), through what,
-- what was done and to which object. Newest first by id.
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	via    TEXT NOT NULL,
	action TEXT NOT NULL,
	object TEXT NOT NULL,
	detail TEXT NOT NULL
);

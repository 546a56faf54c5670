-- Every advisory belongs to the publisher that first published it (named
-- in the configuration; "default" for the one publisher of a configuration
-- that names none, and for the advisories stored before publishers).
ALTER TABLE advisories ADD COLUMN publisher TEXT NOT NULL DEFAULT 'default';
CREATE INDEX advisories_publisher ON advisories (publisher);

-- An advisory revision that would open more cases than its publisher's
-- hold_above waits here, opening nothing, until an operator approves or
-- discards it. One waiting revision per advisory.
CREATE TABLE held_advisories (
	id          TEXT PRIMARY KEY,
	revision    TEXT NOT NULL,
	publisher   TEXT NOT NULL,
	title       TEXT NOT NULL,
	severity    TEXT NOT NULL,
	would_open  INTEGER NOT NULL,
	doc         BLOB NOT NULL,
	received_at INTEGER NOT NULL
);

-- Heed's first schema. Times are Unix milliseconds (UTC).

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	language   TEXT NOT NULL DEFAULT 'en',
	timezone   TEXT NOT NULL DEFAULT 'UTC',
	created_at INTEGER NOT NULL
);

CREATE TABLE contacts (
	id         INTEGER PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	role       TEXT NOT NULL CHECK (role IN ('primary', 'escalation')),
	bounced_at INTEGER,
	bounce     TEXT NOT NULL DEFAULT '',
	UNIQUE (org_id, email)
);

CREATE TABLE items (
	id      INTEGER PRIMARY KEY,
	org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	vendor  TEXT NOT NULL DEFAULT '',
	product TEXT NOT NULL DEFAULT '',
	version TEXT NOT NULL DEFAULT '',
	cpe     TEXT NOT NULL DEFAULT '',
	purl    TEXT NOT NULL DEFAULT '',
	asset   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX items_org ON items (org_id);

-- Candidate-lookup keys computed by the matcher for each item.
CREATE TABLE item_keys (
	key     TEXT NOT NULL,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	PRIMARY KEY (key, item_id)
) WITHOUT ROWID;
CREATE INDEX item_keys_item ON item_keys (item_id);

CREATE TABLE advisories (
	id          TEXT PRIMARY KEY,
	revision    TEXT NOT NULL,
	format      TEXT NOT NULL,
	title       TEXT NOT NULL,
	severity    TEXT NOT NULL,
	withdrawn   INTEGER NOT NULL DEFAULT 0,
	scan_all    INTEGER NOT NULL DEFAULT 0, -- some entry has no lookup key: match it against every item
	doc         BLOB NOT NULL,
	received_at INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

-- Candidate-lookup keys of each advisory, to find the advisories an
-- inventory change may hit.
CREATE TABLE advisory_keys (
	key         TEXT NOT NULL,
	advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
	PRIMARY KEY (key, advisory_id)
) WITHOUT ROWID;

CREATE TABLE cases (
	id               TEXT PRIMARY KEY,
	advisory_id      TEXT NOT NULL REFERENCES advisories(id),
	org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	state            TEXT NOT NULL CHECK (state IN ('open', 'scheduled', 'answered', 'closed', 'watching')),
	opened_at        INTEGER NOT NULL,
	due_at           INTEGER NOT NULL,
	reminders_sent   INTEGER NOT NULL DEFAULT 0,
	reminder_step    INTEGER NOT NULL DEFAULT 0,
	next_reminder_at INTEGER,
	escalated        INTEGER NOT NULL DEFAULT 0,
	answer_status    TEXT NOT NULL DEFAULT '',
	answer_at        INTEGER,
	answer_note      TEXT NOT NULL DEFAULT '',
	answer_until     INTEGER,
	answer_ip        TEXT NOT NULL DEFAULT '',
	answer_agent     TEXT NOT NULL DEFAULT '',
	answer_contact   INTEGER,
	closed_reason    TEXT NOT NULL DEFAULT '',
	updated_at       INTEGER NOT NULL,
	UNIQUE (advisory_id, org_id)
);
CREATE INDEX cases_next ON cases (next_reminder_at) WHERE next_reminder_at IS NOT NULL;
CREATE INDEX cases_org ON cases (org_id);

-- What a case is about, copied from the inventory when it matched: the
-- evidence stays when the inventory is later replaced.
CREATE TABLE case_items (
	id        INTEGER PRIMARY KEY,
	case_id   TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
	vendor    TEXT NOT NULL,
	product   TEXT NOT NULL,
	version   TEXT NOT NULL,
	cpe       TEXT NOT NULL,
	purl      TEXT NOT NULL,
	asset     TEXT NOT NULL,
	certainty TEXT NOT NULL,
	reason    TEXT NOT NULL,
	UNIQUE (case_id, vendor, product, version, cpe, purl, asset)
);

CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	case_id         TEXT REFERENCES cases(id) ON DELETE CASCADE,
	contact_id      INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
	kind            TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	message_id      TEXT NOT NULL UNIQUE,
	message         BLOB NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'held', 'cancelled')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_reply      TEXT NOT NULL DEFAULT '',
	sent_at         INTEGER,
	created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_case ON outbox (case_id);

CREATE TABLE rejected (
	id          INTEGER PRIMARY KEY,
	subject     TEXT NOT NULL,
	stream_seq  INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	payload     BLOB NOT NULL,
	UNIQUE (stream_seq)
);

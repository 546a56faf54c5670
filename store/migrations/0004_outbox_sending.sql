-- A mail is claimed in its own commit before the SMTP exchange: state
-- 'sending' with the time of the claim. A claim whose outcome was never
-- recorded (Heed was killed during the exchange, or could not commit the
-- outcome) is taken up again only once it is older than the claim timeout.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE outbox_new (
	id              INTEGER PRIMARY KEY,
	case_id         TEXT REFERENCES cases(id) ON DELETE CASCADE,
	contact_id      INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
	kind            TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	message_id      TEXT NOT NULL UNIQUE,
	message         BLOB NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held', 'cancelled')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_reply      TEXT NOT NULL DEFAULT '',
	sent_at         INTEGER,
	created_at      INTEGER NOT NULL,
	claimed_at      INTEGER
);
INSERT INTO outbox_new (id, case_id, contact_id, kind, seq, recipient, subject, message_id, message, state,
	attempts, next_attempt_at, last_reply, sent_at, created_at)
SELECT id, case_id, contact_id, kind, seq, recipient, subject, message_id, message, state,
	attempts, next_attempt_at, last_reply, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_case ON outbox (case_id);

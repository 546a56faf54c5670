-- Case events for other systems (CloudEvents on JetStream): written in the
-- transaction of the change they describe, published from here, marked
-- published after JetStream's ack, and deleted some time after that. seq is
-- the order they are published in.
CREATE TABLE events (
	seq          INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	case_id      TEXT NOT NULL,
	at           INTEGER NOT NULL,
	data         TEXT NOT NULL,
	published_at INTEGER
);
CREATE INDEX events_unpublished ON events (seq) WHERE published_at IS NULL;
CREATE INDEX events_published ON events (published_at) WHERE published_at IS NOT NULL;

-- When Heed saw the case past its due date unanswered, and said so (the
-- overdue event); NULL: not yet. Reopening a case clears it. The index
-- holds only the open, silent cases not yet seen overdue.
ALTER TABLE cases ADD COLUMN overdue_at INTEGER;
CREATE INDEX cases_overdue_watch ON cases (due_at)
	WHERE overdue_at IS NULL AND state = 'open' AND answer_status = '';

-- Which events JetStream acknowledged is kept as marks of ranges, not on
-- each event: the events stage publishes them in order and records that
-- every event up to one was acknowledged (event_marks.last_seq), at a time
-- (published_at, the same for a batch as before). A fan-out records an
-- event per case opened; marking each published rewrote its row and moved
-- it between two partial indexes, in write transactions beside the
-- apply's and delivery's, and its unique id was one more index entry
-- (ids are random and never looked up). seq never goes back (AUTOINCREMENT),
-- even once every event is pruned: the marks compare with it.
CREATE TABLE events_new (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	id      TEXT NOT NULL,
	kind    TEXT NOT NULL,
	case_id TEXT NOT NULL,
	at      INTEGER NOT NULL,
	data    TEXT NOT NULL
);
INSERT INTO events_new (seq, id, kind, case_id, at, data) SELECT seq, id, kind, case_id, at, data FROM events;
CREATE TABLE event_marks (
	last_seq     INTEGER PRIMARY KEY, -- every event up to it was published
	published_at INTEGER NOT NULL
);
-- The published events before the first one not published, a mark where
-- the time they were marked changes; any published after that one are
-- published again, and JetStream drops them as duplicates.
INSERT INTO event_marks (last_seq, published_at)
SELECT seq, published_at FROM (
	SELECT seq, published_at, lead(published_at) OVER (ORDER BY seq) AS next FROM events
	WHERE seq < coalesce((SELECT min(seq) FROM events WHERE published_at IS NULL), 9223372036854775807))
WHERE next IS NULL OR next <> published_at;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- Mail received at a case's reply address, kept for the operator whatever
-- it meant: the sender, the subject, the first unquoted line, and what Heed
-- did with it (answered, not_contact, no_answer, unauthenticated, closed,
-- automatic).
CREATE TABLE replies (
	id          INTEGER PRIMARY KEY,
	received_at INTEGER NOT NULL,
	case_id     TEXT NOT NULL,
	sender      TEXT NOT NULL,
	subject     TEXT NOT NULL,
	line        TEXT NOT NULL,
	outcome     TEXT NOT NULL
);
CREATE INDEX replies_received ON replies (received_at DESC);

-- Every answer given through a link is kept, in order: the case shows the
-- latest (cases.answer_*), the history says who answered what, and when.
-- The contact's address is copied, so the history outlives the contact.
CREATE TABLE answers (
	id            INTEGER PRIMARY KEY,
	case_id       TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
	contact_id    INTEGER,
	contact_email TEXT NOT NULL,
	status        TEXT NOT NULL,
	note          TEXT NOT NULL,
	until         INTEGER,
	at            INTEGER NOT NULL,
	ip            TEXT NOT NULL,
	agent         TEXT NOT NULL
);
CREATE INDEX answers_case ON answers (case_id, id);

-- The answers given before: each case's last one.
INSERT INTO answers (case_id, contact_id, contact_email, status, note, until, at, ip, agent)
SELECT c.id, c.answer_contact, coalesce(k.email, ''), c.answer_status, c.answer_note, c.answer_until,
	coalesce(c.answer_at, c.updated_at), c.answer_ip, c.answer_agent
FROM cases c LEFT JOIN contacts k ON k.id = c.answer_contact
WHERE c.answer_status <> '';

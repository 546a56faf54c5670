-- heed: foreign keys off while this runs
-- One index of cases fewer, written by every case opened: the unique
-- (advisory, organization) becomes (organization, advisory), which also
-- serves what cases_org served (an organization's cases, the name search,
-- deleting an organization's cases with it); an advisory's cases are read
-- through cases_advisory_list. SQLite changes a table's UNIQUE only by
-- rebuilding the table; the other tables keep referring to cases by name.
CREATE TABLE cases_new (
	id                   TEXT PRIMARY KEY,
	advisory_id          TEXT NOT NULL REFERENCES advisories(id),
	org_id               TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	state                TEXT NOT NULL CHECK (state IN ('open', 'scheduled', 'answered', 'closed', 'watching')),
	opened_at            INTEGER NOT NULL,
	due_at               INTEGER NOT NULL,
	reminders_sent       INTEGER NOT NULL DEFAULT 0,
	reminder_step        INTEGER NOT NULL DEFAULT 0,
	next_reminder_at     INTEGER,
	escalated            INTEGER NOT NULL DEFAULT 0,
	answer_status        TEXT NOT NULL DEFAULT '',
	answer_at            INTEGER,
	answer_note          TEXT NOT NULL DEFAULT '',
	answer_until         INTEGER,
	answer_ip            TEXT NOT NULL DEFAULT '',
	answer_agent         TEXT NOT NULL DEFAULT '',
	answer_contact       INTEGER,
	closed_reason        TEXT NOT NULL DEFAULT '',
	updated_at           INTEGER NOT NULL,
	answer_justification TEXT NOT NULL DEFAULT '',
	answer_version       TEXT NOT NULL DEFAULT '',
	told_revision        TEXT NOT NULL DEFAULT '',
	seen_at              INTEGER,
	seen_by              TEXT NOT NULL DEFAULT '',
	overdue_at           INTEGER,
	exploited_at         INTEGER,
	UNIQUE (org_id, advisory_id)
);
INSERT INTO cases_new (id, advisory_id, org_id, state, opened_at, due_at, reminders_sent, reminder_step,
	next_reminder_at, escalated, answer_status, answer_at, answer_note, answer_until, answer_ip, answer_agent,
	answer_contact, closed_reason, updated_at, answer_justification, answer_version, told_revision, seen_at,
	seen_by, overdue_at, exploited_at)
SELECT id, advisory_id, org_id, state, opened_at, due_at, reminders_sent, reminder_step,
	next_reminder_at, escalated, answer_status, answer_at, answer_note, answer_until, answer_ip, answer_agent,
	answer_contact, closed_reason, updated_at, answer_justification, answer_version, told_revision, seen_at,
	seen_by, overdue_at, exploited_at FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_next ON cases (next_reminder_at) WHERE next_reminder_at IS NOT NULL;
CREATE INDEX cases_list ON cases (state <> 'open', due_at, opened_at, id);
CREATE INDEX cases_overdue_watch ON cases (due_at)
	WHERE overdue_at IS NULL AND state = 'open' AND answer_status = '';
CREATE INDEX cases_advisory_list ON cases (advisory_id, state <> 'open', due_at, opened_at, id, state);
CREATE INDEX cases_state_list ON cases (state, due_at, opened_at, id, answer_status);

-- A digest is one mail about several cases: the cases it carried a reminder
-- of, so each case's history shows that it was told, and when.
CREATE TABLE mail_cases (
	mail_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
	case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
	seq     INTEGER NOT NULL, -- which reminder of the case it was
	PRIMARY KEY (mail_id, case_id)
) WITHOUT ROWID;
CREATE INDEX mail_cases_case ON mail_cases (case_id);

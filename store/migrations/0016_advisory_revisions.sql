-- Every revision of an advisory Heed applied, in order: the advisories
-- table keeps only the latest, and the operator's page of an advisory
-- shows its history. The revisions stored before this start it.
CREATE TABLE advisory_revisions (
	advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
	revision    TEXT NOT NULL,
	title       TEXT NOT NULL,
	severity    TEXT NOT NULL,
	withdrawn   INTEGER NOT NULL,
	applied_at  INTEGER NOT NULL,
	PRIMARY KEY (advisory_id, revision)
) WITHOUT ROWID;

INSERT INTO advisory_revisions (advisory_id, revision, title, severity, withdrawn, applied_at)
SELECT id, revision, title, severity, withdrawn, updated_at FROM advisories;

-- The revision of its advisory a case's organization was last told about
-- (by its notice, a reminder, a digest or an "updated" mail). Empty for
-- cases told before this was recorded.
ALTER TABLE cases ADD COLUMN told_revision TEXT NOT NULL DEFAULT '';

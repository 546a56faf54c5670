-- A mail's body lives apart from its row. Delivery changes a mail's row
-- twice (the claim before its SMTP exchange, the outcome after it); with
-- the body in the row, SQLite wrote the whole body again each time (its
-- overflow pages, about 12 KB a mail), three copies of every mail in the
-- log. Kept bodies are found oldest first by created_at, for the pruning
-- after store.mail_body_retention.
CREATE TABLE mail_bodies (
	mail_id    INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	message    BLOB NOT NULL
);
CREATE INDEX mail_bodies_created ON mail_bodies (created_at);
INSERT INTO mail_bodies (mail_id, created_at, message)
	SELECT id, created_at, message FROM outbox WHERE length(message) > 0;
DROP INDEX outbox_kept_bodies;
ALTER TABLE outbox DROP COLUMN message;

-- The parts of a message that every recipient of an advisory's mail shares
-- (the advisory and its remedies, quoted-printable encoded, in the text and
-- the HTML part: about half of each mail) are stored once, in mail_shared,
-- instead of in every mail's body: an advisory hitting 10,000 organizations
-- wrote 113 MB of bodies. A body that uses one keeps its own bytes in
-- message, and in splices where the shared pieces go (see store/bodies.go).
-- Ids are never reused (AUTOINCREMENT): readers keep shared bodies by id.
CREATE TABLE mail_shared (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	hash       BLOB NOT NULL UNIQUE, -- SHA-256 of body
	created_at INTEGER NOT NULL,
	body       BLOB NOT NULL
);
ALTER TABLE mail_bodies ADD COLUMN shared_id INTEGER REFERENCES mail_shared(id);
ALTER TABLE mail_bodies ADD COLUMN splices BLOB;
CREATE INDEX mail_bodies_shared ON mail_bodies (shared_id) WHERE shared_id IS NOT NULL;

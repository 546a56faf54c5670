-- The first human-looking opening of a case's link: when, and the address
-- of the contact whose link it was. A hint only: mail scanners open links
-- too.
ALTER TABLE cases ADD COLUMN seen_at INTEGER;
ALTER TABLE cases ADD COLUMN seen_by TEXT NOT NULL DEFAULT '';

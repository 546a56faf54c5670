-- What an answer means: "not affected" gives a justification from the
-- CSAF/OpenVEX set (stored as its code); "patched" may give the version now
-- running.
ALTER TABLE cases ADD COLUMN answer_justification TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN answer_version TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN justification TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN version TEXT NOT NULL DEFAULT '';

-- Near misses for review: an item whose vendor is an affected product's
-- and whose product name is close to it (words added or dropped), at a
-- version inside the range. Recorded, not mailed, until an operator
-- confirms (the case opens, the alias is learnt) or dismisses it. pair
-- names what a decision is about (the item's and the advisory's folded
-- names), so a later revision finding the same pair again finds the
-- decision.
CREATE TABLE near_misses (
	id           TEXT PRIMARY KEY,
	advisory_id  TEXT NOT NULL REFERENCES advisories(id),
	org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	pair         TEXT NOT NULL,
	vendor       TEXT NOT NULL,            -- the item, as the inventory writes it
	product      TEXT NOT NULL,
	version      TEXT NOT NULL,
	asset        TEXT NOT NULL DEFAULT '',
	adv_vendor   TEXT NOT NULL,            -- the advisory's product, as it writes it
	adv_product  TEXT NOT NULL,
	why          TEXT NOT NULL,            -- words_added or words_dropped
	words        TEXT NOT NULL,            -- those words, space-separated
	reason_code  TEXT NOT NULL,            -- why the version is inside (store.Reason)
	reason_args  TEXT NOT NULL,            -- its arguments, a JSON array
	state        TEXT NOT NULL DEFAULT 'pending', -- pending, confirmed, dismissed
	found_at     INTEGER NOT NULL,
	decided_at   INTEGER,
	decided_by   TEXT NOT NULL DEFAULT '',
	UNIQUE (advisory_id, org_id, pair)
);
CREATE INDEX near_misses_state ON near_misses (state, found_at);
CREATE INDEX near_misses_org ON near_misses (org_id);

-- Aliases learnt from confirmed near misses, added to the configured ones
-- in id order at every start.
CREATE TABLE learnt_aliases (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL,   -- vendor or product
	names         TEXT NOT NULL,   -- JSON array of the names, the advisory's first
	near_miss_id  TEXT NOT NULL DEFAULT '',
	learnt_at     INTEGER NOT NULL
);
